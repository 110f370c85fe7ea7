"""docs/writing-a-provider.md's code runs as printed.

Sections 2-4 of the guide are one small Kraken plugin, block by block; each ``python``
block there starts with the file it belongs to (``# coinrelay_kraken/_parse.py``). This test
writes the blocks out (those of one file concatenated, in order), imports the plugin and
runs the guide's own tests against it, so a snippet that crashes (like the old
``ctx.symbols.resolve(...) + ...``, a ``TypeError`` for an unlisted symbol) fails here.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-a-provider.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"# ((?:coinrelay_kraken|tests)/\w+\.py)\n")


def guide_files() -> dict[str, str]:
    """``path -> source`` of every python block before the hook reference (which shows signatures only)."""
    text = GUIDE.read_text(encoding="utf-8")
    body = text[: text.index("## Hook reference")]
    files: dict[str, str] = {}
    for block in BLOCK.findall(body):
        found = MARKER.match(block)
        assert found, f"a python block of the guide names no file on its first line:\n{block[:200]}"
        path = found.group(1)
        files[path] = files.get(path, "") + block[found.end() :] + "\n"
    return files


def test_every_snippet_belongs_to_a_file_of_the_plugin():
    files = guide_files()
    assert set(files) == {
        "coinrelay_kraken/__init__.py",
        "coinrelay_kraken/_parse.py",
        "coinrelay_kraken/_sandbox.py",
        "tests/test_kraken.py",
    }
    for path, source in files.items():
        compile(source, path, "exec")


def test_the_guide_imports_only_the_public_plugin_api():
    for path, source in guide_files().items():
        for module in re.findall(r"^from (coinrelay[\w.]*) import", source, flags=re.MULTILINE):
            assert module in ("coinrelay.plugin", "coinrelay.testing"), f"{path} imports {module}"


MODULES = ("coinrelay_kraken", "coinrelay_kraken._parse", "test_kraken")


@pytest.fixture
def load(tmp_path, monkeypatch):
    """``load(edit=None)``: the guide's plugin and tests written out (``edit`` applied) and imported."""

    def write_and_import(edit=None):
        for path, source in guide_files().items():
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(edit(source) if edit else source, encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.syspath_prepend(str(tmp_path / "tests"))
        for name in MODULES:
            monkeypatch.delitem(sys.modules, name, raising=False)
        return importlib.import_module("test_kraken")

    yield write_and_import
    for name in MODULES:
        sys.modules.pop(name, None)


async def test_the_guides_plugin_passes_the_guides_tests(load):
    kraken = load()
    tests = {name: fn for name, fn in vars(kraken).items() if name.startswith("test_") and callable(fn)}
    assert set(tests) == {"test_contract", "test_error_bodies_in_http_200", "test_price"}
    for fn in tests.values():
        result = fn()
        if inspect.isawaitable(result):
            await result


async def test_the_guides_tests_can_fail(load):
    """An "unknown pair" body read as InvalidResponse (a breaker strike) is caught by the guide's test."""
    kraken = load(lambda source: source.replace("raise NotFound(text, provider=NAME)", "raise bad(NAME, text)"))
    with pytest.raises(AssertionError, match="expected NotFound"):
        await kraken.test_error_bodies_in_http_200()
