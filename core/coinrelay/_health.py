"""Health tracking: success rate, latency EWMA and percentiles, counts, last error.

One :class:`HealthWindow` per provider and per endpoint. Memory is bounded: a fixed
ring of recent outcomes and latencies, whatever the traffic.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass

from ._clock import SYSTEM_CLOCK, Clock

#: Latency assumed for a provider with no observations yet (seconds).
DEFAULT_LATENCY = 0.05
#: Latencies below this (seconds) are treated as equal when weighting providers.
LATENCY_FLOOR = 0.005


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    requests: int
    successes: int
    failures: int
    success_rate: float
    latency_ewma_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    last_error: str | None
    last_error_at: float | None
    last_success_at: float | None
    score: float


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class HealthWindow:
    """Rolling health of one provider or endpoint."""

    __slots__ = (
        "_clock",
        "_latencies",
        "_outcomes",
        "_sorted",
        "_window_failures",
        "alpha",
        "ewma",
        "failures",
        "last_error",
        "last_error_at",
        "last_success_at",
        "requests",
        "successes",
    )

    def __init__(self, *, window: int = 100, alpha: float = 0.2, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self.alpha = alpha
        self._outcomes: deque[bool] = deque(maxlen=window)
        self._latencies: deque[float] = deque(maxlen=window)
        #: The same latencies sorted, kept up to date once :meth:`p95` was asked for (a hedge delay
        #: reads it on every hedged call: one insertion then, not a sort of the window).
        self._sorted: list[float] | None = None
        self._window_failures = 0
        self.ewma: float | None = None
        self.requests = 0
        self.successes = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.last_success_at: float | None = None

    def _push(self, ok: bool) -> None:
        outcomes = self._outcomes
        if len(outcomes) == outcomes.maxlen and not outcomes[0]:
            self._window_failures -= 1
        outcomes.append(ok)
        if not ok:
            self._window_failures += 1

    @property
    def clock(self) -> Clock:
        return self._clock

    def record_success(self, latency: float, now: float | None = None) -> None:
        """A success that took ``latency`` seconds, at wall time ``now`` (default: the clock's)."""
        self.requests += 1
        self.successes += 1
        outcomes = self._outcomes  # _push(True), inlined: this runs several times per call
        if len(outcomes) == outcomes.maxlen and not outcomes[0]:
            self._window_failures -= 1
        outcomes.append(True)
        latencies = self._latencies
        ordered = self._sorted
        if ordered is not None:
            if len(latencies) == latencies.maxlen:
                del ordered[bisect_left(ordered, latencies[0])]
            insort(ordered, latency)
        latencies.append(latency)
        ewma = self.ewma
        self.ewma = latency if ewma is None else ewma + self.alpha * (latency - ewma)
        self.last_success_at = self._clock.time() if now is None else now

    def record_failure(self, error: str, latency: float | None = None) -> None:
        self.requests += 1
        self.failures += 1
        self._push(False)
        if latency is not None:
            # A slow failure is evidence of slowness too.
            self.ewma = latency if self.ewma is None else self.ewma + self.alpha * (latency - self.ewma)
        self.last_error = error
        self.last_error_at = self._clock.time()

    @property
    def success_rate(self) -> float:
        n = len(self._outcomes)
        return 1.0 if n == 0 else (n - self._window_failures) / n

    def weight(self, default_latency: float = DEFAULT_LATENCY) -> float:
        """Selection weight: favours high success rate and low latency.

        Latencies under :data:`LATENCY_FLOOR` count as equal, so that sub-millisecond noise
        does not skew a tier; a window with no observations counts ``default_latency``.
        """
        rate = self.success_rate
        latency = self.ewma if self.ewma is not None else default_latency
        return max(rate * rate, 0.0025) / max(latency, LATENCY_FLOOR)

    def score(self) -> float:
        """A 0–1 health score for display: success rate, discounted by latency over 1 s."""
        latency = self.ewma if self.ewma is not None else 0.0
        return round(self.success_rate / (1.0 + max(0.0, latency - 1.0)), 4)

    def snapshot(self) -> HealthSnapshot:
        lat = sorted(self._latencies)
        ms = 1000.0
        return HealthSnapshot(
            requests=self.requests,
            successes=self.successes,
            failures=self.failures,
            success_rate=round(self.success_rate, 4),
            latency_ewma_ms=None if self.ewma is None else round(self.ewma * ms, 3),
            latency_p50_ms=round(_percentile(lat, 0.5) * ms, 3) if lat else None,
            latency_p95_ms=round(_percentile(lat, 0.95) * ms, 3) if lat else None,
            latency_p99_ms=round(_percentile(lat, 0.99) * ms, 3) if lat else None,
            last_error=self.last_error,
            last_error_at=self.last_error_at,
            last_success_at=self.last_success_at,
            score=self.score(),
        )

    def p95(self) -> float | None:
        """Observed p95 latency in seconds (``None`` before 5 successes)."""
        if len(self._latencies) < 5:
            return None
        ordered = self._sorted
        if ordered is None:
            ordered = self._sorted = sorted(self._latencies)
        return _percentile(ordered, 0.95)
