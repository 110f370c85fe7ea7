"""``GET /api/v1/<category>``: one lean route per category.

The handler reads the query string itself (no FastAPI parameter models, no response
model re-validation), calls :meth:`Relay.fetch` with the ``x-coinrelay-hops`` header, and
writes ``result.model_dump_json()`` straight into the response. The routes and their
OpenAPI description (summary, every parameter with its type, default and constraints:
``minimum``/``maximum``, ``enum``, ``pattern``, ``maxLength``) come from the category
declarations (:mod:`coinrelay._categories`), as the validation the relay runs does, so the
schema says exactly what is accepted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from .._categories import CATEGORIES, CategorySpec
from .._errors import InvalidRequest
from .._http import HOP_HEADER
from .errors import JSON, AllProvidersFailedBody, InvalidRequestBody, SymbolNotFoundBody, error_response
from .openapi import HOPS_SCHEMA, response

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
    spec = CATEGORIES[category]
    allowed = frozenset(p.name for p in spec.params)
    names = ", ".join(p.name for p in spec.params)

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


def _openapi(spec: CategorySpec) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": f"{p.help} ({p.describe()})",
            "schema": p.json_schema(),
        }
        for p in spec.params
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
    model = spec.result
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
    """Add ``GET /api/v1/<category>`` for every category registered now."""
    for spec in CATEGORIES.values():
        app.add_api_route(
            f"/api/v1/{spec.name}",
            make_handler(relay, spec.name),
            methods=["GET"],
            tags=["data"],
            name=spec.name,
            summary=spec.help,
            description=_description(spec),
            openapi_extra=_openapi(spec),
            response_class=Response,
        )


def _description(spec: CategorySpec) -> str:
    model = spec.result
    doc = (model.__doc__ or "").strip()
    text = f"Answers a `{model.__name__}` with its `source` (provider, endpoint, failover trail)."
    return f"{text}\n\n{doc}" if doc else text
