"""Where the callers' load went: relay calls per category, by how each one was served.

:class:`~coinrelay._report.TrafficStats` counts requests *to providers*; a relay answering
100 identical calls from its cache sends one, so those counts alone cannot show the load.
:class:`CallStats` listens to ``on_call_finished`` (one event per relay call, however it was
served) and counts, per category, the calls, how each was served (fetched from a
``provider``, ``coalesced`` onto an identical call in flight, from the ``cache``, a
``stale`` value, or ``none``: it failed), its outcome, and which provider's answer each
caller got (a cache hit is still some provider's answer).

Wiring: a relay registers one instance as plugin :data:`CALL_STATS` and merges
:meth:`CallStats.report` into ``stats()`` under ``"calls"``; :func:`attach` finds that one
or registers it on a relay that does not (yet) do so, so nobody counts a call twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._outcome import Outcome
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._events import CallFinished
    from ._relay import Relay

#: The plugin name a relay registers its :class:`CallStats` under.
CALL_STATS = "callstats"
#: The ways a call can be served (``CallFinished.served``), in report order.
SERVED = ("provider", "coalesced", "cache", "stale", "none")


class _Row:
    __slots__ = ("answered_by", "calls", "failed", "ok", "served")

    def __init__(self) -> None:
        self.calls = 0
        self.ok = 0
        self.failed = 0
        self.served = dict.fromkeys(SERVED, 0)
        self.answered_by: dict[str, int] = {}


class CallStats:
    """Counts relay calls per category by how they were served (an ``on_call_finished`` listener)."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}

    @hookimpl
    def on_call_finished(self, event: CallFinished) -> None:
        self.count(event.category, event.served, event.provider, event.outcome)

    def count(self, category: str, served: str, provider: str | None, outcome: str) -> None:
        """One call of ``category``, served as ``served`` (see :data:`SERVED`), answered by ``provider``.

        What the event listener does; the relay's own instance is called directly, without an event.
        """
        row = self._rows.get(category)
        if row is None:
            row = self._rows[category] = _Row()
        row.calls += 1
        counts = row.served
        counts[served] = counts.get(served, 0) + 1
        if outcome == Outcome.OK:
            row.ok += 1
        else:
            row.failed += 1
        if provider is not None:
            row.answered_by[provider] = row.answered_by.get(provider, 0) + 1

    def report(self) -> dict[str, Any]:
        """Per category and in total: ``calls``, ``ok``, ``failed``, ``served`` (a count per way,
        every way listed), ``answered_by`` (calls per provider whose answer was returned) and
        ``cache_hit_rate`` (``(cache + stale) / calls``)."""
        categories = {c: _row_report(r) for c, r in sorted(self._rows.items())}
        total = _Row()
        for r in self._rows.values():
            total.calls += r.calls
            total.ok += r.ok
            total.failed += r.failed
            for k, v in r.served.items():
                total.served[k] = total.served.get(k, 0) + v
            for k, v in r.answered_by.items():
                total.answered_by[k] = total.answered_by.get(k, 0) + v
        return {"categories": categories, "total": _row_report(total)}


def _row_report(row: _Row) -> dict[str, Any]:
    cached = row.served.get("cache", 0) + row.served.get("stale", 0)
    return {
        "calls": row.calls,
        "ok": row.ok,
        "failed": row.failed,
        "served": dict(row.served),
        "answered_by": dict(sorted(row.answered_by.items())),
        "cache_hit_rate": round(cached / row.calls, 4) if row.calls else 0.0,
    }


def attach(relay: Relay) -> CallStats:
    """The relay's :class:`CallStats`: the one registered as :data:`CALL_STATS`, else a new one registered now."""
    found = relay.pm.get_plugin(CALL_STATS)
    if isinstance(found, CallStats):
        return found
    stats = CallStats()
    relay.register(stats, name=CALL_STATS)
    return stats


def stats_with_calls(relay: Relay, calls: CallStats) -> dict[str, Any]:
    """``relay.stats()`` with the call counts under ``"calls"`` (unless the relay reports them itself)."""
    stats = relay.stats()
    stats.setdefault("calls", calls.report())
    return stats
