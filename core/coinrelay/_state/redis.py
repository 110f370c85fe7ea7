"""Shared state in Redis: replicas agree on breakers, pauses, budgets and the cache.

Select it with ``[state] backend = "redis"``, ``url = "redis://host:6379/0"`` and a
``prefix`` per deployment. What is shared, and how:

* **breakers** — each breaker's :class:`~coinrelay._breaker.BreakerRecord` (state,
  open_until, recovery, reason, version...) is a JSON string; a transition is published
  only over an older record (compare-and-set on ``version`` in Lua), and
  :meth:`RedisState.sync_breaker` adopts a newer one before each provider call, and
  every report (``flush(force=True)``: ``relay.health()``, the ``/api/system/*`` views)
  adopts the newer records of all breakers, so an idle replica reports what the cluster
  knows. The half-open probe is a ``SET NX PX`` key held by one replica at a time.
* **pauses** (Retry-After, bans, geo-blocks) — one key per provider whose ``PX`` ends
  with the pause; a longer running pause is kept (Lua).
* **quota budgets** — one budget per domain across replicas, spent atomically by Lua
  scripts: aligned limits count in a per-window key (``INCRBYFLOAT``, expiring after
  the window); sliding limits keep a sorted set of spends and their running total.
  Time is the relay's injected clock (``clock.time()``, passed as an argument), never
  Redis ``TIME``: replicas must keep their clocks in sync (NTP), and tests can drive it.
* **cache** — the result as JSON (``model_dump_json``) with its type name and
  ``stored_at``, kept ``ttl + max_stale`` seconds, so any replica can serve another's
  value stale when the chain fails.
* **health** — windows stay local (the hot path reads them without I/O); the request,
  success and failure counts are added to one hash at most once a second (pipelined),
  so ``status()`` shows cluster-wide counts.

Every key starts with ``<prefix>:`` and expires (see :data:`KEYS_DOC`). Redis trouble
never fails a call: every command has a short timeout; on an error the backend
serves from a local :class:`~coinrelay._state.memory.MemoryState` (logging one WARNING
per outage), retries Redis at most every ``retry_interval`` seconds, and on its return
drops the connections that died with the old server, then pushes the local open breakers
and pauses before sharing again. One outage counts once: a command that started before
the return and fails after it belongs to the outage already counted. While Redis is away
each replica enforces ``limit / replicas`` of every budget (replicas last seen alive).

Connection options can also be given in the URL query (redis-py's ``from_url``):
``redis://127.0.0.1:6379/0?socket_timeout=0.5``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .._breaker import CLOSED, HALF_OPEN, OPEN, BreakerPolicy, BreakerRecord, ChangeListener, CircuitBreaker
from .._clock import Clock
from .._config import StateSettings
from .._models import RESULT_TYPES, Result
from .._provider import RateLimit
from .._ratelimit import slack
from .._redact import mask_url
from .base import CacheEntry, Pause, StateBackend
from .memory import MemoryState

log = logging.getLogger("coinrelay.state.redis")

T = TypeVar("T")

#: Key layout (``<p>`` is ``[state] prefix``) and how each key expires.
KEYS_DOC = {
    "<p>:breaker:<key>": "JSON BreakerRecord; PX = open time left + 24 h, renewed at each transition",
    "<p>:probe:<key>": "replica id holding the half-open probe; PX = probe_timeout",
    "<p>:pause:<provider>": "JSON Pause; PX = until the pause ends",
    "<p>:quota:<domain>:w:<index>": "aligned window counter; PX = window left + one period",
    "<p>:quota:<domain>:log": "sliding window spends (zset); PX = period + slack + 1 s after the last write",
    "<p>:quota:<domain>:total": "sliding window running total; same PX as its log",
    "<p>:cache:<key>": "JSON result + type + stored_at; PX = ttl + max_stale",
    "<p>:health": "hash <key>|requests/successes/failures; PX = 24 h, renewed at each publish",
    "<p>:replicas": "zset of live replica ids (score = heartbeat expiry); PX = 60 s, renewed",
}

#: Seconds a breaker record outlives its open period (a closed record only carries its version).
BREAKER_KEEP = 86_400.0
HEALTH_KEEP = 86_400.0
#: Seconds between health-counter publications and replica heartbeats.
HEALTH_INTERVAL = 1.0
#: A replica counts as alive this long after its last heartbeat.
REPLICA_TTL = 10.0

_TYPES_BY_NAME: dict[str, type[Result]] = {cls.__name__: cls for cls in RESULT_TYPES.values()}

# -- Lua scripts ------------------------------------------------------------------------------------

#: KEYS[1] window counter. ARGV: cost, cap, ttl_ms. Returns {granted, used}.
_SPEND_ALIGNED = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
  return {0, tostring(used)}
end
used = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, used}
"""

#: KEYS[1] window counter. ARGV: used, ttl_ms. Raises the count to ``used`` (never lowers it).
_OBSERVE_ALIGNED = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > used then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

#: KEYS[1] log (zset: score = time, member = "<cost>|<id>"), KEYS[2] running total.
#: ARGV: mode (spend|observe|remaining), now, period (kept, slack included), amount, cap, member id, ttl_ms.
#: Returns {granted, total, wait}.
_SLIDING = """
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local horizon = now - period
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon)
if #old > 0 then
  for _, m in ipairs(old) do
    total = total - tonumber(string.match(m, '^[^|]+'))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  total = 0
end
local granted = 1
local wait = 0
if mode == 'spend' then
  if total + amount > cap then
    granted = 0
    local need = total + amount - cap
    local freed = 0
    wait = period
    local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      freed = freed + tonumber(string.match(entries[i], '^[^|]+'))
      if freed >= need then
        wait = math.max(tonumber(entries[i + 1]) + period - now, 0.001)
        break
      end
    end
  else
    redis.call('ZADD', KEYS[1], now, string.format('%.17g', amount) .. '|' .. ARGV[6])
    total = total + amount
  end
elseif mode == 'observe' then
  if amount > total then
    redis.call('ZADD', KEYS[1], now, string.format('%.17g', amount - total) .. '|' .. ARGV[6])
    total = amount
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  total = 0
else
  redis.call('SET', KEYS[2], string.format('%.17g', total), 'PX', ARGV[7])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
return {granted, string.format('%.17g', total), string.format('%.17g', wait)}
"""

#: KEYS[1] a JSON record. ARGV: field, value, payload, ttl_ms. Stores the payload only over a
#: record whose ``field`` is smaller: pauses keep the later ``until``, breaker records the
#: newer ``version``.
_SET_IF_GREATER = """
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cjson.decode(cur)[ARGV[1]]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""

#: KEYS[1] probe slot. ARGV: replica id, ttl_ms. Free or already ours -> take it.
_ACQUIRE_PROBE = """
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

#: KEYS[1] probe slot. ARGV: replica id. Frees it if this replica holds it.
_RELEASE_PROBE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def _ms(seconds: float) -> int:
    """A positive PX value in milliseconds."""
    return max(1, int(seconds * 1000))


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
        url = state_settings.url or "redis://127.0.0.1:6379/0"
        self.url = mask_url(url)
        self.prefix = state_settings.prefix
        self.replica_id = uuid.uuid4().hex[:12]
        self.retry_interval = retry_interval
        # the URL's ?socket_timeout= bounds the whole guard too, not only redis-py's reads
        self.socket_timeout = _url_timeout(url) or socket_timeout
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            decode_responses=True,
        )
        r = self._redis
        self._spend_aligned = r.register_script(_SPEND_ALIGNED)
        self._observe_aligned = r.register_script(_OBSERVE_ALIGNED)
        self._sliding = r.register_script(_SLIDING)
        self._set_if_greater = r.register_script(_SET_IF_GREATER)
        self._acquire = r.register_script(_ACQUIRE_PROBE)
        self._release = r.register_script(_RELEASE_PROBE)
        self.local = MemoryState(clock, max_cache_entries=max_cache_entries)
        self._seq = itertools.count()
        # connection state
        self._connected = True
        self._fallback_since: float | None = None
        self._next_retry = 0.0
        self._errors = 0
        self._outages = 0
        #: Bumped at each loss and each reconnection: which connection period a command belongs to.
        self._epoch = 0
        self._replicas = 1
        # breakers: the listeners the runtime gave us, transitions waiting to be shared
        self._listeners: dict[str, ChangeListener | None] = {}
        self._dirty: dict[str, CircuitBreaker] = {}
        self._release_keys: set[str] = set()
        self._fallback_dirty: dict[str, CircuitBreaker] = {}
        self._groups: dict[str, list[CircuitBreaker]] = {}
        self._groups_size = -1
        self._flush_lock: asyncio.Lock | None = None
        self._flush_task: asyncio.Task[None] | None = None
        # pauses set while Redis was away (pushed on reconnection)
        self._fallback_pauses: dict[str, Pause] = {}
        # health counters already added to the shared hash, and the cluster totals last read
        self._health_sent: dict[str, tuple[int, int, int]] = {}
        self._cluster_health: dict[str, dict[str, int]] = {}
        self._next_health = 0.0

    # -- keys ------------------------------------------------------------------------------------

    def key(self, kind: str, name: str) -> str:
        """The Redis key of ``name`` of ``kind`` (``breaker``, ``pause``, ``cache``...)."""
        return f"{self.prefix}:{kind}:{name}"

    # -- the guard: Redis, else local ----------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    async def _shared(self, op: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        """``op()`` against Redis; on any Redis trouble (or while it is away) ``local()``."""
        if not self._connected and not await self._reconnect():
            return await local()
        epoch = self._epoch
        try:
            async with asyncio.timeout(self.socket_timeout * 4):
                return await op()
        except _REDIS_ERRORS as exc:
            self._lost(exc, epoch)
            return await local()

    def _lost(self, exc: BaseException, epoch: int) -> None:
        """A command started in connection ``epoch`` failed: the start of an outage, or part of one.

        A command that started before the last reconnection and fails after it (it was stuck on
        the outage already counted, or on a connection that died with the old server) is an error
        of that outage, not a new one: one outage per outage.
        """
        self._errors += 1
        if not self._connected or epoch != self._epoch:
            return
        self._connected = False
        self._epoch += 1
        self._outages += 1
        self._fallback_since = self.clock.time()
        self._next_retry = time.monotonic() + self.retry_interval
        log.warning(
            "redis state backend %s unreachable (%s: %s); serving from local state, retrying every %gs",
            self.url,
            type(exc).__name__,
            exc,
            self.retry_interval,
        )

    async def _reconnect(self) -> bool:
        """Try Redis again if a retry is due; on success reconcile and share again."""
        now = time.monotonic()
        if now < self._next_retry:
            return False
        self._next_retry = now + self.retry_interval
        try:
            async with asyncio.timeout(self.socket_timeout * 20):
                # idle connections from before the outage talk to a server that is gone: drop them,
                # so the first commands after the return do not fail on them (a second "outage")
                await self._redis.connection_pool.disconnect(inuse_connections=False)
                await self._redis.ping()
                await self._reconcile()
        except _REDIS_ERRORS as exc:
            self._errors += 1
            log.debug("redis still unreachable: %s: %s", type(exc).__name__, exc)
            return False
        since = self._fallback_since
        away = self.clock.time() - since if since is not None else 0.0
        self._connected = True
        self._epoch += 1
        self._fallback_since = None
        log.warning("redis state backend %s reachable again after %.1fs; sharing state again", self.url, away)
        return True

    async def _reconcile(self) -> None:
        """Push what this replica learnt while Redis was away, then read the shared state again."""
        now = self.clock.time()
        for provider, pause in list(self._fallback_pauses.items()):
            if pause.until > now:
                await self._set_pause_shared(provider, pause)
        self._fallback_pauses.clear()
        for br in list(self._breakers.values()):
            rec = br.record
            if rec.state != OPEN or rec.open_until <= now:
                continue
            raw = await self._redis.get(self.key("breaker", br.key))
            stored = json.loads(raw) if raw else None
            if stored is None or (stored["state"] != OPEN and float(stored["since"]) < rec.since):
                # an open breaker is the safe side: it wins over an older shared record
                rec.version = max(rec.version, int(stored["version"]) if stored else 0) + 1
                await self._publish_one(br)
        for br in list(self._fallback_dirty.values()):
            await self._publish_one(br)  # kept only over an older shared record
        self._fallback_dirty.clear()
        await self._refresh_breakers()
        await self._publish_health(force=True)

    # -- breakers --------------------------------------------------------------------------------------

    def breaker(self, key: str, policy: BreakerPolicy, on_change: ChangeListener | None = None) -> CircuitBreaker:
        """The local breaker for ``key``; its transitions are queued for publication."""
        br = self._breakers.get(key)
        if br is not None:
            return br
        self._listeners[key] = on_change
        br = super().breaker(key, policy, None)

        def changed(old: str, new: str, rec: BreakerRecord) -> None:
            if on_change is not None:
                on_change(old, new, rec)
            self._dirty[key] = br
            if old == HALF_OPEN:
                self._release_keys.add(key)
            self._schedule_flush()

        br.on_change = changed
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

    def _group(self, key: str) -> list[CircuitBreaker]:
        """``key``'s breaker and its endpoint breakers (``key@<base>``): synced in one MGET."""
        if self._groups_size != len(self._breakers):
            self._groups.clear()
            self._groups_size = len(self._breakers)
        group = self._groups.get(key)
        if group is None:
            sub = key + "@"
            group = self._groups[key] = [b for k, b in self._breakers.items() if k == key or k.startswith(sub)]
        return group

    async def sync_breaker(self, breaker: CircuitBreaker) -> None:
        """Adopt newer shared records for ``breaker`` and its endpoint breakers (one round trip)."""
        group = self._group(breaker.key)

        async def op() -> None:
            raws = await self._redis.mget([self.key("breaker", b.key) for b in group])
            for br, raw in zip(group, raws, strict=True):
                if raw:
                    self._adopt(br, json.loads(raw))

        async def local() -> None:
            return None

        await self._shared(op, local)

    def _adopt(self, br: CircuitBreaker, data: dict[str, Any]) -> None:
        """Take ``data`` (a shared record) if it is newer than ``br``'s.

        Newer: a higher version; or, when the shared key was lost (expired, Redis
        restarted) and re-created by another replica, a lower version changed later.
        """
        rec = br.record
        version = int(data["version"])
        since = float(data["since"])
        if version == rec.version or (version < rec.version and since <= rec.since):
            return
        old = rec.state
        new = str(data["state"])
        rec.state = new
        rec.open_until = float(data["open_until"])
        rec.recovery = float(data["recovery"])
        rec.since = since
        rec.reason = str(data["reason"])
        rec.version = version
        rec.probe_started = float(data["probe_started"])
        rec.consecutive_failures = int(data["consecutive_failures"])
        if new != old and new in (OPEN, CLOSED):
            rec.outcomes.clear()
        if new != old:
            listener = self._listeners.get(br.key)
            if listener is not None:
                listener(old, new, rec)

    def _payload(self, br: CircuitBreaker) -> tuple[str, int]:
        rec = br.record
        data = {
            "state": rec.state,
            "open_until": rec.open_until,
            "recovery": rec.recovery,
            "since": rec.since,
            "reason": rec.reason,
            "version": rec.version,
            "probe_started": rec.probe_started,
            "consecutive_failures": rec.consecutive_failures,
            "by": self.replica_id,
        }
        left = max(rec.open_until - self.clock.time(), 0.0) if rec.state == OPEN else 0.0
        return json.dumps(data), _ms(left + BREAKER_KEEP)

    async def _publish_one(self, br: CircuitBreaker) -> bool:
        payload, ttl = self._payload(br)
        stored = await self._set_if_greater(
            keys=[self.key("breaker", br.key)], args=["version", br.record.version, payload, ttl]
        )
        return bool(stored)

    async def publish_breaker(self, breaker: CircuitBreaker) -> None:
        """Share ``breaker``'s record now (kept only over an older shared record)."""
        self._dirty[breaker.key] = breaker
        await self.flush()

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
        due = force or time.monotonic() >= self._next_health
        if not self._dirty and not self._release_keys and not due:
            return
        async with self._flush_lock:
            dirty, self._dirty = self._dirty, {}
            release, self._release_keys = self._release_keys, set()

            async def op() -> None:
                if dirty or release:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for br in dirty.values():
                            payload, ttl = self._payload(br)
                            await self._set_if_greater(
                                keys=[self.key("breaker", br.key)],
                                args=["version", br.record.version, payload, ttl],
                                client=pipe,
                            )
                        for k in release:
                            await self._release(keys=[self.key("probe", k)], args=[self.replica_id], client=pipe)
                        await pipe.execute()
                if due:
                    await self._publish_health(force=force)
                if refresh:
                    await self._refresh_breakers()

            async def local() -> None:
                self._fallback_dirty.update(dirty)  # pushed by _reconcile when Redis is back

            await self._shared(op, local)

    async def _refresh_breakers(self) -> None:
        """Adopt every newer shared breaker record (one MGET)."""
        keys = list(self._breakers)
        if not keys:
            return
        raws = await self._redis.mget([self.key("breaker", k) for k in keys])
        for k, raw in zip(keys, raws, strict=True):
            if raw:
                self._adopt(self._breakers[k], json.loads(raw))

    async def acquire_probe(self, key: str, ttl: float) -> bool:
        """Take the cluster-wide half-open probe slot of ``key`` for ``ttl`` seconds."""

        async def op() -> bool:
            return bool(await self._acquire(keys=[self.key("probe", key)], args=[self.replica_id, _ms(ttl)]))

        async def local() -> bool:
            return True

        return await self._shared(op, local)

    # -- health counters ------------------------------------------------------------------------------

    async def _publish_health(self, *, force: bool) -> None:
        """Add the local counters' growth to the shared hash; heartbeat; read totals back."""
        self._next_health = time.monotonic() + HEALTH_INTERVAL
        hkey = f"{self.prefix}:health"
        rkey = f"{self.prefix}:replicas"
        deltas: list[tuple[str, tuple[int, int, int]]] = []
        for k, hw in self._health.items():
            now = (hw.requests, hw.successes, hw.failures)
            sent = self._health_sent.get(k, (0, 0, 0))
            if now != sent:
                deltas.append((k, now))
        wall = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for k, now in deltas:
                sent = self._health_sent.get(k, (0, 0, 0))
                for field, n, s in zip(("requests", "successes", "failures"), now, sent, strict=True):
                    pipe.hincrby(hkey, f"{k}|{field}", n - s)
            pipe.pexpire(hkey, _ms(HEALTH_KEEP))
            pipe.zadd(rkey, {self.replica_id: wall + REPLICA_TTL})
            pipe.zremrangebyscore(rkey, "-inf", wall)
            pipe.zcard(rkey)
            pipe.pexpire(rkey, _ms(60.0))
            if force:
                pipe.hgetall(hkey)
            results = await pipe.execute()
        for k, now in deltas:
            self._health_sent[k] = now
        self._replicas = max(1, int(results[len(deltas) * 3 + 3]))
        if force:
            self._cluster_health = _counts(results[-1])
        else:
            i = 0
            for k, _ in deltas:
                row = self._cluster_health.setdefault(k, {})
                for field in ("requests", "successes", "failures"):
                    row[field] = int(results[i])
                    i += 1

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
        ttl = _ms(pause.until - self.clock.time())
        await self._set_if_greater(keys=[self.key("pause", provider)], args=["until", pause.until, payload, ttl])

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

        async def local() -> None:
            return None

        await self._shared(op, local)

    # -- quota domains ---------------------------------------------------------------------------------

    def _local_limit(self, limit: RateLimit) -> RateLimit:
        """While Redis is away, each replica keeps to its share of the budget."""
        n = self._replicas
        if n <= 1:
            return limit
        return RateLimit(
            limit=max(1, limit.limit // n),
            period=limit.period,
            aligned=limit.aligned,
            unit=limit.unit,
            usage_header=limit.usage_header,
            headroom=limit.headroom,
        )

    def _window(self, domain: str, limit: RateLimit, now: float) -> tuple[str, float, int]:
        """Aligned limits: the window's key, the seconds until it ends and the key's TTL (ms)."""
        index = int(now // limit.period)
        left = (index + 1) * limit.period - now
        return f"{self.prefix}:quota:{domain}:w:{index}", left, _ms(left + limit.period)

    def _sliding_keys(self, domain: str) -> list[str]:
        return [f"{self.prefix}:quota:{domain}:log", f"{self.prefix}:quota:{domain}:total"]

    async def _sliding_call(self, mode: str, domain: str, amount: float, limit: RateLimit) -> list[Any]:
        member = f"{self.replica_id}:{next(self._seq)}"
        keep = limit.period + slack(limit.period)  # like QuotaWindow: a spend counts a little past the period
        args: list[str | int | float] = [
            mode,
            repr(self.clock.time()),
            repr(float(keep)),
            repr(float(amount)),
            limit.effective_limit,
            member,
            _ms(keep + 1.0),
        ]
        result: list[Any] = await self._sliding(keys=self._sliding_keys(domain), args=args)
        return result

    async def spend(self, domain: str, cost: float, limit: RateLimit) -> float:
        """Spend atomically from the domain's one cluster-wide budget (see the module doc)."""
        if cost > limit.effective_limit:
            return float("inf")

        async def op() -> float:
            now = self.clock.time()
            if limit.aligned:
                key, left, ttl = self._window(domain, limit, now)
                granted, _ = await self._spend_aligned(keys=[key], args=[repr(float(cost)), limit.effective_limit, ttl])
                return 0.0 if granted else left
            granted, _, wait = await self._sliding_call("spend", domain, cost, limit)
            return 0.0 if granted else float(wait)

        return await self._shared(op, lambda: self.local.spend(domain, cost, self._local_limit(limit)))

    async def observe_usage(self, domain: str, used: float, limit: RateLimit) -> None:
        """Raise the shared count to what the provider reports (never lowers it)."""

        async def op() -> None:
            if limit.aligned:
                key, _, ttl = self._window(domain, limit, self.clock.time())
                await self._observe_aligned(keys=[key], args=[repr(float(used)), ttl])
            else:
                await self._sliding_call("observe", domain, used, limit)

        await self._shared(op, lambda: self.local.observe_usage(domain, used, self._local_limit(limit)))

    async def remaining(self, domain: str, limit: RateLimit) -> float:
        async def op() -> float:
            if limit.aligned:
                key, _, _ = self._window(domain, limit, self.clock.time())
                raw = await self._redis.get(key)
                return limit.effective_limit - (float(raw) if raw else 0.0)
            _, total, _ = await self._sliding_call("remaining", domain, 0.0, limit)
            return limit.effective_limit - float(total)

        return await self._shared(op, lambda: self.local.remaining(domain, self._local_limit(limit)))

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
            await self._redis.set(self.key("cache", key), payload, px=_ms(ttl))

        async def local() -> None:
            return None

        await self._shared(op, local)

    # -- lifecycle / introspection --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Connection, fallback and cluster-wide health counts, for ``relay.health()``."""
        since = self._fallback_since
        return {
            "backend": self.name,
            "shared": True,
            "url": self.url,
            "prefix": self.prefix,
            "replica": self.replica_id,
            "connected": self._connected,
            "fallback_since": None
            if since is None
            else datetime.fromtimestamp(since, UTC).isoformat(timespec="milliseconds"),
            "errors": self._errors,
            "outages": self._outages,
            "replicas": self._replicas,
            "cluster_health": {k: dict(v) for k, v in sorted(self._cluster_health.items())},
            "local": self.local.status(),
        }

    async def close(self) -> None:
        """Share what is pending (when Redis answers), then close the connections."""
        task = self._flush_task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)
        if self._connected:
            await self._flush(force=True, refresh=False)  # nobody reads a view at shutdown
        await self._redis.aclose()


def _url_timeout(url: str) -> float | None:
    """The ``socket_timeout`` query parameter of a Redis URL, in seconds (``None`` when absent)."""
    values = parse_qs(urlsplit(url).query).get("socket_timeout")
    try:
        return float(values[0]) if values else None
    except ValueError:
        return None


def _counts(raw: dict[str, str]) -> dict[str, dict[str, int]]:
    """``{"<key>|requests": "3", ...}`` -> ``{"<key>": {"requests": 3, ...}}``."""
    out: dict[str, dict[str, int]] = {}
    for name, value in raw.items():
        key, _, field = name.rpartition("|")
        out.setdefault(key, {})[field] = int(value)
    return out
