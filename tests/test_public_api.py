"""The curated public API and the hook reference stay consistent."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

import coinrelay
from coinrelay import hookspecs
from coinrelay._categories import ALL
from coinrelay._http import parse_retry_after
from coinrelay._relay import Relay
from coinrelay._requests import PARAMS


def test_all_is_sorted_and_complete() -> None:
    assert coinrelay.__all__ == sorted(coinrelay.__all__)
    for name in coinrelay.__all__:
        assert hasattr(coinrelay, name), name


@pytest.mark.parametrize("category", ALL)
def test_one_vocabulary_per_category(category: str) -> None:
    """The hook, the relay method and the request parameters share the category's name.

    (tests/test_categories.py compares every surface with the declaration in depth.)
    """
    spec = getattr(hookspecs, f"fetch_{category}")
    method = getattr(Relay, category)
    spec_params = [p for p in inspect.signature(spec).parameters if p != "ctx"]
    method_params = [p for p in inspect.signature(method).parameters if p not in ("self", "kw")]
    assert spec_params == [p.name for p in PARAMS[category]]
    assert method_params == spec_params


def test_hookspecs_have_contract_docstrings() -> None:
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(fn, "coinrelay_spec"):
            assert fn.__doc__ and len(fn.__doc__.strip()) > 20, name


def test_retry_after_both_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 7 ", now) == 7.0
    later = format_datetime(datetime(2026, 1, 1, 12, 1, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now) == 90.0
    past = format_datetime(datetime(2025, 1, 1, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(past, now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


#: The plugin API (``coinrelay.plugin``): what third-party provider plugins build on. Adding a
#: name is a minor change; removing or renaming one breaks plugins and needs a major release.
PLUGIN_API = [
    "AllProvidersFailed",
    "Article",
    "Attempt",
    "BadData",
    "Blame",
    "Bollinger",
    "Candle",
    "CategorySpec",
    "Exchange",
    "Exchanges",
    "FETCHED",
    "Forbidden",
    "HOP_HEADER",
    "INTERVALS",
    "InvalidRequest",
    "InvalidResponse",
    "Level",
    "MACD",
    "Metadata",
    "News",
    "NotConfigured",
    "NotFound",
    "NotSupported",
    "OHLCV",
    "OrderBook",
    "Outcome",
    "Param",
    "Prediction",
    "Price",
    "ProviderContext",
    "ProviderError",
    "ProviderInfo",
    "RESULT_TYPES",
    "RateLimit",
    "RateLimited",
    "RecordedBodies",
    "Reply",
    "Request",
    "Response",
    "Result",
    "Routes",
    "SandboxUpstream",
    "Sentiment",
    "SentimentPoint",
    "Social",
    "Source",
    "SymbolMapper",
    "SymbolNotFound",
    "Technical",
    "TransientError",
    "UpstreamConnectionError",
    "UpstreamServerError",
    "UpstreamTimeout",
    "Volume",
    "bad",
    "dec",
    "field",
    "from_iso",
    "from_ms",
    "from_s",
    "hookimpl",
    "integer",
    "market",
    "normalize_symbol",
    "num",
    "parsing",
    "redact",
    "register_category",
]


def test_plugin_api_exported_members() -> None:
    """Like httpx's ``test_exported_members``: the plugin API is exactly these names."""
    import coinrelay.plugin

    assert sorted(coinrelay.plugin.__all__, key=str.lower) == sorted(PLUGIN_API, key=str.lower)
    for name in PLUGIN_API:
        assert hasattr(coinrelay.plugin, name), name


def test_plugins_import_only_the_public_api() -> None:
    """No shipped plugin (code or tests) reaches into a private ``coinrelay._*`` module."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "plugins"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.startswith("coinrelay._")]
    assert offenders == []
