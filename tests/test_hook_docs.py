"""The plugin author's guide documents every hook spec with its exact signature, and nothing else.

Like datasette's meta-tests: docs/writing-a-provider.md cannot drift from coinrelay.hookspecs.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from coinrelay import hookspecs

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-provider.md"
SPECS = {
    name: fn
    for name, fn in vars(hookspecs).items()
    if inspect.isfunction(fn) and hasattr(fn, f"{hookspecs.PROJECT_NAME}_spec")
}


def signature(fn: object) -> str:
    """``async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None``."""
    assert inspect.isfunction(fn)
    sig = inspect.signature(fn)  # annotations stay strings (postponed evaluation): written as in the source
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    prefix = "async def" if inspect.iscoroutinefunction(fn) else "def"
    return f"{prefix} {fn.__name__}({params}) -> {sig.return_annotation}"


def reference() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert "## Hook reference" in text
    return text[text.index("## Hook reference") :]


def test_specs_are_found():
    assert {"provider_info", "fetch_price", "on_failover"} <= set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_documented_with_its_exact_signature(name):
    ref = reference()
    assert f"\n#### {name}\n" in ref, f"no '#### {name}' heading in the hook reference"
    section = ref.split(f"\n#### {name}\n", 1)[1].split("\n#### ", 1)[0]
    assert f"```python\n{signature(SPECS[name])}\n```" in section, (
        f"the reference of {name} must show: {signature(SPECS[name])}"
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_docstring_states_the_whole_contract(name):
    """pytest style: when it is called, what to return (and what ``None`` means), what to raise, each parameter."""
    fn = SPECS[name]
    doc = " ".join((inspect.getdoc(fn) or "").split())
    assert "Called " in doc, f"{name}: say when it is called"
    for param in inspect.signature(fn).parameters:
        assert f":param {param}:" in doc, f"{name}: document {param!r}"
    if name.startswith("fetch_"):
        assert " ".join(hookspecs.FETCH_CONTRACT.split()).split("{model}")[0] in doc
        for error in ("NotSupported", "NotFound", "InvalidResponse", "RateLimited", "NotConfigured"):
            assert f":class:`~coinrelay.plugin.{error}`" in doc, f"{name}: say when to raise {error}"
    else:
        assert "Return" in doc or "Raise nothing" in doc, f"{name}: say what it returns"


def test_reference_documents_no_hook_that_does_not_exist():
    documented = set(re.findall(r"^#### (\w+)$", reference(), flags=re.MULTILINE))
    stale, missing = sorted(documented - set(SPECS)), sorted(set(SPECS) - documented)
    assert documented == set(SPECS), f"stale: {stale}, missing: {missing}"
