"""The one recorder: every outcome of the request path passes through here, once.

An attempt's outcome and blame (:mod:`._outcome`) decide what is charged; this module is the
only place that writes it down:

==========================  =====================================================================
recorded                    feeds
==========================  =====================================================================
endpoint failure            the endpoint's breaker and health; a trail entry; ``on_request_finished``
provider success            the provider's breaker, health and category health; the endpoint that
                            answered; a trail entry; traffic stats; ``on_request_finished``
provider failure            as success, with a breaker strike only when the provider is to blame
no penalty                  (unsupported, not found, skipped, local budget) a trail entry, the
                            stats, ``on_request_finished`` — no breaker, no health
failover, pause             ``on_failover`` / the log
==========================  =====================================================================

Every error text is scrubbed of the provider's credentials before anything keeps it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ._events import FailoverHappened, RequestFinished
from ._models import Attempt, trusted_attempt
from ._outcome import Blame, Outcome
from ._redact import shown

if TYPE_CHECKING:
    from ._runtime import EndpointState, ProviderRuntime

log = logging.getLogger("coinrelay.relay")

Notify = Callable[[object], None]


class AttemptListener(Protocol):
    """An in-process listener of provider-level outcomes (the traffic stats)."""

    def record(self, provider: str, category: str, outcome: Outcome, latency: float) -> None: ...


class Recorder:
    """Writes every outcome down once: breakers, health, trail, stats, events, logs.

    :param listeners: in-process listeners of provider-level outcomes (``TrafficStats``).
    """

    __slots__ = ("_failover", "_request", "listeners")

    def __init__(self, listeners: list[AttemptListener]) -> None:
        self.listeners = listeners
        self._request: Notify | None = None
        self._failover: Notify | None = None

    def listen(self, request: Notify | None, failover: Notify | None) -> None:
        """Set the plugin-manager notifiers (``None`` when no plugin listens)."""
        self._request = request
        self._failover = failover

    # -- endpoint level ---------------------------------------------------------------

    def endpoint_failed(
        self,
        rt: ProviderRuntime,
        category: str,
        ep: EndpointState,
        outcome: Outcome,
        error: str,
        latency: float,
        trail: list[Attempt],
    ) -> None:
        """One mirror failed inside an attempt: its breaker and health, a trail entry, an event."""
        error = rt.scrub(error)
        ep.health.record_failure(error, latency)
        ep.breaker.record_failure(error)
        self._entry(rt, category, ep.base, outcome, Blame.ENDPOINT, error, latency, trail)

    @staticmethod
    def endpoint_answered(ep: EndpointState, latency: float) -> None:
        """The endpoint gave an answer the attempt accepted (a result, or a clean "not served")."""
        ep.health.record_success(latency)
        ep.breaker.record_success()

    # -- provider level -----------------------------------------------------------------

    def succeeded(
        self,
        rt: ProviderRuntime,
        category: str,
        ep: EndpointState | None,
        ep_latency: float,
        latency: float,
        trail: list[Attempt],
        endpoint: str | None = None,
    ) -> None:
        """The provider answered well: the endpoint ``ep`` that answered (when ``ctx.http`` was used;
        its exchange took ``ep_latency``), the provider's breaker and health, its category's
        health, a trail entry naming ``ep`` (else ``endpoint``, the plugin's own), the stats."""
        health = rt.health
        now = health.clock.time()  # one reading for every window of the provider (one state, one clock)
        if ep is not None:
            ep.health.record_success(ep_latency, now)
            ep.breaker.record_success()
            endpoint = ep.label
        else:
            endpoint = shown(endpoint)
        rt.breaker.record_success()
        health.record_success(latency, now)
        ch = rt.category_health.get(category)
        if ch is not None:
            ch.record_success(latency, now)
        trail.append(trusted_attempt(rt.name, endpoint, Outcome.OK, Blame.NONE, None, round(latency * 1000, 3)))
        notify = self._request
        if notify is not None:
            notify(RequestFinished(rt.name, endpoint, category, Outcome.OK, latency, None, Blame.NONE))
        for listener in self.listeners:
            listener.record(rt.name, category, Outcome.OK, latency)

    def failed(
        self,
        rt: ProviderRuntime,
        category: str,
        outcome: Outcome,
        blame: Blame,
        error: str,
        latency: float,
        endpoint: str | None,
        trail: list[Attempt],
        *,
        fold: bool = False,
    ) -> None:
        """The provider gave no answer: a strike on its breaker when it is to blame, else none.

        :param fold: the attempt's last trail entry (its last endpoint's failure) already tells
            the story: it takes the provider-level blame and error instead of a new entry.
        """
        error = rt.scrub(error)
        if blame is Blame.PROVIDER:
            rt.breaker.record_failure(error)
        else:
            rt.breaker.release_probe()  # no verdict on the provider itself
        rt.health.record_failure(error, latency)
        ch = rt.category_health.get(category)
        if ch is not None:
            ch.record_failure(error, latency)
        if fold:
            last = trail[-1]
            last.blame = blame
            last.error = error
        else:
            self._entry(rt, category, endpoint, outcome, blame, error, latency, trail)
        for listener in self.listeners:
            listener.record(rt.name, category, outcome, latency)

    def no_penalty(
        self,
        rt: ProviderRuntime,
        category: str,
        outcome: Outcome,
        blame: Blame,
        error: str,
        latency: float,
        endpoint: str | None,
        trail: list[Attempt],
    ) -> None:
        """Not served, skipped or refused before sending: nobody's breaker or health is touched."""
        rt.breaker.release_probe()
        self._entry(rt, category, endpoint, outcome, blame, rt.scrub(error), latency, trail)
        for listener in self.listeners:
            listener.record(rt.name, category, outcome, latency)

    def skipped(self, rt: ProviderRuntime, category: str, outcome: Outcome, reason: str, trail: list[Attempt]) -> None:
        """Not asked (breaker open, paused, unconfigured, a probe left running, a hedge lost): a
        trail entry and an event, nothing charged and no probe slot touched."""
        self._entry(rt, category, None, outcome, Blame.NONE, reason, 0.0, trail)
        for listener in self.listeners:
            listener.record(rt.name, category, outcome, 0.0)

    def hedge_strike(self, rt: ProviderRuntime, category: str) -> None:
        """A hedge fired: no answer by the hedge delay is a strike against the slow provider's
        breaker, so a blackholed provider is found out by its first hedges, not its timeout."""
        rt.breaker.record_failure(f"no answer within the hedge delay ({category})")

    def failover(self, category: str, from_provider: str, to_provider: str, why: str) -> None:
        log.info("%s: failover %s -> %s (%s)", category, from_provider, to_provider, why)
        notify = self._failover
        if notify is not None:
            notify(FailoverHappened(category, from_provider, to_provider, why))

    # -- internals --------------------------------------------------------------------------

    def _entry(
        self,
        rt: ProviderRuntime,
        category: str,
        endpoint: str | None,
        outcome: Outcome,
        blame: Blame,
        error: str | None,
        latency: float,
        trail: list[Attempt],
    ) -> None:
        endpoint = shown(endpoint)
        if type(outcome) is not Outcome:  # a str from a plugin's error: what validation would make of it
            outcome = Outcome(outcome)
        trail.append(trusted_attempt(rt.name, endpoint, outcome, Blame(blame), error, round(latency * 1000, 3)))
        notify = self._request
        if notify is not None:
            notify(RequestFinished(rt.name, endpoint, category, outcome, latency, error, blame))
