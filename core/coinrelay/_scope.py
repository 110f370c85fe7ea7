"""One provider attempt's state, shared by the attempt runner, ``ctx`` and ``ctx.http``, and its deadline.

An attempt is one provider asked once within a call, across its mirrors: it has its share of
the call's deadline (:attr:`AttemptScope.deadline`), the endpoints that already failed in it
(:attr:`~AttemptScope.excluded`), and the endpoint that answered last. ``ctx.http`` reports each
endpoint failure through :meth:`AttemptScope.endpoint_failed`, which hands it to the recorder
with the attempt's trail, so the attempt (not the HTTP helper) decides what it costs.

:class:`Watchdog` ends an attempt that outlives its share (a plugin awaiting something that is
not ``ctx.http``): one loop timer for every attempt in flight instead of one per attempt.

This module imports nothing of the request path, so that the modules which use it
(:mod:`._http`, :mod:`._context`, :mod:`._attempt`) form no import cycle.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ._outcome import Outcome

if TYPE_CHECKING:
    from ._models import Attempt
    from ._recorder import Recorder
    from ._runtime import EndpointState, ProviderRuntime


class AttemptScope:
    """The state of one provider attempt (cheap: a few slots, one per attempt).

    :param recorder: where an endpoint's failure is written down, with ``trail`` (``None``:
        charged to the endpoint's breaker and health directly, as a harness without a relay does).
    """

    __slots__ = (
        "category",
        "deadline",
        "excluded",
        "hops",
        "last_elapsed",
        "last_endpoint",
        "pending_endpoint",
        "recorder",
        "runtime",
        "sandbox",
        "trail",
    )

    def __init__(
        self,
        runtime: ProviderRuntime,
        category: str,
        deadline: float,
        hops: int = 0,
        sandbox: bool = False,
        excluded: set[str] | None = None,
        recorder: Recorder | None = None,
        trail: list[Attempt] | None = None,
    ) -> None:
        self.runtime = runtime
        self.category = category
        #: Monotonic time by which this attempt must end (its share of the call's deadline).
        self.deadline = deadline
        self.hops = hops
        self.sandbox = sandbox
        #: Endpoints that failed earlier in this attempt: ``ctx.http`` does not try them again.
        self.excluded: set[str] = excluded if excluded is not None else set()
        self.recorder = recorder
        self.trail = trail
        #: The endpoint that answered last, and how long that exchange took (seconds).
        self.last_endpoint: str | None = None
        self.last_elapsed = 0.0
        #: The endpoint a request is in flight to (set while waiting for it).
        self.pending_endpoint: str | None = None

    def remaining(self) -> float:
        """Seconds left of this attempt's share of the deadline (real monotonic time)."""
        return self.deadline - time.monotonic()

    def endpoint_failed(self, ep: EndpointState, outcome: Outcome, error: str, latency: float) -> None:
        """``ctx.http`` tried ``ep`` and it failed (timeout, refused, 5xx): charge it, note it in the trail."""
        recorder = self.recorder
        if recorder is not None and self.trail is not None:
            recorder.endpoint_failed(self.runtime, self.category, ep, outcome, error, latency, self.trail)
        else:
            ep.failed(error, latency)


class Timer:
    """One attempt's deadline, watched by a :class:`Watchdog`: ``asyncio.timeout`` for the hot path.

    Same contract at a fraction of the cost: :meth:`end` says whether a ``CancelledError``
    leaving the task is this timer's doing (then it is a timeout) or came from elsewhere.
    """

    __slots__ = ("_cancelling", "_task", "_watchdog", "deadline", "expired")

    def __init__(self, watchdog: Watchdog, task: asyncio.Task[object], deadline: float) -> None:
        self._watchdog = watchdog
        self._task = task
        self._cancelling = task.cancelling()
        self.deadline = deadline
        self.expired = False

    def _expire(self) -> None:
        self.expired = True
        self._task.cancel()

    def end(self, cancelled: bool) -> bool:
        """Stop the timer; ``True`` when ``cancelled`` (a ``CancelledError`` is leaving) is the timer's."""
        self._watchdog.pending.pop(self, None)
        if not self.expired:
            return False
        return self._task.uncancel() <= self._cancelling and cancelled


class Watchdog:
    """Cancels each attempt's task at its monotonic deadline, with one loop timer for all of them.

    The timer is set for the earliest deadline in flight and moved only when a new attempt ends
    sooner; attempts that end in time just leave the table. (A timer per attempt costs a timer
    handle, a heap push and a cancelled handle for the loop to skip, on every call.)
    """

    __slots__ = ("_at", "_handle", "_loop", "pending")

    def __init__(self) -> None:
        #: Timers in flight -> None (a dict: insertion-ordered, O(1) removal).
        self.pending: dict[Timer, None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._at = 0.0

    def start(self, deadline: float) -> Timer:
        """A timer that cancels the running task at ``deadline`` (monotonic) unless ended first."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        timer = Timer(self, task, deadline)
        if loop is not self._loop:  # first use, or a relay moved to another loop: what was armed is gone
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
