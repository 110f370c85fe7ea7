"""The chaos suite: fault storms against real HTTP servers on 127.0.0.1.

Three in-test providers ``a``, ``b``, ``c`` in one chain; ``a`` misbehaves. For every
fault the invariants are the same: no failed call while a provider in the chain is
healthy, no wrong value, no request to a provider whose breaker is open or whose pause
runs, no rate limit exceeded, and no task or connection left behind.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import threading
import time
from decimal import Decimal
from typing import Any

import pytest

from coinrelay import AllProvidersFailed, RateLimit, hookimpl
from coinrelay._clock import FakeClock
from coinrelay._config import BreakerSettings, ConsensusSettings, HedgingSettings, QualitySettings
from coinrelay.testing import FakeUpstream, Fault, Reply
from coinrelay.testing.upstream import Request

from ._kit import PATIENCE, ROOMY, Gate, LimitedHandler, make_relay, price_plugin, serve, settle

pytestmark = pytest.mark.chaos

GOOD = Decimal("100")
SYMBOLS = tuple(f"S{i}" for i in range(50))


def _three(upstream_factory) -> dict[str, FakeUpstream]:
    ups = {n: upstream_factory() for n in ("a", "b", "c")}
    for up in ups.values():
        serve(up, "100", known=SYMBOLS)
    return ups


async def _storm(relay, calls: int, concurrency: int) -> tuple[list[Any], list[BaseException]]:
    """``calls`` price calls over rotating symbols, ``concurrency`` at a time."""
    sem = asyncio.Semaphore(concurrency)
    values: list[Any] = []
    errors: list[BaseException] = []

    async def one(i: int) -> None:
        async with sem:
            try:
                values.append(await relay.price(SYMBOLS[i % len(SYMBOLS)], "USD"))
            except Exception as exc:
                errors.append(exc)

    await asyncio.gather(*(one(i) for i in range(calls)))
    return values, errors


async def _no_leaks(baseline: set[asyncio.Task[Any]], *healthy: FakeUpstream) -> None:
    assert await settle(baseline) == set()
    deadline = time.monotonic() + PATIENCE
    while any(up._writers for up in healthy) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the servers see every client connection closed
    assert [len(up._writers) for up in healthy] == [0] * len(healthy)


def _http_date_in(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


FAULTS: dict[str, Fault | None] = {
    "refused": None,  # a.down()
    "blackhole": Fault("blackhole"),
    "reset": Fault("reset"),
    "trickle": Fault("trickle", delay=0.2),
    "latency": Fault("delay", delay=1.0),
    "500": Fault("status", status=500),
    "502": Fault("status", status=502),
    "503": Fault("status", status=503),
    "504": Fault("status", status=504),
    "429-seconds": Fault("rate_limit", status=429, retry_after="30"),
    "429-date": Fault("rate_limit", status=429),  # Retry-After: an HTTP date 30 s from when the test runs
    "418": Fault("rate_limit", status=418, retry_after="60"),
    "451": Fault("status", status=451),
    "200-error-body": Fault("status", status=200, body=b'{"error": "Invalid API call"}'),
    "malformed": Fault("garbage"),
    "truncated": Fault("truncated"),
    "wrong-shape": Fault("garbage", body=b'[{"price": "100"}]'),
    "empty-object": Fault("status", status=200, body=b"{}"),
    "zero-price": Fault("status", status=200, body=b'{"price": "0"}'),
}
PAUSING = {"429-seconds", "429-date", "418", "451"}
#: Faults that take time: a's own short timeout is what they test. Every other timeout is
#: roomy, so that a loaded machine never turns a healthy provider's slow answer into a failure.
SLOW = {"blackhole", "trickle", "latency"}


@pytest.mark.parametrize("kind", list(FAULTS))
async def test_one_provider_faulty_no_call_fails_and_no_wrong_value(upstream_factory, kind: str) -> None:
    ups = _three(upstream_factory)
    a = ups["a"]
    if kind == "refused":
        a.down()
    else:
        a.fault = FAULTS[kind]
        if kind == "429-date":  # dated when the test runs, not when the module was imported
            a.fault = Fault("rate_limit", status=429, retry_after=_http_date_in(30))
    baseline = set(asyncio.all_tasks())
    relay = make_relay(
        ups,
        ["a", "b", "c"],
        clock=FakeClock(time.time()),  # the pause and the open breaker last as long as the test
        timeout=ROOMY,
        timeouts={"a": 0.3} if kind in SLOW else None,
        breaker=BreakerSettings(recovery_timeout=30.0),
    )
    async with relay:
        values, errors = await _storm(relay, 150, 15)
        sent_to_a = a.count()
        health = await relay.health()
        # breaker open or pause running: not one more request reaches a
        values2, errors2 = await _storm(relay, 50, 10)
        assert a.count() == sent_to_a
    assert errors == [] and errors2 == []
    assert len(values) == 150
    assert all(v.price == GOOD for v in values + values2)
    state = health["providers"]["a"]
    if kind in PAUSING:
        assert state["paused"] is not None
        assert sent_to_a <= 15  # only the calls already in flight when the refusal came
    else:
        assert state["breaker"]["state"] == "open"
        # the failure threshold plus calls already in flight (the HTTP client may resend once on a reset)
        assert sent_to_a <= 2 * (3 + 15)
    await _no_leaks(baseline, ups["b"], ups["c"])


async def test_stale_timestamps_and_a_wrong_price_never_become_a_value(upstream_factory) -> None:
    ups = _three(upstream_factory)
    ups["d"] = upstream_factory()
    serve(ups["d"], "100.1", known=SYMBOLS)
    serve(ups["a"], "100", ts=int(time.time()) - 3600, known=SYMBOLS)  # a serves an hour-old price
    serve(ups["c"], "250", known=SYMBOLS)  # c is simply wrong
    quality = QualitySettings(max_age={"price": 60}, consensus_check=True, max_deviation_pct=2.0)
    relay = make_relay(
        ups, ["a", "b", "c", "d"], timeout=ROOMY, quality=quality, consensus=ConsensusSettings(min_providers=2)
    )
    async with relay:
        values, errors = await _storm(relay, 100, 10)
        health = await relay.health()
    assert errors == []
    assert all(abs(v.price - GOOD) <= Decimal("0.1") for v in values)
    assert "stale data" in health["providers"]["a"]["health"]["last_error"]
    # c's wrong price is the endpoint's fault (its one mirror), as every wrong answer is
    [c_endpoint] = health["providers"]["c"]["endpoints"]
    assert "off the" in c_endpoint["health"]["last_error"]


async def test_latency_spikes_are_hedged(upstream_factory) -> None:
    ups = _three(upstream_factory)
    rng = random.Random(7)

    def spiky(req: Request) -> Reply:
        return Reply.json({"price": "100"}, delay=0.8 if rng.random() < 0.2 else 0.005)

    ups["a"].route("/price", spiky)
    relay = make_relay(
        ups,
        ["a", "b", "c"],
        timeout=2.0,
        hedging=HedgingSettings(price=True, delay="p95", fallback_delay=0.1, budget=0.5, burst=20),
    )
    async with relay:
        values, errors = await _storm(relay, 200, 10)
    assert errors == [] and all(v.price == GOOD for v in values)
    cancelled = sum(1 for v in values for x in v.source.attempts if x.outcome == "cancelled")
    assert cancelled > 0  # slow answers lost to hedges


async def test_flapping_provider(upstream_factory) -> None:
    ups = _three(upstream_factory)
    a = ups["a"]
    stop = threading.Event()

    def flap() -> None:
        while not stop.is_set():
            a.down()
            stop.wait(0.25)
            a.up()
            stop.wait(0.25)

    flapper = threading.Thread(target=flap, daemon=True)
    # (a fails by refusing or resetting connections, at once: no timeout is part of this test)
    relay = make_relay(ups, [["a", "b"], "c"], timeout=ROOMY, breaker=BreakerSettings(recovery_timeout=0.2))
    baseline = set(asyncio.all_tasks())
    flapper.start()
    try:
        async with relay:
            deadline = time.monotonic() + 2.5
            total: list[Any] = []
            while time.monotonic() < deadline:
                values, errors = await _storm(relay, 50, 10)
                assert errors == []
                total += values
    finally:
        stop.set()
        flapper.join()
    assert all(v.price == GOOD for v in total)
    assert {v.source.provider for v in total} >= {"b"}
    await _no_leaks(baseline, ups["b"], ups["c"])


async def test_all_down_then_recovering_probes_are_staggered(upstream_factory) -> None:
    ups = _three(upstream_factory)
    for up in ups.values():
        up.down()
    clock = FakeClock()
    relay = make_relay(
        ups,
        ["a", "b", "c"],
        clock=clock,
        timeout=ROOMY,  # down is refused at once; up, the probes are held by the test, not timed out
        breaker=BreakerSettings(recovery_timeout=0.3, jitter=0.5, failure_threshold=2),
    )
    async with relay:
        _, errors = await _storm(relay, 40, 10)
        assert len(errors) == 40 and all(isinstance(e, AllProvidersFailed) for e in errors)
        opened = {n: relay.providers[n].breaker.record.open_until for n in ups}
        assert [relay.providers[n].breaker.record.state for n in ups] == ["open"] * 3
        assert len(set(opened.values())) == 3  # jitter: the probes are not due at the same instant
        sent = sum(up.count() for up in ups.values())
        await _storm(relay, 50, 50)  # breakers open: everything fails fast, nothing sent
        assert sum(up.count() for up in ups.values()) == sent
        gates = {n: Gate(serve(up, "100", known=SYMBOLS)) for n, up in ups.items()}
        for n, up in ups.items():
            up.route("/price", gates[n])  # every request is held until the test opens the gate
            up.up()
        clock.advance(1.0)  # past every (jittered) recovery timeout
        before = {n: up.count() for n, up in ups.items()}
        calls = {s: asyncio.create_task(relay.price(s)) for s in SYMBOLS}  # 50 distinct calls at once
        held = [await asyncio.wait_for(asyncio.wrap_future(g.first), PATIENCE) for g in gates.values()]
        probing = {r.query["symbol"] for r in held}
        others = [t for s, t in calls.items() if s not in probing]
        # while every probe is in flight, each other call finds all three half-open and busy:
        # it fails at once, sending nothing and waiting on no probe
        await asyncio.wait(others, timeout=PATIENCE)
        assert all(t.done() and isinstance(t.exception(), AllProvidersFailed) for t in others)
        # half-open: one probe per provider, not 50 requests each
        assert {n: up.count() - before[n] for n, up in ups.items()} == {"a": 1, "b": 1, "c": 1}
        for g in gates.values():
            g.open()
        probed = await asyncio.gather(*(calls[s] for s in probing))
        assert all(v.price == GOOD for v in probed)
        later, errors = await _storm(relay, 50, 10)
    assert errors == [] and all(v.price == GOOD for v in later)


async def test_a_raising_plugin_and_a_raising_listener(upstream_factory) -> None:
    ups = _three(upstream_factory)

    def boom() -> None:
        raise RuntimeError("plugin bug")

    class Listener:
        @hookimpl
        def on_request_finished(self, event: Any) -> None:
            raise ValueError("listener bug")

    relay = make_relay(ups, ["a", "b", "c"], plugins={"a": price_plugin("a", hook=boom)})
    relay.register(Listener(), name="broken-listener")
    async with relay:
        values, errors = await _storm(relay, 60, 10)
    assert errors == [] and all(v.price == GOOD and v.source.provider == "b" for v in values)
    assert ups["a"].count() == 0


async def test_caller_cancellation_storm_during_hedges(upstream_factory) -> None:
    ups = _three(upstream_factory)
    ups["a"].fault = Fault("blackhole")
    gates = {n: Gate(serve(ups[n], "100", known=SYMBOLS)) for n in ("b", "c")}
    for n, gate in gates.items():
        ups[n].route("/price", gate)  # the hedges are held until the storm has passed
    baseline = set(asyncio.all_tasks())
    relay = make_relay(
        ups, ["a", "b", "c"], timeout=ROOMY, hedging=HedgingSettings(price=True, delay=0.05, budget=1.0, burst=100)
    )
    async with relay:
        # 100 callers, 50 flights (calls i and i + 50 ask the same symbol): the even ones leave
        calls = [asyncio.create_task(relay.price(SYMBOLS[i % 50])) for i in range(100)]
        deadline = time.monotonic() + PATIENCE
        while ups["b"].count() < 50 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # until every flight, stuck at a, has its hedge at b
        assert ups["b"].count() == 50
        for task in calls[::2]:
            task.cancel()
        await asyncio.wait(calls[::2])
        for gate in gates.values():
            gate.open()
        results = await asyncio.gather(*calls, return_exceptions=True)
    kept = results[1::2]
    assert all(not isinstance(r, BaseException) and r.price == GOOD for r in kept)
    assert all(isinstance(r, asyncio.CancelledError) for r in results[::2])
    await _no_leaks(baseline, ups["b"], ups["c"])


# -- done-when checks ------------------------------------------------------------------------


async def test_one_of_three_blackholed_1000_calls_at_50_concurrent_zero_failures(upstream_factory) -> None:
    ups = _three(upstream_factory)
    ups["a"].fault = Fault("blackhole")
    baseline = set(asyncio.all_tasks())
    relay = make_relay(ups, [["a", "b", "c"]], timeout=ROOMY, timeouts={"a": 0.25})
    async with relay:
        values, errors = await _storm(relay, 1000, 50)
    assert errors == []
    assert len(values) == 1000 and all(v.price == GOOD for v in values)
    assert ups["a"].count() <= 3 + 50
    await _no_leaks(baseline, ups["b"], ups["c"])


async def test_10x_burst_over_a_budget_sends_nothing_beyond_the_limit(upstream_factory) -> None:
    ups = _three(upstream_factory)
    relay = make_relay(ups, ["a", "b", "c"], plugins={"a": price_plugin("a", rate_limit=RateLimit(10, 60.0))})
    async with relay:
        values, errors = await _storm(relay, 100, 100)
    assert errors == [] and all(v.price == GOOD for v in values)
    assert ups["a"].count() == 10


async def test_soak_against_a_limit_enforcing_upstream_sees_zero_429(upstream_factory) -> None:
    ups = _three(upstream_factory)
    limited = LimitedHandler("100", limit=20, period=1.0)
    ups["a"].route("/price", limited)
    declared = RateLimit(limit=20, period=1.0, headroom=0.1)
    relay = make_relay(ups, ["a", "b", "c"], plugins={"a": price_plugin("a", rate_limit=declared)})
    async with relay:
        deadline = time.monotonic() + 3.0
        total = 0
        while time.monotonic() < deadline:
            values, errors = await _storm(relay, 50, 10)
            assert errors == [] and all(v.price == GOOD for v in values)
            total += len(values)
    assert limited.rejected == 0
    assert 40 <= ups["a"].count() <= 18 * 4  # used its budget, never beyond
    assert total > ups["a"].count()


async def test_1000_identical_concurrent_calls_one_upstream_request(upstream_factory) -> None:
    ups = _three(upstream_factory)
    ups["a"].fault = Fault("delay", delay=0.2)
    async with make_relay(ups, ["a", "b", "c"]) as relay:
        values = await asyncio.gather(*(relay.price("S1") for _ in range(1000)))
    assert all(v.price == GOOD for v in values)
    assert sum(up.count() for up in ups.values()) == 1


async def test_all_down_after_one_good_answer_serves_stale_until_max_age(upstream_factory) -> None:
    ups = _three(upstream_factory)
    clock = FakeClock()
    relay = make_relay(ups, ["a", "b", "c"], clock=clock, cache=True)
    relay.settings.cache.ttl["price"] = 2.0
    relay.settings.cache.max_stale["price"] = 120.0
    async with relay:
        fresh = await relay.price("S1")
        for up in ups.values():
            up.down()
        for _ in range(12):
            clock.advance(10.0)
            values, errors = await _storm(relay, 20, 10)  # S0..S19; only S1 was ever cached
            stale = [v for v in values if v.symbol == "S1"]
            assert stale and all(v.source.stale and v.price == fresh.price for v in stale)
            assert {type(e) for e in errors} == {AllProvidersFailed}
        clock.advance(3.0)  # age 123 > ttl 2 + max_stale 120
        with pytest.raises(AllProvidersFailed):
            await relay.price("S1")
