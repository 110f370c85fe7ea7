"""Cluster-wide health counts and the replica heartbeat, through one Redis hash and one sorted set.

Health windows stay local (the hot path reads them without I/O); at most once every
:data:`~.redis_keys.HEALTH_INTERVAL` seconds (or on a report) the growth of each window's
request, success and failure counts is added to the shared hash, pipelined with this replica's
heartbeat, so ``status()`` shows cluster-wide counts and how many replicas are alive (the
share of a budget each one keeps to while Redis is away).
"""

from __future__ import annotations

import time

from .._health import HealthWindow
from .redis_keys import HEALTH_INTERVAL, HEALTH_KEEP, REPLICA_TTL, ms
from .redis_link import RedisLink

_FIELDS = ("requests", "successes", "failures")


class HealthSync:
    """Publishes the local health counters of ``windows`` and reads the cluster's back."""

    def __init__(self, link: RedisLink, windows: dict[str, HealthWindow]) -> None:
        self._link = link
        self._windows = windows
        #: Counts already added to the shared hash, per window key.
        self._sent: dict[str, tuple[int, int, int]] = {}
        self._next = 0.0
        #: The cluster totals last read (every window key: requests, successes, failures).
        self.cluster: dict[str, dict[str, int]] = {}
        #: Replicas seen alive at the last heartbeat (at least this one).
        self.replicas = 1

    def due(self) -> bool:
        """Whether a publication is due (one per :data:`~.redis_keys.HEALTH_INTERVAL`)."""
        return time.monotonic() >= self._next

    async def publish(self, *, force: bool) -> None:
        """Add the local counters' growth to the shared hash; heartbeat; read totals back.

        ``force`` (a report) reads every total back; otherwise only the changed ones are.
        """
        self._next = time.monotonic() + HEALTH_INTERVAL
        hkey = self._link.keys.health
        rkey = self._link.keys.replicas
        deltas: list[tuple[str, tuple[int, int, int]]] = []
        for k, hw in self._windows.items():
            now = (hw.requests, hw.successes, hw.failures)
            sent = self._sent.get(k, (0, 0, 0))
            if now != sent:
                deltas.append((k, now))
        wall = time.time()
        async with self._link.redis.pipeline(transaction=False) as pipe:
            for k, now in deltas:
                sent = self._sent.get(k, (0, 0, 0))
                for field, n, s in zip(_FIELDS, now, sent, strict=True):
                    pipe.hincrby(hkey, f"{k}|{field}", n - s)
            pipe.pexpire(hkey, ms(HEALTH_KEEP))
            pipe.zadd(rkey, {self._link.replica_id: wall + REPLICA_TTL})
            pipe.zremrangebyscore(rkey, "-inf", wall)
            pipe.zcard(rkey)
            pipe.pexpire(rkey, ms(60.0))
            if force:
                pipe.hgetall(hkey)
            results = await pipe.execute()
        for k, now in deltas:
            self._sent[k] = now
        self.replicas = max(1, int(results[len(deltas) * len(_FIELDS) + 3]))
        if force:
            self.cluster = _counts(results[-1])
        else:
            i = 0
            for k, _ in deltas:
                row = self.cluster.setdefault(k, {})
                for field in _FIELDS:
                    row[field] = int(results[i])
                    i += 1


def _counts(raw: dict[str, str]) -> dict[str, dict[str, int]]:
    """``{"<key>|requests": "3", ...}`` -> ``{"<key>": {"requests": 3, ...}}``."""
    out: dict[str, dict[str, int]] = {}
    for name, value in raw.items():
        key, _, field = name.rpartition("|")
        out.setdefault(key, {})[field] = int(value)
    return out
