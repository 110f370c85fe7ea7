"""The retry budget: failovers and hedges may not multiply upstream traffic.

Every call's first upstream attempt deposits; every further attempt of the same call
(a failover to another provider, a hedge) withdraws. Over a sliding ``window``, extra
attempts are allowed up to ``ratio`` × first attempts plus ``min_per_second`` × window
(a floor for quiet periods). When everything is down, calls stop fanning out: the relay
fails fast (and serves a stale value when it has one) instead of tripling the load on
providers that are already struggling. Same design as Finagle's ``RetryBudget``.
"""

from __future__ import annotations

from ._clock import SYSTEM_CLOCK, Clock

_BUCKETS = 10


class RetryBudget:
    """A sliding-window counter of first attempts and extra attempts.

    :param ratio: extra attempts allowed per first attempt in the window.
    :param min_per_second: extra attempts always allowed per second.
    :param window: window length in seconds (kept in 10 buckets).
    :param clock: monotonic time source.
    """

    __slots__ = ("_clock", "_extra", "_firsts", "_index", "_width", "extra_total", "floor", "ratio", "refused")

    def __init__(
        self, *, ratio: float = 0.2, min_per_second: float = 10.0, window: float = 10.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.ratio = ratio
        self.floor = min_per_second * window
        self._clock = clock
        self._width = window / _BUCKETS
        self._firsts = [0] * _BUCKETS
        self._extra = [0] * _BUCKETS
        self._index = int(clock.monotonic() / self._width)
        #: Extra attempts granted and refused since start (for stats).
        self.extra_total = 0
        self.refused = 0

    def _rotate(self) -> int:
        index = int(self._clock.monotonic() / self._width)
        gap = index - self._index
        if gap > 0:
            firsts, extra = self._firsts, self._extra
            for i in range(self._index + 1, self._index + 1 + min(gap, _BUCKETS)):
                firsts[i % _BUCKETS] = 0
                extra[i % _BUCKETS] = 0
            self._index = index
        return index % _BUCKETS

    def first_attempt(self) -> None:
        """A call sent its first upstream request."""
        self._firsts[self._rotate()] += 1

    def try_extra(self) -> bool:
        """May a call send another request (failover, hedge)? Counts it when granted."""
        slot = self._rotate()
        allowed = self.floor + self.ratio * sum(self._firsts)
        if sum(self._extra) + 1 > allowed:
            self.refused += 1
            return False
        self._extra[slot] += 1
        self.extra_total += 1
        return True

    def available(self) -> float:
        """Extra attempts left in the window."""
        self._rotate()
        return self.floor + self.ratio * sum(self._firsts) - sum(self._extra)
