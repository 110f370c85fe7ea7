"""Instrumentation events, one frozen slotted dataclass each.

Listeners implement the ``on_*`` hooks of :mod:`coinrelay.hookspecs`. They are called
through :func:`coinrelay._plugins.notify`, which logs and swallows a listener's
exception: a broken metrics plugin never fails a data call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ._outcome import Blame


@dataclass(frozen=True, slots=True)
class BreakerStateChanged:
    """A circuit breaker moved between ``closed``, ``open`` and ``half_open``.

    :param provider: the provider's name.
    :param endpoint: the endpoint's base URL, or ``None`` for the provider's own breaker.
    :param old: the state before.
    :param new: the state after.
    :param reason: why (the error text, or ``probe succeeded``).
    :param until: when an open breaker allows its next probe (UTC), else ``None``.
    """

    provider: str
    endpoint: str | None
    old: str
    new: str
    reason: str
    until: datetime | None


@dataclass(frozen=True, slots=True)
class RequestFinished:
    """One attempt finished: one provider asked (on one endpoint, when ``endpoint`` is set), or skipped.

    Emitted once per attempt of the failover trail, so a mirror that failed before the next
    one answered is seen too.

    :param provider: the provider's name.
    :param endpoint: the endpoint's base URL, or ``None`` when no endpoint was involved.
    :param category: the category asked for.
    :param outcome: what happened (:class:`~coinrelay.Outcome`; compares equal to its string).
    :param latency: seconds it took.
    :param error: the error text, or ``None``.
    :param blame: who answers for the outcome (:class:`~coinrelay.Blame`).
    """

    provider: str
    endpoint: str | None
    category: str
    outcome: str
    latency: float
    error: str | None
    blame: str = Blame.NONE


@dataclass(frozen=True, slots=True)
class CallFinished:
    """One relay call finished (``relay.price(...)``, one HTTP data request), however it was served.

    :param category: the category asked for.
    :param served: ``provider`` (fetched for this call), ``coalesced`` (joined an identical
        call in flight), ``cache`` (a fresh cached value), ``stale`` (a stale cached value,
        served because every provider failed or while it is refreshed), or ``none`` (failed).
    :param provider: the provider whose answer was returned, or ``None`` when the call failed.
    :param outcome: ``ok``, or why the call failed (``not_found``, ``failed``, ...).
    :param latency: seconds the call took.
    """

    category: str
    served: str
    provider: str | None
    outcome: str
    latency: float


@dataclass(frozen=True, slots=True)
class FailoverHappened:
    """The relay moved from one provider to the next within a call.

    :param category: the category asked for.
    :param from_provider: the provider that did not answer.
    :param to_provider: the provider tried next.
    :param why: the outcome and error of ``from_provider``.
    """

    category: str
    from_provider: str
    to_provider: str
    why: str
