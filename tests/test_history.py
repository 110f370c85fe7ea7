"""The dashboard's history: a bounded ring of 10 s buckets on the relay's monotonic clock,
served at ``/api/system/history`` (issue 15 item 5)."""

from __future__ import annotations

import httpx
import pytest

from coinrelay import Blame, Outcome, Relay
from coinrelay._clock import FakeClock
from coinrelay._config import ProviderSettings, Settings
from coinrelay._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
from coinrelay.server import create_app
from coinrelay.server.history import (
    BUCKET_SECONDS,
    BUCKETS,
    TIMELINE_EVENTS,
    History,
    bin_value,
    latency_bin,
    percentile,
)

from .support import price_provider


def test_latency_bins_keep_every_value_within_five_percent() -> None:
    for ms in (0.06, 0.5, 1.0, 3.3, 12.0, 99.9, 250.0, 1234.5, 15_000.0):
        assert bin_value(latency_bin(ms)) == pytest.approx(ms, rel=0.05)
    assert latency_bin(0.0) == 0
    assert latency_bin(1e12) == latency_bin(1e15)  # the last bin takes the rest


def test_percentiles_by_nearest_rank() -> None:
    bins: dict[int, int] = {}
    for ms in range(1, 101):  # 1..100 ms
        b = latency_bin(float(ms))
        bins[b] = bins.get(b, 0) + 1
    assert percentile(bins, 0.50) == pytest.approx(50, rel=0.05)
    assert percentile(bins, 0.95) == pytest.approx(95, rel=0.05)
    assert percentile(bins, 0.99) == pytest.approx(99, rel=0.05)
    assert percentile({}, 0.5) is None


def test_success_rate_and_latency_per_bucket() -> None:
    clock = FakeClock()
    h = History(clock)
    for _ in range(9):
        h.attempt("a", Outcome.OK, 0.010)
    h.attempt("a", Outcome.TIMEOUT, 2.0)
    h.attempt("a", Outcome.SKIPPED, 0.0)  # no request: neither a failure nor a latency
    h.attempt("a", Outcome.NOT_FOUND, 0.020)  # the caller's: answered, not a failure
    clock.advance(BUCKET_SECONDS)
    h.attempt("a", Outcome.FAILED, 0.030)
    rep = h.report()
    assert len(rep["times"]) == BUCKETS
    assert rep["times"][-1] - rep["times"][-2] == BUCKET_SECONDS
    assert rep["times"][-1] <= rep["now"] < rep["times"][-1] + BUCKET_SECONDS
    a = rep["providers"]["a"]
    assert (a["ok"][-2], a["failed"][-2], a["other"][-2], a["skipped"][-2]) == (9, 1, 1, 1)
    assert a["success_rate"][-2:] == [0.9, 0.0]
    assert a["success_rate"][0] is None  # nothing happened then
    assert a["latency_ms"]["p50"][-2] == pytest.approx(10, rel=0.05)
    assert a["latency_ms"]["p99"][-2] == pytest.approx(2000, rel=0.05)
    assert a["latency_ms"]["p50"][-1] == pytest.approx(30, rel=0.05)
    assert a["latency_ms"]["p95"][0] is None


def test_old_buckets_fall_out_of_the_window_and_memory_stays_bounded() -> None:
    clock = FakeClock()
    h = History(clock)
    h.attempt("a", Outcome.OK, 0.01)
    h.failover("price", "a", "b", "failed: x")
    clock.advance(BUCKET_SECONDS * (BUCKETS - 1))
    rep = h.report()
    assert rep["providers"]["a"]["ok"][0] == 1  # the oldest bucket still in the window
    assert [e["kind"] for e in rep["events"]] == ["failover"]
    clock.advance(BUCKET_SECONDS)
    rep = h.report()
    assert rep["providers"] == {}  # 15 minutes later: gone
    assert rep["events"] == []
    assert sum(rep["failovers"]) == 0
    for _ in range(TIMELINE_EVENTS + 10):
        h.breaker("a", None, "closed", "open", "boom")
    assert len(h.report()["events"]) == TIMELINE_EVENTS
    assert len(h._ring) == BUCKETS


def test_a_slot_reused_after_a_full_turn_starts_empty() -> None:
    clock = FakeClock()
    h = History(clock)
    h.attempt("a", Outcome.OK, 0.01)
    clock.advance(BUCKET_SECONDS * BUCKETS)  # the same slot of the ring, one turn later
    h.attempt("a", Outcome.FAILED, 0.01)
    a = h.report()["providers"]["a"]
    assert (sum(a["ok"]), sum(a["failed"])) == (0, 1)


def test_timeline_events_and_calls() -> None:
    clock = FakeClock(start=1_700_000_000.0)
    h = History(clock)
    h.breaker("a", "http://m0", "closed", "open", "boom")
    clock.advance(1.5)
    h.failover("price", "a", "b", "failed: boom")
    h.call("provider")
    h.call("cache")
    h.call("cache")
    h.call("teleported")
    rep = h.report()
    assert rep["events"] == [
        {
            "kind": "breaker",
            "t": 1_700_000_000.0,
            "at": "2023-11-14T22:13:20.000+00:00",
            "provider": "a",
            "endpoint": "http://m0",
            "old": "closed",
            "new": "open",
            "reason": "boom",
        },
        {
            "kind": "failover",
            "t": 1_700_000_001.5,
            "at": "2023-11-14T22:13:21.500+00:00",
            "category": "price",
            "from_provider": "a",
            "to_provider": "b",
            "why": "failed: boom",
        },
    ]
    assert list(rep["calls"]) == ["provider", "cache", "other"]
    assert (rep["calls"]["cache"][-1], rep["calls"]["other"][-1]) == (2, 1)
    assert rep["failovers"][-1] == 1


async def test_history_route_is_fed_by_the_relays_events() -> None:
    clock = FakeClock()
    settings = Settings(providers={"a": ProviderSettings(endpoints=["http://127.0.0.1:9"])}, chains={"price": ["a"]})
    relay = Relay(settings, plugins=[("a", price_provider("a"))], load_entry_points=False, clock=clock)
    app = create_app(relay)
    listener = app.state.metrics
    listener.on_request_finished(RequestFinished("a", "http://127.0.0.1:9", "price", "ok", 0.004, None))
    listener.on_request_finished(
        RequestFinished("a", "http://127.0.0.1:9", "price", "failed", 0.5, "refused", Blame.ENDPOINT)
    )
    listener.on_call_finished(CallFinished("price", "provider", "a", "ok", 0.004))
    listener.on_failover(FailoverHappened("price", "a", "b", "failed: refused"))
    listener.on_breaker_state_change(BreakerStateChanged("a", None, "closed", "open", "refused", None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        body = (await client.get("/api/system/history")).json()
    await relay.aclose()
    assert body["bucket_seconds"] == 10 and body["window_seconds"] == 900
    assert body["providers"]["a"]["success_rate"][-1] == 0.5
    assert body["calls"]["provider"][-1] == 1
    assert [(e["kind"], e.get("new")) for e in body["events"]] == [("failover", None), ("breaker", "open")]
