"""Error paths: v2 shutdown notice, unknown ids, missing/rejected key, 429 through the core, malformed JSON."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import coinrelay_coincap as plugin
from coinrelay import ProviderSettings, Relay, Settings
from coinrelay.plugin import AllProvidersFailed, InvalidResponse, NotConfigured, NotSupported, RateLimited
from coinrelay.testing import FakeClock, FakeUpstream, Fault, ProviderHarness, Reply

FIXTURES = Path(__file__).parent / "fixtures"
KEY = {"api_key": "test-key"}
CALLS: list[tuple[str, dict[str, object]]] = [
    ("price", {"symbol": "BTC", "quote": "USD"}),
    ("volume", {"symbol": "BTC", "quote": "USD"}),
    ("metadata", {"symbol": "BTC"}),
    ("ohlcv", {"symbol": "BTC", "quote": "USD", "interval": "1h", "limit": 5}),
]


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mock(status: int, content: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content))


@pytest.mark.parametrize("status", [200, 404, 410])
@pytest.mark.parametrize(("category", "params"), CALLS)
async def test_v2_deprecation_notice(category: str, params: dict[str, object], status: int) -> None:
    transport = mock(status, body("v2_deprecation_notice_2025.json"))
    async with ProviderHarness(plugin, "coincap", transport=transport, provider_settings=KEY) as h:
        with pytest.raises(InvalidResponse, match="CoinCap v2 is shut down") as info:
            await h.call(category, **params)
    assert "configure the v3 endpoint" in info.value.message
    assert "test-key" not in str(info.value)


@pytest.mark.parametrize("status", [200, 404])
async def test_unknown_id_is_not_supported(status: int) -> None:
    transport = mock(status, b'{"error":"not-a-coin not found","timestamp":1754937925536}')
    settings = {**KEY, "symbols": {"NOPE": "not-a-coin"}}
    async with ProviderHarness(plugin, "coincap", transport=transport, provider_settings=settings) as h:
        with pytest.raises(NotSupported, match="not-a-coin not found"):
            await h.call("price", symbol="NOPE", quote="USD")


async def test_symbol_without_id_is_not_served() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with ProviderHarness(plugin, "coincap", transport=httpx.MockTransport(fail), provider_settings=KEY) as h:
        assert await h.call("price", symbol="PEPE", quote="USD") is None


@pytest.mark.parametrize("quote", ["EUR", "USDT"])
async def test_non_usd_quote_not_supported(quote: str) -> None:
    async with ProviderHarness(plugin, "coincap", transport=mock(200, b"{}"), provider_settings=KEY) as h:
        with pytest.raises(NotSupported, match="USD only"):
            await h.call("price", symbol="BTC", quote=quote)


@pytest.mark.parametrize("interval", ["1m", "1M"])
async def test_intervals_without_finer_points(interval: str) -> None:
    async with ProviderHarness(plugin, "coincap", transport=mock(200, b"{}"), provider_settings=KEY) as h:
        with pytest.raises(NotSupported, match="honest"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval=interval, limit=5)


async def test_rejected_key() -> None:
    transport = mock(401, b'{"error":"Unauthorized"}')
    async with ProviderHarness(plugin, "coincap", transport=transport, provider_settings=KEY) as h:
        with pytest.raises(NotConfigured, match="rejected the API key") as info:
            await h.call("price", symbol="BTC", quote="USD")
    assert "test-key" not in str(info.value)


async def test_missing_key_direct_call() -> None:
    async with ProviderHarness(plugin, "coincap", transport=mock(200, b"{}")) as h:
        with pytest.raises(NotConfigured, match="needs an API key"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_relay_skips_coincap_without_key(upstream: FakeUpstream) -> None:
    settings = Settings(providers={"coincap": ProviderSettings(endpoints=[upstream.url])})
    async with Relay(settings, plugins=[("coincap", plugin)], load_entry_points=False) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("BTC", "USD")
    assert [a.outcome for a in info.value.attempts] == ["skipped"]
    assert upstream.count() == 0


async def test_key_in_header_not_url(upstream: FakeUpstream) -> None:
    upstream.route("/assets/bitcoin", Reply.raw(body("v3_asset_bitcoin_2025.json")))
    settings = {"endpoints": [upstream.url], "api_key": "secret-xyz"}
    async with ProviderHarness(plugin, "coincap", provider_settings=settings) as h:
        result = await h.call("price", symbol="BTC", quote="USD")
    assert result is not None
    req = upstream.requests[-1]
    assert req.headers["authorization"] == "Bearer secret-xyz"
    assert req.query == {}


async def test_history_request_window(upstream: FakeUpstream) -> None:
    upstream.route("/assets/ethereum/history", Reply.json({"data": [], "timestamp": 1700000000000}))
    clock = FakeClock(start=1_700_000_000.0)  # 2023-11-14T22:13:20Z
    settings = {"endpoints": [upstream.url], **KEY}
    async with ProviderHarness(plugin, "coincap", provider_settings=settings, clock=clock) as h:
        assert await h.call("ohlcv", symbol="ETH", quote="USD", interval="4h", limit=3) is None
    # 4h candles from h1 points; the 3rd newest 4h candle opens at 12:00.
    assert upstream.requests[-1].query == {"interval": "h1", "start": "1699963200000", "end": "1700000000000"}


async def test_429_retry_after_through_the_core(upstream: FakeUpstream) -> None:
    upstream.fault = Fault("rate_limit", retry_after="90")
    async with ProviderHarness(plugin, "coincap", provider_settings={"endpoints": [upstream.url], **KEY}) as h:
        with pytest.raises(RateLimited) as info:
            await h.call("metadata", symbol="BTC")
    assert info.value.retry_after == 90


async def test_malformed_json() -> None:
    truncated = body("v3_asset_bitcoin_2025.json")[:100]
    async with ProviderHarness(plugin, "coincap", transport=mock(200, truncated), provider_settings=KEY) as h:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await h.call("price", symbol="BTC", quote="USD")


def test_no_credentials_in_cassettes() -> None:
    cassettes = sorted((Path(__file__).parent / "cassettes").rglob("*.yaml"))
    assert len(cassettes) >= 4
    for path in cassettes:
        text = path.read_text().lower()
        for needle in ("authorization", "bearer", "apikey", "api_key", "test-key", "secret-xyz"):
            assert needle not in text, f"{path.name} contains {needle!r}"
