"""The state interface the router talks to.

The router never holds breaker, health, pause, quota or cache state itself: it asks a
:class:`StateBackend`. :class:`~coinrelay._state.memory.MemoryState` (the default) keeps
everything in this process; a shared backend (Redis) makes replicas agree, and falls
back to local state when the shared store is unreachable.

Breakers and health windows are local objects (the hot path reads them without I/O);
a shared backend refreshes them with :meth:`StateBackend.sync_breaker` before a call and
publishes transitions with :meth:`StateBackend.publish_breaker`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from .._breaker import BreakerPolicy, ChangeListener, CircuitBreaker
from .._clock import Clock
from .._health import HealthWindow
from .._provider import RateLimit


@dataclass(frozen=True, slots=True)
class Pause:
    """A provider must not be called until ``until`` (wall seconds).

    ``kind`` is ``rate_limited`` (429 / budget), ``banned`` (418) or ``forbidden`` (403/451).
    """

    until: float
    reason: str
    kind: str


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A cached result and the wall time it was fetched."""

    value: Any
    stored_at: float


class StateBackend(abc.ABC):
    """Breakers, health windows, pauses, quota budgets and the result cache."""

    #: ``memory`` or ``redis``.
    name: str = "abstract"
    #: True when several processes share this state.
    shared: bool = False

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}
        self._health: dict[str, HealthWindow] = {}

    # -- breakers and health (local objects) ---------------------------------

    def breaker(self, key: str, policy: BreakerPolicy, on_change: ChangeListener | None = None) -> CircuitBreaker:
        """The breaker for ``key`` (created on first use)."""
        br = self._breakers.get(key)
        if br is None:
            br = self._breakers[key] = CircuitBreaker(key, policy, clock=self.clock, on_change=on_change)
        return br

    def health(self, key: str) -> HealthWindow:
        """The health window for ``key`` (created on first use)."""
        hw = self._health.get(key)
        if hw is None:
            hw = self._health[key] = HealthWindow(clock=self.clock)
        return hw

    async def sync_breaker(self, breaker: CircuitBreaker) -> None:  # noqa: B027 - optional hook
        """Adopt a newer shared record for ``breaker`` (no-op when not shared)."""

    async def publish_breaker(self, breaker: CircuitBreaker) -> None:  # noqa: B027 - optional hook
        """Share ``breaker``'s record after a transition (no-op when not shared)."""

    async def flush(self, *, force: bool = False) -> None:  # noqa: B027 - optional hook
        """Share pending breaker transitions (and, when due or ``force``, health counters).

        The relay awaits it after each provider call, so a transition is visible to other
        replicas before the call returns (no-op when not shared).
        """

    async def acquire_probe(self, key: str, ttl: float) -> bool:
        """Take the cluster-wide half-open probe slot of ``key`` (always True when not shared)."""
        return True

    # -- pauses (Retry-After, bans, geo-blocks) --------------------------------

    @abc.abstractmethod
    async def get_pause(self, provider: str) -> Pause | None:
        """The running pause of ``provider``, or ``None``."""

    @abc.abstractmethod
    async def set_pause(self, provider: str, pause: Pause) -> None:
        """Pause ``provider`` (a longer running pause is kept)."""

    @abc.abstractmethod
    async def clear_pause(self, provider: str) -> None:
        """End ``provider``'s pause."""

    # -- quota domains ------------------------------------------------------

    @abc.abstractmethod
    async def spend(self, domain: str, cost: float, limit: RateLimit) -> float:
        """Spend ``cost`` units of ``domain``'s budget: ``0.0`` if granted, else seconds to wait."""

    @abc.abstractmethod
    async def observe_usage(self, domain: str, used: float, limit: RateLimit) -> None:
        """The provider reported ``used`` units spent in its current window."""

    @abc.abstractmethod
    async def remaining(self, domain: str, limit: RateLimit) -> float:
        """Units left in ``domain``'s current window."""

    def spend_now(self, domain: str, cost: float, limit: RateLimit) -> float | None:
        """:meth:`spend` without awaiting, for a backend that keeps budgets in this process;
        ``None`` (nothing spent) when it must be asked with :meth:`spend`. For the hot path."""
        return None

    def observe_usage_now(self, domain: str, used: float, limit: RateLimit) -> bool:
        """:meth:`observe_usage` without awaiting when the budget is in this process (``True``);
        ``False`` (nothing recorded) when it must be told with :meth:`observe_usage`."""
        return False

    # -- cache ------------------------------------------------------------------

    @abc.abstractmethod
    async def cache_get(self, key: str) -> CacheEntry | None:
        """The cached entry for ``key``, or ``None``."""

    @abc.abstractmethod
    async def cache_set(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Store ``entry`` for ``ttl`` seconds (after which it is gone, even as stale)."""

    # -- lifecycle / introspection ------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What health output shows about the backend itself."""
        return {"backend": self.name, "shared": self.shared}

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
