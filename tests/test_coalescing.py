"""Single flight: identical concurrent calls share one upstream fetch."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from coinrelay import AllProvidersFailed
from coinrelay.testing import Fault, Reply

from .chaos._kit import PATIENCE, ROOMY, Gate, make_relay, serve, settle


async def test_1000_concurrent_identical_requests_cause_one_upstream_call(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    a.fault = Fault("delay", delay=0.2)
    async with make_relay({"a": a}) as relay:
        prices = await asyncio.gather(*(relay.price("BTC", "USD") for _ in range(1000)))
    assert a.count("/price") == 1
    assert all(p.price == Decimal("100") for p in prices)


async def test_different_requests_are_not_coalesced(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    a.fault = Fault("delay", delay=0.1)
    async with make_relay({"a": a}) as relay:
        await asyncio.gather(relay.price("BTC", "USD"), relay.price("ETH", "USD"), relay.price("BTC", "EUR"))
    assert a.count("/price") == 3


async def test_cancelling_the_first_caller_does_not_fail_the_others(upstream_factory) -> None:
    a = upstream_factory()
    gate = Gate(serve(a, "100"))
    a.route("/price", gate)  # the fetch stays in flight until the test lets it land
    async with make_relay({"a": a}, timeout=ROOMY) as relay:
        first = asyncio.create_task(relay.price("BTC"))
        await asyncio.wait_for(asyncio.wrap_future(gate.first), PATIENCE)  # the first caller's fetch is in flight
        others = [asyncio.create_task(relay.price("BTC")) for _ in range(5)]
        [flight] = relay._flights.inflight.values()
        # loop turns, not time: until every other caller has joined it (the first caller drives
        # the flight in its own task, so it is not among the waiters)
        for _ in range(1000):
            if len(flight.waiters) == 5:
                break
            await asyncio.sleep(0)
        assert len(flight.waiters) == 5
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        gate.open()  # the fetch outlived its first caller
        results = await asyncio.gather(*others)
    assert [p.price for p in results] == [Decimal("100")] * 5
    assert a.count("/price") == 1


async def test_an_error_reaches_every_waiter_once(upstream_factory) -> None:
    a = upstream_factory()
    a.route("/price", Reply.json({"error": "down"}, status=503, delay=0.2))
    async with make_relay({"a": a}) as relay:
        outcomes = await asyncio.gather(*(relay.price("BTC") for _ in range(10)), return_exceptions=True)
    assert a.count("/price") == 1
    assert len(outcomes) == 10
    assert all(isinstance(o, AllProvidersFailed) for o in outcomes)
    assert all("HTTP 503" in str(o) for o in outcomes)


async def test_the_only_caller_leaving_cancels_the_fetch_and_leaks_no_task(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    a.fault = Fault("blackhole")
    baseline = set(asyncio.all_tasks())
    async with make_relay({"a": a}, timeout=30.0) as relay:
        call = asyncio.create_task(relay.price("BTC"))
        for _ in range(1000):  # polled, not a set delay: until the request has reached the upstream
            if a.count("/price"):
                break
            await asyncio.sleep(0.01)
        assert a.count("/price") == 1 and relay._flights.inflight
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await settle(baseline) == set()
        assert not relay._flights.inflight
        # the provider was not penalised for a call nobody waited for
        assert relay.providers["a"].breaker.record.consecutive_failures == 0
