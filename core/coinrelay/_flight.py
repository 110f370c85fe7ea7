"""In front of the walks: the cache, stale values, and single flight.

For one call (``key`` is its category and parameters):

1. a fresh cached value is returned as it is (it is shared: results are read-only);
2. with ``[cache] stale_while_revalidate``, a value past its TTL but within ``max_stale`` is
   returned at once (flagged ``stale``) while one background flight refreshes it;
3. otherwise the call joins the identical call already in flight, or starts one: the walk runs
   in a task of its own; each caller waits on a future of its own, which the task resolves in
   its last step, so one caller's cancellation never cancels the fetch for the others (the
   last one to leave does);
4. when every provider failed, a stale value within ``max_stale`` is served instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._errors import AllProvidersFailed, SymbolNotFound
from ._events import CallFinished
from ._outcome import Outcome
from ._state.base import CacheEntry

if TYPE_CHECKING:
    from ._clock import Clock
    from ._config import Settings
    from ._models import Attempt, Result
    from ._state.base import StateBackend

#: ``walk(category, params, hops, deadline, consensus)`` -> the result of one shared fetch.
Walk = Callable[[str, dict[str, Any], int, "float | None", bool], Awaitable["Result"]]
Notify = Callable[[object], None]


class _Flight:
    """One upstream fetch shared by every identical concurrent call."""

    __slots__ = ("keep", "task", "waiters")

    def __init__(self, keep: bool) -> None:
        self.task: asyncio.Task[None] | None = None
        self.waiters: list[asyncio.Future[Result]] = []
        #: A background refresh: it runs to the end even when nobody waits.
        self.keep = keep


class Flights:
    """The cache and single flight of one relay."""

    def __init__(self, *, state: StateBackend, settings: Settings, clock: Clock, walk: Walk) -> None:
        self.state = state
        self.settings = settings
        self.clock = clock
        self.walk = walk
        self.inflight: dict[str, _Flight] = {}
        self.cache_on = settings.cache.enabled
        self.swr = settings.cache.enabled and settings.cache.stale_while_revalidate
        #: ``on_call_finished`` listeners (``None`` when nobody listens: nothing is built then).
        self.notify: Notify | None = None

    async def get(
        self, key: str, category: str, params: dict[str, Any], hops: int, deadline: float | None, consensus: bool
    ) -> Result:
        """The result for ``key``: cached, joined, or fetched."""
        entry: CacheEntry | None = None
        if self.cache_on:
            entry = await self.state.cache_get(key)
            if entry is not None:
                settings = self.settings
                age = self.clock.time() - entry.stored_at
                ttl = settings.ttl(category)
                if age < ttl:
                    if self.notify is not None:
                        self._done(category, "cache", entry.value, None, 0.0)
                    return entry.value  # type: ignore[no-any-return]
                if self.swr and age <= ttl + settings.max_stale(category):
                    if key not in self.inflight:  # refresh in the background, one per key
                        self._start(key, category, params, hops, deadline, consensus, entry, keep=True)
                    stale = stale_copy(entry, age, ())
                    if self.notify is not None:
                        self._done(category, "stale", stale, None, 0.0)
                    return stale
        flight = self.inflight.get(key)
        served = "coalesced"
        if flight is None:
            served = "provider"
            flight = self._start(key, category, params, hops, deadline, consensus, entry, keep=False)
        waiter: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        flight.waiters.append(waiter)
        if self.notify is None:
            try:
                return await waiter
            except asyncio.CancelledError:
                self._leave(key, flight, waiter)
                raise
        started = time.perf_counter()
        try:
            result = await waiter
        except asyncio.CancelledError:
            self._leave(key, flight, waiter)
            raise
        except Exception as exc:
            self._done(category, "none", None, exc, time.perf_counter() - started)
            raise
        latency = time.perf_counter() - started
        self._done(category, "stale" if result.source.stale else served, result, None, latency)
        return result

    def _done(self, category: str, served: str, result: Result | None, exc: Exception | None, latency: float) -> None:
        """Tell ``on_call_finished`` listeners how one call was served (or why it failed)."""
        notify = self.notify
        if notify is None:
            return
        if result is not None:
            notify(CallFinished(category, served, result.source.provider, Outcome.OK, latency))
            return
        outcome = Outcome.NOT_FOUND if isinstance(exc, SymbolNotFound) else Outcome.FAILED
        notify(CallFinished(category, served, None, outcome, latency))

    def _leave(self, key: str, flight: _Flight, waiter: asyncio.Future[Result]) -> None:
        """A waiter was cancelled: stop the fetch if nobody else waits for it."""
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # answered just as we were cancelled: nobody reads it
        waiters = flight.waiters
        waiters.remove(waiter)
        task = flight.task
        if task is not None and not task.done() and not waiters and not flight.keep:
            task.cancel()  # the last waiter left: nobody needs the answer
            if self.inflight.get(key) is flight:
                del self.inflight[key]  # a new caller starts afresh, not on a cancelled fetch

    def _start(
        self,
        key: str,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
        *,
        keep: bool,
    ) -> _Flight:
        flight = self.inflight[key] = _Flight(keep)
        flight.task = asyncio.get_running_loop().create_task(
            self._land(key, flight, category, params, hops, deadline, consensus, entry)
        )
        return flight

    async def _land(
        self,
        key: str,
        flight: _Flight,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
    ) -> None:
        """Run a flight's fetch, then resolve every waiter's future in the same step.

        The task itself never fails (a background refresh may have no waiter to read the
        error); it ends cancelled when cancelled, and so do the waiters still there.
        """
        try:
            result = await self._fly(key, category, params, hops, deadline, consensus, entry)
        except asyncio.CancelledError:
            for waiter in flight.waiters:
                waiter.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter, who raises it
            for waiter in flight.waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
        else:
            for waiter in flight.waiters:
                if not waiter.done():
                    waiter.set_result(result)
        finally:
            if self.inflight.get(key) is flight:
                del self.inflight[key]

    async def _fly(
        self,
        key: str,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
    ) -> Result:
        """One shared fetch: walk the chain, cache the answer, or fall back to a stale value."""
        try:
            result = await self.walk(category, params, hops, deadline, consensus)
        except AllProvidersFailed as exc:
            if self.cache_on:
                latest = await self.state.cache_get(key)
                stale = self._stale(category, latest if latest is not None else entry, exc.attempts)
                if stale is not None:
                    return stale
            raise
        if self.cache_on:
            settings = self.settings
            keep = settings.ttl(category) + settings.max_stale(category)
            if keep > 0:
                await self.state.cache_set(key, CacheEntry(cached_copy(result), self.clock.time()), keep)
        return result

    def _stale(self, category: str, entry: CacheEntry | None, attempts: Iterable[Attempt]) -> Result | None:
        if entry is None:
            return None
        age = self.clock.time() - entry.stored_at
        if age > self.settings.ttl(category) + self.settings.max_stale(category):
            return None
        return stale_copy(entry, age, attempts)

    def refreshes(self) -> list[asyncio.Task[None]]:
        """The background refreshes (stale-while-revalidate) running now."""
        return [f.task for f in self.inflight.values() if f.keep and f.task is not None]

    async def close(self) -> None:
        """Cancel every flight and wait for it."""
        flights = list(self.inflight.values())
        tasks = [f.task for f in flights if f.task is not None]
        for task in tasks:
            task.cancel()
        for flight in flights:  # a task cancelled before its first step resolves nobody
            for waiter in flight.waiters:
                waiter.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def cached_copy(result: Result) -> Result:
    """What the cache keeps: ``result`` with its own ``source`` flagged ``cached`` (the caller who
    fetched it keeps the unflagged one; every later hit gets this one, shared)."""
    value = result.model_copy()
    value.source = result.source.model_copy(update={"cached": True})
    return value


def stale_copy(entry: CacheEntry, age: float, attempts: Iterable[Attempt]) -> Result:
    """A copy of a cached value flagged ``source.stale`` with its ``source.age`` (seconds)."""
    value: Result = entry.value.model_copy(deep=True)
    value.source.cached = True
    value.source.stale = True
    value.source.age = round(age, 3)
    value.source.attempts = list(attempts) + value.source.attempts
    return value
