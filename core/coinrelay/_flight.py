"""In front of the walks: the cache, stale values, and single flight.

For one call (``key`` is its category and parameters):

1. a fresh cached value is returned as it is (it is shared: results are read-only);
2. with ``[cache] stale_while_revalidate``, a value past its TTL but within ``max_stale`` is
   returned at once (flagged ``stale``) while one background flight refreshes it;
3. otherwise the call joins the identical call already in flight, or starts one. The first
   caller runs the walk in its own task (:class:`~coinrelay._inline.Drive`: no task to start,
   no loop turn to hand the answer over); each later one waits on a future of its own, which
   the walk resolves in its last step. One caller's cancellation never cancels the fetch for
   the others: when the first caller leaves while others wait, the walk moves to a task of
   its own; the last one to leave cancels it. (A background refresh, or a transport whose
   timeouts cancel the task themselves — ``Transport.inline`` false — runs in a task from
   the start.)
4. when every provider failed, a stale value within ``max_stale`` is served instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from ._errors import AllProvidersFailed, SymbolNotFound
from ._events import CallFinished
from ._inline import Drive
from ._outcome import Outcome
from ._state.base import CacheEntry

if TYPE_CHECKING:
    from ._callstats import CallStats
    from ._clock import Clock
    from ._config import Settings
    from ._models import Attempt, Result
    from ._state.base import StateBackend

#: ``walk(category, params, hops, deadline, consensus)`` -> the result of one shared fetch.
Walk = Callable[[str, dict[str, Any], int, "float | None", bool], Coroutine[Any, Any, "Result"]]
Notify = Callable[[object], None]


class _Flight:
    """One upstream fetch shared by every identical concurrent call.

    The owner (:class:`~coinrelay._inline.Owner`) of its walk when the first caller runs it.
    """

    __slots__ = ("drive", "flights", "keep", "key", "task", "waiters")

    def __init__(self, flights: Flights, key: str, keep: bool) -> None:
        self.flights = flights
        self.key = key
        #: The walk in a task of its own (from the start, or since the first caller left).
        self.task: asyncio.Task[None] | None = None
        #: The walk in the first caller's task.
        self.drive: Drive[Result] | None = None
        #: The other callers' futures.
        self.waiters: list[asyncio.Future[Result]] = []
        #: A background refresh: it runs to the end even when nobody waits.
        self.keep = keep

    def adopt(self, rest: Awaitable[Result], context: contextvars.Context) -> asyncio.Task[None]:
        """The first caller left while others wait: the rest of the walk goes on in a task."""
        task = self.task = asyncio.get_running_loop().create_task(self.flights._land(self, rest), context=context)
        return task

    def abandon(self) -> None:
        """The first caller left and nobody waits: the walk is being cancelled; a new caller starts afresh."""
        self.flights._forget(self)


class Flights:
    """The cache and single flight of one relay."""

    def __init__(
        self, *, state: StateBackend, settings: Settings, clock: Clock, walk: Walk, inline: bool = True
    ) -> None:
        self.state = state
        self.settings = settings
        self.clock = clock
        self.walk = walk
        #: The first caller runs the walk itself (see the module docstring).
        self.inline = inline
        self.inflight: dict[str, _Flight] = {}
        self.cache_on = settings.cache.enabled
        self.swr = settings.cache.enabled and settings.cache.stale_while_revalidate
        #: ``on_call_finished`` listeners (``None`` when nobody listens: nothing is built then).
        self.notify: Notify | None = None
        #: The relay's own call counts, told directly.
        self.calls: CallStats | None = None

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
                    self._done(category, "cache", entry.value, None, None)
                    return entry.value  # type: ignore[no-any-return]
                if self.swr and age <= ttl + settings.max_stale(category):
                    if key not in self.inflight:  # refresh in the background, one per key
                        self._start(key, category, params, hops, deadline, consensus, entry, keep=True)
                    stale = stale_copy(entry, age, ())
                    self._done(category, "stale", stale, None, None)
                    return stale
        flight = self.inflight.get(key)
        drive: Drive[Result] | None = None
        waiter: asyncio.Future[Result] | None = None
        work: Awaitable[Result]
        if flight is None and self.inline:  # the first caller: the walk runs here, in this task
            served = "provider"
            fly = (
                self._fly(key, category, params, hops, deadline, consensus, entry)
                if self.cache_on
                else self.walk(category, params, hops, deadline, consensus)  # nothing to cache or fall back on
            )
            flight = self.inflight[key] = _Flight(self, key, keep=False)
            work = drive = flight.drive = Drive(fly, flight)
        else:
            served = "coalesced"
            if flight is None:
                served = "provider"
                flight = self._start(key, category, params, hops, deadline, consensus, entry, keep=False)
            work = waiter = asyncio.get_running_loop().create_future()
            flight.waiters.append(waiter)
        started = time.perf_counter() if self.notify is not None else 0.0
        try:
            result = await work
        except asyncio.CancelledError:
            if waiter is not None:
                self._leave(key, flight, waiter)
            elif drive is not None and not drive.moved:  # the walk itself was cancelled (alone, or closing)
                self._land_here(flight, None, None)
            raise
        except Exception as exc:
            if drive is not None:
                self._land_here(flight, None, exc)
            self._done(category, "none", None, exc, started)
            raise
        if drive is not None:
            self._land_here(flight, result, None)
        self._done(category, "stale" if result.source.stale else served, result, None, started)
        return result

    def _land_here(self, flight: _Flight, result: Result | None, exc: Exception | None) -> None:
        """The walk ended in the first caller's task: the other callers get its end; the flight is over."""
        _answer(flight.waiters, result, exc)
        self._forget(flight)

    def _done(
        self, category: str, served: str, result: Result | None, exc: Exception | None, started: float | None
    ) -> None:
        """Count how one call was served (or why it failed), and tell ``on_call_finished`` listeners.

        :param started: when the call began waiting (``perf_counter``); ``None``: answered at once.
        """
        if result is not None:
            provider: str | None = result.source.provider
            outcome = Outcome.OK
        else:
            provider = None
            outcome = Outcome.NOT_FOUND if isinstance(exc, SymbolNotFound) else Outcome.FAILED
        calls = self.calls
        if calls is not None:
            calls.count(category, served, provider, outcome)
        notify = self.notify
        if notify is not None:
            latency = 0.0 if started is None else time.perf_counter() - started
            notify(CallFinished(category, served, provider, outcome, latency))

    def _leave(self, key: str, flight: _Flight, waiter: asyncio.Future[Result]) -> None:
        """A waiter was cancelled: stop the fetch if nobody else waits for it."""
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # answered just as we were cancelled: nobody reads it
        waiters = flight.waiters
        waiters.remove(waiter)
        task = flight.task
        if task is not None and not task.done() and not waiters and not flight.keep:
            task.cancel()  # the last waiter left: nobody needs the answer
            self._forget(flight)  # a new caller starts afresh, not on a cancelled fetch

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
        flight = self.inflight[key] = _Flight(self, key, keep)
        flight.task = asyncio.get_running_loop().create_task(
            self._land(flight, self._fly(key, category, params, hops, deadline, consensus, entry))
        )
        return flight

    async def _land(self, flight: _Flight, work: Awaitable[Result]) -> None:
        """Run a flight's walk in its task, then resolve every waiter's future in the same step.

        The task itself never fails (a background refresh may have no waiter to read the
        error); it ends cancelled when cancelled, and so do the waiters still there.
        """
        try:
            result = await work
        except asyncio.CancelledError:
            _answer(flight.waiters, None, None)
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter, who raises it
            _answer(flight.waiters, None, exc)
        else:
            _answer(flight.waiters, result, None)
        finally:
            self._forget(flight)

    def _forget(self, flight: _Flight) -> None:
        if self.inflight.get(flight.key) is flight:
            del self.inflight[flight.key]

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
        drives = [f.drive for f in flights if f.drive is not None and not f.drive.moved]
        for task in tasks:
            task.cancel()
        for drive in drives:
            drive.abort()
        for flight in flights:  # a task cancelled before its first step resolves nobody
            for waiter in flight.waiters:
                waiter.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for drive in drives:
            await drive.ended()


def _answer(waiters: list[asyncio.Future[Result]], result: Result | None, exc: Exception | None) -> None:
    """Hand the walk's end to the other callers: its result, its error, or (neither) cancelled."""
    for waiter in waiters:
        if waiter.done():
            continue
        if result is not None:
            waiter.set_result(result)
        elif exc is not None:
            waiter.set_exception(exc)
        else:
            waiter.cancel()


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
