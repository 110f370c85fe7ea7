"""Hedged requests: ask the next provider when the first is slower than usual.

A call of a hedged category starts with its first candidate; if no answer has come
after the hedge delay (a fixed number of seconds, or the provider's observed p95
latency for the category), the next candidate is asked in parallel. The first good
answer wins; the others are cancelled and appear in the trail as ``cancelled``.

Hedges cost upstream traffic, so they are paid from a :class:`HedgeBudget`: each call
earns ``budget`` tokens (at most ``burst`` saved up), each hedge spends one — over time
hedges stay below ``budget`` × calls.
"""

from __future__ import annotations

from ._config import HedgingSettings
from ._health import HealthWindow


class HedgeBudget:
    """A token counter: :meth:`earn` per call, :meth:`take` per hedge."""

    __slots__ = ("burst", "hedges", "rate", "refused", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        #: Start with a full bucket, so the first slow calls may hedge.
        self.tokens = float(burst)
        self.hedges = 0
        self.refused = 0

    def earn(self) -> None:
        tokens = self.tokens + self.rate
        self.tokens = tokens if tokens < self.burst else self.burst

    def take(self) -> bool:
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            self.hedges += 1
            return True
        self.refused += 1
        return False


class HedgePolicy:
    """When to hedge: the delay for a provider, and the budget."""

    __slots__ = ("budget", "categories", "fallback", "fixed", "min_delay")

    def __init__(self, settings: HedgingSettings) -> None:
        self.categories = settings.categories()
        self.fixed: float | None = None if settings.delay == "p95" else float(settings.delay)
        self.fallback = settings.fallback_delay
        self.min_delay = settings.min_delay
        self.budget = HedgeBudget(settings.budget, settings.burst)

    def delay(self, health: HealthWindow | None) -> float:
        """Seconds to wait for a provider (``health``: its window for the category) before hedging."""
        if self.fixed is not None:
            return self.fixed
        p95 = health.p95() if health is not None else None
        if p95 is None:
            return self.fallback
        return p95 if p95 > self.min_delay else self.min_delay

    @staticmethod
    def stalled(due: float, delay: float, now: float) -> bool:
        """Whether a hedge due at ``due`` comes so late — by more than half its ``delay`` — that
        the relay's own event loop was busy meanwhile (a GC pause, a CPU-bound host, a burst of
        callbacks): the slow provider's answer may be sitting unread in a socket. Such a provider
        is not slow; it gets its delay again, on a loop that listens, before a hedge and a breaker
        strike (see :func:`coinrelay._hedged._walk_rest`)."""
        return now - due > delay / 2
