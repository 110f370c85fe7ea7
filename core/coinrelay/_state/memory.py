"""The default, in-process state backend."""

from __future__ import annotations

from collections import OrderedDict

from .._clock import SYSTEM_CLOCK, Clock
from .._provider import RateLimit
from .._ratelimit import QuotaWindow
from .base import CacheEntry, Pause, StateBackend


class MemoryState(StateBackend):
    """Everything in this process. The cache holds at most ``max_cache_entries`` (LRU)."""

    name = "memory"
    shared = False

    def __init__(self, clock: Clock = SYSTEM_CLOCK, *, max_cache_entries: int = 10_000) -> None:
        super().__init__(clock)
        self._pauses: dict[str, Pause] = {}
        self._quotas: dict[str, QuotaWindow] = {}
        self._cache: OrderedDict[str, tuple[CacheEntry, float]] = OrderedDict()
        self.max_cache_entries = max_cache_entries

    async def get_pause(self, provider: str) -> Pause | None:
        pause = self._pauses.get(provider)
        if pause is not None and pause.until <= self.clock.time():
            del self._pauses[provider]
            return None
        return pause

    def has_pause(self, provider: str) -> bool:
        """Is a pause recorded for ``provider`` (perhaps expired)? Synchronous, for the relay's hot path."""
        return provider in self._pauses

    async def set_pause(self, provider: str, pause: Pause) -> None:
        current = await self.get_pause(provider)
        if current is None or pause.until > current.until:
            self._pauses[provider] = pause

    async def clear_pause(self, provider: str) -> None:
        self._pauses.pop(provider, None)

    def _quota(self, domain: str, limit: RateLimit) -> QuotaWindow:
        q = self._quotas.get(domain)
        if q is None or (q.limit is not limit and q.limit != limit):
            q = self._quotas[domain] = QuotaWindow(limit)
        return q

    async def spend(self, domain: str, cost: float, limit: RateLimit) -> float:
        return self.spend_now(domain, cost, limit)

    def spend_now(self, domain: str, cost: float, limit: RateLimit) -> float:
        q = self._quotas.get(domain)
        if q is None or q.limit is not limit:
            q = self._quota(domain, limit)
        return q.spend(cost, self.clock.time())

    async def observe_usage(self, domain: str, used: float, limit: RateLimit) -> None:
        self.observe_usage_now(domain, used, limit)

    def observe_usage_now(self, domain: str, used: float, limit: RateLimit) -> bool:
        q = self._quotas.get(domain)
        if q is None or q.limit is not limit:
            q = self._quota(domain, limit)
        q.observe(used, self.clock.time())
        return True

    async def remaining(self, domain: str, limit: RateLimit) -> float:
        return self._quota(domain, limit).remaining(self.clock.time())

    async def cache_get(self, key: str) -> CacheEntry | None:
        item = self._cache.get(key)
        if item is None:
            return None
        entry, expires = item
        if expires <= self.clock.time():
            del self._cache[key]
            return None
        return entry

    async def cache_set(self, key: str, entry: CacheEntry, ttl: float) -> None:
        cache = self._cache
        cache[key] = (entry, self.clock.time() + ttl)
        cache.move_to_end(key)
        while len(cache) > self.max_cache_entries:
            cache.popitem(last=False)

    def status(self) -> dict[str, object]:
        return {"backend": self.name, "shared": False, "cache_entries": len(self._cache)}
