"""render against a real HTTP server on 127.0.0.1 speaking a coinrelay deployment's /api/v1 format.

There are no cassettes for this plugin (a render endpoint is any coinrelay deployment, with no
public URL to record): the loopback :class:`FakeUpstream` is the real-HTTP test instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import coinrelay_render
from coinrelay import ProviderSettings, Relay, RelaySettings, Settings
from coinrelay.plugin import (
    FETCHED,
    HOP_HEADER,
    RESULT_TYPES,
    AllProvidersFailed,
    InvalidResponse,
    NotConfigured,
    NotSupported,
    Price,
    Result,
    UpstreamServerError,
)
from coinrelay.testing import FakeUpstream, Fault, ProviderHarness, Reply

PARAMS: dict[str, dict[str, Any]] = {
    "price": {"symbol": "BTC", "quote": "USD"},
    "ohlcv": {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 3},
    "volume": {"symbol": "BTC", "quote": "USD"},
    "orderbook": {"symbol": "BTC", "quote": "USD", "depth": 1},
    "metadata": {"symbol": "BTC"},
    "news": {"symbol": "BTC", "limit": 1},
    "sentiment": {"limit": 3},
    "social": {"symbol": "BTC"},
    "exchanges": {"limit": 2},
}


@pytest.fixture
def remote(upstream: FakeUpstream, fixture_bytes: Callable[[str], bytes]) -> FakeUpstream:
    """A loopback "coinrelay deployment" answering every fetched category from the fixtures."""
    for category in FETCHED:
        upstream.route(f"/api/v1/{category}", Reply.raw(fixture_bytes(category)))
    return upstream


def harness(up: FakeUpstream, **settings: Any) -> ProviderHarness:
    return ProviderHarness(coinrelay_render, "render", provider_settings={"endpoints": [up.url], **settings})


async def call(h: ProviderHarness, category: str, hops: int = 0, **params: Any) -> Result | None:
    """``harness.call`` with ``ctx.hops`` set, as the relay does for a forwarded request."""
    return await h.call(category, hops=hops, **params)


@pytest.mark.parametrize("category", FETCHED)
async def test_every_category_over_http(category: str, remote: FakeUpstream) -> None:
    async with harness(remote) as h:
        result = await h.call(category, **PARAMS[category])
    assert type(result) is RESULT_TYPES[category]
    assert result.source.provider == "render"
    assert result.source.endpoint == remote.url
    req = remote.requests[-1]
    assert req.path == f"/api/v1/{category}"
    assert req.query == {k: str(v) for k, v in PARAMS[category].items()}


async def test_price_value_parses_exactly(remote: FakeUpstream) -> None:
    async with harness(remote) as h:
        result = await h.call("price", symbol="BTC", quote="USD")
    assert isinstance(result, Price)
    assert result.price == Decimal("65861.66000000")
    assert str(result.price) == "65861.66000000"


async def test_news_without_symbol_leaves_the_parameter_out(remote: FakeUpstream) -> None:
    async with harness(remote) as h:
        await h.call("news", limit=1)
    assert remote.requests[-1].query == {"limit": "1"}


async def test_hop_header_is_one_more_than_the_hops_so_far(remote: FakeUpstream) -> None:
    async with harness(remote) as h:
        await call(h, "price", symbol="BTC", quote="USD")
        assert remote.requests[-1].headers[HOP_HEADER] == "1"
        await call(h, "price", hops=1, symbol="BTC", quote="USD")
        assert remote.requests[-1].headers[HOP_HEADER] == "2"
    assert "authorization" not in remote.requests[-1].headers


async def test_api_key_is_sent_as_bearer(remote: FakeUpstream) -> None:
    async with harness(remote, api_key="s3cret-key") as h:
        await h.call("price", symbol="BTC", quote="USD")
    assert remote.requests[-1].headers["authorization"] == "Bearer s3cret-key"


async def test_hop_limit_reached_sends_nothing(remote: FakeUpstream) -> None:
    # The guard is the core's: render declares relays=True, and the relay skips it at max_hops.
    assert coinrelay_render.provider_info().relays
    settings = Settings(providers={"render": ProviderSettings(endpoints=[remote.url])})
    async with Relay(settings, plugins=[("render", coinrelay_render)], load_entry_points=False) as relay:
        assert relay.settings.relay.max_hops == 2
        with pytest.raises(AllProvidersFailed) as info:
            await relay.fetch("price", hops=2, symbol="BTC", quote="USD")
    assert remote.count() == 0
    [attempt] = info.value.attempts
    assert attempt.outcome == "skipped"
    assert re.search(r"hop limit reached.*passed through 2 .*max_hops is 2", attempt.error or "")


async def test_two_deployments_forwarding_to_each_other_stop_at_max_hops(remote: FakeUpstream) -> None:
    """Emulate A -> B -> A -> ...: each forward arrives with the header, which the server passes as ``hops``."""
    remote.fault = Fault("status", status=503, body=b'{"error":"all_providers_failed","message":"x"}')
    settings = Settings(providers={"render": ProviderSettings(endpoints=[remote.url])}, relay=RelaySettings(max_hops=2))
    async with Relay(settings, plugins=[("render", coinrelay_render)], load_entry_points=False) as relay:
        hops = 0
        for _ in range(10):  # bounded: a loop that never ends fails here instead of hanging
            before = remote.count()
            with pytest.raises(AllProvidersFailed) as info:
                await relay.fetch("price", hops=hops, symbol="BTC", quote="USD")
            if remote.count() == before:
                break
            hops = int(remote.requests[-1].headers[HOP_HEADER])
    assert remote.count() == 2  # forwarded with hops 1 and 2, then refused
    [attempt] = info.value.attempts
    assert attempt.outcome == "skipped"
    assert attempt.error is not None
    assert "hop limit reached" in attempt.error


async def test_unconfigured_by_default_is_skipped() -> None:
    async with Relay(Settings(), plugins=[("render", coinrelay_render)], load_entry_points=False) as relay:
        assert relay.providers["render"].configured_reason is not None
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("BTC", "USD")
    [attempt] = info.value.attempts
    assert attempt.provider == "render"
    assert attempt.outcome == "skipped"
    assert attempt.error is not None
    assert "not configured" in attempt.error


async def test_through_a_relay_the_source_is_render(remote: FakeUpstream) -> None:
    settings = Settings(providers={"render": ProviderSettings(endpoints=[remote.url])})
    async with Relay(settings, plugins=[("render", coinrelay_render)], load_entry_points=False) as relay:
        result = await relay.price("BTC", "USD")
    assert result.price == Decimal("65861.66000000")
    assert result.source.provider == "render"
    assert [(a.provider, a.outcome) for a in result.source.attempts] == [("render", "ok")]


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (
            Reply.json(
                {"error": "symbol_not_found", "message": "price: no provider serves NOPE/USD (tried binance)"},
                status=404,
            ),
            NotSupported,
            "no provider serves NOPE/USD",
        ),
        (
            Reply.json({"error": "invalid_request", "param": "quote", "message": "invalid 'quote': bad"}, status=422),
            NotSupported,
            "refused price .* \\(HTTP 422\\): invalid 'quote': bad",
        ),
        (
            Reply.json({"error": "http_error", "message": "missing bearer token"}, status=401),
            NotConfigured,
            "HTTP 401: missing bearer token.*providers.render.api_key",
        ),
        (Reply.raw("teapot?", status=409), UpstreamServerError, "unexpected HTTP 409 .*teapot"),
        (Reply.json({"error": "all_providers_failed", "message": "x"}, status=503), UpstreamServerError, "HTTP 503"),
        (Reply.raw("<html>maintenance</html>"), InvalidResponse, "malformed JSON"),
        (
            Reply.raw('{"source": {"provider": "binance"}, "symbol": "BTC", "quote": "USD", "price": "1.5'),
            InvalidResponse,
            "malformed JSON",
        ),
        (
            Reply.json({"source": {"provider": "binance"}, "symbol": "BTC", "quote": "USD", "price": "n/a"}),
            InvalidResponse,
            "not a valid Price: price:",
        ),
    ],
    ids=["404", "422", "401", "409", "503", "html", "truncated", "bad-price"],
)
async def test_status_and_body_mapping(
    upstream: FakeUpstream, reply: Reply, error: type[Exception], message: str
) -> None:
    upstream.route("/api/v1/price", reply)
    async with harness(upstream) as h:
        with pytest.raises(error, match=message) as info:
            await h.call("price", symbol="NOPE" if reply.status == 404 else "BTC", quote="USD")
    assert getattr(info.value, "provider", None) == "render"


async def test_api_key_never_appears_in_errors(upstream: FakeUpstream) -> None:
    upstream.route("/api/v1/price", Reply.json({"error": "http_error", "message": "bad token"}, status=401))
    async with harness(upstream, api_key="s3cret-key") as h:
        with pytest.raises(NotConfigured) as info:
            await h.call("price", symbol="BTC", quote="USD")
    assert "s3cret-key" not in str(info.value)
