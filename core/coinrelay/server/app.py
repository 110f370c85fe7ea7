"""The FastAPI app factory: data API, monitoring, metrics, dashboard and sandbox controls."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic.json_schema import models_json_schema

from .._models import RESULT_TYPES
from .batch import batch_router
from .data import add_data_routes
from .errors import HANDLERS
from .metrics import MetricsListener
from .sandbox_routes import sandbox_router
from .system import system_router

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .._relay import Relay
    from ..sandbox import Sandbox

#: Header on every response of a sandbox server.
SANDBOX_HEADER = "x-coinrelay-sandbox"
#: The dashboard's files (package ``coinrelay.dashboard``), served from memory.
DASHBOARD_FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


class SandboxHeader:
    """Pure ASGI middleware adding ``x-coinrelay-sandbox: 1`` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (SANDBOX_HEADER.encode(), b"1")]
            await send(message)

        await self.app(scope, receive, send_with_header)


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
    files = resources.files("coinrelay.dashboard")
    cache = {name: (files.joinpath(name).read_bytes(), media) for name, media in DASHBOARD_FILES.items()}

    def serve(name: str) -> Any:
        body, media = cache[name]

        async def handler() -> Response:
            return Response(body, media_type=media, headers={"cache-control": "no-cache"})

        return handler

    app.add_api_route("/", serve("index.html"), methods=["GET"], include_in_schema=False)
    for name in ("dashboard.js", "dashboard.css"):
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
    app = FastAPI(
        title="coinrelay",
        version="0.1.0",
        summary="Crypto market data from many providers, with failover chains and circuit breakers",
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
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
        app.add_middleware(SandboxHeader)
    _dashboard_routes(app)
    _result_schemas(app)
    return app


def _result_schemas(app: FastAPI) -> None:
    """Add the result models to the OpenAPI components (the data routes reference them)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        _, defs = models_json_schema(
            [(m, "serialization") for m in RESULT_TYPES.values()], ref_template="#/components/schemas/{model}"
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
