"""Circuit breakers: closed → open → half-open → closed, with exponential backoff.

A breaker opens after ``failure_threshold`` consecutive failures, or when the failure
rate over its last ``window`` outcomes reaches ``failure_rate_threshold`` (so a flapping
provider opens too). After the recovery timeout one half-open probe is let through:
success closes the breaker and resets the backoff; failure re-opens it with the
recovery timeout doubled (times ``1 ± jitter``), capped at ``max_recovery_timeout``.

Times are wall-clock seconds from an injected :class:`~coinrelay._clock.Clock`, so that
a breaker's record means the same thing to every replica sharing it.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from ._clock import SYSTEM_CLOCK, Clock

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class BreakerPolicy(BaseModel):
    """How a breaker opens and recovers: declared once, here.

    The ``[breaker]`` config table and each ``[providers.<name>.breaker]`` override are
    this model (:class:`~coinrelay._config.BreakerSettings` adds nothing but config
    strictness), so a field, its default and its limits live in one place.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    #: Consecutive failures that open the breaker.
    failure_threshold: int = Field(3, ge=1)
    #: Seconds before the first half-open probe.
    recovery_timeout: float = Field(5.0, gt=0)
    #: Cap of the exponential backoff, in seconds.
    max_recovery_timeout: float = Field(300.0, gt=0)
    #: Factor applied to the recovery timeout after a failed probe.
    backoff_multiplier: float = Field(2.0, ge=1.0)
    #: The recovery timeout is multiplied by a uniform factor in ``1 ± jitter``.
    jitter: float = Field(0.1, ge=0.0, lt=1.0)
    #: Outcomes kept for the failure-rate rule.
    window: int = Field(20, ge=1)
    #: Failure share over ``window`` that opens the breaker.
    failure_rate_threshold: float = Field(0.5, gt=0.0, le=1.0)
    #: Outcomes needed in the window before the rate rule applies.
    min_calls: int = Field(10, ge=1)
    #: Seconds a half-open probe holds its slot before another may probe.
    probe_timeout: float = Field(30.0, gt=0)


@dataclass(slots=True)
class BreakerRecord:
    """A breaker's state: what a shared state backend stores."""

    state: str = CLOSED
    consecutive_failures: int = 0
    #: Current recovery timeout (before jitter), seconds.
    recovery: float = 0.0
    #: Wall time when the open breaker allows a probe.
    open_until: float = 0.0
    #: Wall time of the last state change.
    since: float = 0.0
    reason: str = ""
    #: Wall time when the half-open probe slot was taken (0 = free).
    probe_started: float = 0.0
    #: Bumped at every state change, so replicas can tell newer records.
    version: int = 0
    #: Recent outcomes (True = success), newest last; local to a replica.
    outcomes: deque[bool] = field(default_factory=deque)


#: ``on_change(old_state, new_state, record)`` is called after each transition.
ChangeListener = Callable[[str, str, BreakerRecord], None]


class CircuitBreaker:
    """One breaker (for a provider, or for one endpoint of a provider)."""

    __slots__ = ("_rng", "clock", "key", "on_change", "policy", "record")

    def __init__(
        self,
        key: str,
        policy: BreakerPolicy | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        rng: random.Random | None = None,
        on_change: ChangeListener | None = None,
        record: BreakerRecord | None = None,
    ) -> None:
        self.key = key
        self.policy = policy or BreakerPolicy()
        self.clock = clock
        self._rng = rng or random.Random()
        self.on_change = on_change
        self.record = record or BreakerRecord(recovery=self.policy.recovery_timeout, since=clock.time())

    # -- reading -----------------------------------------------------------

    @property
    def state(self) -> str:
        """The state as of now (an open breaker past its time reads ``half_open``)."""
        rec = self.record
        if rec.state == OPEN and self.clock.time() >= rec.open_until:
            return HALF_OPEN
        return rec.state

    def is_available(self) -> bool:
        """Would :meth:`allow` let a call through now? (Does not take the probe slot.)"""
        rec = self.record
        if rec.state == CLOSED:
            return True
        now = self.clock.time()
        if rec.state == OPEN:
            return now >= rec.open_until
        return not rec.probe_started or now - rec.probe_started >= self.policy.probe_timeout

    def retry_at(self) -> float | None:
        """Wall time when an open breaker lets its next probe through, else ``None``."""
        rec = self.record
        return rec.open_until if rec.state == OPEN else None

    # -- deciding ----------------------------------------------------------

    def allow(self) -> bool:
        """May a call go through now? Takes the half-open probe slot when it is due."""
        rec = self.record
        if rec.state == CLOSED:
            return True
        now = self.clock.time()
        if rec.state == OPEN:
            if now < rec.open_until:
                return False
            self._move(HALF_OPEN, "recovery timeout elapsed", now)
            rec.probe_started = now
            return True
        # half-open: one probe at a time
        if rec.probe_started and now - rec.probe_started < self.policy.probe_timeout:
            return False
        rec.probe_started = now
        return True

    def release_probe(self) -> None:
        """Give back a probe slot whose call ended without a verdict (cancelled, unsupported)."""
        if self.record.state == HALF_OPEN:
            self.record.probe_started = 0.0

    # -- recording ---------------------------------------------------------

    def record_success(self) -> None:
        rec = self.record
        if rec.state == HALF_OPEN:
            rec.consecutive_failures = 0
            rec.recovery = self.policy.recovery_timeout
            rec.outcomes.clear()
            rec.probe_started = 0.0
            self._move(CLOSED, "probe succeeded", self.clock.time())
            return
        rec.consecutive_failures = 0
        outcomes = rec.outcomes  # _push(True), inlined: this runs twice per call
        outcomes.append(True)
        if len(outcomes) > self.policy.window:
            outcomes.popleft()

    def record_failure(self, reason: str) -> None:
        rec = self.record
        now = self.clock.time()
        if rec.state == HALF_OPEN:
            rec.probe_started = 0.0
            rec.recovery = min(rec.recovery * self.policy.backoff_multiplier, self.policy.max_recovery_timeout)
            self._open(now, f"probe failed: {reason}")
            return
        if rec.state == OPEN:
            return  # a late answer from before the breaker opened
        rec.consecutive_failures += 1
        self._push(False)
        pol = self.policy
        if rec.consecutive_failures >= pol.failure_threshold:
            rec.recovery = pol.recovery_timeout
            self._open(now, f"{rec.consecutive_failures} consecutive failures: {reason}")
            return
        n = len(rec.outcomes)
        if n >= pol.min_calls:
            rate = rec.outcomes.count(False) / n
            if rate >= pol.failure_rate_threshold:
                rec.recovery = pol.recovery_timeout
                self._open(now, f"failure rate {rate:.0%} over the last {n} calls: {reason}")

    def trip(self, reason: str, seconds: float) -> None:
        """Open the breaker now for exactly ``seconds`` (a ban or an operator's order)."""
        now = self.clock.time()
        self.record.open_until = now + seconds
        self._move(OPEN, reason, now, force=True)

    def reset(self) -> None:
        """Close the breaker and forget its history."""
        rec = self.record
        rec.consecutive_failures = 0
        rec.recovery = self.policy.recovery_timeout
        rec.outcomes.clear()
        rec.probe_started = 0.0
        self._move(CLOSED, "reset", self.clock.time())

    # -- internals ---------------------------------------------------------

    def _push(self, ok: bool) -> None:
        outcomes = self.record.outcomes
        outcomes.append(ok)
        if len(outcomes) > self.policy.window:
            outcomes.popleft()

    def _open(self, now: float, reason: str) -> None:
        rec = self.record
        j = self.policy.jitter
        delay = rec.recovery * (1.0 + self._rng.uniform(-j, j)) if j else rec.recovery
        rec.open_until = now + min(delay, self.policy.max_recovery_timeout)
        rec.outcomes.clear()
        self._move(OPEN, reason, now, force=True)

    def _move(self, new: str, reason: str, now: float, *, force: bool = False) -> None:
        rec = self.record
        old = rec.state
        if old == new and not force:
            return
        rec.state = new
        rec.since = now
        rec.reason = reason
        rec.version += 1
        if new != HALF_OPEN:
            rec.probe_started = 0.0
        if self.on_change is not None:
            self.on_change(old, new, rec)
