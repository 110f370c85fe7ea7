"""Quota budgets shared through Redis: one budget per domain across replicas, spent atomically.

Aligned limits count in a per-window key (``INCRBYFLOAT``, expiring after the window);
sliding limits keep a sorted set of spends and their running total. Both are Lua scripts
(:mod:`.redis_keys`). Time is the relay's injected clock (``clock.time()``, passed as an
argument), never Redis ``TIME``: replicas must keep their clocks in sync (NTP), and tests can
drive it. While Redis is away each replica enforces ``limit / replicas`` of every budget
locally (replicas last seen alive).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

from .._provider import RateLimit
from .._ratelimit import slack
from .memory import MemoryState
from .redis_keys import ms
from .redis_link import RedisLink


class SharedQuotas:
    """The quota half of the Redis backend.

    :param local: where budgets are spent while Redis is away.
    :param replicas: how many replicas were last seen alive (each keeps to its share then).
    """

    def __init__(self, link: RedisLink, local: MemoryState, replicas: Callable[[], int]) -> None:
        self._link = link
        self._local = local
        self._replicas = replicas
        self._seq = itertools.count()

    def _local_limit(self, limit: RateLimit) -> RateLimit:
        """While Redis is away, each replica keeps to its share of the budget."""
        n = self._replicas()
        if n <= 1:
            return limit
        return dataclasses.replace(limit, limit=max(1, limit.limit // n))

    def _window(self, domain: str, limit: RateLimit, now: float) -> tuple[str, float, int]:
        """Aligned limits: the window's key, the seconds until it ends and the key's TTL (ms)."""
        index = int(now // limit.period)
        left = (index + 1) * limit.period - now
        return self._link.keys.window(domain, index), left, ms(left + limit.period)

    async def _sliding_call(self, mode: str, domain: str, amount: float, limit: RateLimit) -> list[Any]:
        member = f"{self._link.replica_id}:{next(self._seq)}"
        keep = limit.period + slack(limit.period)  # like QuotaWindow: a spend counts a little past the period
        args: list[str | int | float] = [
            mode,
            repr(self._link.clock.time()),
            repr(float(keep)),
            repr(float(amount)),
            limit.effective_limit,
            member,
            ms(keep + 1.0),
        ]
        result: list[Any] = await self._link.scripts.sliding(keys=self._link.keys.sliding(domain), args=args)
        return result

    async def spend(self, domain: str, cost: float, limit: RateLimit) -> float:
        """Spend atomically from the domain's one cluster-wide budget: ``0.0`` if granted, else seconds to wait."""
        if cost > limit.effective_limit:
            return float("inf")

        async def op() -> float:
            now = self._link.clock.time()
            if limit.aligned:
                key, left, ttl = self._window(domain, limit, now)
                granted, _ = await self._link.scripts.spend_aligned(
                    keys=[key], args=[repr(float(cost)), limit.effective_limit, ttl]
                )
                return 0.0 if granted else left
            granted, _, wait = await self._sliding_call("spend", domain, cost, limit)
            return 0.0 if granted else float(wait)

        return await self._link.shared(op, lambda: self._local.spend(domain, cost, self._local_limit(limit)))

    async def observe_usage(self, domain: str, used: float, limit: RateLimit) -> None:
        """Raise the shared count to what the provider reports (never lowers it)."""

        async def op() -> None:
            if limit.aligned:
                key, _, ttl = self._window(domain, limit, self._link.clock.time())
                await self._link.scripts.observe_aligned(keys=[key], args=[repr(float(used)), ttl])
            else:
                await self._sliding_call("observe", domain, used, limit)

        await self._link.shared(op, lambda: self._local.observe_usage(domain, used, self._local_limit(limit)))

    async def remaining(self, domain: str, limit: RateLimit) -> float:
        """Units left in ``domain``'s current window."""

        async def op() -> float:
            if limit.aligned:
                key, _, _ = self._window(domain, limit, self._link.clock.time())
                raw = await self._link.redis.get(key)
                return limit.effective_limit - (float(raw) if raw else 0.0)
            _, total, _ = await self._sliding_call("remaining", domain, 0.0, limit)
            return limit.effective_limit - float(total)

        return await self._link.shared(op, lambda: self._local.remaining(domain, self._local_limit(limit)))
