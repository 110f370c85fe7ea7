"""Where load went: calls per category by how they were served (issue 13 item 6)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from coinrelay import Outcome
from coinrelay._callstats import CALL_STATS, CallStats, attach, stats_with_calls
from coinrelay._events import CallFinished
from coinrelay.server import create_app
from coinrelay.testing import FakeUpstream

from .support import relay_for, serve_price


def test_calls_are_counted_per_category_by_how_they_were_served() -> None:
    stats = CallStats()
    stats.on_call_finished(CallFinished("price", "provider", "a", Outcome.OK, 0.02))
    for _ in range(98):
        stats.on_call_finished(CallFinished("price", "cache", "a", Outcome.OK, 0.0))
    stats.on_call_finished(CallFinished("price", "stale", "b", Outcome.OK, 0.0))
    stats.on_call_finished(CallFinished("ohlcv", "coalesced", "b", Outcome.OK, 0.1))
    stats.on_call_finished(CallFinished("ohlcv", "none", None, Outcome.FAILED, 0.1))
    rep = stats.report()
    price = rep["categories"]["price"]
    assert price == {
        "calls": 100,
        "ok": 100,
        "failed": 0,
        "served": {"provider": 1, "coalesced": 0, "cache": 98, "stale": 1, "none": 0},
        "answered_by": {"a": 99, "b": 1},
        "cache_hit_rate": 0.99,
    }
    assert rep["categories"]["ohlcv"]["served"]["none"] == 1
    assert rep["categories"]["ohlcv"]["failed"] == 1
    total = rep["total"]
    assert (total["calls"], total["ok"], total["failed"]) == (102, 101, 1)
    assert total["answered_by"] == {"a": 99, "b": 2}
    assert CallStats().report() == {
        "categories": {},
        "total": {
            "calls": 0,
            "ok": 0,
            "failed": 0,
            "served": {"provider": 0, "coalesced": 0, "cache": 0, "stale": 0, "none": 0},
            "answered_by": {},
            "cache_hit_rate": 0.0,
        },
    }


async def test_attach_registers_once_and_is_found_again(upstream_factory: Callable[[], FakeUpstream]) -> None:
    up = upstream_factory()
    relay = relay_for({"a": [up]})
    first = attach(relay)
    assert attach(relay) is first
    assert relay.pm.get_plugin(CALL_STATS) is first
    await relay.aclose()


async def test_a_100_call_loop_shows_99_cache_hits_in_the_stats_route(
    upstream_factory: Callable[[], FakeUpstream],
) -> None:
    """The origin app's load check: 100 calls, then ``/api/system/providers/stats``."""
    up = upstream_factory()
    serve_price(up, "100.5")
    relay = relay_for({"a": [up]}, cache=True)
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        for _ in range(100):
            assert (await client.get("/api/v1/price?symbol=BTC")).status_code == 200
        stats = (await client.get("/api/system/providers/stats")).json()
        dashboard = (await client.get("/api/system/dashboard")).json()
        metrics = (await client.get("/metrics")).text
    assert len(up.requests) == 1
    assert stats["providers"]["a"]["requests"] == 1  # what the providers saw: unchanged
    price = stats["calls"]["categories"]["price"]
    assert (price["calls"], price["served"]["provider"], price["served"]["cache"]) == (100, 1, 99)
    assert price["answered_by"] == {"a": 100}
    assert dashboard["chains"]["price"]["calls"]["served"]["cache"] == 99
    assert dashboard["calls"]["calls"] == 100
    assert 'coinrelay_calls_total{category="price",outcome="ok",served="cache"} 99.0' in metrics
    assert stats_with_calls(relay, attach(relay))["calls"] == stats["calls"]
    await relay.aclose()
