"""Error paths over real loopback HTTP (FakeUpstream), through a Relay on a FakeClock.

Rate limits (429 with Retry-After in both forms, the 418 ban), the 451 restricted-location
block, invalid symbols, malformed bodies, mirror failover and the weight-usage header.
"""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest

import coinrelay_binance
from coinrelay import CacheSettings, ProviderSettings, Relay, Settings
from coinrelay.plugin import AllProvidersFailed, InvalidResponse, NotSupported, SymbolNotFound
from coinrelay.testing import FakeUpstream, Fault, ProviderHarness, Reply

PRICE = "/api/v3/ticker/price"
OK_PRICE = Reply.json({"symbol": "BTCUSDT", "price": "65861.66000000"})
# The -1003 template of errors.md, filled in (no verbatim 6000-limit 429 body was found; README section 1).
RATE_LIMIT_BODY = (
    b'{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight per 1 MINUTE. '
    b'Please use WebSocket Streams for live updates to avoid polling the API."}'
)

RelayFactory = Callable[..., Relay]


@pytest.fixture
async def make_relay(fake_clock) -> AsyncIterator[RelayFactory]:
    """``make_relay(url, ...)``: a Relay holding only binance, on the fake clock, cache off."""
    made: list[Relay] = []

    def make(*endpoints: str, **options: Any) -> Relay:
        settings = Settings(
            providers={"binance": ProviderSettings(endpoints=list(endpoints), **options)},
            cache=CacheSettings(enabled=False),
        )
        relay = Relay(settings, plugins=[("binance", coinrelay_binance)], load_entry_points=False, clock=fake_clock)
        made.append(relay)
        return relay

    yield make
    for relay in made:
        await relay.aclose()


async def binance_health(relay: Relay) -> dict[str, Any]:
    return (await relay.health())["providers"]["binance"]


# -- invalid symbol -------------------------------------------------------------------------------------


async def test_unknown_symbol_is_not_a_failure(upstream: FakeUpstream, make_relay, fixture_bytes):
    # error_invalid_symbol_docs.json with HTTP 400
    upstream.route(PRICE, Reply.raw(fixture_bytes("error_invalid_symbol_docs.json"), status=400))
    relay = make_relay(upstream.url)
    for _ in range(5):  # more than the breaker's failure threshold
        with pytest.raises(SymbolNotFound) as info:
            await relay.price("NOPE", "USD")
        assert [a.outcome for a in info.value.attempts] == ["unsupported"]
        assert "-1121" in info.value.attempts[0].error
    health = await binance_health(relay)
    assert health["breaker"]["state"] == "closed"
    assert health["paused"] is None
    assert upstream.count(PRICE) == 5


# -- 429 / 418 ------------------------------------------------------------------------------------------


async def test_429_retry_after_seconds_pauses_the_provider(upstream: FakeUpstream, make_relay, fake_clock):
    upstream.route(PRICE, Reply(429, RATE_LIMIT_BODY, {"content-type": "application/json", "retry-after": "30"}))
    relay = make_relay(upstream.url)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    (attempt,) = info.value.attempts
    assert attempt.outcome == "rate_limited"
    assert "retry after 30s" in attempt.error
    assert upstream.count() == 1

    upstream.route(PRICE, OK_PRICE)  # Binance would answer again: coinrelay must not ask yet
    fake_clock.advance(29)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    assert info.value.attempts[0].outcome == "skipped"
    assert "paused until" in info.value.attempts[0].error
    assert (await binance_health(relay))["paused"]["kind"] == "rate_limited"
    assert upstream.count() == 1

    fake_clock.advance(2)
    price = await relay.price("BTC", "USD")
    assert str(price.price) == "65861.66000000"
    assert upstream.count() == 2


async def test_429_retry_after_http_date_pauses_the_provider(upstream: FakeUpstream, make_relay, fake_clock):
    when = email.utils.formatdate(fake_clock.time() + 120, usegmt=True)
    upstream.route(PRICE, Reply(429, RATE_LIMIT_BODY, {"content-type": "application/json", "retry-after": when}))
    relay = make_relay(upstream.url)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    assert info.value.attempts[0].outcome == "rate_limited"
    assert "retry after 120s" in info.value.attempts[0].error

    upstream.route(PRICE, OK_PRICE)
    fake_clock.advance(119)
    with pytest.raises(AllProvidersFailed):
        await relay.price("BTC", "USD")
    assert upstream.count() == 1
    fake_clock.advance(2)
    await relay.price("BTC", "USD")
    assert upstream.count() == 2


async def test_418_ban_pauses_the_provider(upstream: FakeUpstream, make_relay, fake_clock):
    upstream.route(PRICE, OK_PRICE)
    upstream.fault = Fault("rate_limit", status=418, retry_after="600")
    relay = make_relay(upstream.url)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    assert info.value.attempts[0].outcome == "rate_limited"
    assert "IP banned (HTTP 418)" in info.value.attempts[0].error
    health = await binance_health(relay)
    assert health["paused"]["kind"] == "banned"
    assert health["breaker"]["state"] == "closed"  # a ban is a pause, not a breaker failure

    upstream.fault = None
    fake_clock.advance(599)
    for category, params in [("volume", {"symbol": "BTC"}), ("ohlcv", {"symbol": "BTC"}), ("price", {"symbol": "BTC"})]:
        with pytest.raises(AllProvidersFailed):  # every category: one IP budget, one ban
            await relay.fetch(category, **params)
    assert upstream.count() == 1
    fake_clock.advance(2)
    await relay.price("BTC", "USD")
    assert upstream.count() == 2


# -- 451 restricted location ----------------------------------------------------------------------------


async def test_451_restricted_location_pauses_for_long_with_the_reason(
    upstream: FakeUpstream, make_relay, fake_clock, fixture_bytes
):
    # error_451_restricted_location.json with HTTP 451
    upstream.route(PRICE, Reply.raw(fixture_bytes("error_451_restricted_location.json"), status=451))
    relay = make_relay(upstream.url)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    (attempt,) = info.value.attempts
    assert attempt.outcome == "forbidden"
    assert attempt.error.startswith("HTTP 451: Service unavailable from a restricted location")
    assert "restricted location" in str(info.value)
    health = await binance_health(relay)
    assert health["paused"]["kind"] == "forbidden"
    assert "restricted location" in health["paused"]["reason"]

    paused_until = datetime.fromisoformat(health["paused"]["until"]).timestamp()
    assert paused_until - fake_clock.time() >= 3600  # a geo-block is paused for an hour, not a minute
    fake_clock.advance(paused_until - fake_clock.time() - 1)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")
    assert "restricted location" in info.value.attempts[0].error  # the skip says why
    assert upstream.count() == 1


# -- malformed bodies -----------------------------------------------------------------------------------


async def test_malformed_json(upstream: FakeUpstream):
    upstream.route(PRICE, Reply.raw('{"symbol": "BTCUSDT", "pri'))
    async with ProviderHarness(coinrelay_binance, "binance", provider_settings={"endpoints": [upstream.url]}) as h:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await h.call("price", symbol="BTC", quote="USD")


async def test_truncated_klines_count_as_invalid(upstream: FakeUpstream, make_relay, fixture_bytes):
    upstream.route("/api/v3/klines", Reply.raw(fixture_bytes("klines_1d_testnet_recorded.json")))
    upstream.fault = Fault("truncated")
    relay = make_relay(upstream.url)
    with pytest.raises(AllProvidersFailed) as info:
        await relay.ohlcv("BTC", "USD", interval="1d", limit=13)
    assert info.value.attempts[-1].outcome == "invalid"
    assert "malformed JSON" in info.value.attempts[-1].error


async def test_html_on_200_is_invalid(upstream: FakeUpstream):
    upstream.fault = Fault("garbage")
    async with ProviderHarness(coinrelay_binance, "binance", provider_settings={"endpoints": [upstream.url]}) as h:
        with pytest.raises(InvalidResponse):
            await h.call("volume", symbol="BTC", quote="USD")


async def test_unknown_symbol_through_the_harness(upstream: FakeUpstream, fixture_bytes):
    upstream.route("/api/v3/depth", Reply.raw(fixture_bytes("error_invalid_symbol_docs.json"), status=400))
    async with ProviderHarness(coinrelay_binance, "binance", provider_settings={"endpoints": [upstream.url]}) as h:
        with pytest.raises(NotSupported, match="-1121"):
            await h.call("orderbook", symbol="NOPE", quote="USD", depth=10)


# -- mirrors --------------------------------------------------------------------------------------------


async def test_mirror_failover_when_the_first_is_down(upstream_factory, make_relay):
    first, second = upstream_factory(), upstream_factory()
    for up in (first, second):
        up.route(PRICE, OK_PRICE)
    first.down()
    relay = make_relay(first.url, second.url)
    price = await relay.price("BTC", "USD")
    assert price.source.endpoint == second.url
    outcomes = [(a.endpoint, a.outcome) for a in price.source.attempts]
    assert outcomes == [(first.url, "failed"), (second.url, "ok")]
    assert second.count(PRICE) == 1


async def test_mirror_failover_on_5xx(upstream_factory, make_relay):
    first, second = upstream_factory(), upstream_factory()
    second.route(PRICE, OK_PRICE)
    first.fault = Fault("status", status=503)
    relay = make_relay(first.url, second.url)
    price = await relay.price("BTC", "USD")
    assert price.source.endpoint == second.url
    assert (first.count(PRICE), second.count(PRICE)) == (1, 1)


async def test_429_on_one_mirror_pauses_every_mirror(upstream_factory, make_relay, fake_clock):
    first, second = upstream_factory(), upstream_factory()
    second.route(PRICE, OK_PRICE)
    first.fault = Fault("rate_limit", retry_after="10")
    relay = make_relay(first.url, second.url)
    with pytest.raises(AllProvidersFailed):
        await relay.price("BTC", "USD")
    assert second.count() == 0  # the limit is per IP: the other mirrors are not tried
    fake_clock.advance(11)
    first.fault = None
    first.route(PRICE, OK_PRICE)
    await relay.price("BTC", "USD")


# -- the weight budget ----------------------------------------------------------------------------------


async def test_usage_header_corrects_the_budget(upstream: FakeUpstream, make_relay):
    upstream.route(PRICE, OK_PRICE)
    relay = make_relay(upstream.url)
    await relay.price("BTC", "USD")
    assert (await binance_health(relay))["rate_limit"]["remaining"] == 5400 - 2  # our own count: weight 2

    # Other clients on the same IP spent weight: Binance says so in X-MBX-USED-WEIGHT-1M.
    upstream.route(PRICE, Reply.json({"symbol": "BTCUSDT", "price": "1.0"}, headers={"X-MBX-USED-WEIGHT-1M": "4000"}))
    await relay.price("BTC", "USD")
    assert (await binance_health(relay))["rate_limit"]["remaining"] == 5400 - 4000

    upstream.route(PRICE, Reply.json({"symbol": "BTCUSDT", "price": "1.0"}, headers={"X-MBX-USED-WEIGHT-1M": "5399"}))
    await relay.price("BTC", "USD")
    assert (await binance_health(relay))["rate_limit"]["remaining"] == 1
    sent = upstream.count()
    with pytest.raises(AllProvidersFailed) as info:
        await relay.price("BTC", "USD")  # weight 2 > 1 left: refused before sending
    assert info.value.attempts[0].outcome == "rate_limited"
    assert "own rate budget spent" in info.value.attempts[0].error
    assert upstream.count() == sent


async def test_exchange_info_spends_twenty(upstream: FakeUpstream, make_relay, exchange_info_body):
    upstream.route("/api/v3/exchangeInfo", Reply.json(exchange_info_body))
    relay = make_relay(upstream.url)
    meta = await relay.metadata("BTC")
    assert meta.extra["quote_asset"] == "USDT"
    assert (await binance_health(relay))["rate_limit"]["remaining"] == 5400 - 20
