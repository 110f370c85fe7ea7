"""``coinrelay new-provider NAME``: scaffold a provider plugin from the templates in ``template/``.

The generated package follows the plugin layout every provider uses (distribution
``coinrelay-NAME``, module ``coinrelay_NAME``, entry point ``NAME`` in ``coinrelay.plugins``)
and its tests pass as generated: a parser tested offline from a JSON fixture, the provider
contract, error paths, and a vcrpy cassette that replays. Template files end in ``.tmpl``
(so no tool mistakes them for the core's own code); ``__module__`` in a path becomes the
module name, and ``{{name}}``, ``{{module}}``, ``{{dist}}``, ``{{host}}``, ``{{title}}`` in
a file are replaced.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from .._categories import ALL
from .._plugins import BUILTIN_PLUGINS

#: A provider name: lowercase ASCII letters and digits, words joined by single underscores.
NAME_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
MAX_NAME = 30
TEMPLATE_SUFFIX = ".tmpl"


class ScaffoldError(ValueError):
    """A bad provider name or target directory; the message says what is allowed."""


def check_name(name: str) -> str:
    """``name`` if it can be a provider's entry-point name and module suffix; else :class:`ScaffoldError`."""
    if not NAME_RE.fullmatch(name) or len(name) > MAX_NAME:
        raise ScaffoldError(
            f"invalid provider name {name!r}: use lowercase letters and digits, starting with a letter, "
            f"words joined by single underscores, at most {MAX_NAME} characters (e.g. 'kraken', 'coin_metrics')"
        )
    if name in BUILTIN_PLUGINS or name in ALL:
        taken = ", ".join(sorted({*BUILTIN_PLUGINS, *ALL}))
        raise ScaffoldError(f"invalid provider name {name!r}: reserved (reserved names: {taken})")
    return name


def substitutions(name: str) -> dict[str, str]:
    return {
        "{{name}}": name,
        "{{module}}": f"coinrelay_{name}",
        "{{dist}}": "coinrelay-" + name.replace("_", "-"),
        "{{host}}": name.replace("_", "-"),
        "{{title}}": name.replace("_", " ").title(),
    }


def render(text: str, name: str) -> str:
    for token, value in substitutions(name).items():
        text = text.replace(token, value)
    return text


def _walk(node: Traversable, rel: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        path = f"{rel}/{child.name}" if rel else child.name
        if child.is_dir():
            out.extend(_walk(child, path))
        elif child.name.endswith(TEMPLATE_SUFFIX):
            out.append((path[: -len(TEMPLATE_SUFFIX)], child))
    return out


def create(name: str, directory: Path) -> Path:
    """Write the plugin ``name`` to ``directory/name``; returns that path.

    :raises ScaffoldError: a bad name, or ``directory/name`` exists and is not empty.
    """
    check_name(name)
    target = directory / name
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose another --dir or remove it")
    module = f"coinrelay_{name}"
    for rel, source in _walk(files(__package__) / "template"):
        dest = target / rel.replace("__module__", module)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(render(source.read_text(encoding="utf-8"), name), encoding="utf-8")
    return target


__all__ = ["NAME_RE", "ScaffoldError", "check_name", "create", "render", "substitutions"]
