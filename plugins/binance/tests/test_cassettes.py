"""One test per category against vcrpy cassettes of Binance's REAL URLs (``https://api.binance.com/api/v3/...``).

The cassettes (cassettes/test_cassettes/<test>.yaml) were built by hand from the bodies in
../shared/providers/responses/binance/ (each file's header names its source) and replay
with ``--record-mode=none``: a request the cassette does not hold fails the test. The
harness uses real HTTP (``transport=None``) so vcrpy's httpx patch answers, restricted to
``https://api.binance.com`` so the URL matches. See the README to re-record them live.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import coinrelay_binance
from coinrelay.plugin import OHLCV, Metadata, NotSupported, OrderBook, Price, Volume
from coinrelay.testing import ProviderHarness

API = "https://api.binance.com"


@pytest.fixture
async def harness() -> AsyncIterator[ProviderHarness]:
    async with ProviderHarness(coinrelay_binance, "binance", provider_settings={"endpoints": [API]}) as h:
        yield h


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@pytest.mark.vcr
async def test_price(harness):
    # cassette body: ticker_price_testnet_recorded.json
    price = await harness.call("price", symbol="BTC", quote="USD")
    assert isinstance(price, Price)
    assert price.price == Decimal("65861.66000000")
    assert (price.symbol, price.quote, price.requested_quote) == ("BTC", "USDT", "USD")
    assert price.timestamp is None
    assert (price.source.provider, price.source.endpoint) == ("binance", API)


@pytest.mark.vcr
async def test_price_in_btc(harness):
    # cassette body: ticker_price_docs.json (LTCBTC): a crypto quote passes through unchanged
    price = await harness.call("price", symbol="LTC", quote="BTC")
    assert price.price == Decimal("4.00000200")
    assert (price.quote, price.requested_quote) == ("BTC", "BTC")


@pytest.mark.vcr
async def test_ohlcv(harness):
    # cassette body: klines_1d_testnet_recorded.json
    ohlcv = await harness.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=13)
    assert isinstance(ohlcv, OHLCV)
    assert len(ohlcv.candles) == 13
    assert ohlcv.candles[0].open_time == ms(1780444800000)
    assert ohlcv.candles[-1].close_time is not None
    assert ohlcv.candles[-1].close_time > ohlcv.candles[-1].open_time
    assert ohlcv.candles[1].close == Decimal("63886.00000000")
    assert (ohlcv.quote, ohlcv.requested_quote, ohlcv.interval) == ("USDT", "USD", "1d")


@pytest.mark.vcr
async def test_volume(harness):
    # cassette body: ticker_24hr_testnet_recorded.json
    vol = await harness.call("volume", symbol="BTC", quote="USD")
    assert isinstance(vol, Volume)
    assert (vol.base_volume, vol.quote_volume) == (Decimal("980.74245000"), Decimal("63525213.28250340"))
    assert vol.price_change_pct == Decimal("2.496")
    assert vol.timestamp == ms(1781506407406)


@pytest.mark.vcr
async def test_orderbook(harness):
    # cassette body: depth_docs.json; depth 5 -> limit=5 (weight 5)
    book = await harness.call("orderbook", symbol="BNB", quote="BTC", depth=5)
    assert isinstance(book, OrderBook)
    assert book.last_update_id == 1027024
    assert [(lv.price, lv.quantity) for lv in book.bids] == [(Decimal("4.00000000"), Decimal("431.00000000"))]
    assert [(lv.price, lv.quantity) for lv in book.asks] == [(Decimal("4.00000200"), Decimal("12.00000000"))]


@pytest.mark.vcr
async def test_metadata(harness):
    # cassette body: exchangeInfo assembled from the recorded BTCUSDT symbols[] element and rateLimits fragment
    meta = await harness.call("metadata", symbol="BTC")
    assert isinstance(meta, Metadata)
    assert (meta.symbol, meta.provider_id) == ("BTC", "BTCUSDT")
    assert (meta.extra["base_asset"], meta.extra["quote_asset"], meta.extra["status"]) == ("BTC", "USDT", "TRADING")
    assert meta.extra["filters"]["NOTIONAL"]["minNotional"] == "5.00000000"
    assert meta.extra["quote_precision"] == 8


@pytest.mark.vcr
async def test_unknown_symbol(harness):
    # cassette body: error_invalid_symbol_docs.json with HTTP 400
    with pytest.raises(NotSupported, match=r"PTBUSDT.*-1121.*Invalid symbol\."):
        await harness.call("price", symbol="PTB", quote="USDT")
