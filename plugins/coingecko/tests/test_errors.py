"""Error paths: unknown coin, 429 through the core, both CoinGecko error shapes, key handling, bad JSON.

Bodies: error_404_coin_not_found.json and error_429_rate_limit.json are copies of the shared files (see
fixtures/SOURCES.md). No verbatim 10002/10011 body exists; those below are built from the documented
shape ``{"status": {"error_code": N, "error_message": "..."}}`` (README section 2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import coinrelay_coingecko as plugin
from coinrelay import CacheSettings, FakeClock, ProviderSettings, Relay, Settings
from coinrelay.plugin import (
    AllProvidersFailed,
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    RateLimited,
    UpstreamServerError,
)
from coinrelay.testing import FakeUpstream, ProviderHarness, Reply

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "CG-abcdefghijklmnopqrstuv"
PUBLIC = "https://api.coingecko.com/api/v3"
PRO = "https://pro-api.coingecko.com/api/v3"
SIMPLE = json.loads((FIXTURES / "simple_price_docs.json").read_text())


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mock(handler: Callable[[httpx.Request], httpx.Response], **settings: Any) -> ProviderHarness:
    return ProviderHarness(plugin, "coingecko", transport=httpx.MockTransport(handler), provider_settings=settings)


def answer(status: int, content: bytes | str) -> Callable[[httpx.Request], httpx.Response]:
    data = content.encode() if isinstance(content, str) else content
    return lambda request: httpx.Response(status, content=data, headers={"content-type": "application/json"})


# -- unknown coin / symbol ---------------------------------------------------------------------------


async def test_unknown_coin_404_is_not_supported(upstream: FakeUpstream) -> None:
    upstream.route("/api/v3/coins/no-such-coin", Reply.raw(body("error_404_coin_not_found.json"), status=404))
    settings = {"endpoints": [upstream.url + "/api/v3"], "symbols": {"NOPE": "no-such-coin"}}
    async with ProviderHarness(plugin, "coingecko", provider_settings=settings) as h:
        with pytest.raises(NotSupported, match="coin not found"):
            await h.call("metadata", symbol="NOPE")


async def test_simple_price_empty_object_is_not_supported() -> None:
    async with mock(answer(200, "{}"), symbols={"NOPE": "no-such-coin"}) as h:
        with pytest.raises(NotSupported, match="knows no coin 'no-such-coin'"):
            await h.call("price", symbol="NOPE", quote="USD")


async def test_unsupported_interval_sends_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    async with mock(handler) as h:
        with pytest.raises(NotSupported, match="30m or 4h candles, not 1d"):
            await h.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=5)


# -- 429 through the core ---------------------------------------------------------------------------------


async def test_429_with_retry_after_is_rate_limited_and_pauses_the_provider(upstream: FakeUpstream) -> None:
    upstream.route(
        "/api/v3/simple/price", Reply.raw(body("error_429_rate_limit.json"), status=429, headers={"retry-after": "119"})
    )
    clock = FakeClock()
    settings = Settings(
        providers={"coingecko": ProviderSettings(endpoints=[upstream.url + "/api/v3"])},
        cache=CacheSettings(enabled=False),
    )
    async with Relay(settings, plugins=[("coingecko", plugin)], load_entry_points=False, clock=clock) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("BTC", "USD")
        (attempt,) = info.value.attempts
        assert attempt.outcome == "rate_limited" and "retry after 119s" in (attempt.error or "")
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC", "USD")  # paused: not asked again
        assert upstream.count("/api/v3/simple/price") == 1
        health = await relay.health()
        assert health["providers"]["coingecko"]["paused"]["kind"] == "rate_limited"


async def test_429_direct_carries_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, content=body("error_429_rate_limit.json"), headers={"retry-after": "119"})

    async with mock(handler) as h:
        with pytest.raises(RateLimited) as info:
            await h.call("volume", symbol="BTC", quote="USD")
    assert info.value.retry_after == 119


# -- the two error shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(401, 10002), (400, 10011), (200, 10002)])
async def test_key_errors_are_not_configured_and_never_echo_the_key(status: int, code: int) -> None:
    # Constructed from the documented shape; the message deliberately echoes the key to prove it is scrubbed.
    err = {"status": {"error_code": code, "error_message": f"Invalid API Key {KEY}, see docs"}}
    async with mock(answer(status, json.dumps(err)), plan="demo", api_key=KEY) as h:
        with pytest.raises(NotConfigured) as info:
            await h.call("price", symbol="BTC", quote="USD")
    text = str(info.value)
    assert KEY not in text and "***" in text
    assert f"error_code {code}" in text and "providers.coingecko.api_key" in text


async def test_paid_only_endpoint_is_not_supported() -> None:
    err = {"status": {"error_code": 10005, "error_message": "You need a paid plan to access this endpoint"}}
    async with mock(answer(400, json.dumps(err))) as h:
        with pytest.raises(NotSupported, match="paid plan"):
            await h.call("metadata", symbol="BTC")


async def test_error_shape_in_a_200_is_invalid() -> None:
    async with mock(answer(200, '{"error": "something broke"}')) as h:
        with pytest.raises(InvalidResponse, match="something broke"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_other_4xx_is_upstream_error_with_message() -> None:
    async with mock(answer(400, '{"error": "invalid vs_currency"}')) as h:
        with pytest.raises(UpstreamServerError, match="HTTP 400: invalid vs_currency") as info:
            await h.call("price", symbol="BTC", quote="XYZ")
    assert info.value.status == 400


@pytest.mark.parametrize("content", [b"<html>not found</html>", b""])
async def test_404_without_error_body_is_invalid(content: bytes) -> None:
    async with mock(answer(404, content)) as h:
        with pytest.raises(InvalidResponse, match="HTTP 404"):
            await h.call("metadata", symbol="BTC")


@pytest.mark.parametrize("content", [b'{"bitcoin": {"usd": 6718', b"<html>oops</html>", b"\xff\xfe"])
async def test_malformed_json_is_invalid(content: bytes) -> None:
    async with mock(answer(200, content)) as h:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await h.call("price", symbol="BTC", quote="USD")


# -- plans, hosts and keys -------------------------------------------------------------------------------


def recorder(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SIMPLE)

    return handler


@pytest.mark.parametrize(
    ("settings", "host", "header"),
    [
        ({}, PUBLIC, None),
        ({"api_key": KEY}, PUBLIC, None),  # plan public: a configured key is not sent
        ({"plan": "demo", "api_key": KEY}, PUBLIC, "x-cg-demo-api-key"),
        ({"plan": "pro", "api_key": KEY}, PRO, "x-cg-pro-api-key"),
        (
            {"plan": "pro", "api_key": KEY, "endpoints": ["https://cg.example.test/v3"]},
            "https://cg.example.test/v3",
            "x-cg-pro-api-key",
        ),
    ],
)
async def test_plan_picks_host_and_key_header(settings: dict[str, Any], host: str, header: str | None) -> None:
    seen: list[httpx.Request] = []
    async with mock(recorder(seen), **settings) as h:
        p = await h.call("price", symbol="BTC", quote="USD")
    assert p is not None and p.source.endpoint == host
    (req,) = seen
    assert str(req.url).startswith(host + "/simple/price?")
    assert KEY not in str(req.url)
    keys = {k: v for k, v in req.headers.items() if k.startswith("x-cg-")}
    assert keys == ({header: KEY} if header else {})


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"plan": "demo"}, "plan 'demo' needs providers.coingecko.api_key"),
        ({"plan": "gold"}, "plan is 'gold'; allowed: public, demo, pro"),
    ],
)
async def test_bad_plan_config_is_not_configured(settings: dict[str, Any], match: str) -> None:
    async with mock(recorder([]), **settings) as h:
        with pytest.raises(NotConfigured, match=match):
            await h.call("price", symbol="BTC", quote="USD")


# -- symbol lookup through /search ----------------------------------------------------------------------------


async def test_search_resolves_symbol_once_per_ttl() -> None:
    """ETC is not in the table: /search (docs body) picks ethereum-classic, cached for the next calls."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path + "?" + request.url.query.decode())
        if request.url.path.endswith("/search"):
            return httpx.Response(200, content=body("search_docs.json"))
        ids = request.url.params["ids"]
        return httpx.Response(200, json={ids: {"usd": 20.5, "last_updated_at": 1711356300}})

    async with mock(handler) as h:
        first = await h.call("price", symbol="ETC", quote="USD")
        second = await h.call("price", symbol="ETC", quote="USD")
    assert first is not None and second is not None and first.price == 20.5
    assert [s.split("?")[0] for s in seen] == ["/api/v3/search", "/api/v3/simple/price", "/api/v3/simple/price"]
    assert "query=ETC" in seen[0] and "ids=ethereum-classic" in seen[1]


async def test_search_without_ranked_match_is_not_supported() -> None:
    async with mock(answer(200, body("search_docs.json"))) as h:
        with pytest.raises(NotSupported, match="no ranked coin with symbol ZZZ"):
            await h.call("price", symbol="ZZZ", quote="USD")


async def test_config_symbol_overrides_table_and_search_can_be_off() -> None:
    seen: list[httpx.Request] = []
    async with mock(recorder(seen), symbols={"BTC": "wrapped-bitcoin"}, search=False) as h:
        with pytest.raises(NotFound, match="knows no coin 'wrapped-bitcoin'"):
            await h.call("price", symbol="BTC", quote="USD")  # the docs body only holds "bitcoin"
        with pytest.raises(NotSupported, match="search disabled"):
            await h.call("price", symbol="ZZZ", quote="USD")
    assert [r.url.params["ids"] for r in seen] == ["wrapped-bitcoin"]
