"""Circuit breaker transitions, driven by a fake clock (no sleeping)."""

from __future__ import annotations

import random

import pytest

from coinrelay._breaker import CLOSED, HALF_OPEN, OPEN, BreakerPolicy, CircuitBreaker
from coinrelay._clock import FakeClock


def make(clock: FakeClock, **policy: float) -> tuple[CircuitBreaker, list[tuple[str, str, str]]]:
    changes: list[tuple[str, str, str]] = []
    pol = BreakerPolicy(**{"jitter": 0.0, **policy})  # type: ignore[arg-type]
    br = CircuitBreaker(
        "p",
        pol,
        clock=clock,
        rng=random.Random(7),
        on_change=lambda old, new, rec: changes.append((old, new, rec.reason)),
    )
    return br, changes


def test_opens_on_exactly_the_nth_consecutive_failure(fake_clock: FakeClock) -> None:
    br, changes = make(fake_clock, failure_threshold=3)
    br.record_failure("boom")
    br.record_failure("boom")
    assert br.state == CLOSED
    assert br.allow()
    br.record_failure("boom")
    assert br.state == OPEN
    assert not br.allow()
    assert changes == [(CLOSED, OPEN, "3 consecutive failures: boom")]


def test_success_resets_the_consecutive_count(fake_clock: FakeClock) -> None:
    br, _ = make(fake_clock, failure_threshold=3, min_calls=100, window=100)
    for _ in range(5):
        br.record_failure("x")
        br.record_failure("x")
        br.record_success()
    assert br.state == CLOSED


def test_half_open_after_recovery_timeout_and_one_probe_at_a_time(fake_clock: FakeClock) -> None:
    br, changes = make(fake_clock, failure_threshold=1, recovery_timeout=5.0)
    br.record_failure("down")
    fake_clock.advance(4.999)
    assert not br.allow()
    assert br.state == OPEN
    fake_clock.advance(0.001)
    assert br.state == HALF_OPEN  # as read; the record moves when a probe is taken
    assert br.allow()  # the probe
    assert changes[-1][:2] == (OPEN, HALF_OPEN)
    assert not br.allow()  # a second caller waits for the probe's verdict
    assert not br.is_available()


def test_probe_slot_expires_if_the_probe_never_reports(fake_clock: FakeClock) -> None:
    br, _ = make(fake_clock, failure_threshold=1, recovery_timeout=1.0, probe_timeout=10.0)
    br.record_failure("down")
    fake_clock.advance(1.0)
    assert br.allow()
    fake_clock.advance(9.9)
    assert not br.allow()
    fake_clock.advance(0.2)
    assert br.allow()


def test_successful_probe_closes_and_resets_backoff(fake_clock: FakeClock) -> None:
    br, changes = make(fake_clock, failure_threshold=1, recovery_timeout=2.0)
    br.record_failure("down")
    fake_clock.advance(2.0)
    assert br.allow()
    br.record_failure("still down")  # backoff -> 4 s
    assert br.record.recovery == 4.0
    fake_clock.advance(4.0)
    assert br.allow()
    br.record_success()
    assert br.state == CLOSED
    assert br.record.recovery == 2.0
    assert changes[-1] == (HALF_OPEN, CLOSED, "probe succeeded")
    # the next opening starts from the base timeout again
    br.record_failure("down again")
    assert br.record.open_until == pytest.approx(fake_clock.time() + 2.0)


def test_backoff_doubles_after_each_failed_probe_up_to_the_cap(fake_clock: FakeClock) -> None:
    br, _ = make(fake_clock, failure_threshold=1, recovery_timeout=5.0, max_recovery_timeout=30.0)
    br.record_failure("down")
    waits = []
    for _ in range(6):
        wait = br.record.open_until - fake_clock.time()
        waits.append(round(wait, 6))
        fake_clock.advance(wait)
        assert br.allow()
        br.record_failure("probe failed")
    assert waits == [5.0, 10.0, 20.0, 30.0, 30.0, 30.0]


def test_jitter_stays_within_bounds(fake_clock: FakeClock) -> None:
    pol = BreakerPolicy(failure_threshold=1, recovery_timeout=10.0, max_recovery_timeout=1000.0, jitter=0.2)
    seen = []
    for seed in range(200):
        br = CircuitBreaker("p", pol, clock=fake_clock, rng=random.Random(seed))
        br.record_failure("x")
        seen.append(br.record.open_until - fake_clock.time())
    assert min(seen) >= 8.0
    assert max(seen) <= 12.0
    assert max(seen) - min(seen) > 2.0  # jitter really spreads probes


def test_jittered_delay_never_exceeds_the_cap(fake_clock: FakeClock) -> None:
    pol = BreakerPolicy(failure_threshold=1, recovery_timeout=100.0, max_recovery_timeout=100.0, jitter=0.5)
    for seed in range(50):
        br = CircuitBreaker("p", pol, clock=fake_clock, rng=random.Random(seed))
        br.record_failure("x")
        assert br.record.open_until - fake_clock.time() <= 100.0


def test_failure_rate_over_the_window_opens_a_flapping_breaker(fake_clock: FakeClock) -> None:
    br, changes = make(fake_clock, failure_threshold=3, window=10, min_calls=10, failure_rate_threshold=0.5)
    for _ in range(4):
        br.record_success()
        br.record_failure("flap")
    assert br.state == CLOSED  # 8 outcomes: below min_calls
    br.record_success()
    br.record_failure("flap")
    assert br.state == OPEN
    assert "failure rate 50%" in changes[-1][2]


def test_release_probe_frees_the_slot_without_a_verdict(fake_clock: FakeClock) -> None:
    br, _ = make(fake_clock, failure_threshold=1, recovery_timeout=1.0)
    br.record_failure("down")
    fake_clock.advance(1.0)
    assert br.allow()
    br.release_probe()
    assert br.allow()


def test_trip_opens_for_exactly_the_given_time(fake_clock: FakeClock) -> None:
    br, changes = make(fake_clock)
    br.trip("banned", 120.0)
    assert br.state == OPEN
    fake_clock.advance(119.0)
    assert not br.allow()
    fake_clock.advance(1.0)
    assert br.allow()
    assert changes[0] == (CLOSED, OPEN, "banned")


def test_late_failure_while_open_does_not_extend(fake_clock: FakeClock) -> None:
    br, _ = make(fake_clock, failure_threshold=1, recovery_timeout=5.0)
    br.record_failure("down")
    until = br.record.open_until
    fake_clock.advance(1.0)
    br.record_failure("late")
    assert br.record.open_until == until
