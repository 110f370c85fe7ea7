"""``GET /api/v1/<category>``: one lean route per category.

The handler reads the query string itself (no FastAPI parameter models, no response
model re-validation), calls :meth:`Relay.fetch` with the ``x-coinrelay-hops`` header, and
writes ``result.model_dump_json()`` straight into the response. The OpenAPI schema still
lists every parameter, generated from :data:`coinrelay._requests.PARAMS` with the
constraints of :func:`coinrelay.server.openapi.parameter_schema`, and every error body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from .._categories import ALL
from .._errors import InvalidRequest
from .._http import HOP_HEADER
from .._models import RESULT_TYPES
from .._requests import PARAMS
from .errors import JSON, AllProvidersFailedBody, InvalidRequestBody, SymbolNotFoundBody, error_response
from .openapi import HOPS_SCHEMA, parameter_schema, response

if TYPE_CHECKING:
    from .._relay import Relay

Handler = Callable[[Request], Awaitable[Response]]


def parse_hops(raw: str | None) -> int:
    """The ``x-coinrelay-hops`` header as a non-negative int (0 when absent; ASCII digits only)."""
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidRequest(HOP_HEADER, f"expected a non-negative integer (digits only), got {raw!r}")
    return int(raw)


def make_handler(relay: Relay, category: str) -> Handler:
    """The request handler of ``GET /api/v1/<category>``."""
    fetch = relay.fetch
    allowed = frozenset(p.name for p in PARAMS[category])
    names = ", ".join(p.name for p in PARAMS[category])

    async def handler(request: Request) -> Response:
        try:
            query = request.query_params
            params: dict[str, Any] = dict(query)
            if len(params) != len(query.multi_items()):
                twice = next(k for k in params if len(query.getlist(k)) > 1)
                raise InvalidRequest(twice, "given more than once")
            if not allowed.issuperset(params):
                unknown = sorted(set(params) - allowed)[0]
                raise InvalidRequest(unknown, f"not a parameter of {category}; allowed: {names}")
            result = await fetch(category, hops=parse_hops(request.headers.get(HOP_HEADER)), **params)
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON error response
            return error_response(exc)
        return Response(result.model_dump_json(), media_type=JSON)

    return handler


def _openapi(category: str) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.help,
            "schema": parameter_schema(category, p),
        }
        for p in PARAMS[category]
    ]
    parameters.append(
        {
            "name": HOP_HEADER,
            "in": "header",
            "required": False,
            "description": "coinrelay deployments this request already passed through (digits only)",
            "schema": HOPS_SCHEMA,
        }
    )
    model = RESULT_TYPES[category]
    return {
        "parameters": parameters,
        "responses": {
            "200": {
                "description": f"a {model.__name__}",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
            },
            "404": response(SymbolNotFoundBody, "no provider serves the symbol (the attempts are in the body)"),
            "422": response(InvalidRequestBody, "an invalid parameter or header (named in `param`)"),
            "503": response(AllProvidersFailedBody, "every provider failed (the attempts are in the body)"),
        },
    }


def add_data_routes(app: FastAPI, relay: Relay) -> None:
    """Add ``GET /api/v1/<category>`` for every category."""
    for category in ALL:
        app.add_api_route(
            f"/api/v1/{category}",
            make_handler(relay, category),
            methods=["GET"],
            tags=["data"],
            name=category,
            summary=f"{category} ({RESULT_TYPES[category].__name__})",
            description=(RESULT_TYPES[category].__doc__ or "").strip(),
            openapi_extra=_openapi(category),
            response_class=Response,
        )
