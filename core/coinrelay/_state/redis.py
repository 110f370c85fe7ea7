"""Shared state in Redis: replicas agree on breakers, pauses, budgets and the cache.

Select it with ``[state] backend = "redis"``, ``url = "redis://host:6379/0"`` and a
``prefix`` per deployment. :class:`RedisState` is the backend; what is shared, and how:

* **breakers** (:mod:`.redis_breakers`) — each breaker's
  :class:`~coinrelay._breaker.BreakerRecord` is a JSON string; a transition is published
  only over an older record (compare-and-set on ``version`` in Lua), and
  :meth:`RedisState.sync_breaker` adopts a newer one before each provider call, and
  every report (``flush(force=True)``: ``relay.health()``, the ``/api/system/*`` views)
  adopts the newer records of all breakers, so an idle replica reports what the cluster
  knows. The half-open probe is a key held by one replica at a time.
* **pauses** (Retry-After, bans, geo-blocks; here) — one key per provider whose ``PX`` ends
  with the pause; a longer running pause is kept (Lua).
* **quota budgets** (:mod:`.redis_quotas`) — one budget per domain across replicas, spent
  atomically by Lua scripts, timed by the relay's injected clock (never Redis ``TIME``).
* **cache** (here) — the result as JSON (``model_dump_json``) with its type name and
  ``stored_at``, kept ``ttl + max_stale`` seconds, so any replica can serve another's
  value stale when the chain fails.
* **health** (:mod:`.redis_health`) — windows stay local (the hot path reads them without
  I/O); the request, success and failure counts are added to one hash at most once a second
  (pipelined), so ``status()`` shows cluster-wide counts.

Every key starts with ``<prefix>:`` and expires (:data:`~.redis_keys.KEYS_DOC`, next to the
Lua scripts). Redis trouble never fails a call (:mod:`.redis_link`): every command has a
short timeout; on an error the backend serves from a local
:class:`~coinrelay._state.memory.MemoryState` (logging one WARNING per outage), retries Redis
at most every ``retry_interval`` seconds, and on its return drops the connections that died
with the old server, then pushes the local open breakers and pauses before sharing again.
One outage counts once: a command that started before the return and fails after it belongs
to the outage already counted. While Redis is away each replica enforces ``limit / replicas``
of every budget (replicas last seen alive).

Connection options can also be given in the URL query (redis-py's ``from_url``):
``redis://127.0.0.1:6379/0?socket_timeout=0.5``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._breaker import BreakerPolicy, ChangeListener, CircuitBreaker
from .._clock import Clock
from .._config import StateSettings
from .._models import RESULT_TYPES, Result
from .._provider import RateLimit
from .base import CacheEntry, Pause, StateBackend
from .memory import MemoryState
from .redis_breakers import BreakerSync
from .redis_health import HealthSync
from .redis_keys import ms
from .redis_link import RedisLink
from .redis_quotas import SharedQuotas

log = logging.getLogger("coinrelay.state.redis")

T = TypeVar("T")

_TYPES_BY_NAME: dict[str, type[Result]] = {cls.__name__: cls for cls in RESULT_TYPES.values()}


async def _nothing() -> None:
    """The local side of a write that only Redis holds (nothing to do while it is away)."""


class RedisState(StateBackend):
    """State shared by every replica through Redis, with a local fallback.

    :param state_settings: the ``[state]`` table (``url``, ``prefix``).
    :param clock: the relay's clock; its wall time drives windows, pauses and breakers.
    :param max_cache_entries: size of the local fallback cache (LRU).
    :param socket_timeout: seconds any Redis command may take before the backend falls back
        (default 0.25; the URL's ``?socket_timeout=`` wins).
    :param retry_interval: seconds between reconnection attempts while Redis is away (default 1.0).
    """

    name = "redis"
    shared = True

    def __init__(
        self,
        state_settings: StateSettings,
        clock: Clock,
        *,
        max_cache_entries: int,
        socket_timeout: float = 0.25,
        retry_interval: float = 1.0,
    ) -> None:
        super().__init__(clock)
        self._link = RedisLink(
            state_settings.url or "redis://127.0.0.1:6379/0",
            state_settings.prefix,
            clock,
            socket_timeout=socket_timeout,
            retry_interval=retry_interval,
            on_return=self._reconcile,
        )
        self._redis = self._link.redis
        self.url = self._link.url  # password masked
        self.prefix = self._link.keys.prefix
        self.replica_id = self._link.replica_id
        self.socket_timeout = self._link.socket_timeout  # the URL's ?socket_timeout= wins
        self.local = MemoryState(clock, max_cache_entries=max_cache_entries)
        self._breaker_sync = BreakerSync(self._link, self._breakers, queued=self._schedule_flush)
        self._health_sync = HealthSync(self._link, self._health)
        self._quotas = SharedQuotas(self._link, self.local, lambda: self._health_sync.replicas)
        self._flush_lock: asyncio.Lock | None = None
        self._flush_task: asyncio.Task[None] | None = None
        # pauses set while Redis was away (pushed on reconnection)
        self._fallback_pauses: dict[str, Pause] = {}

    # -- the connection (redis_link.py) ------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether Redis answered the last command (``False``: serving from local state)."""
        return self._link.connected

    def key(self, kind: str, name: str) -> str:
        """The Redis key of ``name`` of ``kind`` (``breaker``, ``pause``, ``cache``...)."""
        return self._link.keys.of(kind, name)

    async def _shared(self, op: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        """``op()`` against Redis; on any Redis trouble (or while it is away) ``local()``."""
        return await self._link.shared(op, local)

    async def _reconcile(self) -> None:
        """Push what this replica learnt while Redis was away, then read the shared state again."""
        now = self.clock.time()
        for provider, pause in list(self._fallback_pauses.items()):
            if pause.until > now:
                await self._set_pause_shared(provider, pause)
        self._fallback_pauses.clear()
        await self._breaker_sync.reconcile(now)
        await self._health_sync.publish(force=True)

    # -- breakers (redis_breakers.py) and health counters (redis_health.py) ---------------------------

    def breaker(self, key: str, policy: BreakerPolicy, on_change: ChangeListener | None = None) -> CircuitBreaker:
        """The local breaker for ``key``; its transitions are queued for publication."""
        br = self._breakers.get(key)
        if br is not None:
            return br
        br = super().breaker(key, policy, None)
        self._breaker_sync.watch(br, on_change)
        return br

    def _schedule_flush(self) -> None:
        task = self._flush_task
        if task is not None and not task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a transition from sync code): the next flush() shares it
        self._flush_task = loop.create_task(self.flush())

    async def sync_breaker(self, breaker: CircuitBreaker) -> None:
        """Adopt newer shared records for ``breaker`` and its endpoint breakers (one round trip)."""
        await self._breaker_sync.sync(breaker)

    async def publish_breaker(self, breaker: CircuitBreaker) -> None:
        """Share ``breaker``'s record now (kept only over an older shared record)."""
        self._breaker_sync.queue(breaker)
        await self.flush()

    async def acquire_probe(self, key: str, ttl: float) -> bool:
        """Take the cluster-wide half-open probe slot of ``key`` for ``ttl`` seconds."""
        return await self._breaker_sync.acquire_probe(key, ttl)

    async def flush(self, *, force: bool = False) -> None:
        """Share queued breaker transitions (and free probe slots); health counters when due or ``force``.

        ``force`` is a report (``relay.health()``, every ``/api/system/*`` view): the counters are
        read back, and every breaker adopts a newer shared record, so a replica that served no
        call since another opened (or closed) a breaker reports what the cluster knows.
        """
        await self._flush(force=force, refresh=force)

    async def _flush(self, *, force: bool, refresh: bool) -> None:
        if self._flush_lock is None:
            self._flush_lock = asyncio.Lock()
        due = force or self._health_sync.due()
        if not self._breaker_sync.has_pending() and not due:
            return
        async with self._flush_lock:
            pending = self._breaker_sync.take()

            async def op() -> None:
                await self._breaker_sync.push(pending)
                if due:
                    await self._health_sync.publish(force=force)
                if refresh:
                    await self._breaker_sync.refresh()

            async def local() -> None:
                self._breaker_sync.keep_for_return(pending)

            await self._shared(op, local)

    # -- pauses -------------------------------------------------------------------------------------

    async def get_pause(self, provider: str) -> Pause | None:
        async def op() -> Pause | None:
            raw = await self._redis.get(self.key("pause", provider))
            if raw is None:
                return None
            data = json.loads(raw)
            pause = Pause(until=float(data["until"]), reason=str(data["reason"]), kind=str(data["kind"]))
            if pause.until <= self.clock.time():
                return None
            await self.local.set_pause(provider, pause)  # remembered for an outage
            return pause

        return await self._shared(op, lambda: self.local.get_pause(provider))

    async def _set_pause_shared(self, provider: str, pause: Pause) -> None:
        payload = json.dumps({"until": pause.until, "reason": pause.reason, "kind": pause.kind})
        ttl = ms(pause.until - self.clock.time())
        await self._link.scripts.set_if_greater(
            keys=[self.key("pause", provider)], args=["until", pause.until, payload, ttl]
        )

    async def set_pause(self, provider: str, pause: Pause) -> None:
        await self.local.set_pause(provider, pause)

        async def local() -> None:
            current = self._fallback_pauses.get(provider)
            if current is None or pause.until > current.until:
                self._fallback_pauses[provider] = pause

        await self._shared(lambda: self._set_pause_shared(provider, pause), local)

    async def clear_pause(self, provider: str) -> None:
        await self.local.clear_pause(provider)
        self._fallback_pauses.pop(provider, None)

        async def op() -> None:
            await self._redis.delete(self.key("pause", provider))

        await self._shared(op, _nothing)

    # -- quota domains (redis_quotas.py) ---------------------------------------------------------------

    async def spend(self, domain: str, cost: float, limit: RateLimit) -> float:
        """Spend atomically from the domain's one cluster-wide budget (see the module doc)."""
        return await self._quotas.spend(domain, cost, limit)

    async def observe_usage(self, domain: str, used: float, limit: RateLimit) -> None:
        """Raise the shared count to what the provider reports (never lowers it)."""
        await self._quotas.observe_usage(domain, used, limit)

    async def remaining(self, domain: str, limit: RateLimit) -> float:
        return await self._quotas.remaining(domain, limit)

    # -- cache ----------------------------------------------------------------------------------------------

    async def cache_get(self, key: str) -> CacheEntry | None:
        async def op() -> CacheEntry | None:
            raw = await self._redis.get(self.key("cache", key))
            return None if raw is None else self._decode(key, raw)

        return await self._shared(op, lambda: self.local.cache_get(key))

    def _decode(self, key: str, raw: str | bytes) -> CacheEntry | None:
        try:
            data = json.loads(raw)
            if float(data["expires"]) <= self.clock.time():
                return None
            model = _TYPES_BY_NAME[data["type"]]
            return CacheEntry(model.model_validate_json(data["value"]), float(data["stored_at"]))
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            log.warning("ignoring an unreadable cached value at %s: %s: %s", key, type(exc).__name__, exc)
            return None

    async def cache_set(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Store ``entry`` in Redis for ``ttl`` seconds (and locally, for an outage)."""
        await self.local.cache_set(key, entry, ttl)
        value = entry.value
        if not isinstance(value, Result):
            return
        payload = json.dumps(
            {
                "type": type(value).__name__,
                "stored_at": entry.stored_at,
                "expires": self.clock.time() + ttl,
                "value": value.model_dump_json(),
            }
        )

        async def op() -> None:
            await self._redis.set(self.key("cache", key), payload, px=ms(ttl))

        await self._shared(op, _nothing)

    # -- lifecycle / introspection --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Connection, fallback and cluster-wide health counts, for ``relay.health()``."""
        health = self._health_sync
        return {
            "backend": self.name,
            "shared": True,
            **self._link.status(),
            "replicas": health.replicas,
            "cluster_health": {k: dict(v) for k, v in sorted(health.cluster.items())},
            "local": self.local.status(),
        }

    async def close(self) -> None:
        """Share what is pending (when Redis answers), then close the connections."""
        task = self._flush_task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)
        if self.connected:
            await self._flush(force=True, refresh=False)  # nobody reads a view at shutdown
        await self._redis.aclose()
