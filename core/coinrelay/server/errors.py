"""Map coinrelay's errors to JSON error responses (never a bare 500 with a traceback).

==============================  ======  ===============================================
error                           status  body (model)
==============================  ======  ===============================================
``InvalidRequest``              422     ``invalid_request`` (:class:`InvalidRequestBody`)
``SymbolNotFound``              404     ``symbol_not_found`` (:class:`SymbolNotFoundBody`)
``AllProvidersFailed``          503     ``all_providers_failed`` (:class:`AllProvidersFailedBody`)
an unknown provider             404     ``unknown_provider`` (:class:`UnknownProviderBody`)
HTTP-level (404, 405, 400, …)   4xx     ``http_error`` (:class:`HttpErrorBody`)
any other exception             500     ``internal_error`` (type only; details in the log)
==============================  ======  ===============================================

Every body is one of the models below (the OpenAPI document references them), and none
echoes a long value whole: a message about the request is cut in the middle to
:data:`MAX_ECHO` characters (:func:`bounded`), saying how much was cut.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

from .._errors import AllProvidersFailed, InvalidRequest, SymbolNotFound
from .._models import Attempt

log = logging.getLogger("coinrelay.server")

JSON = "application/json"
#: Longest ``message`` about the request (which may echo what the caller sent); longer
#: text is cut in the middle.
MAX_ECHO = 300
#: Longest ``message`` of a 404/503 (the attempts trail, also in ``attempts``).
MAX_TRAIL = 2000
#: Longest name (``param``, ``provider``) an error body echoes.
MAX_NAME = 100


def bounded(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` if at most ``limit`` characters, else its head and tail around a note of the cut.

    The tail is kept because messages end with what is allowed (``...; allowed: 1m, 3m``).
    """
    if len(text) <= limit:
        return text
    tail = limit // 3
    head = limit - tail
    return f"{text[:head]}…[{len(text) - limit} characters cut]…{text[len(text) - tail :]}"


class ErrorBody(BaseModel):
    """Every error: a stable machine-readable ``error`` code and a ``message`` for people."""

    error: str = Field(description="what went wrong, as a stable code")
    message: str = Field(description="what went wrong, for people (a long one is cut in the middle, saying so)")


class InvalidRequestBody(ErrorBody):
    """422: a bad, missing, repeated or unknown parameter, header or body field (named in ``param``)."""

    error: Literal["invalid_request"]
    param: str = Field(description="the query parameter, header or body field at fault")


class SymbolNotFoundBody(ErrorBody):
    """404: no provider in the chain serves the symbol; ``attempts`` is the trail."""

    error: Literal["symbol_not_found"]
    category: str
    what: str = Field(description="what was asked for, e.g. BTC/USD")
    attempts: list[Attempt]


class AllProvidersFailedBody(ErrorBody):
    """503: every provider failed (or the chain is empty) and no stale value may be served."""

    error: Literal["all_providers_failed"]
    category: str
    reason: str | None = Field(description="why no provider could be asked (an empty chain), if so")
    attempts: list[Attempt]


class UnknownProviderBody(ErrorBody):
    """404: the path names a provider that is not loaded (or has no sandbox upstream)."""

    error: Literal["unknown_provider"]
    provider: str


class HttpErrorBody(ErrorBody):
    """An HTTP-level error: unknown path (404), method (405, see ``Allow``), unreadable body (400),
    request line or headers too long (414, 431)."""

    error: Literal["http_error"]


class InternalErrorBody(ErrorBody):
    """500: a bug in coinrelay or a plugin; the details are only in the server log."""

    error: Literal["internal_error"]


#: Every error body model, for the OpenAPI components.
ERROR_MODELS: tuple[type[ErrorBody], ...] = (
    InvalidRequestBody,
    SymbolNotFoundBody,
    AllProvidersFailedBody,
    UnknownProviderBody,
    HttpErrorBody,
    InternalErrorBody,
)


def body_response(body: BaseModel, status: int, headers: dict[str, str] | None = None) -> Response:
    """``body`` as a JSON response."""
    return Response(body.model_dump_json(), status_code=status, media_type=JSON, headers=headers)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``data`` serialised compactly (``default=str`` for datetimes and Decimals)."""
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def invalid(param: str, message: str) -> Response:
    """A 422 ``invalid_request`` naming ``param``."""
    body = InvalidRequestBody(error="invalid_request", param=bounded(param, MAX_NAME), message=bounded(message))
    return body_response(body, 422)


def unknown_provider(provider: str, message: str) -> Response:
    """A 404 ``unknown_provider``."""
    body = UnknownProviderBody(error="unknown_provider", provider=bounded(provider, MAX_NAME), message=bounded(message))
    return body_response(body, 404)


def http_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An ``http_error`` with ``status``."""
    return body_response(HttpErrorBody(error="http_error", message=bounded(message)), status, headers)


def error_model(exc: Exception) -> tuple[int, ErrorBody]:
    """The HTTP status and body for ``exc``."""
    if isinstance(exc, InvalidRequest):
        return 422, InvalidRequestBody(
            error="invalid_request", param=bounded(exc.param, MAX_NAME), message=bounded(str(exc))
        )
    if isinstance(exc, SymbolNotFound):
        return 404, SymbolNotFoundBody(
            error="symbol_not_found",
            category=exc.category,
            what=bounded(exc.what, MAX_NAME),
            message=bounded(str(exc), MAX_TRAIL),
            attempts=exc.attempts,
        )
    if isinstance(exc, AllProvidersFailed):
        return 503, AllProvidersFailedBody(
            error="all_providers_failed",
            category=exc.category,
            reason=exc.reason,
            message=bounded(str(exc), MAX_TRAIL),
            attempts=exc.attempts,
        )
    log.error("unexpected error while serving a request", exc_info=exc)
    return 500, InternalErrorBody(
        error="internal_error", message=f"unexpected {type(exc).__name__}; see the server log"
    )


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
    status, body = error_model(exc)
    return status, body.model_dump(mode="json")


def error_response(exc: Exception, headers: dict[str, str] | None = None) -> Response:
    """:func:`error_body` as a JSON response (public: ``coinrelay.server.error_response``)."""
    status, body = error_model(exc)
    return body_response(body, status, headers)


#: The methods a 405's ``Allow`` can list (``HEAD`` goes wherever ``GET`` does).
METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at ``request``'s path, asking the routes themselves."""
    routes = request.app.router.routes
    allowed = {
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    }
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    message = str(exc.detail)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers["Allow"] = ", ".join(allow)
        message = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
    return http_error(exc.status_code, message, headers)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    if first.get("type") == "json_invalid":
        return invalid("body", "the body is not valid JSON")
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    param = ".".join(loc) or "body"
    return invalid(param, f"invalid {param!r}: {first.get('msg', 'invalid value')}")


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
