"""``create_origin_app(relay)``: the origin app's routes with coinrelay's app mounted beside them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from coinrelay import CoinRelayError, Relay
from coinrelay.sandbox import Sandbox
from coinrelay.server import create_app, error_response

from .market import market_router
from .portfolio import AlertBook, portfolio_router
from .settings import OriginSettings


async def _coinrelay_error(request: Request, exc: Exception) -> Response:
    """Every coinrelay error a route lets through is answered exactly as coinrelay's own API does."""
    return error_response(exc)


def create_origin_app(
    relay: Relay, *, sandbox: Sandbox | None = None, settings: OriginSettings | None = None
) -> FastAPI:
    """The origin app serving ``relay`` (which the caller owns and closes).

    Its own routes come first; coinrelay's app (``coinrelay.server.create_app``) is mounted at
    ``/`` after them, so ``/api/system/*``, ``/api/v1/*``, ``/metrics`` and the dashboard answer
    beside the origin routes. The app's OpenAPI page is ``/api/docs`` (coinrelay's stays at
    ``/docs``).

    :param sandbox: the running sandbox, when the relay's providers are the sandbox's
        (coinrelay's ``/api/sandbox`` fault routes then work too).
    :param settings: the app's own settings (default: from the environment).
    """
    settings = settings or OriginSettings.from_env()
    handlers: dict[Any, Any] = {CoinRelayError: _coinrelay_error}
    app = FastAPI(
        title="origin app (on coinrelay)",
        version="0.1.0",
        summary="Market data, forecasts, portfolio simulation and alerts, served through coinrelay",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        exception_handlers=handlers,
    )
    app.state.relay = relay
    app.state.settings = settings
    app.include_router(market_router(relay, settings, sandbox=sandbox is not None))
    app.include_router(portfolio_router(relay, settings, AlertBook(settings.max_alerts)))
    app.mount("/", create_app(relay, sandbox=sandbox))
    return app
