"""The server's event listener: Prometheus metrics, who serves each category, recent failovers.

Registered on the relay as a plugin (``relay.register(listener, name="metrics")``); its
``on_*`` hooks run on the request path, so each one only bumps counters and appends to
bounded buffers. Every app gets its own :class:`~prometheus_client.CollectorRegistry`,
so several apps in one process never clash.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .._breaker import CLOSED, HALF_OPEN, OPEN
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from .._events import BreakerStateChanged, FailoverHappened, RequestFinished
    from .._relay import Relay

#: Value of the ``coinrelay_breaker_state`` gauge per breaker state.
BREAKER_STATE_VALUES: dict[str, int] = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}
#: How many failovers the dashboard keeps.
FAILOVER_HISTORY = 50
#: Latency buckets (seconds) of the request histogram.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class MetricsListener:
    """Listens to the relay's events; owns the app's Prometheus registry.

    :param relay: the relay whose breakers are read at scrape time.
    """

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("provider", "endpoint", "category", "outcome")
        self.requests = Counter(
            "coinrelay_provider_requests", "Calls to providers by outcome", labels, registry=self.registry
        )
        self.latency = Histogram(
            "coinrelay_provider_request_duration_seconds",
            "Duration of calls to providers",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.failovers = Counter(
            "coinrelay_failovers",
            "Moves from one provider to the next within a call",
            ("category", "from_provider", "to_provider"),
            registry=self.registry,
        )
        self.breaker_state = Gauge(
            "coinrelay_breaker_state",
            "Circuit breaker state (0 closed, 1 half-open, 2 open)",
            ("provider", "endpoint"),
            registry=self.registry,
        )
        self.breaker_transitions = Counter(
            "coinrelay_breaker_transitions",
            "Circuit breaker state changes",
            ("provider", "endpoint", "state"),
            registry=self.registry,
        )
        #: category -> who answered it last: provider, endpoint, when.
        self.serving: dict[str, dict[str, Any]] = {}
        #: The newest failovers, newest last.
        self.recent_failovers: deque[dict[str, Any]] = deque(maxlen=FAILOVER_HISTORY)
        self.failover_count = 0
        self.started = time.time()
        self.refresh_breakers()

    # -- event hooks (called by the relay through a logging, non-raising notifier) ----

    @hookimpl
    def on_request_finished(self, event: RequestFinished) -> None:
        endpoint = event.endpoint or ""
        self.requests.labels(event.provider, endpoint, event.category, event.outcome).inc()
        self.latency.labels(event.provider, endpoint, event.category, event.outcome).observe(event.latency)
        if event.outcome == "ok":
            self.serving[event.category] = {
                "provider": event.provider,
                "endpoint": event.endpoint,
                "at": _now_iso(),
                "latency_ms": round(event.latency * 1000, 3),
            }

    @hookimpl
    def on_breaker_state_change(self, event: BreakerStateChanged) -> None:
        endpoint = event.endpoint or ""
        self.breaker_state.labels(event.provider, endpoint).set(BREAKER_STATE_VALUES.get(event.new, 0))
        self.breaker_transitions.labels(event.provider, endpoint, event.new).inc()

    @hookimpl
    def on_failover(self, event: FailoverHappened) -> None:
        self.failovers.labels(event.category, event.from_provider, event.to_provider).inc()
        self.failover_count += 1
        self.recent_failovers.append(
            {
                "at": _now_iso(),
                "category": event.category,
                "from_provider": event.from_provider,
                "to_provider": event.to_provider,
                "why": event.why,
            }
        )

    # -- scraping --------------------------------------------------------------------

    def refresh_breakers(self) -> None:
        """Set the breaker gauge from the breakers themselves (an open breaker turns half-open
        by the clock alone, without an event)."""
        for name, rt in self.relay.providers.items():
            self.breaker_state.labels(name, "").set(BREAKER_STATE_VALUES.get(rt.breaker.state, 0))
            for ep in rt.endpoint_states():
                self.breaker_state.labels(name, ep.base).set(BREAKER_STATE_VALUES.get(ep.breaker.state, 0))

    def exposition(self) -> bytes:
        """The Prometheus text exposition of this app's registry."""
        self.refresh_breakers()
        return generate_latest(self.registry)
