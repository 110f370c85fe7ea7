"""Rate-limit budgets (quota domains): spend before a call, never after a refusal.

Two window kinds, chosen by :class:`~coinrelay._provider.RateLimit`:

* **aligned** — the provider counts in clock-aligned windows (Binance's minute): a
  fixed counter per window index ``floor(now / period)``.
* **sliding** — at most ``limit`` units in any interval of ``period`` seconds: a log of
  recent spends, bounded by ``limit`` entries.

Either way the units spent in any provider window never exceed the effective limit
(limit less headroom), including bursts. A sliding spend is kept for ``period`` plus a
small slack (:func:`slack`, 10% of the period, at most 1 s): requests reach the provider
a little after we count them, and a burst sent just as the previous one leaves our window
would otherwise still be in the provider's. Usage headers from the provider (units it has
counted for our IP, which may include other clients) raise the local count, never lower it.
"""

from __future__ import annotations

import math
from collections import deque

from ._provider import RateLimit


def slack(period: float) -> float:
    """Seconds a sliding-window spend is kept beyond ``period`` (delivery jitter margin)."""
    return min(0.1 * period, 1.0)


class QuotaWindow:
    """One quota domain's local counter."""

    __slots__ = ("_cap", "_keep", "_log", "_log_total", "index", "limit", "used")

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._cap = limit.effective_limit
        self._keep = limit.period + slack(limit.period)
        self.index = -1
        self.used = 0.0
        self._log: deque[tuple[float, float]] = deque()
        self._log_total = 0.0

    def _trim(self, now: float) -> None:
        horizon = now - self._keep
        log = self._log
        while log and log[0][0] <= horizon:
            self._log_total -= log.popleft()[1]

    def spend(self, cost: float, now: float) -> float:
        """Spend ``cost`` units at wall time ``now``.

        :return: ``0.0`` when granted; otherwise the seconds until it could be, and
            nothing is spent.
        """
        rl = self.limit
        cap = self._cap
        if cost > cap:
            return math.inf
        if rl.aligned:
            index = int(now // rl.period)
            if index != self.index:
                self.index = index
                self.used = 0.0
            if self.used + cost > cap:
                return (index + 1) * rl.period - now
            self.used += cost
            return 0.0
        self._trim(now)
        if self._log_total + cost > cap:
            # Wait until enough old spends leave the window.
            need = self._log_total + cost - cap
            freed = 0.0
            for t, c in self._log:
                freed += c
                if freed >= need:
                    return max(t + self._keep - now, 1e-3)
            return self._keep
        self._log.append((now, cost))
        self._log_total += cost
        return 0.0

    def observe(self, used: float, now: float) -> None:
        """The provider says ``used`` units are spent in its current window."""
        rl = self.limit
        if rl.aligned:
            index = int(now // rl.period)
            if index != self.index:
                self.index = index
                self.used = 0.0
            if used > self.used:
                self.used = used
            return
        self._trim(now)
        if used > self._log_total:
            self._log.append((now, used - self._log_total))
            self._log_total = used

    def remaining(self, now: float) -> float:
        rl = self.limit
        if rl.aligned:
            index = int(now // rl.period)
            return float(rl.effective_limit) if index != self.index else rl.effective_limit - self.used
        self._trim(now)
        return rl.effective_limit - self._log_total
