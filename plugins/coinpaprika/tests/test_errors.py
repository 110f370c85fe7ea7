"""Error paths: unknown id, 429 through the core, CoinPaprika's {"error": ...} bodies, key handling, bad JSON.

No CoinPaprika error body exists verbatim (shared INDEX.md "Missing"): the bodies below follow the
documented shape ``{"error": "<message>"}`` and their messages are made up. The 429 body is CoinGecko's
recorded one only as an opaque payload: the core decides on the status and Retry-After alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import coinrelay_coinpaprika as plugin
from coinrelay import CacheSettings, FakeClock, ProviderSettings, Relay, Settings
from coinrelay.plugin import (
    AllProvidersFailed,
    InvalidResponse,
    NotConfigured,
    NotSupported,
    RateLimited,
    UpstreamServerError,
)
from coinrelay.testing import FakeUpstream, ProviderHarness, Reply

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "paprika-key-0123456789"
TICKER = (FIXTURES / "tickers_btc_bitcoin_recorded_2022.json").read_bytes()


def mock(handler: Callable[[httpx.Request], httpx.Response], **settings: Any) -> ProviderHarness:
    return ProviderHarness(plugin, "coinpaprika", transport=httpx.MockTransport(handler), provider_settings=settings)


def answer(status: int, content: bytes | str) -> Callable[[httpx.Request], httpx.Response]:
    data = content.encode() if isinstance(content, str) else content
    return lambda request: httpx.Response(status, content=data, headers={"content-type": "application/json"})


async def test_unknown_id_404_is_not_supported(upstream: FakeUpstream) -> None:
    upstream.route("/v1/tickers/nope-nope", Reply.json({"error": "id not found"}, status=404))
    settings = {"endpoints": [upstream.url + "/v1"], "symbols": {"NOPE": "nope-nope"}}
    async with ProviderHarness(plugin, "coinpaprika", provider_settings=settings) as h:
        with pytest.raises(NotSupported, match="id not found"):
            await h.call("price", symbol="NOPE", quote="USD")
    assert upstream.requests[0].query == {"quotes": "USD"}


async def test_429_with_retry_after_pauses_the_provider(upstream: FakeUpstream) -> None:
    body = (Path(__file__).parent / "fixtures" / "tickers_btc_bitcoin_recorded_2022.json").read_bytes()
    upstream.route(
        "/v1/tickers/btc-bitcoin", Reply.raw(b'{"error":"RateLimitError"}', status=429, headers={"retry-after": "60"})
    )
    settings = Settings(
        providers={"coinpaprika": ProviderSettings(endpoints=[upstream.url + "/v1"])},
        cache=CacheSettings(enabled=False),
    )
    async with Relay(settings, plugins=[("coinpaprika", plugin)], load_entry_points=False, clock=FakeClock()) as r:
        with pytest.raises(AllProvidersFailed) as info:
            await r.price("BTC", "USD")
        (attempt,) = info.value.attempts
        assert attempt.outcome == "rate_limited" and "retry after 60s" in (attempt.error or "")
        upstream.route("/v1/tickers/btc-bitcoin", Reply.raw(body))
        with pytest.raises(AllProvidersFailed):
            await r.price("BTC", "USD")  # still paused: not asked
        assert upstream.count("/v1/tickers") == 1


async def test_429_direct_carries_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, content=b'{"error":"RateLimitError"}', headers={"retry-after": "30"})

    async with mock(handler) as h:
        with pytest.raises(RateLimited) as info:
            await h.call("volume", symbol="BTC", quote="USD")
    assert info.value.retry_after == 30


async def test_bad_quote_400_is_not_supported() -> None:
    async with mock(answer(400, '{"error": "invalid quotes"}')) as h:
        with pytest.raises(NotSupported, match="invalid quotes"):
            await h.call("price", symbol="BTC", quote="XYZ")


async def test_ohlcv_other_interval_or_quote_sends_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    async with mock(handler) as h:
        with pytest.raises(NotSupported, match="not 1h"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1h", limit=5)
        with pytest.raises(NotSupported, match="not EUR"):
            await h.call("ohlcv", symbol="BTC", quote="EUR", interval="1d", limit=5)


async def test_401_is_not_configured_without_the_key() -> None:
    async with mock(answer(401, json.dumps({"error": f"invalid api key {KEY}"})), api_key=KEY) as h:
        with pytest.raises(NotConfigured) as info:
            await h.call("price", symbol="BTC", quote="USD")
    assert KEY not in str(info.value) and "***" in str(info.value)


async def test_402_is_rate_limited() -> None:
    async with mock(answer(402, '{"error": "Payment Required"}')) as h:
        with pytest.raises(RateLimited, match="402"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_other_4xx_and_error_in_200() -> None:
    async with mock(answer(409, '{"error": "conflict"}')) as h:
        with pytest.raises(UpstreamServerError, match="HTTP 409: conflict"):
            await h.call("price", symbol="BTC", quote="USD")
    async with mock(answer(200, '{"error": "internal"}')) as h:
        with pytest.raises(InvalidResponse, match="internal"):
            await h.call("price", symbol="BTC", quote="USD")
    async with mock(answer(404, "<html>404</html>")) as h:
        with pytest.raises(InvalidResponse, match="HTTP 404"):
            await h.call("price", symbol="BTC", quote="USD")


@pytest.mark.parametrize("content", [TICKER[: len(TICKER) // 2], b"<html>oops</html>", b""])
async def test_malformed_json_is_invalid(content: bytes) -> None:
    async with mock(answer(200, content)) as h:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await h.call("price", symbol="BTC", quote="USD")


@pytest.mark.parametrize(
    ("settings", "url"),
    [
        ({}, "https://api.coinpaprika.com/v1/tickers/btc-bitcoin?quotes=USD"),
        ({"api_key": KEY}, "https://api-pro.coinpaprika.com/v1/tickers/btc-bitcoin?quotes=USD"),
        (
            {"api_key": KEY, "endpoints": ["https://paprika.example.test/v1"]},
            "https://paprika.example.test/v1/tickers/btc-bitcoin?quotes=USD",
        ),
    ],
)
async def test_host_and_key(settings: dict[str, Any], url: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=TICKER)

    async with mock(handler, **settings) as h:
        await h.call("price", symbol="BTC", quote="USD")
    (req,) = seen
    assert str(req.url) == url
    assert req.headers.get("authorization") == settings.get("api_key")


def _ticker_of(request: httpx.Request) -> httpx.Response:
    """The recorded BTC ticker, relabelled as the coin the path asks for (a ticker names its ``id``)."""
    body = json.loads(TICKER)
    body["id"] = request.url.path.rsplit("/", 1)[-1]
    return httpx.Response(200, json=body)


async def test_a_ticker_of_another_coin_is_invalid() -> None:
    """The issue's example: CoinPaprika's eth-ethereum ticker must never be the BTC price."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(TICKER)
        body["id"] = "eth-ethereum"
        return httpx.Response(200, json=body)

    async with mock(handler) as h:
        with pytest.raises(InvalidResponse, match="answer is about coin 'eth-ethereum', asked for 'btc-bitcoin'"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_coins_lookup_is_cached_and_ranked() -> None:
    """LTC is not in the table: the (constructed, documented-shape) /coins list resolves it, fetched once."""
    coins = (FIXTURES / "coins_list_constructed.json").read_bytes()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/v1/coins":
            return httpx.Response(200, content=coins)
        return _ticker_of(request)

    async with mock(handler) as h:
        await h.call("price", symbol="LTC", quote="USD")
        await h.call("volume", symbol="PEPE", quote="USD")
        with pytest.raises(NotSupported, match="no active ranked coin with symbol ZZZ"):
            await h.call("price", symbol="ZZZ", quote="USD")
    assert seen == ["/v1/coins", "/v1/tickers/ltc-litecoin", "/v1/tickers/pepe-pepe"]


async def test_lookup_off_and_config_override() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return _ticker_of(request)

    async with mock(handler, lookup=False, symbols={"BTC": "wbtc-wrapped-bitcoin"}) as h:
        with pytest.raises(NotSupported, match="lookup disabled"):
            await h.call("price", symbol="LTC", quote="USD")
        await h.call("price", symbol="BTC", quote="USD")
    assert seen == ["/v1/tickers/wbtc-wrapped-bitcoin"]
