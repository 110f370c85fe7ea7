"""Breakers shared through Redis: each replica's transitions published, newer records adopted.

Breakers stay local objects (the hot path reads them without I/O). Each breaker's
:class:`~coinrelay._breaker.BreakerRecord` is a JSON string at ``<prefix>:breaker:<key>``:

* a transition is queued, then published (pipelined) only over an older record — a
  compare-and-set on ``version`` in Lua;
* before a provider call, the provider's breaker and its endpoint breakers adopt newer shared
  records in one ``MGET`` (:meth:`BreakerSync.sync`); a report adopts them all (:meth:`refresh`);
* the half-open probe is a ``SET NX PX``-like slot held by one replica at a time;
* after an outage, this replica's open breakers win over older shared records (the safe side),
  and the transitions queued meanwhile are published (:meth:`reconcile`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._breaker import CLOSED, HALF_OPEN, OPEN, BreakerRecord, ChangeListener, CircuitBreaker
from .redis_keys import BREAKER_KEEP, ms
from .redis_link import RedisLink


@dataclass
class Pending:
    """Transitions waiting to be shared, and probe slots to free (half-open breakers that moved on)."""

    dirty: dict[str, CircuitBreaker] = field(default_factory=dict)
    release: set[str] = field(default_factory=set)


class BreakerSync:
    """Shares the breakers of ``breakers`` (the backend's own dict) through ``link``.

    :param queued: called after each transition is queued (the backend schedules a flush).
    """

    def __init__(self, link: RedisLink, breakers: dict[str, CircuitBreaker], queued: Callable[[], None]) -> None:
        self._link = link
        self._breakers = breakers
        self._queued = queued
        # the listeners the runtime gave us, transitions waiting to be shared
        self._listeners: dict[str, ChangeListener | None] = {}
        self._pending = Pending()
        self._fallback_dirty: dict[str, CircuitBreaker] = {}  # queued while Redis was away
        self._groups: dict[str, list[CircuitBreaker]] = {}
        self._groups_size = -1

    def watch(self, br: CircuitBreaker, on_change: ChangeListener | None) -> None:
        """Queue ``br``'s transitions for publication; ``on_change`` hears them, and adopted ones."""
        key = br.key
        self._listeners[key] = on_change

        def changed(old: str, new: str, rec: BreakerRecord) -> None:
            if on_change is not None:
                on_change(old, new, rec)
            self._pending.dirty[key] = br
            if old == HALF_OPEN:
                self._pending.release.add(key)
            self._queued()

        br.on_change = changed

    def queue(self, br: CircuitBreaker) -> None:
        """Queue ``br``'s record for the next publication."""
        self._pending.dirty[br.key] = br

    def has_pending(self) -> bool:
        return bool(self._pending.dirty or self._pending.release)

    def take(self) -> Pending:
        """What is queued (the queue starts again empty)."""
        pending, self._pending = self._pending, Pending()
        return pending

    def keep_for_return(self, pending: Pending) -> None:
        """Redis is away: ``pending``'s transitions are published by :meth:`reconcile` (its slots just expire)."""
        self._fallback_dirty.update(pending.dirty)

    async def push(self, pending: Pending) -> None:
        """Publish ``pending`` in one pipeline (each record only over an older shared one)."""
        if not pending.dirty and not pending.release:
            return
        scripts = self._link.scripts
        async with self._link.redis.pipeline(transaction=False) as pipe:
            for br in pending.dirty.values():
                await self._publish(br, client=pipe)
            for k in pending.release:
                await scripts.release_probe(
                    keys=[self._link.keys.of("probe", k)], args=[self._link.replica_id], client=pipe
                )
            await pipe.execute()

    async def _publish(self, br: CircuitBreaker, client: Any = None) -> bool:
        """Store ``br``'s record unless the shared one is as new (``client``: a pipeline, else at once)."""
        payload, ttl = self._payload(br)
        key = self._link.keys.of("breaker", br.key)
        stored = await self._link.scripts.set_if_greater(
            keys=[key], args=["version", br.record.version, payload, ttl], client=client
        )
        return bool(stored)

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
            "by": self._link.replica_id,
        }
        left = max(rec.open_until - self._link.clock.time(), 0.0) if rec.state == OPEN else 0.0
        return json.dumps(data), ms(left + BREAKER_KEEP)

    async def refresh(self) -> None:
        """Adopt every newer shared breaker record (one MGET)."""
        await self._adopt_all(list(self._breakers.values()))

    async def _adopt_all(self, breakers: list[CircuitBreaker]) -> None:
        if not breakers:
            return
        raws = await self._link.redis.mget([self._link.keys.of("breaker", b.key) for b in breakers])
        for br, raw in zip(breakers, raws, strict=True):
            if raw:
                self._adopt(br, json.loads(raw))

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

    async def sync(self, breaker: CircuitBreaker) -> None:
        """Adopt newer shared records for ``breaker`` and its endpoint breakers (one round trip)."""
        group = self._group(breaker.key)

        async def local() -> None:
            return None

        await self._link.shared(lambda: self._adopt_all(group), local)

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

    async def acquire_probe(self, key: str, ttl: float) -> bool:
        """Take the cluster-wide half-open probe slot of ``key`` for ``ttl`` seconds (yes while Redis is away)."""
        link = self._link

        async def op() -> bool:
            slot = link.keys.of("probe", key)
            return bool(await link.scripts.acquire_probe(keys=[slot], args=[link.replica_id, ms(ttl)]))

        async def local() -> bool:
            return True

        return await link.shared(op, local)

    async def reconcile(self, now: float) -> None:
        """Redis is back: push this replica's open breakers and what was queued meanwhile, then adopt."""
        for br in list(self._breakers.values()):
            rec = br.record
            if rec.state != OPEN or rec.open_until <= now:
                continue
            raw = await self._link.redis.get(self._link.keys.of("breaker", br.key))
            stored = json.loads(raw) if raw else None
            if stored is None or (stored["state"] != OPEN and float(stored["since"]) < rec.since):
                # an open breaker is the safe side: it wins over an older shared record
                rec.version = max(rec.version, int(stored["version"]) if stored else 0) + 1
                await self._publish(br)
        for br in list(self._fallback_dirty.values()):
            await self._publish(br)  # kept only over an older shared record
        self._fallback_dirty.clear()
        await self.refresh()
