"""Quota domains: budgets spent before sending, never exceeded, and honoured refusals."""

from __future__ import annotations

import email.utils
import random
from decimal import Decimal

import pytest

from coinrelay import RateLimit
from coinrelay._clock import FakeClock
from coinrelay._config import RateLimitSettings
from coinrelay._http import parse_retry_after
from coinrelay._ratelimit import QuotaWindow
from coinrelay.testing import Fault

from .chaos._kit import make_relay, price_plugin, serve


def _max_in_any_window(spends: list[tuple[float, float]], period: float) -> float:
    """Largest sum of costs in any half-open interval [t, t + period) starting at a spend."""
    best = 0.0
    for i, (t0, _) in enumerate(spends):
        total = sum(c for t, c in spends[i:] if t < t0 + period)
        best = max(best, total)
    return best


def _drive(window: QuotaWindow, clock: FakeClock, steps: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    granted = []
    for _ in range(steps):
        clock.advance(rng.choice([0.0, 0.0, 0.01, 0.1, 0.5, 1.7, 5.0]))
        cost = rng.choice([1.0, 1.0, 2.0, 5.0])
        if window.spend(cost, clock.time()) == 0.0:
            granted.append((clock.time(), cost))
    return granted


@pytest.mark.parametrize("seed", range(5))
def test_sliding_window_never_exceeds_the_limit_in_any_interval(seed: int) -> None:
    clock = FakeClock()
    rl = RateLimit(limit=20, period=10.0)
    granted = _drive(QuotaWindow(rl), clock, 3000, seed)
    assert len(granted) > 100
    assert _max_in_any_window(granted, rl.period) <= rl.limit


@pytest.mark.parametrize("seed", range(5))
def test_aligned_window_burst_plus_rate_never_exceeds_the_limit_per_provider_window(seed: int) -> None:
    clock = FakeClock(start=1_700_000_000.0)  # 20 s before a minute starts
    rl = RateLimit(limit=30, period=60.0, aligned=True)
    granted = _drive(QuotaWindow(rl), clock, 4000, seed)
    per_minute: dict[int, float] = {}
    for t, c in granted:
        per_minute[int(t // 60)] = per_minute.get(int(t // 60), 0.0) + c
    assert len(per_minute) > 10
    assert max(per_minute.values()) <= rl.limit
    assert max(per_minute.values()) >= rl.limit - 5  # and the budget is actually usable


def test_aligned_window_a_burst_at_the_end_and_start_of_minutes_stays_per_minute() -> None:
    clock = FakeClock(start=1_700_000_080.0)  # 40 s into a minute (1_700_000_040 is one)
    rl = RateLimit(limit=10, period=60.0, aligned=True)
    q = QuotaWindow(rl)
    assert all(q.spend(1, clock.time()) == 0.0 for _ in range(10))
    wait = q.spend(1, clock.time())
    assert wait == pytest.approx(20.0)  # until the next aligned minute, not 60 s
    clock.advance(20.0)
    assert q.spend(1, clock.time()) == 0.0


def test_sliding_window_wait_is_when_the_oldest_spend_leaves() -> None:
    clock = FakeClock()
    q = QuotaWindow(RateLimit(limit=3, period=10.0))
    for step in (0.0, 2.0, 2.0):
        clock.advance(step)
        assert q.spend(1, clock.time()) == 0.0
    assert q.spend(1, clock.time()) == pytest.approx(7.0)  # the spend at t=0 leaves at t=10 + 1 s slack
    clock.advance(7.0)
    assert q.spend(1, clock.time()) == 0.0
    assert q.spend(1, clock.time()) > 0


def test_headroom_keeps_part_of_the_limit_unused() -> None:
    clock = FakeClock()
    q = QuotaWindow(RateLimit(limit=100, period=60.0, headroom=0.2))
    granted = sum(1 for _ in range(200) if q.spend(1, clock.time()) == 0.0)
    assert granted == 80


def test_a_cost_larger_than_the_whole_budget_is_never_granted() -> None:
    q = QuotaWindow(RateLimit(limit=5, period=1.0))
    assert q.spend(6, 0.0) == float("inf")
    assert q.remaining(0.0) == 5


@pytest.mark.parametrize("aligned", [True, False])
def test_usage_header_raises_the_local_count_never_lowers_it(aligned: bool) -> None:
    clock = FakeClock(start=1_700_000_000.0)
    q = QuotaWindow(RateLimit(limit=100, period=60.0, aligned=aligned))
    for _ in range(10):
        q.spend(1, clock.time())
    q.observe(95, clock.time())  # other clients on our IP spent more
    assert q.remaining(clock.time()) == 5
    q.observe(3, clock.time())  # a lower report does not give budget back
    assert q.remaining(clock.time()) == 5
    assert sum(1 for _ in range(10) if q.spend(1, clock.time()) == 0.0) == 5


def test_retry_after_both_forms() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("120", now) == 120.0
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(90.0)
    assert parse_retry_after(email.utils.formatdate(now - 10, usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


async def test_spent_budget_routes_to_the_next_provider_without_sending(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    clock = FakeClock()
    plugins = {"a": price_plugin("a", rate_limit=RateLimit(limit=5, period=60.0))}
    async with make_relay({"a": a, "b": b}, clock=clock, plugins=plugins) as relay:
        prices = [await relay.price("BTC") for _ in range(50)]  # a 10x burst over a's budget
        health = await relay.health()
    assert a.count("/price") == 5  # nothing beyond its limit was sent
    assert [p.source.provider for p in prices[:5]] == ["a"] * 5
    assert all(p.source.provider == "b" and p.price == Decimal("101") for p in prices[5:])
    assert prices[5].source.attempts[0].outcome == "rate_limited"
    assert "own rate budget spent" in (prices[5].source.attempts[0].error or "")
    # no penalty: a's breaker stays closed and it is not paused
    assert health["providers"]["a"]["breaker"]["state"] == "closed"
    assert health["providers"]["a"]["paused"] is None
    assert health["providers"]["a"]["rate_limit"]["remaining"] == 0


async def test_config_overrides_the_declared_rate_limit(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    plugins = {"a": price_plugin("a", rate_limit=RateLimit(limit=1000, period=60.0))}
    extra = {"a": {"rate_limit": RateLimitSettings(limit=10, period=60.0, aligned=True, headroom=0.2)}}
    async with make_relay({"a": a, "b": b}, clock=FakeClock(), plugins=plugins, provider_extra=extra) as relay:
        for _ in range(20):
            await relay.price("BTC")
        health = await relay.health()
    assert a.count("/price") == 8
    rl = health["providers"]["a"]["rate_limit"]
    assert (rl["limit"], rl["effective_limit"], rl["aligned"]) == (10, 8, True)


@pytest.mark.parametrize(("status", "kind"), [(418, "banned"), (429, "rate_limited")])
async def test_418_and_429_pause_the_provider_until_retry_after(upstream_factory, status: int, kind: str) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    a.fault = Fault("rate_limit", status=status, retry_after="30")
    clock = FakeClock()
    async with make_relay({"a": a, "b": b}, clock=clock) as relay:
        first = await relay.price("BTC")
        assert first.source.provider == "b"
        assert a.count() == 1
        health = await relay.health()
        assert health["providers"]["a"]["paused"]["kind"] == kind
        for _ in range(20):
            assert (await relay.price("BTC")).source.provider == "b"
        assert a.count() == 1  # nothing sent while the pause runs
        clock.advance(29.0)
        await relay.price("BTC")
        assert a.count() == 1
        a.fault = None
        clock.advance(1.5)
        assert (await relay.price("BTC")).source.provider == "a"
    assert a.count() == 2


async def test_418_without_retry_after_bans_for_the_default_and_451_pauses_long(upstream_factory) -> None:
    from coinrelay._attempt import DEFAULT_BAN_PAUSE, GEO_BLOCK_PAUSE

    a, b, c = upstream_factory(), upstream_factory(), upstream_factory()
    for up in (a, b, c):
        serve(up, "100")
    a.fault = Fault("status", status=418)
    b.fault = Fault("status", status=451)
    clock = FakeClock()
    async with make_relay({"a": a, "b": b, "c": c}, clock=clock) as relay:
        assert (await relay.price("BTC")).source.provider == "c"
        a.fault = b.fault = None
        clock.advance(DEFAULT_BAN_PAUSE - 1)
        assert (await relay.price("BTC")).source.provider == "c"
        clock.advance(2)
        assert (await relay.price("BTC")).source.provider == "a"
        assert b.count() == 1
        clock.advance(GEO_BLOCK_PAUSE)
        health = await relay.health()
    assert health["providers"]["b"]["paused"] is None
