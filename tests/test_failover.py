"""Failover through real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from coinrelay import AllProvidersFailed, SymbolNotFound, _health
from coinrelay._clock import FakeClock
from coinrelay._events import FailoverHappened
from coinrelay.testing import Fault

from .support import price_provider, relay_for, serve_price


async def test_first_provider_down_second_answers_in_the_same_call(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "100.5")
    serve_price(b, "101.25")
    a.down()
    async with relay_for({"a": [a], "b": [b]}) as relay:
        price = await relay.price("BTC", "USD")
    assert price.price == Decimal("101.25")
    assert price.source.provider == "b"
    assert price.source.endpoint == b.url
    trail = [(x.provider, x.outcome) for x in price.source.attempts]
    assert trail == [("a", "failed"), ("b", "ok")]
    assert "Connect" in (price.source.attempts[0].error or "")  # refused: ClientConnectorError / ConnectError


async def test_a_mirror_down_next_mirror_of_the_same_provider_answers(upstream_factory) -> None:
    m1, m2, other = upstream_factory(), upstream_factory(), upstream_factory()
    serve_price(m1, "1")
    serve_price(m2, "2")
    serve_price(other, "3")
    m1.fault = Fault("status", status=503)
    async with relay_for({"a": [m1, m2], "b": [other]}) as relay:
        price = await relay.price("BTC")
        health = await relay.health()
    assert price.price == Decimal("2")
    assert price.source.provider == "a"
    assert price.source.endpoint == m2.url
    assert [(x.endpoint, x.outcome) for x in price.source.attempts] == [(m1.url, "failed"), (m2.url, "ok")]
    assert other.count("/price") == 0
    endpoints = {e["url"]: e for e in health["providers"]["a"]["endpoints"]}
    assert endpoints[m1.url]["health"]["failures"] == 1
    assert endpoints[m2.url]["health"]["successes"] == 1
    # the provider itself did not fail: one mirror answered
    assert health["providers"]["a"]["health"]["failures"] == 0


async def test_open_breaker_sends_no_request_until_probe_time(upstream_factory) -> None:
    clock = FakeClock()
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "1")
    serve_price(b, "2")
    a.fault = Fault("status", status=500)
    async with relay_for({"a": [a], "b": [b]}, clock=clock) as relay:
        for _ in range(3):
            assert (await relay.price("BTC")).source.provider == "b"
        assert a.count() == 3
        health = await relay.health()
        assert health["providers"]["a"]["breaker"]["state"] == "open"
        for _ in range(10):
            price = await relay.price("BTC")
            assert price.source.provider == "b"
            assert price.source.attempts[0].outcome == "skipped"
            assert "breaker open" in (price.source.attempts[0].error or "")
        assert a.count() == 3  # nothing sent while open
        a.fault = None
        clock.advance(5.0 * 1.1 + 0.01)  # recovery timeout plus the largest jitter
        price = await relay.price("BTC")
        # The probe goes to a in the background; the caller does not wait for it.
        assert price.source.provider == "b"
        assert "probing it in the background" in (price.source.attempts[0].error or "")
        await relay.wait_background()
        assert a.count() == 4  # exactly one probe
        assert (await relay.health())["providers"]["a"]["breaker"]["state"] == "closed"
        assert (await relay.price("ETH")).source.provider == "a"


async def test_unsupported_symbol_moves_on_without_breaker_penalty(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "1", known=("BTC",))
    serve_price(b, "2", known=("BTC", "DOGE"))
    async with relay_for({"a": [a], "b": [b]}) as relay:
        for _ in range(5):
            price = await relay.price("DOGE")
            assert price.source.provider == "b"
            assert price.source.attempts[0].outcome == "unsupported"
        health = await relay.health()
    assert health["providers"]["a"]["breaker"]["state"] == "closed"
    assert health["providers"]["a"]["breaker"]["consecutive_failures"] == 0
    assert health["providers"]["a"]["health"]["failures"] == 0


async def test_no_provider_serves_the_symbol_is_not_found(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "1")
    serve_price(b, "2")
    async with relay_for({"a": [a], "b": [b]}) as relay:
        with pytest.raises(SymbolNotFound) as info:
            await relay.price("NOPE")
    assert [x.outcome for x in info.value.attempts] == ["unsupported", "unsupported"]
    assert "NOPE/USD" in str(info.value)


async def test_everything_down_raises_all_providers_failed_with_each_attempt(upstream_factory) -> None:
    a, b, c = upstream_factory(), upstream_factory(), upstream_factory()
    a.down()
    b.fault = Fault("status", status=502)
    c.fault = Fault("garbage")
    async with relay_for({"a": [a], "b": [b], "c": [c]}) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("BTC")
    attempts = info.value.attempts
    assert [(x.provider, x.outcome) for x in attempts] == [("a", "failed"), ("b", "failed"), ("c", "invalid")]
    assert "HTTP 502" in (attempts[1].error or "")
    assert "malformed JSON" in (attempts[2].error or "")
    text = str(info.value)
    assert "a@" in text and "b@" in text and "c@" in text


async def test_tier_is_balanced_round_robin(upstream_factory, monkeypatch) -> None:
    # Every latency counts as equal, as loopback answers under the floor do on an idle machine:
    # the split is the round-robin's alone, not how a loaded machine happened to time each answer.
    monkeypatch.setattr(_health, "LATENCY_FLOOR", 3600.0)
    a, b, c = upstream_factory(), upstream_factory(), upstream_factory()
    for up, v in ((a, "1"), (b, "2"), (c, "3")):
        serve_price(up, v)
    async with relay_for({"a": [a], "b": [b], "c": [c]}, chain=[["a", "b"], "c"]) as relay:
        served = [(await relay.price("BTC")).source.provider for _ in range(20)]
    assert served.count("a") == served.count("b") == 10
    assert all(x != y for x, y in itertools.pairwise(served))  # taking turns
    assert c.count() == 0


async def test_unhealthy_member_of_a_tier_gets_less_traffic(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "1")
    serve_price(b, "2")
    a.fault = Fault("delay", delay=0.05)
    async with relay_for({"a": [a], "b": [b]}, chain=[["a", "b"]]) as relay:
        served = [(await relay.price("BTC")).source.provider for _ in range(40)]
    assert served.count("b") > served.count("a") * 3


async def test_failover_event_and_listener_errors_are_swallowed(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(b, "2")
    a.down()
    seen: list[FailoverHappened] = []

    class Listener:
        from coinrelay import hookimpl

        @hookimpl
        def on_failover(self, event: FailoverHappened) -> None:
            seen.append(event)

        @hookimpl
        def on_request_finished(self, event: object) -> None:
            raise RuntimeError("broken metrics plugin")

    async with relay_for({"a": [a], "b": [b]}) as relay:
        relay.register(Listener(), name="listener")
        price = await relay.price("BTC")
    assert price.source.provider == "b"
    assert len(seen) == 1
    assert (seen[0].category, seen[0].from_provider, seen[0].to_provider) == ("price", "a", "b")
    assert seen[0].why.startswith("failed")


async def test_a_hanging_provider_gets_its_share_of_the_deadline_not_all_of_it(upstream_factory) -> None:
    # A timeout (5 s) longer than the whole call (0.3 s) must not starve the next provider:
    # the first one gets half of what remains (two candidates), the second the rest.
    a, b = upstream_factory(), upstream_factory()
    serve_price(b, "2")
    a.fault = Fault("blackhole")
    async with relay_for({"a": [a], "b": [b]}, timeout=5.0) as relay:
        price = await relay.fetch("price", symbol="BTC", deadline=0.3)
    assert price.source.provider == "b"
    first = price.source.attempts[0]
    assert (first.provider, first.outcome, first.endpoint) == ("a", "timeout", a.url)


async def test_deadline_bounds_the_whole_walk(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    a.fault = Fault("blackhole")
    b.fault = Fault("blackhole")
    async with relay_for({"a": [a], "b": [b]}, timeout=5.0) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.fetch("price", symbol="BTC", deadline=0.3)
    assert "deadline" in str(info.value)
    assert [(x.provider, x.outcome) for x in info.value.attempts] == [("a", "timeout"), ("b", "timeout")]


async def test_garbage_from_one_provider_never_becomes_a_value(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(b, "2")
    from coinrelay.testing import Reply

    a.route("/price", Reply.json({"price": "not-a-number"}))
    async with relay_for({"a": [a], "b": [b]}) as relay:
        price = await relay.price("BTC")
    assert price.source.provider == "b"
    assert "not a number" in (price.source.attempts[0].error or "")


async def test_unknown_symbol_is_not_found_even_when_a_mirror_failed_on_the_way(upstream_factory) -> None:
    m1, m2, other = upstream_factory(), upstream_factory(), upstream_factory()
    serve_price(m2, "1")
    serve_price(other, "2")
    m1.down()
    async with relay_for({"a": [m1, m2], "b": [other]}) as relay:
        with pytest.raises(SymbolNotFound) as info:
            await relay.price("ZZZ")
    assert [(x.provider, x.outcome) for x in info.value.attempts] == [
        ("a", "failed"),  # the dead mirror
        ("a", "unsupported"),
        ("b", "unsupported"),
    ]


async def test_unknown_symbol_with_a_provider_skipped_as_down_is_not_not_found(upstream_factory) -> None:
    """A provider whose breaker is open might serve the symbol: that is a failure, not a 404."""
    clock = FakeClock()
    a, b = upstream_factory(), upstream_factory()
    serve_price(b, "2")
    a.down()
    async with relay_for({"a": [a], "b": [b]}, clock=clock) as relay:
        for _ in range(3):
            await relay.price("BTC")
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("ZZZ")
    assert [x.outcome for x in info.value.attempts] == ["skipped", "unsupported"]


async def test_a_credential_in_a_provider_error_never_reaches_trail_health_or_logs(upstream_factory, caplog) -> None:
    """A plugin that echoes its key into an error: the core scrubs it everywhere it records the error."""
    import types

    from coinrelay import InvalidResponse, ProviderInfo, hookimpl
    from coinrelay._config import ProviderSettings, Settings
    from coinrelay._relay import Relay

    secret = "sk-live/abc+123"
    leaky = types.ModuleType("leaky")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name="leaky", categories=("price",), endpoints=("http://127.0.0.1:9",))

    @hookimpl
    async def fetch_price(ctx, symbol: str, quote: str):  # type: ignore[no-untyped-def]
        if symbol == "BTC":
            raise InvalidResponse(f"bad body from {ctx.http!r}?apiKey={ctx.secret()}", provider=ctx.name)
        raise KeyError(f"key={ctx.secret()} url=x?k=sk-live%2Fabc%2B123")

    leaky.provider_info = provider_info  # type: ignore[attr-defined]
    leaky.fetch_price = fetch_price  # type: ignore[attr-defined]
    b = upstream_factory()
    serve_price(b, "2")
    settings = Settings(
        providers={"leaky": ProviderSettings(api_key=secret), "b": ProviderSettings(endpoints=[b.url])},
        chains={"price": ["leaky", "b"]},
    )
    settings.cache.enabled = False
    async with Relay(
        settings, plugins=[("leaky", leaky), ("b", price_provider("b"))], load_entry_points=False
    ) as relay:
        first = await relay.price("BTC")
        second = await relay.price("ETH")
        health = await relay.health()
    seen = repr(first.source.attempts) + repr(second.source.attempts) + repr(health) + caplog.text
    assert "***" in repr(first.source.attempts)
    assert secret not in seen
    assert "sk-live%2Fabc%2B123" not in seen


async def test_a_provider_goes_half_open_only_when_an_endpoint_can_take_the_probe(upstream_factory) -> None:
    # Issue 15: the provider's and its endpoints' breakers recover on independent (jittered)
    # clocks; a provider that went half-open while every endpoint was still open "failed" its
    # probe without a request and doubled its backoff.
    clock = FakeClock()
    a, b = upstream_factory(), upstream_factory()
    serve_price(b, "2")
    a.fault = Fault("status", status=500)
    async with relay_for({"a": [a], "b": [b]}, clock=clock) as relay:
        for _ in range(3):
            await relay.price("BTC")
        rt = relay.providers["a"]
        endpoint = rt.endpoint_state(a.url).breaker
        endpoint.trip("held open by the test", 60.0)  # the endpoint recovers much later
        a.fault = None
        serve_price(a, "1")
        clock.advance(5.0 * 1.1 + 0.01)  # the provider's recovery is due...
        price = await relay.price("BTC")
        assert price.source.provider == "b"
        assert price.source.attempts[0].error == "every endpoint's breaker is open"
        assert rt.breaker.record.state == "open"  # ...but it was not half-opened for nothing
        assert rt.breaker.record.recovery == 5.0  # and its backoff did not double
        assert a.count() == 3
        clock.advance(60.0)  # now the endpoint can take a probe: the provider's goes through it
        await relay.price("ETH")
        await relay.wait_background()
        assert (rt.breaker.record.state, endpoint.record.state) == ("closed", "closed")
        assert a.count() == 4


async def test_a_closed_relay_refuses_with_a_clear_error_and_opens_nothing(upstream_factory) -> None:
    # Issue 10: a closed Relay kept working and re-opened an HTTP session (ResourceWarning).
    from coinrelay import RelayClosed

    a = upstream_factory()
    serve_price(a, "1")
    relay = relay_for({"a": [a]})
    assert (await relay.price("BTC")).price == Decimal(1)  # used without `async with`: opens itself
    await relay.aclose()
    assert relay.closed
    for call in (relay.price("ETH"), relay.probe("a"), relay.start()):
        with pytest.raises(RelayClosed, match="closed"):
            await call
    assert a.count() == 1
    await relay.aclose()  # idempotent
