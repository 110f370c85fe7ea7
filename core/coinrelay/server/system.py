"""Monitoring: ``/api/system/*``, ``/healthz``, ``/readyz`` and ``/metrics``.

Every view is built from :meth:`Relay.health`, :meth:`Relay.stats` and
:meth:`Relay.chains` plus the app's :class:`~coinrelay.server.metrics.MetricsListener`
and the relay's :class:`~coinrelay._callstats.CallStats`; no view ever includes
configuration values, so secrets cannot leak through them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from .._callstats import CallStats, attach, stats_with_calls
from .errors import JSON, UnknownProviderBody, json_response, unknown_provider
from .openapi import response

if TYPE_CHECKING:
    from .._relay import Relay
    from ..sandbox import Sandbox
    from .metrics import MetricsListener

BINANCE = "binance"
#: The Prometheus text format ``/metrics`` answers in (what ``generate_latest`` writes).
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class PrometheusText(Response):
    media_type = PROMETHEUS_TEXT


class Liveness(BaseModel):
    """``/healthz``: the process answers."""

    status: Literal["ok"]


class CategoryReadiness(BaseModel):
    chain: list[str]
    usable: list[str]


class Readiness(BaseModel):
    """``/readyz``: whether every category with a chain has a usable provider."""

    ready: bool
    unavailable_categories: list[str]
    categories: dict[str, CategoryReadiness]


_UNKNOWN = response(UnknownProviderBody, "no such provider is loaded")


def _view(description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 JSON object (a monitoring view, documented in docs/http-api.md)."""
    return {200: {"description": description, "content": {JSON: {"schema": {"type": "object"}}}}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def breakers_view(health: dict[str, Any]) -> dict[str, Any]:
    """Every provider and endpoint breaker, open ones first."""
    rows: list[dict[str, Any]] = []
    for name, p in health["providers"].items():
        rows.append({"provider": name, "endpoint": None, **p["breaker"]})
        rows.extend({"provider": name, "endpoint": ep["url"], **ep["breaker"]} for ep in p["endpoints"])
    order = {"open": 0, "half_open": 1, "closed": 2}
    rows.sort(key=lambda r: (order.get(r["state"], 3), r["provider"], r["endpoint"] or ""))
    summary = {state: sum(1 for r in rows if r["state"] == state) for state in ("open", "half_open", "closed")}
    return {
        "generated_at": _now(),
        "summary": summary,
        "open": [r for r in rows if r["state"] == "open"],
        "half_open": [r for r in rows if r["state"] == "half_open"],
        "breakers": rows,
    }


def endpoints_view(name: str, p: dict[str, Any]) -> dict[str, Any]:
    """One provider's endpoints (mirrors): breaker and health of each."""
    return {
        "generated_at": _now(),
        "provider": name,
        "available": p["available"],
        "breaker": p["breaker"],
        "paused": p["paused"],
        "health": p["health"],
        "endpoints": p["endpoints"],
    }


def readiness(relay: Relay, health: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Ready when every category with a configured chain has at least one usable provider.

    A category counts when its chain has members, and also when the config's own chain for it
    ended up with none (every provider it names disabled, blocked, failed to load or not
    installed): that category is not ready. ``unusable`` says, per provider, why it cannot
    serve now; ``reason`` sums it up for a category that is not ready.
    """
    providers = health["providers"]
    settings = relay.settings
    strict = settings.strict_chains
    statuses = {s.name: s for s in relay.plugin_statuses}
    categories: dict[str, Any] = {}
    missing: list[str] = []
    for category, tiers in relay.chains().items():
        names = [n for tier in tiers for n in tier]
        configured = settings.chains.get(category) if strict is None or category in strict else None
        if not names and not configured:
            continue
        usable = [n for n in names if providers.get(n, {}).get("available")]
        if names:
            unusable = {n: _why_unusable(providers.get(n)) for n in names if n not in usable}
        else:
            wanted = [n for entry in configured or () for n in (entry if isinstance(entry, list) else [entry])]
            unusable = {n: _why_not_in_chain(n, category, statuses, relay) for n in wanted}
        reason = None
        if not usable:
            missing.append(category)
            reason = "no usable provider: " + "; ".join(f"{n}: {why}" for n, why in unusable.items())
        categories[category] = {"chain": names, "usable": usable, "unusable": unusable, "reason": reason}
    return not missing, {"ready": not missing, "unavailable_categories": missing, "categories": categories}


def _why_unusable(p: dict[str, Any] | None) -> str:
    """Why a provider in a chain cannot take a call now (from its ``health()`` entry)."""
    if p is None:
        return "not loaded"
    if not p["configured"]:
        return f"not configured: {p['configured_reason']}"
    if p["paused"]:
        return f"paused until {p['paused']['until']} ({p['paused']['reason']})"
    breaker = p["breaker"]
    if breaker["state"] == "open":
        return f"breaker open until {breaker['until']} ({breaker['reason']})"
    return f"breaker {breaker['state']}, its probe already taken"


def _why_not_in_chain(name: str, category: str, statuses: dict[str, Any], relay: Relay) -> str:
    """Why a provider the config's chain names is not in the chain at all."""
    st = statuses.get(name)
    if st is None:
        return "not installed"
    if st.status == "failed":
        return f"failed to load: {st.error}"
    if st.status == "blocked":
        if not relay.settings.provider(name).enabled:
            return f"disabled (providers.{name}.enabled = false)"
        return "not loaded: left out by COINRELAY_LOAD_PLUGINS or [plugins] load"
    rt = relay.providers.get(name)
    if rt is not None and category not in rt.impls:
        return f"does not serve {category}"
    return st.error or "not loaded"


def traffic_share(stats: dict[str, Any]) -> dict[str, float]:
    """Each provider's share of all successful answers (0–1)."""
    total = sum(p["successes"] for p in stats["providers"].values())
    return {n: (round(p["successes"] / total, 4) if total else 0.0) for n, p in stats["providers"].items()}


async def dashboard_view(
    relay: Relay, listener: MetricsListener, sandbox: Sandbox | None, calls: CallStats
) -> dict[str, Any]:
    """Everything the dashboard page shows, in one poll (the charts poll ``/api/system/history``)."""
    health = await relay.health()
    stats = stats_with_calls(relay, calls)
    share = traffic_share(stats)
    providers = []
    for name, p in health["providers"].items():
        st = stats["providers"].get(name, {})
        providers.append(
            {
                "name": name,
                "available": p["available"],
                "configured": p["configured"],
                "configured_reason": p["configured_reason"],
                "paused": p["paused"],
                "categories": p["categories"],
                "breaker": p["breaker"],
                "health": p["health"],
                "share": share.get(name, 0.0),
                "requests": st.get("requests", 0),
                "successes": st.get("successes", 0),
                "failures": st.get("failures", 0),
                "endpoints": p["endpoints"],
            }
        )
    per_category = stats["calls"]["categories"]
    chains = {
        c: {"tiers": tiers, "serving": listener.serving.get(c), "calls": per_category.get(c)}
        for c, tiers in relay.chains().items()
        if tiers
    }
    _, ready = readiness(relay, health)
    return {
        "generated_at": _now(),
        "sandbox": sandbox is not None,
        "faults": sandbox.faults() if sandbox is not None else {},
        "sandbox_providers": list(sandbox.providers) if sandbox is not None else [],
        "ready": ready["ready"],
        "unavailable_categories": ready["unavailable_categories"],
        "providers": providers,
        "chains": chains,
        "failovers": list(reversed(listener.recent_failovers)),
        "failover_count": listener.failover_count,
        "calls": stats["calls"]["total"],
    }


def system_router(relay: Relay, listener: MetricsListener, sandbox: Sandbox | None) -> APIRouter:
    """The monitoring routes."""
    router = APIRouter()
    calls = attach(relay)

    @router.get("/healthz", tags=["monitoring"], summary="Liveness: the process answers", response_model=Liveness)
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @router.get(
        "/readyz",
        tags=["monitoring"],
        summary="Readiness: every configured category has a usable provider (else 503)",
        response_model=Readiness,
        responses={503: response(Readiness, "a category with a chain has no usable provider")},
    )
    async def readyz() -> Response:
        ok, body = readiness(relay, await relay.health())
        return json_response(body, 200 if ok else 503)

    @router.get("/metrics", tags=["monitoring"], summary="Prometheus metrics", response_class=PrometheusText)
    async def metrics() -> Response:
        return PrometheusText(listener.exposition())

    @router.get(
        "/api/system/providers/health",
        tags=["monitoring"],
        summary="Every provider: breaker, pause, health score, success rate, latency, per category",
        responses=_view("`relay.health()` with `generated_at` and `sandbox`"),
    )
    async def providers_health() -> Response:
        health = await relay.health()
        return json_response({"generated_at": _now(), "sandbox": sandbox is not None, **health})

    @router.get(
        "/api/system/binance/health",
        tags=["monitoring"],
        summary="Each Binance endpoint (mirror)",
        responses={**_view("Binance's endpoints"), 404: _UNKNOWN},
    )
    async def binance_health() -> Response:
        return await _endpoints(BINANCE)

    @router.get(
        "/api/system/providers/{name}/endpoints",
        tags=["monitoring"],
        summary="Each endpoint (mirror) of one provider",
        responses={**_view("the provider's endpoints"), 404: _UNKNOWN},
    )
    async def provider_endpoints(name: str) -> Response:
        return await _endpoints(name)

    async def _endpoints(name: str) -> Response:
        health = await relay.health()
        p = health["providers"].get(name)
        if p is None:
            known = ", ".join(sorted(health["providers"])) or "none"
            return unknown_provider(name, f"no provider {name!r} is loaded (loaded: {known})")
        return json_response(endpoints_view(name, p))

    @router.get(
        "/api/system/circuit-breakers",
        tags=["monitoring"],
        summary="Every provider and endpoint breaker: state, since, until, why",
        responses=_view("breakers, open ones first"),
    )
    async def circuit_breakers() -> Response:
        return json_response(breakers_view(await relay.health()))

    @router.get(
        "/api/system/providers/stats",
        tags=["monitoring"],
        summary="Requests, successes, failures, latency and traffic share per provider and category; "
        "relay calls per category by how they were served (provider, coalesced, cache, stale, none)",
        responses=_view("`relay.stats()` with each provider's share and the calls by how they were served"),
    )
    async def provider_stats() -> Response:
        stats = stats_with_calls(relay, calls)
        share = traffic_share(stats)
        for name, p in stats["providers"].items():
            p["share"] = share[name]
        return json_response({"generated_at": _now(), **stats})

    @router.get(
        "/api/system/dashboard",
        tags=["monitoring"],
        summary="What the dashboard shows, in one poll",
        responses=_view("the dashboard's data"),
    )
    async def dashboard() -> Response:
        return json_response(await dashboard_view(relay, listener, sandbox, calls))

    @router.get(
        "/api/system/history",
        tags=["monitoring"],
        summary="The last 15 minutes in 10 s buckets: per provider attempts, success rate and latency "
        "percentiles; calls by how they were served; failovers and breaker transitions",
    )
    async def history() -> Response:
        return json_response({"generated_at": _now(), **listener.history.report()})

    return router
