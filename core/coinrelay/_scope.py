"""One provider attempt's state, shared by the attempt runner, ``ctx`` and ``ctx.http``, and its timer.

An attempt is one provider asked once within a call, across its mirrors: it has its share of
the call's deadline (:attr:`AttemptScope.deadline`), the endpoints that already failed in it
(:attr:`~AttemptScope.excluded`), and the endpoint that answered last. ``ctx.http`` reports each
endpoint failure through :attr:`~AttemptScope.on_endpoint_failure`, so the attempt runner (not
the HTTP helper) decides what it costs.

This module imports nothing of the request path, so that the modules which use it
(:mod:`._http`, :mod:`._context`, :mod:`._attempt`) form no import cycle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._outcome import Outcome

if TYPE_CHECKING:
    from ._runtime import EndpointState, ProviderRuntime

#: ``on_endpoint_failure(endpoint, outcome, error, latency)``.
EndpointFailure = Callable[["EndpointState", Outcome, str, float], None]


class AttemptScope:
    """The state of one provider attempt (cheap: a few slots, one per attempt)."""

    __slots__ = (
        "category",
        "deadline",
        "excluded",
        "hops",
        "last_elapsed",
        "last_endpoint",
        "on_endpoint_failure",
        "pending_endpoint",
        "runtime",
        "sandbox",
    )

    def __init__(
        self,
        runtime: ProviderRuntime,
        category: str,
        deadline: float,
        *,
        hops: int = 0,
        sandbox: bool = False,
        excluded: set[str] | None = None,
        on_endpoint_failure: EndpointFailure | None = None,
    ) -> None:
        self.runtime = runtime
        self.category = category
        #: Monotonic time by which this attempt must end (its share of the call's deadline).
        self.deadline = deadline
        self.hops = hops
        self.sandbox = sandbox
        #: Endpoints that failed earlier in this attempt: ``ctx.http`` does not try them again.
        self.excluded: set[str] = excluded if excluded is not None else set()
        #: Called for each endpoint that fails (timeout, refused, 5xx) inside ``ctx.http.get``.
        self.on_endpoint_failure = on_endpoint_failure
        #: The endpoint that answered last, and how long that exchange took (seconds).
        self.last_endpoint: str | None = None
        self.last_elapsed = 0.0
        #: The endpoint a request is in flight to (set while waiting for it).
        self.pending_endpoint: str | None = None

    def remaining(self) -> float:
        """Seconds left of this attempt's share of the deadline (real monotonic time)."""
        return self.deadline - time.monotonic()


class Timer:
    """Cancels the running task at a monotonic deadline: ``asyncio.timeout`` for the hot path.

    Same contract at a fraction of the cost: :meth:`end` says whether a ``CancelledError``
    leaving the task is this timer's doing (then it is a timeout) or came from elsewhere.
    """

    __slots__ = ("_cancelling", "_handle", "_task", "expired")

    def __init__(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        self._task = task
        self._cancelling = task.cancelling()
        self.expired = False
        self._handle = loop.call_at(loop.time() + (deadline - time.monotonic()), self._expire)

    def _expire(self) -> None:
        self.expired = True
        self._task.cancel()

    def end(self, cancelled: bool) -> bool:
        """Stop the timer; ``True`` when ``cancelled`` (a ``CancelledError`` is leaving) is the timer's."""
        self._handle.cancel()
        if not self.expired:
            return False
        return self._task.uncancel() <= self._cancelling and cancelled
