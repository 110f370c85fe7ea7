"""The connection to Redis, and what happens while Redis is away.

Every shared operation runs through :meth:`RedisLink.shared`: against Redis under a short
timeout, or its local stand-in when Redis fails (or is known to be away). The first failure
starts an outage (one WARNING); Redis is retried at most every ``retry_interval`` seconds,
and on its return the connections that died with the old server are dropped and the
owner's ``on_return`` pushes what was learnt meanwhile before sharing again. One outage
counts once: a command that started before the return and fails after it belongs to the
outage already counted.
"""

from __future__ import annotations

import asyncio
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

from .._clock import Clock
from .._redact import mask_url
from .redis_keys import Keys, Scripts

log = logging.getLogger("coinrelay.state.redis")

T = TypeVar("T")

#: What counts as Redis trouble: the client's errors, the socket's, and the guard's own timeout.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


class RedisLink:
    """One Redis client, its scripts and key names, and the outage bookkeeping.

    :param url: the Redis URL (its ``?socket_timeout=`` wins over ``socket_timeout``).
    :param prefix: the first part of every key (``[state] prefix``).
    :param clock: the relay's clock (an outage's start, as the status shows it).
    :param on_return: awaited when Redis answers again, before anything is shared again.
    """

    def __init__(
        self,
        url: str,
        prefix: str,
        clock: Clock,
        *,
        socket_timeout: float,
        retry_interval: float,
        on_return: Callable[[], Awaitable[None]],
    ) -> None:
        self.url = mask_url(url)
        self.keys = Keys(prefix)
        self.clock = clock
        self.replica_id = uuid.uuid4().hex[:12]
        self.retry_interval = retry_interval
        # the URL's ?socket_timeout= bounds the whole guard too, not only redis-py's reads
        self.socket_timeout = _url_timeout(url) or socket_timeout
        self.redis: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            decode_responses=True,
        )
        self.scripts = Scripts(self.redis)
        self._on_return = on_return
        self.connected = True
        self.fallback_since: float | None = None
        self._next_retry = 0.0
        self.errors = 0
        self.outages = 0
        #: Bumped at each loss and each reconnection: which connection period a command belongs to.
        self._epoch = 0

    async def shared(self, op: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        """``op()`` against Redis; on any Redis trouble (or while it is away) ``local()``."""
        if not self.connected and not await self._reconnect():
            return await local()
        epoch = self._epoch
        try:
            async with asyncio.timeout(self.socket_timeout * 4):
                return await op()
        except REDIS_ERRORS as exc:
            self._lost(exc, epoch)
            return await local()

    def _lost(self, exc: BaseException, epoch: int) -> None:
        """A command started in connection ``epoch`` failed: the start of an outage, or part of one.

        A command that started before the last reconnection and fails after it (it was stuck on
        the outage already counted, or on a connection that died with the old server) is an error
        of that outage, not a new one: one outage per outage.
        """
        self.errors += 1
        if not self.connected or epoch != self._epoch:
            return
        self.connected = False
        self._epoch += 1
        self.outages += 1
        self.fallback_since = self.clock.time()
        self._next_retry = time.monotonic() + self.retry_interval
        log.warning(
            "redis state backend %s unreachable (%s: %s); serving from local state, retrying every %gs",
            self.url,
            type(exc).__name__,
            exc,
            self.retry_interval,
        )

    async def _reconnect(self) -> bool:
        """Try Redis again if a retry is due; on success reconcile (``on_return``) and share again."""
        now = time.monotonic()
        if now < self._next_retry:
            return False
        self._next_retry = now + self.retry_interval
        try:
            async with asyncio.timeout(self.socket_timeout * 20):
                # idle connections from before the outage talk to a server that is gone: drop them,
                # so the first commands after the return do not fail on them (a second "outage")
                await self.redis.connection_pool.disconnect(inuse_connections=False)
                await self.redis.ping()
                await self._on_return()
        except REDIS_ERRORS as exc:
            self.errors += 1
            log.debug("redis still unreachable: %s: %s", type(exc).__name__, exc)
            return False
        since = self.fallback_since
        away = self.clock.time() - since if since is not None else 0.0
        self.connected = True
        self._epoch += 1
        self.fallback_since = None
        log.warning("redis state backend %s reachable again after %.1fs; sharing state again", self.url, away)
        return True

    def status(self) -> dict[str, Any]:
        """Where Redis is and whether it answers: the connection part of the backend's status."""
        since = self.fallback_since
        return {
            "url": self.url,
            "prefix": self.keys.prefix,
            "replica": self.replica_id,
            "connected": self.connected,
            "fallback_since": None
            if since is None
            else datetime.fromtimestamp(since, UTC).isoformat(timespec="milliseconds"),
            "errors": self.errors,
            "outages": self.outages,
        }


def _url_timeout(url: str) -> float | None:
    """The ``socket_timeout`` query parameter of a Redis URL, in seconds (``None`` when absent)."""
    values = parse_qs(urlsplit(url).query).get("socket_timeout")
    try:
        return float(values[0]) if values else None
    except ValueError:
        return None
