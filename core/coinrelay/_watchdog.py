"""Deadlines that cancel the task running past them: ``asyncio.timeout`` for the hot path.

:class:`Watchdog` keeps every deadline in flight and one loop timer for the earliest, moved
only when a new deadline comes sooner; a deadline met just leaves the table. (A timer per
deadline costs a timer handle, a heap push and a cancelled handle for the loop to skip, on
every call.) The relay gives each attempt one (a plugin awaiting something that is not
``ctx.http``), the aiohttp transport each request.

A deadline cancels with :func:`~coinrelay._inline.cancel_within` the task that runs the code
that set it — found when it fires, so a fetch that moved to a task of its own
(:mod:`coinrelay._inline`) is still the one cancelled.
"""

from __future__ import annotations

import asyncio
import time

from ._inline import Drive, cancel_within, running


class Timer:
    """One deadline. :meth:`end` says whether a ``CancelledError`` leaving the code is this
    timer's doing (then it is a timeout) or came from elsewhere — ``asyncio.timeout``'s contract."""

    __slots__ = ("_cancelling", "_drive", "_task", "_watchdog", "deadline", "expired")

    def __init__(self, watchdog: Watchdog, task: asyncio.Task[object], deadline: float) -> None:
        self._watchdog = watchdog
        self._task = task
        self._drive: Drive[object] | None = running(task)
        self._cancelling = task.cancelling()
        self.deadline = deadline
        self.expired = False

    def _running(self) -> asyncio.Task[object]:
        """The task running the code that set this timer: its drive's, wherever it moved."""
        drive = self._drive
        return self._task if drive is None else drive.task

    def _expire(self) -> None:
        self.expired = True
        cancel_within(self._running())

    def end(self, cancelled: bool) -> bool:
        """Stop the timer; ``True`` when ``cancelled`` (a ``CancelledError`` is leaving) is the timer's."""
        self._watchdog.pending.pop(self, None)
        if not self.expired:
            return False
        return self._running().uncancel() <= self._cancelling and cancelled


class Watchdog:
    """Cancels the code that set each deadline when it passes, with one loop timer for all of them."""

    __slots__ = ("_at", "_handle", "_loop", "pending")

    def __init__(self) -> None:
        #: Timers in flight -> None (a dict: insertion-ordered, O(1) removal).
        self.pending: dict[Timer, None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._at = 0.0

    def start(self, deadline: float) -> Timer:
        """A timer that cancels the running code at ``deadline`` (monotonic) unless ended first."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        timer = Timer(self, task, deadline)
        if loop is not self._loop:  # first use, or used from another loop: what was armed is gone
            self._loop = loop
            self._handle = None
            self.pending.clear()
        self.pending[timer] = None
        if self._handle is None or deadline < self._at:
            self._arm(loop, deadline)
        return timer

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._at = deadline
        self._handle = loop.call_at(loop.time() + (deadline - time.monotonic()), self._fire)

    def _fire(self) -> None:
        self._handle = None
        now = time.monotonic()
        due = [t for t in self.pending if t.deadline <= now]
        for timer in due:
            del self.pending[timer]
            timer._expire()
        if self.pending and self._loop is not None:
            self._arm(self._loop, min(t.deadline for t in self.pending))
