"""One call's walk state: where it is in its chain, its deadline, its trail, what it has learnt.

The walks (:mod:`._walks`, :mod:`._hedged`, :mod:`._consensus`) read and move it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._attempt import AttemptResult, Check
    from ._models import Attempt, Result
    from ._runtime import ProviderRuntime


class Call:
    """One call's walk state: where it is in the chain, the trail, and what it has learnt."""

    __slots__ = (
        "budget",
        "category",
        "check",
        "deadline",
        "expected",
        "extra",
        "hops",
        "might_serve",
        "not_served",
        "order",
        "params",
        "pos",
        "previous",
        "probes",
        "reason",
        "sent",
        "trail",
    )

    def __init__(
        self,
        category: str,
        params: Mapping[str, Any],
        hops: int,
        budget: float,
        order: list[ProviderRuntime],
        expected: type[Result],
    ) -> None:
        self.category = category
        self.params = params
        self.hops = hops
        #: Seconds the call may take, and the monotonic time it must end by.
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.order = order
        self.pos = 0
        self.expected = expected
        self.trail: list[Attempt] = []
        #: What each answer must pass, when not the runner's own (a consensus call's: answers alone).
        self.check: Check | None = None
        #: Something that might serve the request failed or was not asked (no 404 then).
        self.might_serve = False
        #: A provider answered that it does not serve it (without that, no 404 either).
        self.not_served = False
        #: A provider was asked already (the call counted once in the retry budget).
        self.sent = False
        #: A provider failed already: the next one is a failover, paid from the retry budget.
        self.extra = False
        #: The provider asked last and why it did not answer, for the failover event.
        self.previous: tuple[str, str] | None = None
        #: Half-open providers probed in the background by this call, each with its own trail.
        self.probes: list[tuple[asyncio.Task[AttemptResult], list[Attempt]]] = []
        #: Why the walk ended early (deadline, retry budget), for the error.
        self.reason: str | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()
