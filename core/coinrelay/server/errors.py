"""Map coinrelay's errors to JSON error responses (never a bare 500 with a traceback).

==============================  ======  ===============================================
error                           status  body ``error``
==============================  ======  ===============================================
``InvalidRequest``              422     ``invalid_request`` (+ ``param``)
``SymbolNotFound``              404     ``symbol_not_found`` (+ ``attempts``)
``AllProvidersFailed``          503     ``all_providers_failed`` (+ ``attempts``, ``reason``)
any other exception             500     ``internal_error`` (type only; details in the log)
==============================  ======  ===============================================
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from .._errors import AllProvidersFailed, InvalidRequest, SymbolNotFound

log = logging.getLogger("coinrelay.server")

JSON = "application/json"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``data`` serialised compactly (``default=str`` for datetimes and Decimals)."""
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def error_body(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for ``exc`` (public: ``coinrelay.server.error_body``).

    For host apps that call the relay themselves and want coinrelay's error answers::

        try:
            price = await relay.price(symbol)
        except Exception as exc:
            status, body = error_body(exc)   # (422, {"error": "invalid_request", "param": ..., ...})

    Anything that is not a coinrelay error is a 500 whose body names only the exception type
    (the details go to the ``coinrelay.server`` log), so nothing internal leaks.
    """
    if isinstance(exc, InvalidRequest):
        return 422, {"error": "invalid_request", "param": exc.param, "message": str(exc)}
    if isinstance(exc, SymbolNotFound):
        return 404, {
            "error": "symbol_not_found",
            "category": exc.category,
            "what": exc.what,
            "message": str(exc),
            "attempts": [a.model_dump(mode="json") for a in exc.attempts],
        }
    if isinstance(exc, AllProvidersFailed):
        return 503, {
            "error": "all_providers_failed",
            "category": exc.category,
            "reason": exc.reason,
            "message": str(exc),
            "attempts": [a.model_dump(mode="json") for a in exc.attempts],
        }
    log.error("unexpected error while serving a request", exc_info=exc)
    return 500, {"error": "internal_error", "message": f"unexpected {type(exc).__name__}; see the server log"}


def error_response(exc: Exception, headers: dict[str, str] | None = None) -> Response:
    """:func:`error_body` as a JSON response (public: ``coinrelay.server.error_response``)."""
    status, body = error_body(exc)
    return json_response(body, status, headers)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response({"error": "http_error", "message": str(exc.detail)}, exc.status_code, dict(exc.headers or {}))


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    param = ".".join(loc) or "request"
    return json_response(
        {
            "error": "invalid_request",
            "param": param,
            "message": f"invalid {param!r}: {first.get('msg', 'invalid value')}",
        },
        422,
    )


async def _any(request: Request, exc: Exception) -> Response:
    return error_response(exc)


HANDLERS = {
    HTTPException: _http_exception,
    RequestValidationError: _validation,
    InvalidRequest: _any,
    SymbolNotFound: _any,
    AllProvidersFailed: _any,
    Exception: _any,
}
