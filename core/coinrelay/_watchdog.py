"""Deadlines that cancel the task running past them (``asyncio.timeout`` for the hot path), and alarms.

:class:`Watchdog` keeps every deadline in flight and one loop timer for the earliest, moved
only when a new deadline comes sooner; a deadline met just leaves the table. (A timer per
deadline costs a timer handle, a heap push and a cancelled handle for the loop to skip, on
every call.) The relay gives each attempt one (a plugin awaiting something that is not
``ctx.http``), the aiohttp transport each request; a hedged call's first attempt has an
:class:`Alarm` at its hedge delay.

A deadline cancels with :func:`~coinrelay._inline.cancel_within` the task that runs the code
that set it — found when it fires, so a fetch that moved to a task of its own
(:mod:`coinrelay._inline`) is still the one cancelled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

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


class Alarm:
    """A call of ``callback`` at a deadline (a hedge), on a watchdog's one loop timer."""

    __slots__ = ("_callback", "_watchdog", "deadline", "expired")

    def __init__(self, watchdog: Watchdog, deadline: float, callback: Callable[[], object]) -> None:
        self._watchdog = watchdog
        self._callback = callback
        self.deadline = deadline
        self.expired = False

    def _expire(self) -> None:
        self.expired = True
        self._callback()

    def end(self, cancelled: bool = False) -> bool:
        """Stop the alarm; ``True`` when it rang."""
        self._watchdog.pending.pop(self, None)
        return self.expired


class Watchdog:
    """Cancels the code that set each deadline when it passes, with one loop timer for all of them."""

    __slots__ = ("_at", "_handle", "_loop", "pending")

    def __init__(self) -> None:
        #: Timers and alarms in flight -> None (a dict: insertion-ordered, O(1) removal).
        self.pending: dict[Timer | Alarm, None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._at = 0.0

    def start(self, deadline: float) -> Timer:
        """A timer that cancels the running code at ``deadline`` (monotonic) unless ended first."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        timer = Timer(self, task, deadline)
        self._add(loop, timer)
        return timer

    def alarm(self, deadline: float, callback: Callable[[], object]) -> Alarm:
        """An alarm that calls ``callback`` at ``deadline`` (monotonic) unless ended first."""
        alarm = Alarm(self, deadline, callback)
        self._add(asyncio.get_running_loop(), alarm)
        return alarm

    def _add(self, loop: asyncio.AbstractEventLoop, item: Timer | Alarm) -> None:
        if loop is not self._loop:  # first use, or used from another loop: what was armed is gone
            self._loop = loop
            self._handle = None
            self.pending.clear()
        self.pending[item] = None
        deadline = item.deadline
        if self._handle is None or deadline < self._at:
            self._arm(loop, deadline)

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._at = deadline
        self._handle = loop.call_at(loop.time() + (deadline - time.monotonic()), self._fire)

    def _fire(self) -> None:
        self._handle = None
        now = time.monotonic()
        due = [t for t in self.pending if t.deadline <= now]
        try:
            for item in due:
                self.pending.pop(item, None)
                item._expire()
        finally:  # (an alarm's callback that raised is reported by the loop; the others still ring)
            if self.pending and self._loop is not None:
                self._arm(self._loop, min(t.deadline for t in self.pending))
