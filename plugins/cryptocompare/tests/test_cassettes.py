"""The plugin against hand-built cassettes with the real URLs and real bodies (see each cassette's header)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import coinrelay_cryptocompare as plugin
from coinrelay.plugin import OHLCV, News, NotSupported, Price, Volume
from coinrelay.testing import ProviderHarness

ENDPOINT = "https://min-api.cryptocompare.com"


@pytest.mark.vcr
async def test_price() -> None:
    async with ProviderHarness(plugin, "cryptocompare") as harness:
        result = await harness.call("price", symbol="USD", quote="EUR")
    assert isinstance(result, Price)
    assert (result.symbol, result.quote, result.price) == ("USD", "EUR", Decimal("0.932"))
    assert result.source.endpoint == ENDPOINT


@pytest.mark.vcr
async def test_volume() -> None:
    async with ProviderHarness(plugin, "cryptocompare") as harness:
        result = await harness.call("volume", symbol="BTC", quote="USD")
    assert isinstance(result, Volume)
    assert result.base_volume == Decimal("34972.740182819995")
    assert result.quote_volume == Decimal("2097598475.2247777")
    assert result.price_change_pct == Decimal("2.272113589574189")
    assert result.timestamp == datetime(2021, 4, 10, 19, 23, 32, tzinfo=UTC)


@pytest.mark.vcr
async def test_ohlcv_daily() -> None:
    async with ProviderHarness(plugin, "cryptocompare") as harness:
        result = await harness.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=30)
    assert isinstance(result, OHLCV)
    assert len(result.candles) == 30
    assert result.candles[0].open_time == datetime(2022, 5, 11, tzinfo=UTC)
    assert result.candles[-1].close == Decimal("30210.38")


@pytest.mark.vcr
async def test_news() -> None:
    async with ProviderHarness(plugin, "cryptocompare") as harness:
        result = await harness.call("news", limit=2)
    assert isinstance(result, News)
    assert [a.id for a in result.articles] == ["25113336", "25113301"]
    assert result.symbol is None


@pytest.mark.vcr
async def test_price_unknown_pair() -> None:
    async with ProviderHarness(plugin, "cryptocompare") as harness:
        with pytest.raises(NotSupported, match="no data"):
            await harness.call("price", symbol="BASED", quote="USD")


@pytest.mark.vcr("test_price.yaml")
async def test_key_is_filtered_before_matching() -> None:
    # The same cassette answers a call made with a key: vcr_config drops the authorization
    # header, so neither matching nor a re-recording ever sees it.
    async with ProviderHarness(plugin, "cryptocompare", provider_settings={"api_key": "secret-123"}) as harness:
        result = await harness.call("price", symbol="USD", quote="EUR")
    assert isinstance(result, Price)
