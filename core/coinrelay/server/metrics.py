"""The server's event listener: Prometheus metrics, who serves each category, recent failovers,
and the last 15 minutes for the dashboard's charts (:class:`~coinrelay.server.history.History`).

Registered on the relay as a plugin (``relay.register(listener, name="metrics")``); its
``on_*`` hooks run on the request path, so each one only bumps counters and appends to
bounded buffers. Every app gets its own :class:`~prometheus_client.CollectorRegistry`,
so several apps in one process never clash.

Every label set is bounded, whatever events arrive: providers are the relay's loaded ones,
endpoints the providers' configured ones (``""`` for a provider-level event), categories
those of :data:`coinrelay._categories.ALL`, outcomes :class:`~coinrelay.Outcome`'s values,
blames :class:`~coinrelay.Blame`'s, ``served`` those of :class:`~coinrelay._events.CallFinished`;
any other value is counted under the fixed label ``other``.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .._breaker import CLOSED, HALF_OPEN, OPEN
from .._categories import ALL
from .._outcome import Blame, Outcome
from .._redact import shown
from ..hookspecs import hookimpl
from .history import SERVED, History

if TYPE_CHECKING:
    from .._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
    from .._relay import Relay

#: Value of the ``coinrelay_breaker_state`` gauge per breaker state.
BREAKER_STATE_VALUES: dict[str, int] = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}
#: How many failovers the dashboard keeps.
FAILOVER_HISTORY = 50
#: Latency buckets (seconds) of the request histogram.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Latency buckets (seconds) of the call histogram: cache hits take microseconds.
CALL_BUCKETS = (0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: The label that stands for any value outside a bounded label set.
OTHER = "other"
_OUTCOMES = frozenset(Outcome)
_BLAMES = frozenset(Blame)
_CATEGORIES = frozenset(ALL)
_SERVED = frozenset(SERVED)
#: Distinct raw label tuples whose series are remembered (the bounded label sets need far fewer).
SERIES_CACHE = 4096
#: One attempt's series: attempts, requests, latency; and its bounded provider and outcome.
_AttemptSeries = tuple[Any, Any, Any, str, str]


def _bounded(value: str | None, allowed: frozenset[str]) -> str:
    return value if value is not None and value in allowed else OTHER


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class MetricsListener:
    """Listens to the relay's events; owns the app's Prometheus registry.

    :param relay: the relay whose breakers are read at scrape time.
    """

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.history = History(relay.clock)
        #: Raw label tuples -> their series (``labels()`` costs more than the count itself).
        self._attempt_cache: dict[tuple[str, str | None, str, str, str], _AttemptSeries] = {}
        self._call_cache: dict[tuple[str, str, str], tuple[Any, Any, str]] = {}
        #: provider -> its configured endpoints: the endpoint labels allowed.
        #: (as shown: a password in a base URL is masked, as in every event)
        self._endpoints: dict[str, frozenset[str]] = {
            n: frozenset(str(shown(e)) for e in rt.endpoints) for n, rt in relay.providers.items()
        }
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("provider", "endpoint", "category", "outcome")
        self.attempts = Counter(
            "coinrelay_attempts",
            "Attempts on providers (one per endpoint tried, skips included), by outcome and blame",
            (*labels, "blame"),
            registry=self.registry,
        )
        self.calls = Counter(
            "coinrelay_calls",
            "Relay calls by how they were served (provider, coalesced, cache, stale, none) and outcome",
            ("category", "served", "outcome"),
            registry=self.registry,
        )
        self.call_latency = Histogram(
            "coinrelay_call_duration_seconds",
            "Duration of relay calls as their callers saw it, by how they were served",
            ("category", "served"),
            buckets=CALL_BUCKETS,
            registry=self.registry,
        )
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

    def _provider_labels(self, provider: str, endpoint: str | None) -> tuple[str, str]:
        """Bounded ``(provider, endpoint)`` labels: configured endpoints only, ``""`` for none."""
        endpoints = self._endpoints.get(provider)
        if endpoints is None:
            return OTHER, OTHER if endpoint else ""
        if not endpoint:
            return provider, ""
        return provider, endpoint if endpoint in endpoints else OTHER

    def _attempt_series(self, event: RequestFinished) -> _AttemptSeries:
        """The series one attempt counts in, looked up once per distinct raw label tuple."""
        key = (event.provider, event.endpoint, event.category, event.outcome, event.blame)
        found = self._attempt_cache.get(key)
        if found is None:
            provider, endpoint = self._provider_labels(event.provider, event.endpoint)
            labels = (provider, endpoint, _bounded(event.category, _CATEGORIES), _bounded(event.outcome, _OUTCOMES))
            found = (
                self.attempts.labels(*labels, _bounded(event.blame, _BLAMES)),
                self.requests.labels(*labels),
                self.latency.labels(*labels),
                provider,
                labels[3],
            )
            if len(self._attempt_cache) < SERIES_CACHE:  # odd values keep being counted, not cached
                self._attempt_cache[key] = found
        return found

    @hookimpl
    def on_request_finished(self, event: RequestFinished) -> None:
        attempts, requests, latency, provider, outcome = self._attempt_series(event)
        attempts.inc()
        requests.inc()
        latency.observe(event.latency)
        self.history.attempt(provider, outcome, event.latency)
        if event.outcome == "ok":
            self.serving[event.category] = {
                "provider": event.provider,
                "endpoint": event.endpoint,
                "at": _now_iso(),
                "latency_ms": round(event.latency * 1000, 3),
            }

    @hookimpl
    def on_call_finished(self, event: CallFinished) -> None:
        key = (event.category, event.served, event.outcome)
        found = self._call_cache.get(key)
        if found is None:
            category, served = _bounded(event.category, _CATEGORIES), _bounded(event.served, _SERVED)
            calls = self.calls.labels(category, served, _bounded(event.outcome, _OUTCOMES))
            found = (calls, self.call_latency.labels(category, served), served)
            if len(self._call_cache) < SERIES_CACHE:
                self._call_cache[key] = found
        calls, latency, served = found
        calls.inc()
        latency.observe(event.latency)
        self.history.call(served)

    @hookimpl
    def on_breaker_state_change(self, event: BreakerStateChanged) -> None:
        provider, endpoint = self._provider_labels(event.provider, event.endpoint)
        state = event.new if event.new in BREAKER_STATE_VALUES else OTHER
        if provider != OTHER and endpoint != OTHER:  # a gauge holds one value per breaker: no catch-all
            self.breaker_state.labels(provider, endpoint).set(BREAKER_STATE_VALUES.get(event.new, 0))
        self.breaker_transitions.labels(provider, endpoint, state).inc()
        self.history.breaker(event.provider, event.endpoint, event.old, event.new, event.reason)

    @hookimpl
    def on_failover(self, event: FailoverHappened) -> None:
        from_provider, _ = self._provider_labels(event.from_provider, None)
        to_provider, _ = self._provider_labels(event.to_provider, None)
        self.failovers.labels(_bounded(event.category, _CATEGORIES), from_provider, to_provider).inc()
        self.history.failover(event.category, event.from_provider, event.to_provider, event.why)
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
            configured = self._endpoints.get(name, frozenset())
            for ep in rt.endpoint_states():
                label = str(shown(ep.base))
                if label in configured:  # one a plugin chose per call is not a bounded label
                    self.breaker_state.labels(name, label).set(BREAKER_STATE_VALUES.get(ep.breaker.state, 0))

    def exposition(self) -> bytes:
        """The Prometheus text exposition of this app's registry."""
        self.refresh_breakers()
        return generate_latest(self.registry)
