"""Instrumentation events, one frozen slotted dataclass each.

Listeners implement the ``on_*`` hooks of :mod:`coinrelay.hookspecs`. They are called
through :func:`coinrelay._plugins.notify`, which logs and swallows a listener's
exception: a broken metrics plugin never fails a data call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    """One call to a provider finished (one HTTP attempt when ``endpoint`` is set).

    :param provider: the provider's name.
    :param endpoint: the endpoint's base URL, or ``None`` for the provider-level call.
    :param category: the category asked for.
    :param outcome: ``ok`` or the failure outcome (see :class:`coinrelay._models.Attempt`).
    :param latency: seconds it took.
    :param error: the error text, or ``None``.
    """

    provider: str
    endpoint: str | None
    category: str
    outcome: str
    latency: float
    error: str | None


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
