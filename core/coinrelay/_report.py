"""What ``relay.health()``, ``relay.stats()`` and ``relay.probe()`` report: breakers, pauses, health windows,
budgets, and traffic counters per provider and category."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._breaker import CircuitBreaker
from ._categories import ALL, FieldView
from ._health import HealthWindow
from ._models import RESULT_TYPES, Attempt
from ._outcome import Outcome
from ._redact import shown
from ._requests import validate
from ._runtime import ProviderRuntime
from ._state.base import StateBackend

if TYPE_CHECKING:
    from ._walks import Walker


class TrafficStats:
    """Per ``(provider, category)``: attempts by how they ended, and their summed latency.

    A listener of the :class:`~coinrelay._recorder.Recorder` (one record per provider attempt):
    ``requests`` counts the providers actually asked; ``skipped`` those passed over (breaker
    open, paused, unconfigured); ``not_served`` the "unsupported"/"not found" answers.
    """

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        #: requests, successes, failures, not_served, skipped, summed latency of requests
        self._rows: dict[tuple[str, str], list[float]] = {}

    def record(self, provider: str, category: str, outcome: Outcome, latency: float) -> None:
        row = self._rows.get((provider, category))
        if row is None:
            row = self._rows[(provider, category)] = [0, 0, 0, 0, 0, 0.0]
        if outcome is Outcome.SKIPPED or outcome is Outcome.CANCELLED:
            row[4] += 1
            return
        row[0] += 1
        row[5] += latency
        if outcome is Outcome.OK:
            row[1] += 1
        elif outcome is Outcome.UNSUPPORTED or outcome is Outcome.NOT_FOUND:
            row[3] += 1
        else:
            row[2] += 1

    def report(self) -> dict[str, Any]:
        """Per provider and category: counts, mean latency and share of the category's answers."""
        served: dict[str, int] = {}
        for (_, category), row in self._rows.items():
            served[category] = served.get(category, 0) + int(row[1])
        per: dict[str, Any] = {}
        keys = ("requests", "successes", "failures", "not_served", "skipped")
        for (provider, category), row in sorted(self._rows.items()):
            p = per.setdefault(provider, {**dict.fromkeys(keys, 0), "categories": {}})
            counts = {k: int(v) for k, v in zip(keys, row, strict=False)}
            for k, v in counts.items():
                p[k] += v
            requests, ok = counts["requests"], counts["successes"]
            p["categories"][category] = {
                **counts,
                "mean_latency_ms": round(row[5] / requests * 1000, 3) if requests else None,
                "share": round(ok / served[category], 4) if served.get(category) else 0.0,
            }
        return {"providers": per, "served": served}


async def provider_health(rt: ProviderRuntime, state: StateBackend) -> dict[str, Any]:
    """One provider: configuration, breaker, pause, health (overall, per category, per endpoint), budget."""
    pause = await state.get_pause(rt.name)
    rl = rt.rate_limit
    return {
        "name": rt.name,
        "configured": rt.configured_reason is None,
        "configured_reason": rt.configured_reason,
        "priority": rt.priority,
        "categories": sorted(rt.impls),
        "breaker": breaker_report(rt.breaker),
        "paused": None if pause is None else {"until": iso(pause.until), "reason": pause.reason, "kind": pause.kind},
        "available": rt.configured_reason is None and pause is None and rt.breaker.is_available(),
        "health": health_report(rt.health),
        "per_category": {c: health_report(h) for c, h in rt.category_health.items()},
        "endpoints": [
            {"url": shown(ep.base), "breaker": breaker_report(ep.breaker), "health": health_report(ep.health)}
            for ep in rt.endpoint_states()
        ],
        "rate_limit": None
        if rl is None
        else {
            "limit": rl.limit,
            "effective_limit": rl.effective_limit,
            "period": rl.period,
            "aligned": rl.aligned,
            "unit": rl.unit,
            "remaining": await state.remaining(rt.domain, rl),
        },
    }


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC (milliseconds), or ``None``."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def breaker_report(br: CircuitBreaker) -> dict[str, Any]:
    rec = br.record
    return {
        "state": br.state,
        "since": iso(rec.since),
        "until": iso(rec.open_until) if rec.state == "open" else None,
        "reason": rec.reason or None,
        "consecutive_failures": rec.consecutive_failures,
        "recovery_timeout": rec.recovery,
    }


def health_report(hw: HealthWindow) -> dict[str, Any]:
    s = hw.snapshot()
    return {
        "requests": s.requests,
        "successes": s.successes,
        "failures": s.failures,
        "success_rate": s.success_rate,
        "score": s.score,
        "latency_ms": {
            "ewma": s.latency_ewma_ms,
            "p50": s.latency_p50_ms,
            "p95": s.latency_p95_ms,
            "p99": s.latency_p99_ms,
        },
        "last_error": s.last_error,
        "last_error_at": iso(s.last_error_at),
        "last_success_at": iso(s.last_success_at),
    }


#: Cheap parameters :meth:`Relay.probe` uses per category (the rest are the defaults): each spec's ``probe``.
PROBE_PARAMS: Mapping[str, Mapping[str, Any]] = FieldView("probe")


async def probe_once(walker: Walker, rt: ProviderRuntime, deadline: float) -> dict[str, Any]:
    """:meth:`Relay.probe <coinrelay.Relay.probe>`: one call of ``rt``'s first category, outside
    the chain and the cache, counted in its breaker and health like any other."""
    provider = rt.name
    category = next(c for c in ALL if c in rt.impls) if rt.impls else None
    out: dict[str, Any] = {
        "provider": provider,
        "category": category,
        "outcome": "skipped",
        "endpoint": None,
        "latency_ms": None,
        "error": None,
        "attempts": [],
    }
    if category is None:
        out["error"] = "serves no category"
        return out
    params = validate(category, PROBE_PARAMS.get(category, {}))
    call = walker.start(category, params, 0, deadline, RESULT_TYPES[category])
    call.order = [rt]
    started = time.perf_counter()
    nxt = await walker.next(call)
    if nxt is None:
        skipped = call.trail[-1] if call.trail else None
        out["error"] = skipped.error if skipped is not None else "not available"
        out["attempts"] = [a.model_dump(mode="json") for a in call.trail]
        return out
    res = await walker.attempt(call, rt)
    mine: list[Attempt] = [a for a in call.trail if a.provider == provider]
    last = mine[-1] if mine else None
    out.update(
        outcome=str(res.outcome),
        error=res.error,
        attempts=[a.model_dump(mode="json") for a in call.trail],
        endpoint=res.result.source.endpoint if res.result is not None else (last.endpoint if last else None),
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    return out
