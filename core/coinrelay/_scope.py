"""One provider attempt's state, shared by the attempt runner, ``ctx`` and ``ctx.http``, and its deadline.

An attempt is one provider asked once within a call, across its mirrors: it has its share of
the call's deadline (:attr:`AttemptScope.deadline`), the endpoints that already failed in it
(:attr:`~AttemptScope.excluded`), and the endpoint that answered last. ``ctx.http`` reports each
endpoint failure through :meth:`AttemptScope.endpoint_failed`, which hands it to the recorder
with the attempt's trail, so the attempt (not the HTTP helper) decides what it costs.

This module imports nothing of the request path, so that the modules which use it
(:mod:`._http`, :mod:`._context`, :mod:`._attempt`) form no import cycle.
"""

from __future__ import annotations

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
