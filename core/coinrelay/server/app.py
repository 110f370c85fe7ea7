"""The FastAPI app factory: data API, monitoring, metrics, dashboard and sandbox controls."""

from __future__ import annotations

import html
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline

from . import openapi
from .batch import batch_router
from .data import add_data_routes
from .edges import HttpEdges
from .errors import HANDLERS
from .metrics import MetricsListener
from .sandbox_routes import sandbox_router
from .system import system_router

if TYPE_CHECKING:
    from .._relay import Relay
    from ..sandbox import Sandbox

#: Where ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from: files shipped with the
#: package (``fastapi-offline``), never a CDN, so the docs work on an offline machine.
DOCS_ASSETS = "/docs/assets"
#: Header on every response of a sandbox server.
SANDBOX_HEADER = "x-coinrelay-sandbox"
#: The dashboard's files (package ``coinrelay.dashboard``), served from memory under ``/dashboard/``
#: (``index.html`` at ``/``); ``vendor/`` holds the chart library, shipped with the package.
DASHBOARD_FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "vendor/uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "vendor/uPlot.min.css": "text/css; charset=utf-8",
    "vendor/uPlot.LICENSE": "text/plain; charset=utf-8",
}
#: The page's base element, which the server points at where the app is mounted.
_BASE = b'<base href="./">'


def _listener(relay: Relay) -> MetricsListener:
    listener = MetricsListener(relay)
    name = "metrics"
    n = 1
    while relay.pm.has_plugin(name):  # a second app on the same relay
        n += 1
        name = f"metrics-{n}"
    relay.register(listener, name=name)
    return listener


def _dashboard_routes(app: FastAPI) -> None:
    """The page at ``/``, its files under ``/dashboard/``.

    Every URL in the page is relative to its ``<base href>``, which is set per request to the
    app's ``root_path`` (where it is mounted: ``host.mount("/relay", app)``, or a proxy's
    ``--root-path``), so the page works under any prefix, with or without a trailing slash.
    """
    files = resources.files("coinrelay.dashboard")
    cache = {name: (files.joinpath(name).read_bytes(), media) for name, media in DASHBOARD_FILES.items()}
    headers = {"cache-control": "no-cache"}
    page, page_media = cache["index.html"]
    if _BASE not in page:
        raise RuntimeError(f"coinrelay.dashboard/index.html lost its {_BASE.decode()}")

    async def index(request: Request) -> Response:
        root = str(request.scope.get("root_path") or "").rstrip("/")
        base = f'<base href="{html.escape(root, quote=True)}/">'.encode()
        return Response(page.replace(_BASE, base, 1), media_type=page_media, headers=headers)

    def serve(name: str) -> Any:
        body, media = cache[name]

        async def handler() -> Response:
            return Response(body, media_type=media, headers=headers)

        return handler

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    for name in DASHBOARD_FILES:
        if name != "index.html":
            app.add_api_route(f"/dashboard/{name}", serve(name), methods=["GET"], include_in_schema=False)


def create_app(relay: Relay, *, sandbox: Sandbox | None = None) -> FastAPI:
    """A FastAPI app serving ``relay``.

    Registers a :class:`~coinrelay.server.metrics.MetricsListener` on the relay (as plugin
    ``metrics``) with its own Prometheus registry. The caller keeps owning the relay (and
    the sandbox): the app never closes them.

    :param relay: the relay to serve.
    :param sandbox: the running :class:`~coinrelay.sandbox.Sandbox` whose faults the
        ``/api/sandbox`` routes control; every response then carries ``x-coinrelay-sandbox: 1``.
    """
    app = FastAPIOffline(
        title="coinrelay",
        version="0.1.0",
        summary="Crypto market data from many providers, with failover chains and circuit breakers",
        exception_handlers=HANDLERS,
        static_url=DOCS_ASSETS,
    )
    listener = _listener(relay)
    app.state.relay = relay
    app.state.metrics = listener
    app.state.sandbox = sandbox
    add_data_routes(app, relay)
    app.include_router(batch_router(relay))
    app.include_router(system_router(relay, listener, sandbox))
    if sandbox is not None:
        app.include_router(sandbox_router(sandbox))
    # Outermost: limits and HEAD before anything else; the sandbox label on every answer.
    labels = ((SANDBOX_HEADER.encode(), b"1"),) if sandbox is not None else ()
    app.add_middleware(HttpEdges, headers=labels)
    _dashboard_routes(app)
    openapi.install(app)
    return app
