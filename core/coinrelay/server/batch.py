"""``GET /api/v1/prices`` (a batch of prices) and ``GET /api/v1/resolve`` (names -> tickers).

``/api/v1/prices?symbols=BTC,ethereum,NOPE&quote=USD`` answers 200 with one entry per symbol,
each with its own ``price`` (and its ``source``) or ``error`` (see
:class:`~coinrelay._batch.PriceBatch`); only a bad batch (no ``symbols``, more than 100, a
bad ``quote``, an unknown parameter) is a 422. ``/api/v1/resolve?q=bitcoin`` answers the
ticker, the asset's name, how the text matched and the loaded providers' ids for it; an
ambiguous name is a 422 whose body lists the ``candidates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from .._batch import MAX_SYMBOLS, PriceBatch
from .._catalog import CATEGORIES
from .._errors import InvalidRequest
from .._http import HOP_HEADER
from .._names import AmbiguousSymbol, UnknownSymbol, index_for
from .data import parse_hops
from .errors import JSON, InvalidRequestBody, bounded, error_body, json_response
from .openapi import HOPS_SCHEMA, response

if TYPE_CHECKING:
    from .._relay import Relay


class NameRefusedBody(InvalidRequestBody):
    """A 422 ``invalid_request`` for a name: the assets it could mean, or tickers close to it."""

    model_config = ConfigDict(title="NameRefusedBody")
    candidates: list[str] | None = None
    suggestions: list[str] | None = None


class UnknownNameBody(BaseModel):
    """404: no asset has this ticker, name or provider id (``suggestions``: close matches)."""

    model_config = ConfigDict(title="UnknownNameBody")
    error: Literal["unknown_symbol"]
    param: str
    message: str
    suggestions: list[str] | None = None


class ResolveAnswer(BaseModel):
    """What ``/api/v1/resolve`` answers: the ticker, the asset's name, how it matched, provider ids."""

    query: str
    symbol: str
    name: str | None = None
    matched_by: str
    ids: dict[str, str]
    suggestions: list[str] | None = None


#: Models the batch routes answer with, for the OpenAPI components.
BATCH_MODELS: tuple[type[BaseModel], ...] = (PriceBatch, ResolveAnswer, NameRefusedBody, UnknownNameBody)


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
    if isinstance(exc, UnknownSymbol):  # a name nobody knows: not found, like an unknown symbol
        unknown = UnknownNameBody(
            error="unknown_symbol", param=exc.param, message=bounded(str(exc)), suggestions=exc.suggestions or None
        )
        return Response(unknown.model_dump_json(exclude_none=True), status_code=404, media_type=JSON)
    status, body = error_body(exc)
    if isinstance(exc, AmbiguousSymbol):
        body["candidates"] = [c.describe() for c in exc.candidates]
    return json_response(body, status)


def batch_router(relay: Relay) -> APIRouter:
    """The batch and name routes of ``relay``."""
    router = APIRouter(tags=["data"])
    quote = next(p for p in CATEGORIES["price"].params if p.name == "quote")
    hops = {"name": HOP_HEADER, "in": "header", "required": False, "schema": HOPS_SCHEMA}
    price_params: dict[str, Any] = {
        "parameters": [
            {
                "name": "symbols",
                "in": "query",
                "required": True,
                "description": f"comma-separated tickers, names or provider ids (at most {MAX_SYMBOLS})",
                # at least one symbol (blank entries between commas are dropped)
                "schema": {"type": "string", "pattern": r"[^,\s]"},
            },
            {"name": "quote", "in": "query", "required": False, "schema": quote.json_schema()},
            hops,
        ],
        "responses": {
            "200": response(PriceBatch, "one entry per symbol: its price and source, or its own error"),
            "422": response(NameRefusedBody, "a bad batch: no symbols, too many, a bad quote or parameter"),
        },
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
                    # ASCII (names are; nothing is case-folded into one), at least one non-blank
                    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^[ -~]*[!-~][ -~]*$"},
                }
            ],
            "responses": {
                "200": response(ResolveAnswer, "the ticker and what is known of it"),
                "404": response(UnknownNameBody, "no asset has this ticker, name or provider id"),
                "422": response(NameRefusedBody, "an ambiguous name (with its candidates)"),
            },
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
