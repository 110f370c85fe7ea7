"""Error paths: HTTP-200 error bodies, unknown symbols, 429 with Retry-After, malformed JSON, the key header."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import coinrelay_cryptocompare as plugin
from coinrelay import ProviderSettings, Relay, Settings
from coinrelay.plugin import AllProvidersFailed, InvalidResponse, NotSupported, RateLimited
from coinrelay.testing import FakeUpstream, Fault, ProviderHarness, Reply

FIXTURES = Path(__file__).parent / "fixtures"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mock(status: int, content: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content))


CALLS: list[tuple[str, dict[str, object]]] = [
    ("price", {"symbol": "BTC", "quote": "USD"}),
    ("volume", {"symbol": "BTC", "quote": "USD"}),
    ("ohlcv", {"symbol": "BTC", "quote": "USD", "interval": "1h", "limit": 5}),
    ("news", {"symbol": "BTC", "limit": 5}),
]


@pytest.mark.parametrize(("category", "params"), CALLS)
async def test_type_99_rate_limit_in_http_200(category: str, params: dict[str, object]) -> None:
    async with ProviderHarness(plugin, "cryptocompare", transport=mock(200, body("error_rate_limit.json"))) as h:
        with pytest.raises(RateLimited, match="over your rate limit") as info:
            await h.call(category, **params)
    assert info.value.retry_after == 3600


@pytest.mark.parametrize(("category", "params"), CALLS)
async def test_no_data_for_tsyms_is_not_supported(category: str, params: dict[str, object]) -> None:
    transport = mock(200, body("error_no_data_for_tsyms.json"))
    async with ProviderHarness(plugin, "cryptocompare", transport=transport) as h:
        with pytest.raises(NotSupported, match="toSymbol"):
            await h.call(category, **params)


async def test_unknown_symbol_fsym_invalid() -> None:
    # Shape of min-api's error envelope with a message seen in public clients (README section 4).
    reply = b'{"Response":"Error","Message":"fsym param seems invalid.","HasWarning":false,"Type":1,"RateLimit":{},"Data":{},"ParamWithError":"fsym"}'  # noqa: E501
    async with ProviderHarness(plugin, "cryptocompare", transport=mock(200, reply)) as h:
        with pytest.raises(NotSupported, match=r"fsym param seems invalid\. \(parameter fsym\)"):
            await h.call("price", symbol="NOPE", quote="USD")


async def test_monthly_candles_not_supported() -> None:
    async with ProviderHarness(plugin, "cryptocompare", transport=mock(200, b"{}")) as h:
        with pytest.raises(NotSupported, match="'1M'"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1M", limit=5)


async def test_malformed_json() -> None:
    truncated = body("histoday_v2_recorded.json")[:500]
    async with ProviderHarness(plugin, "cryptocompare", transport=mock(200, truncated)) as h:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=30)


async def test_unexpected_status_names_it() -> None:
    async with ProviderHarness(plugin, "cryptocompare", transport=mock(404, b'{"detail":"no route"}')) as h:
        with pytest.raises(InvalidResponse, match="HTTP 404"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_429_retry_after_through_the_core(upstream: FakeUpstream) -> None:
    upstream.fault = Fault("rate_limit", retry_after="45")
    settings = {"endpoints": [upstream.url]}
    async with ProviderHarness(plugin, "cryptocompare", provider_settings=settings) as h:
        with pytest.raises(RateLimited) as info:
            await h.call("price", symbol="BTC", quote="USD")
    assert info.value.retry_after == 45


async def test_type_99_pauses_the_provider_in_the_relay(upstream: FakeUpstream) -> None:
    upstream.route("/data/price", Reply.raw(body("error_rate_limit.json")))
    settings = Settings(providers={"cryptocompare": ProviderSettings(endpoints=[upstream.url])})
    async with Relay(settings, plugins=[("cryptocompare", plugin)], load_entry_points=False) as relay:
        with pytest.raises(AllProvidersFailed) as first:
            await relay.price("BTC", "USD")
        assert [a.outcome for a in first.value.attempts] == ["rate_limited"]
        upstream.route("/data/price", Reply.json({"USD": 1}))
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC", "USD")
    assert upstream.count("/data/price") == 1


@pytest.mark.parametrize(
    ("interval", "path", "aggregate"),
    [
        ("1m", "/data/v2/histominute", None),
        ("15m", "/data/v2/histominute", "15"),
        ("4h", "/data/v2/histohour", "4"),
        ("1w", "/data/v2/histoday", "7"),
    ],
)
async def test_ohlcv_request(upstream: FakeUpstream, interval: str, path: str, aggregate: str | None) -> None:
    # Body: the recorded histoday reply; only the request is checked here.
    upstream.route(path, Reply.raw(body("histoday_v2_recorded.json")))
    async with ProviderHarness(plugin, "cryptocompare", provider_settings={"endpoints": [upstream.url]}) as h:
        result = await h.call("ohlcv", symbol="BTC", quote="USD", interval=interval, limit=3)
    assert result is not None
    assert len(result.candles) == 3  # type: ignore[attr-defined]
    query = upstream.requests[-1].query
    assert query.pop("aggregate", None) == aggregate
    assert query == {"fsym": "BTC", "tsym": "USD", "limit": "3"}


async def test_key_goes_in_header_not_url(upstream: FakeUpstream) -> None:
    upstream.route("/data/price", Reply.json({"USD": 30231.69}))
    settings = {"endpoints": [upstream.url], "api_key": "secret-123"}
    async with ProviderHarness(plugin, "cryptocompare", provider_settings=settings) as h:
        result = await h.call("price", symbol="BTC", quote="USD")
    assert result is not None
    req = upstream.requests[-1]
    assert req.headers["authorization"] == "Apikey secret-123"
    assert "secret-123" not in str(req.query)


async def test_keyless_sends_no_authorization(upstream: FakeUpstream) -> None:
    upstream.route("/data/price", Reply.json({"USD": 30231.69}))
    async with ProviderHarness(plugin, "cryptocompare", provider_settings={"endpoints": [upstream.url]}) as h:
        await h.call("price", symbol="BTC", quote="USD")
    assert "authorization" not in upstream.requests[-1].headers


async def test_news_asks_for_the_symbol_category(upstream: FakeUpstream) -> None:
    upstream.route("/data/v2/news/", Reply.raw(body("news_constructed.json")))
    async with ProviderHarness(plugin, "cryptocompare", provider_settings={"endpoints": [upstream.url]}) as h:
        result = await h.call("news", symbol="ETH", limit=5)
    assert upstream.requests[-1].query == {"lang": "EN", "categories": "ETH"}
    assert result is not None
    assert [a.id for a in result.articles] == ["25113301", "25113290"]  # type: ignore[attr-defined]


def test_no_credentials_in_cassettes() -> None:
    cassettes = sorted((Path(__file__).parent / "cassettes").rglob("*.yaml"))
    assert len(cassettes) >= 5
    for path in cassettes:
        text = path.read_text().lower()
        for needle in ("authorization", "apikey", "api_key", "secret-123", "bearer "):
            assert needle not in text, f"{path.name} contains {needle!r}"
