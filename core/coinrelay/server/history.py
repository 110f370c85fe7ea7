"""The last 15 minutes, per provider, in 10-second buckets: what the dashboard's charts draw.

:class:`History` keeps a ring of :data:`BUCKETS` time buckets of :data:`BUCKET_SECONDS`
each, keyed by the relay clock's *monotonic* reading (so a wall-clock step never reorders
or drops buckets), plus a bounded list of timeline events (breaker transitions, failovers).
Memory is bounded whatever the traffic: per bucket and provider four counters and a sparse
latency histogram of at most :data:`LATENCY_BINS` bins; at most :data:`TIMELINE_EVENTS` events.

Recording is O(1) (a dict lookup, a logarithm, a few increments); the work of turning
buckets into percentiles and rates is done by :meth:`History.report`, once per poll.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .._outcome import Outcome

if TYPE_CHECKING:
    from .._clock import Clock

#: Width of one bucket, in seconds.
BUCKET_SECONDS = 10
#: Buckets kept: 90 x 10 s = the last 15 minutes.
BUCKETS = 90
#: Outcomes charged to an endpoint or a provider: the failures in the success rate.
FAILURES = frozenset({Outcome.INVALID, Outcome.FAILED, Outcome.TIMEOUT, Outcome.RATE_LIMITED, Outcome.FORBIDDEN})
#: Outcomes with no answer from the provider behind them: no latency is recorded for them.
NO_ANSWER = frozenset({Outcome.SKIPPED, Outcome.CANCELLED})
#: How ``served`` values of ``on_call_finished`` are counted (anything else is ``other``).
SERVED = ("provider", "coalesced", "cache", "stale", "none")
#: Timeline events kept (the oldest go first; the report shows those of the window only).
TIMELINE_EVENTS = 1000
#: Latency histogram: bin ``b`` holds latencies in ``[LOW * GROWTH**b, LOW * GROWTH**(b + 1))`` ms.
LATENCY_LOW_MS = 0.05
LATENCY_GROWTH = 1.1
LATENCY_BINS = 200  # up to 0.05 ms x 1.1**200, about 9.5 hours: the last bin takes the rest
_LOG_GROWTH = math.log(LATENCY_GROWTH)
PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def latency_bin(ms: float) -> int:
    """The histogram bin of a latency in milliseconds."""
    if ms <= LATENCY_LOW_MS:
        return 0
    return min(int(math.log(ms / LATENCY_LOW_MS) / _LOG_GROWTH), LATENCY_BINS - 1)


def bin_value(b: int) -> float:
    """A bin's representative latency (ms): the geometric middle of its bounds, within 5 % of any member."""
    return float(LATENCY_LOW_MS * LATENCY_GROWTH ** (b + 0.5))


def percentile(bins: dict[int, int], q: float) -> float | None:
    """The ``q`` quantile (0–1) of a sparse histogram, by nearest rank; ``None`` when it is empty."""
    total = sum(bins.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for b in sorted(bins):
        seen += bins[b]
        if seen >= rank:
            return round(bin_value(b), 3)
    raise AssertionError("unreachable: the ranks add up to the total")  # pragma: no cover


class _Cell:
    """One provider in one bucket."""

    __slots__ = ("bins", "failed", "ok", "other", "skipped")

    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.other = 0  # unsupported, not_found: answered, neither a success nor a failure
        self.skipped = 0  # skipped, cancelled: no answer
        self.bins: dict[int, int] = {}


class _Slot:
    """One bucket: its index (monotonic seconds // BUCKET_SECONDS) and what happened in it."""

    __slots__ = ("calls", "cells", "failovers", "index")

    def __init__(self, index: int) -> None:
        self.index = index
        self.cells: dict[str, _Cell] = {}
        self.failovers = 0
        self.calls: dict[str, int] = {}


class History:
    """A bounded, time-bucketed record of attempts, calls, failovers and breaker transitions.

    :param clock: the relay's clock; its monotonic reading places records in buckets, its
        wall reading only labels them for display.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._ring: list[_Slot | None] = [None] * BUCKETS
        #: (monotonic time, event) pairs, oldest first.
        self._events: deque[tuple[float, dict[str, Any]]] = deque(maxlen=TIMELINE_EVENTS)

    def _slot(self) -> _Slot:
        index = int(self.clock.monotonic() // BUCKET_SECONDS)
        pos = index % BUCKETS
        slot = self._ring[pos]
        if slot is None or slot.index != index:
            slot = self._ring[pos] = _Slot(index)
        return slot

    # -- recording (on the request path: O(1)) -------------------------------------------

    def attempt(self, provider: str, outcome: str, latency: float) -> None:
        """One attempt on ``provider`` ended with ``outcome`` after ``latency`` seconds."""
        slot = self._slot()
        cell = slot.cells.get(provider)
        if cell is None:
            cell = slot.cells[provider] = _Cell()
        if outcome in NO_ANSWER:
            cell.skipped += 1
            return
        if outcome == Outcome.OK:
            cell.ok += 1
        elif outcome in FAILURES:
            cell.failed += 1
        else:
            cell.other += 1
        b = latency_bin(latency * 1000)
        cell.bins[b] = cell.bins.get(b, 0) + 1

    def call(self, served: str) -> None:
        """One relay call was served as ``served`` (see :data:`SERVED`)."""
        calls = self._slot().calls
        key = served if served in SERVED else "other"
        calls[key] = calls.get(key, 0) + 1

    def failover(self, category: str, from_provider: str, to_provider: str, why: str) -> None:
        """The relay moved from ``from_provider`` to ``to_provider`` within a call."""
        self._slot().failovers += 1
        self._event("failover", category=category, from_provider=from_provider, to_provider=to_provider, why=why)

    def breaker(self, provider: str, endpoint: str | None, old: str, new: str, reason: str) -> None:
        """A provider's (``endpoint=None``) or an endpoint's breaker moved from ``old`` to ``new``."""
        self._slot()  # a transition alone also opens its bucket, so the window reaches it
        self._event("breaker", provider=provider, endpoint=endpoint, old=old, new=new, reason=reason)

    def _event(self, kind: str, **fields: Any) -> None:
        wall = self.clock.time()
        at = datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")
        self._events.append((self.clock.monotonic(), {"kind": kind, "t": round(wall, 3), "at": at, **fields}))

    # -- reporting (once per poll) -------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The window, oldest bucket first, as columns ready for a chart.

        ``times`` holds each bucket's start (epoch seconds, like ``now``); the last bucket is the current,
        still filling one. Per provider seen in the window: ``ok``, ``failed``, ``other`` and
        ``skipped`` attempt counts, ``success_rate`` (``ok / (ok + failed)``, ``None`` with
        neither) and ``latency_ms`` percentiles of the attempts answered (``None`` when none);
        ``calls`` per ``served``; ``failovers`` per bucket; and the timeline ``events`` of the
        window (breaker transitions and failovers, oldest first).
        """
        mono, wall = self.clock.monotonic(), self.clock.time()
        current = int(mono // BUCKET_SECONDS)
        first = current - BUCKETS + 1
        slots: list[_Slot | None] = []
        for index in range(first, current + 1):
            slot = self._ring[index % BUCKETS]
            slots.append(slot if slot is not None and slot.index == index else None)
        names = sorted({name for s in slots if s is not None for name in s.cells})
        providers = {name: _provider_columns([s.cells.get(name) if s else None for s in slots]) for name in names}
        served = sorted({k for s in slots if s is not None for k in s.calls}, key=_served_order)
        start = first * BUCKET_SECONDS
        return {
            "bucket_seconds": BUCKET_SECONDS,
            "buckets": BUCKETS,
            "window_seconds": BUCKET_SECONDS * BUCKETS,
            "now": round(wall, 3),
            "times": [round(wall - (mono - i * BUCKET_SECONDS), 3) for i in range(first, current + 1)],
            "providers": providers,
            "calls": {k: [s.calls.get(k, 0) if s else 0 for s in slots] for k in served},
            "failovers": [s.failovers if s else 0 for s in slots],
            "events": [event for at, event in self._events if at >= start],
        }


def _served_order(key: str) -> int:
    return SERVED.index(key) if key in SERVED else len(SERVED)


def _provider_columns(cells: list[_Cell | None]) -> dict[str, Any]:
    def column(attr: str) -> list[int]:
        return [getattr(c, attr) if c else 0 for c in cells]

    ok, failed = column("ok"), column("failed")
    return {
        "ok": ok,
        "failed": failed,
        "other": column("other"),
        "skipped": column("skipped"),
        "success_rate": [round(o / (o + f), 4) if o + f else None for o, f in zip(ok, failed, strict=True)],
        "latency_ms": {name: [percentile(c.bins, q) if c else None for c in cells] for name, q in PERCENTILES.items()},
    }
