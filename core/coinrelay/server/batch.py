"""``GET /api/v1/prices`` (a batch of prices) and ``GET /api/v1/resolve`` (names -> tickers).

``/api/v1/prices?symbols=BTC,ethereum,NOPE&quote=USD`` answers 200 with one entry per symbol,
each with its own ``price`` (and its ``source``) or ``error`` (see
:class:`~coinrelay._batch.PriceBatch`); only a bad batch (no ``symbols``, more than 100, a
bad ``quote``, an unknown parameter) is a 422. ``/api/v1/resolve?q=bitcoin`` answers the
ticker, the asset's name, how the text matched and the loaded providers' ids for it; an
ambiguous name is a 422 whose body lists the ``candidates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .._batch import MAX_SYMBOLS
from .._errors import InvalidRequest
from .._http import HOP_HEADER
from .._names import AmbiguousSymbol, UnknownSymbol, index_for
from .data import parse_hops
from .errors import JSON, error_body, json_response

if TYPE_CHECKING:
    from .._relay import Relay


def _query(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query as a dict; a parameter given twice or not in ``allowed`` is an ``InvalidRequest``."""
    query = request.query_params
    params = dict(query)
    for name in params:
        if len(query.getlist(name)) > 1:
            raise InvalidRequest(name, "given more than once")
        if name not in allowed:
            raise InvalidRequest(name, f"not a parameter of this route; allowed: {', '.join(allowed)}")
    return params


def _error(exc: Exception) -> Response:
    status, body = error_body(exc)
    if isinstance(exc, AmbiguousSymbol):
        body["candidates"] = [c.describe() for c in exc.candidates]
    elif isinstance(exc, UnknownSymbol) and exc.suggestions:
        body["suggestions"] = exc.suggestions
    return json_response(body, status)


def batch_router(relay: Relay) -> APIRouter:
    """The batch and name routes of ``relay``."""
    router = APIRouter(tags=["data"])
    price_params: dict[str, Any] = {
        "parameters": [
            {
                "name": "symbols",
                "in": "query",
                "required": True,
                "description": f"comma-separated tickers, names or provider ids (at most {MAX_SYMBOLS})",
                "schema": {"type": "string"},
            },
            {"name": "quote", "in": "query", "required": False, "schema": {"type": "string", "default": "USD"}},
        ]
    }

    @router.get(
        "/api/v1/prices",
        summary="Prices of several symbols, each with its own provenance or error (PriceBatch)",
        openapi_extra=price_params,
        response_class=Response,
    )
    async def prices(request: Request) -> Response:
        try:
            params = _query(request, ("symbols", "quote"))
            if "symbols" not in params:
                raise InvalidRequest("symbols", "is required (comma-separated, e.g. BTC,ethereum)")
            hops = parse_hops(request.headers.get(HOP_HEADER))
            batch = await relay.prices(params["symbols"], params.get("quote", "USD"), hops=hops)
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON error response
            return _error(exc)
        return Response(batch.model_dump_json(), media_type=JSON)

    @router.get(
        "/api/v1/resolve",
        summary="The ticker of a name, ticker or provider id (ambiguous names are refused with the candidates)",
        openapi_extra={
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "description": "a ticker, a name or a provider id",
                    "schema": {"type": "string"},
                }
            ]
        },
        response_class=Response,
    )
    async def resolve(request: Request) -> Response:
        try:
            params = _query(request, ("q",))
            if "q" not in params:
                raise InvalidRequest("q", "is required (a ticker, a name or a provider id)")
            match = index_for(relay).lookup(params["q"], "q")
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON error response
            return _error(exc)
        return json_response(
            {
                "query": match.query,
                "symbol": match.ticker,
                "name": match.name,
                "matched_by": match.matched_by,
                "ids": match.ids,
                **({"suggestions": list(match.suggestions)} if match.suggestions else {}),
            }
        )

    return router
