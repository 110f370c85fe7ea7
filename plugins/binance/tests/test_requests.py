"""What the plugin sends: paths, params, pair mapping (USD quote, overrides) and the weight each call spends.

Unit level: an ``httpx.MockTransport`` records each request and answers with a fixture body;
the weight spent is read back from the relay's rate budget (``health()``), on a FakeClock so the
aligned minute cannot roll over mid-test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import coinrelay_binance
from coinrelay.plugin import INTERVALS, InvalidResponse, NotConfigured, NotSupported
from coinrelay.testing import ProviderHarness

EFFECTIVE_LIMIT = 5400  # 6000 less 10% headroom


class Recorder:
    """A MockTransport handler: records requests, answers with ``reply(request)``."""

    def __init__(self, reply: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def answer(body: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda request: httpx.Response(status, content=content, headers={"content-type": "application/json"})


async def spent(harness: ProviderHarness) -> float:
    health = await harness.relay.health()
    return EFFECTIVE_LIMIT - health["providers"]["binance"]["rate_limit"]["remaining"]


def make(recorder: Recorder, fake_clock, **settings: Any) -> ProviderHarness:
    return ProviderHarness(
        coinrelay_binance,
        "binance",
        transport=httpx.MockTransport(recorder),
        provider_settings={"endpoints": ["https://api.binance.com"], **settings},
        clock=fake_clock,
    )


async def test_price_request_and_weight(fixture_bytes, fake_clock):
    rec = Recorder(answer(fixture_bytes("ticker_price_testnet_recorded.json")))
    async with make(rec, fake_clock) as h:
        price = await h.call("price", symbol="BTC", quote="USD")
        assert str(rec.last.url) == "https://api.binance.com/api/v3/ticker/price?symbol=BTCUSDT"
        assert await spent(h) == 2
    assert (price.quote, price.requested_quote) == ("USDT", "USD")


async def test_volume_request_and_weight(fixture_bytes, fake_clock):
    rec = Recorder(answer(fixture_bytes("ticker_24hr_testnet_recorded.json")))
    async with make(rec, fake_clock) as h:
        await h.call("volume", symbol="BTC", quote="USD")
        assert rec.last.url.path == "/api/v3/ticker/24hr"
        assert dict(rec.last.url.params) == {"symbol": "BTCUSDT"}
        assert await spent(h) == 2


async def test_metadata_request_and_weight(exchange_info_body, fake_clock):
    rec = Recorder(answer(exchange_info_body))
    async with make(rec, fake_clock) as h:
        meta = await h.call("metadata", symbol="BTC")
        assert rec.last.url.path == "/api/v3/exchangeInfo"
        assert dict(rec.last.url.params) == {"symbol": "BTCUSDT"}
        assert await spent(h) == 20
    assert meta.provider_id == "BTCUSDT"


@pytest.mark.parametrize("interval", list(INTERVALS))
async def test_klines_interval_passes_through(fixture_bytes, fake_clock, interval):
    rec = Recorder(answer(fixture_bytes("klines_docs.json")))
    async with make(rec, fake_clock) as h:
        ohlcv = await h.call("ohlcv", symbol="BTC", quote="USD", interval=interval, limit=7)
        assert rec.last.url.path == "/api/v3/klines"
        assert dict(rec.last.url.params) == {"symbol": "BTCUSDT", "interval": interval, "limit": "7"}
        assert await spent(h) == 2
    assert ohlcv.interval == interval


async def test_klines_empty_means_not_served(fake_clock):
    rec = Recorder(answer([]))
    async with make(rec, fake_clock) as h:
        with pytest.raises(NotSupported, match="no 1h candles for BTCUSDT"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1h", limit=5)


@pytest.mark.parametrize(
    ("depth", "limit", "weight"),
    [
        (1, 5, 5),
        (5, 5, 5),
        (7, 10, 5),
        (20, 20, 5),
        (21, 50, 5),
        (100, 100, 5),
        (101, 500, 25),
        (500, 500, 25),
        (501, 1000, 50),
        (1000, 1000, 50),
        (1001, 5000, 250),
        (5000, 5000, 250),
    ],
)
async def test_depth_limit_and_weight(fixture_bytes, fake_clock, depth, limit, weight):
    rec = Recorder(answer(fixture_bytes("depth_docs.json")))
    async with make(rec, fake_clock) as h:
        await h.call("orderbook", symbol="BTC", quote="USD", depth=depth)
        assert rec.last.url.path == "/api/v3/depth"
        assert dict(rec.last.url.params) == {"symbol": "BTCUSDT", "limit": str(limit)}
        assert await spent(h) == weight


# -- the USD quote and symbol overrides -----------------------------------------------------------


def ticker(request: httpx.Request) -> httpx.Response:
    """Echo the asked symbol in a ticker/price body (synthetic: the mapping is under test, not the body)."""
    return httpx.Response(200, json={"symbol": request.url.params["symbol"], "price": "1.00000000"})


@pytest.mark.parametrize(
    ("settings", "symbol", "quote", "pair", "used"),
    [
        ({}, "BTC", "USD", "BTCUSDT", "USDT"),
        ({"usd_quote": "USDC"}, "BTC", "USD", "BTCUSDC", "USDC"),
        ({"usd_quote": "fdusd"}, "ETH", "USD", "ETHFDUSD", "FDUSD"),
        ({"usd_quote": "USDC", "quotes": {"USD": "FDUSD"}}, "BTC", "USD", "BTCFDUSD", "FDUSD"),
        ({"quotes": {"EUR": "EURI"}}, "BTC", "EUR", "BTCEURI", "EURI"),
        ({"usd_quote": "USDC"}, "ETH", "BTC", "ETHBTC", "BTC"),
        ({"symbols": {"MIOTA": "IOTA"}}, "MIOTA", "USD", "IOTAUSDT", "USDT"),
        ({}, "1000SATS", "USDT", "1000SATSUSDT", "USDT"),
    ],
)
async def test_pair_mapping(fake_clock, settings, symbol, quote, pair, used):
    rec = Recorder(ticker)
    async with make(rec, fake_clock, **settings) as h:
        price = await h.call("price", symbol=symbol, quote=quote)
    assert rec.last.url.params["symbol"] == pair
    assert (price.symbol, price.quote, price.requested_quote) == (symbol, used, quote)


async def test_metadata_uses_the_usd_quote(fake_clock):
    rec = Recorder(answer({"symbols": []}))
    async with make(rec, fake_clock, usd_quote="USDC") as h:
        with pytest.raises(NotSupported, match="no 'ETHUSDC'"):  # NotFound: the body lacks the pair
            await h.call("metadata", symbol="ETH")
    assert rec.last.url.params["symbol"] == "ETHUSDC"


@pytest.mark.parametrize(("symbol", "quote"), [("USDT", "USD"), ("BTC", "BTC")])
async def test_same_asset_is_not_served_and_not_sent(fake_clock, symbol, quote):
    rec = Recorder(ticker)
    async with make(rec, fake_clock) as h:
        with pytest.raises(NotSupported, match="same asset"):
            await h.call("price", symbol=symbol, quote=quote)
    assert rec.requests == []


async def test_long_pair_is_not_sent(fake_clock):
    rec = Recorder(ticker)
    async with make(rec, fake_clock) as h:
        with pytest.raises(NotSupported, match="is not a Binance symbol"):
            await h.call("price", symbol="ABCDEFGHIJKLMNOPQRS", quote="USDT")
    assert rec.requests == []


@pytest.mark.parametrize("value", ["US D", 42, ""])
async def test_bad_usd_quote_option(fake_clock, value):
    rec = Recorder(ticker)
    async with make(rec, fake_clock, usd_quote=value) as h:
        with pytest.raises(NotConfigured, match=r"providers\.binance\.usd_quote"):
            await h.call("price", symbol="BTC", quote="USD")
    assert rec.requests == []


# -- error bodies on 4xx ------------------------------------------------------------------------------


async def test_invalid_symbol_is_not_supported(fixture_bytes, fake_clock):
    # error_invalid_symbol_docs.json with HTTP 400
    rec = Recorder(answer(fixture_bytes("error_invalid_symbol_docs.json"), status=400))
    async with make(rec, fake_clock) as h:
        for category, params in [
            ("price", {"symbol": "NOPE", "quote": "USD"}),
            ("volume", {"symbol": "NOPE", "quote": "USD"}),
            ("orderbook", {"symbol": "NOPE", "quote": "USD", "depth": 5}),
            ("metadata", {"symbol": "NOPE"}),
        ]:
            with pytest.raises(NotSupported, match=r"NOPEUSDT \(invalid symbol: code -1121"):
                await h.call(category, **params)


async def test_invalid_interval_is_not_supported(fake_clock):
    rec = Recorder(answer({"code": -1120, "msg": "Invalid interval."}, status=400))
    async with make(rec, fake_clock) as h:
        with pytest.raises(NotSupported, match=r"interval '1M' for BTCUSDT \(invalid interval: code -1120"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1M", limit=5)


async def test_other_error_codes_are_invalid_responses(fake_clock):
    body = {"code": -1100, "msg": "Illegal characters found in parameter 'symbol'."}
    rec = Recorder(answer(body, status=400))
    async with make(rec, fake_clock) as h:
        with pytest.raises(InvalidResponse, match=r"Binance error -1100: Illegal characters.*HTTP 400"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_non_binance_error_body_is_invalid(fake_clock):
    rec = Recorder(answer(b"<html><body>Not Found</body></html>", status=404))
    async with make(rec, fake_clock) as h:
        with pytest.raises(InvalidResponse, match=r"without a Binance error body: '<html>.*HTTP 404"):
            await h.call("price", symbol="BTC", quote="USD")
