"""``exchanges`` from ``/v1/exchanges``: offline parsing of the constructed fixture (see
fixtures/SOURCES.md), cassettes on the real URL (tests/cassettes/test_exchanges) and error paths.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

import coinrelay_coinpaprika as plugin
from coinrelay.plugin import Exchanges, InvalidResponse, RateLimited, Source
from coinrelay.testing import ProviderHarness
from coinrelay_coinpaprika import _exchanges

FIXTURES = Path(__file__).parent / "fixtures"
SRC = Source(provider="coinpaprika", endpoint="https://api.coinpaprika.com/v1")


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


def test_active_exchanges_ranked_by_adjusted_rank() -> None:
    ex = _exchanges.exchanges(load("exchanges_constructed.json"), limit=10, source=SRC)
    assert [(e.rank, e.id) for e in ex.exchanges] == [(1, "binance"), (2, "coinbase"), (3, "kraken")]
    b = ex.exchanges[0]
    assert (b.volume_24h_usd, b.volume_24h_btc) == (Decimal("12850411223.9"), Decimal("191246.6"))
    assert b.trust_score == Decimal("9.70")  # confidence_score 0.97 on the 0-10 scale
    assert (b.country, b.year_established, b.markets, b.url) == (None, None, 1673, "https://www.binance.com/")
    assert b.extra == {
        "confidence_score": "0.97",
        "reported_volume_24h_usd": "13931542001.12",
        "reported_volume_24h_btc": "207336.21",
        "reported_rank": 1,
    }
    assert ex.exchanges[2].trust_score is None  # kraken has no confidence_score


def test_limit() -> None:
    ex = _exchanges.exchanges(load("exchanges_constructed.json"), limit=1, source=SRC)
    assert [e.id for e in ex.exchanges] == ["binance"]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({}, "expected an array"),
        ([], "no active exchange"),
        ([{"id": "x", "name": "X", "active": False}], "no active exchange"),
        (["x"], r"\[0\] is str"),
        ([{"id": "x", "name": "X"}], "'\\[0\\].active'"),
        ([{"id": "x", "name": "X", "active": True, "quotes": []}], "quotes' is list"),
        ([{"id": "x", "name": "X", "active": True, "quotes": {"USD": {"adjusted_volume_24h": "?"}}}], "adjusted"),
        ([{"id": "x", "name": "X", "active": True, "adjusted_rank": "first"}], "adjusted_rank"),
    ],
)
def test_wrong_shapes_are_invalid(body: object, match: str) -> None:
    with pytest.raises(InvalidResponse, match=match):
        _exchanges.exchanges(body, limit=10, source=SRC)


@pytest.fixture
async def harness() -> AsyncIterator[ProviderHarness]:
    async with ProviderHarness(plugin, "coinpaprika") as h:
        yield h


@pytest.mark.vcr
async def test_exchanges(harness: ProviderHarness) -> None:
    ex = await harness.call("exchanges", limit=2)
    assert isinstance(ex, Exchanges)
    assert [e.name for e in ex.exchanges] == ["Binance", "Coinbase"]
    assert ex.exchanges[1].volume_24h_usd == Decimal("2185040390.07")
    assert (ex.source.provider, ex.source.endpoint) == ("coinpaprika", "https://api.coinpaprika.com/v1")


@pytest.mark.vcr
async def test_quota_spent_is_rate_limited(harness: ProviderHarness) -> None:
    with pytest.raises(RateLimited, match="402"):
        await harness.call("exchanges", limit=100)
