"""Rewrite what is generated from the category declarations (``make generate``).

* ``core/coinrelay/_generated_relay.py`` and ``_generated_sync.py``: the typed per-category
  methods of ``Relay`` and ``SyncRelay`` (:func:`coinrelay._methods.render_modules`);
* the blocks of ``docs/`` between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``:
  the fetch hook reference (writing-a-provider.md), the query parameters (http-api.md) and
  the cache defaults (configuration.md).

``--check`` changes nothing, lists what is stale and exits 1; ``tests/test_categories.py``
runs the same check.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from coinrelay._categories import BUILTIN, CATEGORIES, CategorySpec
from coinrelay._methods import param_doc, render_modules

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _md(text: str) -> str:
    """reStructuredText inline literals as Markdown, on one line."""
    return " ".join(text.replace("``", "`").split())


def _specs() -> list[CategorySpec]:
    return [CATEGORIES[name] for name in BUILTIN]


def hook_reference() -> str:
    """One ``#### fetch_<category>`` section per category: signature, what to return, the parameters."""
    out = []
    for spec in _specs():
        params = ", ".join(["ctx: ProviderContext", *(f"{p.name}: {p.annotation}" for p in spec.params)])
        rows = "\n".join(f"| `{p.name}` | {_md(param_doc(p))} |" for p in spec.params)
        built_in = " No plugin shipped with coinrelay serves it." if spec.third_party else ""
        out.append(
            f"#### {spec.hook}\n\n"
            f"```python\nasync def {spec.hook}({params}) -> {spec.result.__name__} | None\n```\n\n"
            f"{spec.summary} {_md(spec.description)}{built_in}\n\n"
            f"| parameter | |\n|---|---|\n{rows}\n"
        )
    return "\n".join(out)


def http_parameters() -> str:
    """The table of query parameters per category (``GET /api/v1/<category>``)."""

    def cell(spec: CategorySpec) -> str:
        parts = []
        for p in spec.params:
            when = "required" if p.required else (f"`{p.default}`" if p.default is not None else "optional")
            parts.append(f"`{p.name}` ({when}; {p.describe()})")
        return ", ".join(parts) or "none"

    rows = "\n".join(f"| `{s.name}` | {cell(s)} |" for s in _specs())
    return f"| category | parameters (default; allowed) |\n|---|---|\n{rows}\n"


def cache_defaults() -> str:
    """The table of ``[cache.ttl]`` / ``[cache.max_stale]`` defaults per category."""
    rows = "\n".join(f"| `{s.name}` | {s.ttl:g} | {s.max_stale:g} |" for s in _specs())
    return f"| category | `ttl` (s) | `max_stale` (s) |\n|---|---|---|\n{rows}\n"


#: file -> block name -> its renderer.
BLOCKS: dict[Path, dict[str, Callable[[], str]]] = {
    DOCS / "writing-a-provider.md": {"fetch hooks": hook_reference},
    DOCS / "http-api.md": {"query parameters": http_parameters},
    DOCS / "configuration.md": {"cache defaults": cache_defaults},
}


def render_blocks(text: str, blocks: dict[str, Callable[[], str]], path: Path) -> str:
    """``text`` with each ``<!-- generated: NAME -->`` block rendered anew."""
    for name, render in blocks.items():
        pattern = re.compile(rf"(<!-- generated: {re.escape(name)} -->\n).*?(<!-- end generated -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"{path}: no '<!-- generated: {name} -->' ... '<!-- end generated -->' block")
        text = pattern.sub(lambda m, r=render: m.group(1) + "\n" + r() + "\n" + m.group(2), text)
    return text


def outputs() -> dict[Path, str]:
    """Every generated file with the text it must have."""
    found = render_modules()
    for path, blocks in BLOCKS.items():
        found[path] = render_blocks(path.read_text(encoding="utf-8"), blocks, path)
    return found


def stale() -> list[Path]:
    """The generated files whose text differs from what :func:`outputs` renders."""
    return [p for p, text in outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        old = stale()
        for path in old:
            print(f"stale: {path.relative_to(ROOT)}")
        return 1 if old else 0
    for path, text in outputs().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
