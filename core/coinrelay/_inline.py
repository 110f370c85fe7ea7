"""A coroutine run inside the task that awaits it, that can move to a task of its own between two steps.

Single flight (:mod:`._flight`) runs an uncached call's fetch in the first caller's own task:
no task to create, no loop turn to start it, none to hand its answer over — the call takes
the loop turns of its HTTP request and no more. Identical calls made meanwhile wait on
futures of their own. What a task of its own gave the fetch — *a caller that leaves (is
cancelled) never cancels the fetch for the others* — is kept by moving the fetch:

* :class:`Drive` steps the fetch coroutine in the caller's task; while the fetch waits on a
  future, the task waits on the drive, a stand-in that forwards to that future;
* when the task is cancelled while others wait (``Drive.others``), the drive hands the
  suspended coroutine to a new task, which goes on waiting on the same future (the request
  is not interrupted), and wakes the caller with its ``CancelledError``;
* when nobody else waits, the cancellation goes into the fetch as in any task, and the
  owner is told the fetch is abandoned.

A cancellation meant for the fetch itself (a timeout inside it) must be made with
:func:`cancel_within`, so it is never read as the caller leaving: the relay's timers
(:mod:`._watchdog`) do. A timeout set inside a fetch by code that calls ``task.cancel()``
itself (``asyncio.timeout``, anyio's cancel scopes, hence httpx) cannot be told from the
caller leaving: a transport that uses one is not driven inline (``Transport.inline``), and
plugins set no timeouts of their own (the core bounds every attempt).

Timers made inside a drive note it (:func:`running`) and cancel ``drive.task`` when they
fire: the task stepping the coroutine then, wherever it moved.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class _Stepping(threading.local):
    """Per thread, since each thread runs its own event loop (``SyncRelay`` runs one in a thread of
    its own beside the host's): a step in one thread must not see, or restore, another's drive."""

    #: The drive whose coroutine is being stepped right now (``None`` outside any).
    current: Drive[Any] | None = None
    #: ``True`` while :func:`cancel_within` cancels a task.
    within = False


_stepping = _Stepping()


class Detached(Exception):
    """The coroutine a :class:`Drive` ran moved to a task of its own (:meth:`Drive.detach`)."""


class Owner(Protocol):
    """Who a :class:`Drive` tells about the fetch it runs (a single flight)."""

    #: The others waiting for the fetch's answer: while there are any, a cancellation moves it.
    waiters: list[Any]

    def adopt(self, rest: Awaitable[Any], context: contextvars.Context) -> asyncio.Task[Any]:
        """Run ``rest`` (the moved fetch, until its end) in a task of its own, in ``context``."""

    def abandon(self) -> None:
        """The caller left and nobody else waits: the fetch is being cancelled."""


def cancel_within(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` on behalf of the work it runs (a timeout inside the fetch): a drive passes
    it into its coroutine, never reads it as the caller leaving."""
    _stepping.within = True
    try:
        task.cancel()
    finally:
        _stepping.within = False


def running(task: asyncio.Task[Any]) -> Drive[Any] | None:
    """The drive whose coroutine the current task (``task``) is stepping, if any: code that must
    cancel this code later cancels ``drive.task`` then, which follows the drive when it moves."""
    drive = _stepping.current
    if drive is not None and drive.task is not task:
        return None  # another task is running inside the drive's step (an eager task)
    return drive


class Drive(Generic[T]):
    """``await Drive(coro, owner)``: runs ``coro`` in the awaiting task (see the module docstring).

    It is also the future-like object the task waits on while ``coro`` waits on a future: the
    task's wake-up is registered on that future, so no loop turn is added.
    """

    __slots__ = (
        "_asyncio_future_blocking",
        "_context",
        "_coro",
        "_ended",
        "_ending",
        "_inner",
        "_parent",
        "_task",
        "_wakeup",
        "finished",
        "moved",
        "owner",
    )

    def __init__(self, coro: Coroutine[Any, Any, T], owner: Owner) -> None:
        self._coro = coro
        self.owner = owner
        self._asyncio_future_blocking = False
        self._inner: Any = None
        self._wakeup: Callable[..., Any] | None = None
        self._context: contextvars.Context | None = None
        self._task: asyncio.Task[Any] | None = None
        self._parent: Drive[Any] | None = None
        #: What the awaiting code gets when the coroutine moved: its cancellation, or :class:`Detached`.
        self._ending: Callable[[], BaseException] = asyncio.CancelledError
        self._ended: asyncio.Future[None] | None = None
        #: The coroutine went on in a task of its own (the caller left, or :meth:`detach`).
        self.moved = False
        #: The coroutine returned or raised (nothing left to move).
        self.finished = False

    @property
    def task(self) -> asyncio.Task[Any]:
        """The task stepping the coroutine now (the caller's, the enclosing drive's, or its own)."""
        parent = self._parent
        if parent is not None:
            return parent.task
        task = self._task
        assert task is not None
        return task

    def __await__(self) -> Generator[Any, None, T]:
        stepping = _stepping
        task = asyncio.current_task()
        assert task is not None
        outer = stepping.current
        if outer is not None and outer.task is task:
            self._parent = outer  # a drive inside a drive: it moves with the outer one
        self._task = task
        coro = self._coro
        thrown: BaseException | None = None
        try:
            while True:
                stepping.current = self
                try:
                    waited = coro.send(None) if thrown is None else coro.throw(thrown)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
                finally:
                    stepping.current = outer
                thrown = None
                if waited is None:  # a bare yield (asyncio.sleep(0)): one loop turn, as a future
                    waited = task.get_loop().create_future()
                    waited.get_loop().call_soon(_done, waited)
                else:
                    waited._asyncio_future_blocking = False  # awaited here on the coroutine's behalf
                self._inner = waited
                self._asyncio_future_blocking = True
                try:
                    yield self
                except GeneratorExit:
                    if not self.moved:
                        coro.close()
                    raise
                except BaseException as exc:  # the future's error, or a cancellation
                    if self.moved:
                        raise
                    thrown = exc
                if self.moved:  # woken by the future just as it moved: the caller still leaves
                    raise self._ending()
        finally:
            if not self.moved:
                self.finished = True
            if self._ended is not None and not self.moved and not self._ended.done():
                self._ended.set_result(None)

    # -- what the task sees of the future the coroutine waits on --------------------------------

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._inner.get_loop()  # type: ignore[no-any-return]

    def add_done_callback(self, fn: Callable[..., Any], *, context: contextvars.Context | None = None) -> None:
        self._wakeup = fn
        self._context = context
        self._inner.add_done_callback(fn, context=context)

    def remove_done_callback(self, fn: Callable[..., Any]) -> int:
        return self._inner.remove_done_callback(fn)  # type: ignore[no-any-return]

    def done(self) -> bool:
        return self.moved or self._inner.done()

    def cancelled(self) -> bool:
        return self.moved

    def result(self) -> Any:
        if self.moved:
            raise self._ending()
        return self._inner.result()

    def exception(self) -> BaseException | None:
        if self.moved:
            raise self._ending()
        return self._inner.exception()  # type: ignore[no-any-return]

    def cancel(self, msg: Any = None) -> bool:
        """The task is being cancelled: into the fetch, or the fetch moves (see the module docstring)."""
        if self.moved:
            return False
        if not _stepping.within:
            if self.owner.waiters:
                self._move(msg)
                return True
            self.owner.abandon()
        return self._inner.cancel(msg=msg)  # type: ignore[no-any-return]

    # -- moving -------------------------------------------------------------------------------

    def detach(self) -> None:
        """Move the coroutine to a task of its own now (``owner.adopt``); the code awaiting the drive
        gets :class:`Detached` and finds the task in :attr:`task`. Nothing when it has finished."""
        if not self.moved and not self.finished and self._wakeup is not None:
            self._move(None, Detached)

    def _move(self, msg: Any, ending: Callable[[], BaseException] | None = None) -> None:
        self.moved = True
        self._ending = ending if ending is not None else (lambda: asyncio.CancelledError(msg))
        inner, wakeup = self._inner, self._wakeup
        assert wakeup is not None and self._context is not None
        loop = inner.get_loop()
        if inner.remove_done_callback(wakeup):  # the caller was waiting: wake it now, cancelled
            loop.call_soon(wakeup, self, context=self._context)
        # (else its wake-up is on its way already: it wakes, finds the drive moved, and leaves)
        self._parent = None  # (a drive inside a drive moves alone: the outer call goes on cancelled)
        self._task = self.owner.adopt(_Rest(self._coro, inner, self), self._context.copy())

    async def ended(self) -> None:
        """Wait until the coroutine has finished in the caller's task (not when it moved)."""
        if self.moved or self._task is None:
            return
        if self._ended is None:
            self._ended = self._task.get_loop().create_future()
        await asyncio.shield(self._ended)

    def abort(self) -> None:
        """Cancel the fetch (the relay is closing), wherever it runs."""
        if self._task is None:
            return
        task = self.task
        if not task.done():
            if self.moved:
                task.cancel()
            else:
                cancel_within(task)


class _Rest:
    """The rest of a moved coroutine, awaited in its own task: first the future it was waiting on."""

    __slots__ = ("_coro", "_drive", "_inner")

    def __init__(self, coro: Coroutine[Any, Any, Any], inner: Any, drive: Drive[Any]) -> None:
        self._coro = coro
        self._inner = inner
        self._drive = drive

    def __await__(self) -> Generator[Any, None, Any]:
        stepping = _stepping
        coro, waited, drive = self._coro, self._inner, self._drive
        outer = stepping.current
        thrown: BaseException | None = None
        if not waited.done():  # what the coroutine was waiting on when it moved (unflagged by the drive)
            waited._asyncio_future_blocking = True
            try:
                yield waited
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown into the coroutine, as a task does
                thrown = exc
        while True:
            stepping.current = drive  # timers made from here on follow the drive (now this task's)
            try:
                waited = coro.send(None) if thrown is None else coro.throw(thrown)
            except StopIteration as stop:
                return stop.value
            finally:
                stepping.current = outer
            thrown = None
            try:
                yield waited  # as the coroutine yielded it: a future (flagged), or a bare yield
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown into the coroutine, as a task does
                thrown = exc


def _done(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
