"""Hedged requests and the retry budget."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from coinrelay import AllProvidersFailed
from coinrelay._clock import FakeClock
from coinrelay._config import HedgingSettings, load_settings
from coinrelay._errors import ConfigError
from coinrelay._health import HealthWindow
from coinrelay._hedging import HedgeBudget, HedgePolicy
from coinrelay._retry_budget import RetryBudget
from coinrelay.testing import Fault, Reply
from coinrelay.testing.upstream import Request

from .chaos._kit import PATIENCE, ROOMY, Gate, make_relay, price_plugin, serve, settle


def test_hedge_budget_caps_hedges_at_the_share_of_calls() -> None:
    budget = HedgeBudget(rate=0.1, burst=5)
    granted = 0
    for _ in range(1000):
        budget.earn()
        if budget.take():
            granted += 1
    assert granted <= 0.1 * 1000 + 5
    assert granted >= 0.1 * 1000 - 1


def test_hedge_delay_is_fixed_or_the_observed_p95() -> None:
    assert HedgePolicy(HedgingSettings(price=True, delay=0.25)).delay(None) == 0.25
    policy = HedgePolicy(HedgingSettings(price=True, delay="p95", fallback_delay=0.4, min_delay=0.01))
    hw = HealthWindow()
    assert policy.delay(hw) == 0.4  # too few observations yet
    for latency in [0.1] * 19 + [0.5]:
        hw.record_success(latency)
    assert 0.1 < policy.delay(hw) <= 0.5
    fast = HealthWindow()
    for _ in range(10):
        fast.record_success(0.0001)
    assert policy.delay(fast) == 0.01  # never below min_delay


def test_retry_budget_allows_ratio_plus_floor_over_a_sliding_window() -> None:
    clock = FakeClock()
    rb = RetryBudget(ratio=0.2, min_per_second=1.0, window=10.0, clock=clock)
    for _ in range(100):
        rb.first_attempt()
    granted = sum(1 for _ in range(100) if rb.try_extra())
    assert granted == 10 + 20  # floor 1/s x 10 s, plus 20% of 100 first attempts
    assert rb.refused == 70
    clock.advance(11.0)  # the window slid past every deposit and withdrawal
    assert sum(1 for _ in range(100) if rb.try_extra()) == 10


async def test_slow_first_provider_is_hedged_and_the_loser_cancelled(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = Fault("blackhole")  # a never answers: only a hedge, fired before a's 5 s timeout, serves this
    async with make_relay(
        {"a": a, "b": b}, ["a", "b"], timeout=5.0, hedging=HedgingSettings(price=True, delay=0.1)
    ) as relay:
        price = await relay.price("BTC")
    assert price.price == Decimal("101") and price.source.provider == "b"
    trail = [(x.provider, x.outcome) for x in price.source.attempts]
    assert ("b", "ok") in trail and ("a", "cancelled") in trail
    assert a.count() == 1 and b.count() == 1
    # overtaken after its hedge delay: one failure of the slow provider (not yet enough to open it)
    assert relay.providers["a"].breaker.record.consecutive_failures == 1
    assert relay.providers["a"].breaker.state == "closed"
    loser = next(x for x in price.source.attempts if x.provider == "a")
    assert "overtaken by a hedge" in (loser.error or "")


async def test_fast_first_provider_is_never_hedged(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    async with make_relay({"a": a, "b": b}, ["a", "b"], hedging=HedgingSettings(price=True, delay=0.5)) as relay:
        for _ in range(20):
            assert (await relay.price("BTC")).source.provider == "a"
    assert b.count() == 0


async def test_hedge_budget_spent_means_no_more_hedges(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = Fault("blackhole")  # a cannot answer: the first calls are served by their hedges alone
    hedging = HedgingSettings(price=True, delay=0.02, budget=0.0, burst=2)
    async with make_relay({"a": a, "b": b}, ["a", "b"], timeout=ROOMY, hedging=hedging) as relay:
        providers = [(await relay.price("BTC")).source.provider for _ in range(2)]
        a.fault = Fault("delay", delay=0.3)  # still slow, but the budget pays for no more hedges
        providers += [(await relay.price("BTC")).source.provider for _ in range(3)]
    assert providers == ["b", "b", "a", "a", "a"]
    assert b.count() == 2


async def test_hedged_walk_fails_over_when_the_first_fails_fast(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(b, "101")
    a.down()
    async with make_relay({"a": a, "b": b}, ["a", "b"], hedging=HedgingSettings(price=True, delay=1.0)) as relay:
        price = await relay.price("BTC")
        assert price.source.provider == "b"
        b.down()
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC")


async def test_caller_cancelled_during_a_hedge_leaks_nothing(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = b.fault = Fault("blackhole")
    baseline = set(asyncio.all_tasks())
    async with make_relay(
        {"a": a, "b": b}, ["a", "b"], timeout=30.0, hedging=HedgingSettings(price=True, delay=0.05)
    ) as relay:
        call = asyncio.create_task(relay.price("BTC"))
        for _ in range(100):
            if a.count() and b.count():
                break
            await asyncio.sleep(0.01)
        assert a.count() == 1 and b.count() == 1  # both in flight: a hedge is running
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await settle(baseline) == set()
        # a's hedge delay passed (the hedge fired): one strike; b, cancelled with the caller, none
        assert relay.providers["a"].breaker.record.consecutive_failures == 1
        assert relay.providers["b"].breaker.record.consecutive_failures == 0


async def test_retry_budget_exhausted_fails_fast_without_touching_more_providers(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    a.down()
    serve(b, "101")
    clock = FakeClock()
    from coinrelay._config import BreakerSettings, RetryBudgetSettings

    async with make_relay(
        {"a": a, "b": b},
        ["a", "b"],
        clock=clock,
        retry_budget=RetryBudgetSettings(ratio=0.0, min_per_second=0.2, window=10.0),
        breaker=BreakerSettings(failure_threshold=1000, min_calls=1000),
    ) as relay:
        ok = [await relay.price("BTC") for _ in range(2)]
        assert all(p.source.provider == "b" for p in ok)
        with pytest.raises(AllProvidersFailed, match="retry budget exhausted"):
            await relay.price("BTC")
    assert b.count() == 2


def test_hedging_and_retry_budget_keys_are_validated(tmp_path) -> None:
    cfg = tmp_path / "coinrelay.toml"
    cfg.write_text('[hedging]\nprice = true\ndelay = "p95"\nbudget = 0.1\n[retry_budget]\nratio = 0.5\n')
    s = load_settings(cfg)
    assert s.hedging.categories() == frozenset({"price"})
    assert s.retry_budget.ratio == 0.5
    for bad, key in [
        ("[hedging]\nprise = true\n", "prise"),
        ('[hedging]\ndelay = "p99"\n', "delay"),
        ("[hedging]\nbudget = 2\n", "budget"),
        ("[retry_budget]\nratioo = 1\n", "ratioo"),
    ]:
        cfg.write_text(bad)
        with pytest.raises(ConfigError, match=key):
            load_settings(cfg)


async def test_blackholed_first_provider_is_found_out_by_the_first_hedges(upstream_factory) -> None:
    """50 concurrent calls, hedge budget for 5: the rest fail over as soon as A's breaker opens."""
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = Fault("blackhole")
    hedging = HedgingSettings(price=True, delay=0.05, budget=0.1, burst=5)
    async with make_relay({"a": a, "b": b}, ["a", "b"], timeout=ROOMY, hedging=hedging) as relay:
        # distinct keys: no coalescing
        results = await asyncio.gather(*(relay.fetch("price", symbol="BTC", quote=f"Q{i}") for i in range(50)))
        assert relay.providers["a"].breaker.record.state == "open"
    # nobody waited for A's timeout: the hedged calls opened A's breaker, the others followed
    assert all(r.source.provider == "b" for r in results)
    outcomes = {x.outcome for r in results for x in r.source.attempts if x.provider == "a"}
    assert outcomes == {"cancelled"}
    assert a.count() == 50


async def test_a_hedge_winner_answers_without_waiting_for_the_loser_to_end(upstream_factory) -> None:
    """The overtaken attempt is cancelled and noted at once; it ends in the background (its
    connection closing is nobody's latency), among the tasks the relay waits for and cancels."""
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = Fault("blackhole")
    baseline = set(asyncio.all_tasks())
    async with make_relay(
        {"a": a, "b": b}, ["a", "b"], timeout=30.0, hedging=HedgingSettings(price=True, delay=0.05)
    ) as relay:
        price = await relay.price("BTC")
        assert [t for t in relay._background if not t.done()]  # the loser: cancelled, not yet ended
        assert price.source.provider == "b"
        assert [(x.provider, x.outcome) for x in price.source.attempts] == [("b", "ok"), ("a", "cancelled")]
        await relay.wait_background()  # the loser's end, awaited here only
        assert await settle(baseline) == set()
    assert a.count() == 1 and b.count() == 1


async def test_a_hedged_call_answered_before_its_delay_runs_in_the_callers_task(upstream_factory) -> None:
    """No task per attempt for the usual hedged call: the first attempt runs in the caller's task
    and moves to a task of its own only when its hedge delay passes."""
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    seen: list[asyncio.Task[Any] | None] = []
    plugin = price_plugin("a", hook=lambda: seen.append(asyncio.current_task()))
    async with make_relay(
        {"a": a, "b": b}, ["a", "b"], plugins={"a": plugin}, hedging=HedgingSettings(price=True, delay=5.0)
    ) as relay:
        price = await relay.price("BTC")
    assert price.source.provider == "a" and seen == [asyncio.current_task()]
    assert b.count() == 0


async def test_a_stall_of_the_relays_own_loop_is_not_the_providers_slowness(upstream_factory) -> None:
    """A hedge timer that fires late because the relay's own event loop was blocked (a GC pause,
    a CPU-bound host) finds the first provider's answer unread, not missing: it gets its delay
    again on a listening loop — no hedge, no breaker strike. (Seen in the benchmark: at 32
    concurrent calls, stalls of a few ms opened a healthy Binance's breaker by hedge strikes.)"""
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    loop = asyncio.get_running_loop()
    # Blocks the loop three hedge delays long, as a CPU-bound stretch of the host app would.
    plugin = price_plugin("a", hook=lambda: loop.call_soon(time.sleep, 0.6))
    hedging = HedgingSettings(price=True, delay=0.2)
    async with make_relay({"a": a, "b": b}, ["a", "b"], timeout=ROOMY, plugins={"a": plugin}, hedging=hedging) as relay:
        price = await relay.price("BTC")
        assert relay.providers["a"].breaker.record.consecutive_failures == 0
    assert price.source.provider == "a"
    assert [(x.provider, x.outcome) for x in price.source.attempts] == [("a", "ok")]
    assert b.count() == 0


async def test_a_provider_answering_other_calls_takes_no_hedge_strike(upstream_factory) -> None:
    """A hedge strike is for a provider that answers nobody (a blackhole). One that answers other
    calls while this one waits is slow for this call — a tail — and is hedged but not struck:
    at high concurrency, correlated tails would otherwise open a healthy provider's breaker."""
    a, b = upstream_factory(), upstream_factory()
    plain = serve(a, "100")
    serve(b, "101")
    gate = Gate(plain)

    async def eth_held(req: Request) -> Reply:
        return await gate(req) if req.query.get("symbol") == "ETH" else plain(req)

    a.route("/price", eth_held)
    hedging = HedgingSettings(price=True, delay=1.5)
    async with make_relay({"a": a, "b": b}, ["a", "b"], timeout=ROOMY, hedging=hedging) as relay:
        eth = asyncio.create_task(relay.price("ETH"))
        await asyncio.wait_for(asyncio.wrap_future(gate.first), PATIENCE)  # ETH is held at A
        btc = await relay.price("BTC")  # meanwhile A answers another call
        slow = await eth  # hedged to B at its delay
        assert relay.providers["a"].breaker.record.consecutive_failures == 0
        gate.open()
    assert btc.source.provider == "a" and slow.source.provider == "b"
    first = slow.source.attempts[0]
    assert (first.provider, first.outcome) == ("b", "ok")
