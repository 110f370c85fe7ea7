"""The plugin against hand-built cassettes with the real URLs (see each cassette's header for its body)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import coinrelay_coincap as plugin
from coinrelay.plugin import OHLCV, Metadata, Price, Volume
from coinrelay.testing import FakeClock, ProviderHarness

KEY = {"api_key": "test-key"}
ENDPOINT = "https://rest.coincap.io/v3"


@pytest.mark.vcr
async def test_price() -> None:
    async with ProviderHarness(plugin, "coincap", provider_settings=KEY) as harness:
        result = await harness.call("price", symbol="BTC", quote="USD")
    assert isinstance(result, Price)
    assert result.price == Decimal("119753.3173109070855685")
    assert result.timestamp == datetime(2025, 8, 11, 18, 45, 25, 536000, tzinfo=UTC)
    assert result.source.endpoint == ENDPOINT


@pytest.mark.vcr
async def test_volume() -> None:
    async with ProviderHarness(plugin, "coincap", provider_settings=KEY) as harness:
        result = await harness.call("volume", symbol="BTC", quote="USD")
    assert isinstance(result, Volume)
    assert result.quote_volume == Decimal("26076222906.8617342709921743")
    assert result.price_change_pct == Decimal("1.0278288570549161")


@pytest.mark.vcr
async def test_metadata() -> None:
    async with ProviderHarness(plugin, "coincap", provider_settings=KEY) as harness:
        result = await harness.call("metadata", symbol="BTC")
    assert isinstance(result, Metadata)
    assert (result.name, result.rank, result.provider_id) == ("Bitcoin", 1, "bitcoin")
    assert result.max_supply == Decimal("21000000.0000000000000000")


@pytest.mark.vcr
async def test_ohlcv_daily() -> None:
    clock = FakeClock(start=1_700_000_000.0)  # fixes the start/end of the history window in the URL
    async with ProviderHarness(plugin, "coincap", provider_settings=KEY, clock=clock) as harness:
        result = await harness.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=2)
    assert isinstance(result, OHLCV)
    assert [c.open_time.day for c in result.candles] == [13, 14]
    assert result.candles[1].low == Decimal("36101.7755000000000000")
    assert result.candles[1].volume is None
