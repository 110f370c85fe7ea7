"""Portfolio routes: ``POST /api/portfolio/simulate`` and the price alerts.

Bodies are read with Decimal numbers (no float rounding of amounts or thresholds) and checked
entry by entry: a bad one is a 422 whose ``param`` names it (``holdings[2].amount``), answered
by coinrelay's own error mapping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from coinrelay import AllProvidersFailed, CoinRelayError, InvalidRequest, Relay, Volume

from .settings import OriginSettings

#: Most holdings (and alerts per check) one request may carry.
MAX_ENTRIES = 100
CENT = Decimal("0.01")


async def read_body(request: Request) -> Any:
    """The JSON body, numbers as Decimal. :raises InvalidRequest: (param ``body``) not JSON."""
    try:
        return json.loads(await request.body(), parse_float=Decimal, parse_int=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("body", f"not valid JSON: {exc}") from None


def positive(value: Any, param: str) -> Decimal:
    """A positive finite number (JSON number or numeric string)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, str)):
        raise InvalidRequest(param, f"expected a positive number, got {type(value).__name__}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else value
    except InvalidOperation:
        raise InvalidRequest(param, f"expected a positive number, got {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise InvalidRequest(param, f"must be a positive number, got {value}")
    return number


def entries(body: Any, key: str, allowed_top: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """``body[key]``: a non-empty list of objects (at most :data:`MAX_ENTRIES`)."""
    if not isinstance(body, dict):
        raise InvalidRequest("body", f"expected a JSON object with {key!r}")
    for name in body:
        if name not in allowed_top:
            raise InvalidRequest(name, f"unknown field; allowed: {', '.join(allowed_top)}")
    items = body.get(key)
    if not isinstance(items, list) or not items:
        raise InvalidRequest(key, "expected a non-empty list")
    if len(items) > MAX_ENTRIES:
        raise InvalidRequest(key, f"at most {MAX_ENTRIES} entries, got {len(items)}")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidRequest(f"{key}[{i}]", f"expected an object, got {type(item).__name__}")
    return items


def check_fields(item: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    for name in item:
        if name not in allowed:
            raise InvalidRequest(f"{where}.{name}", f"unknown field; allowed: {', '.join(allowed)}")


def symbol_of(relay: Relay, item: Mapping[str, Any], where: str) -> str:
    """The entry's ``symbol`` (ticker or name) resolved to a ticker, errors naming ``<where>.symbol``."""
    raw = item.get("symbol")
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidRequest(f"{where}.symbol", "expected a ticker or a coin name")
    return relay.resolve(raw, f"{where}.symbol")


def quote_of(body: Mapping[str, Any], default: str) -> str:
    quote = body.get("quote", default)
    if not isinstance(quote, str):
        raise InvalidRequest("quote", "expected a currency ticker such as USD")
    return quote


async def priced(relay: Relay, symbols: list[str], quote: str, where: list[str]) -> list[Any]:
    """The price of each symbol; a symbol no provider serves is the caller's entry at fault (422),
    every provider failing is not (503, the entry named in the message)."""
    batch = await relay.prices(symbols, quote)
    out = []
    for answer, param in zip(batch.results, where, strict=True):
        if answer.price is not None:
            out.append(answer.price)
            continue
        assert answer.error is not None
        if answer.error.error in ("symbol_not_found", "invalid_request"):
            raise InvalidRequest(param, answer.error.message)
        raise AllProvidersFailed("price", answer.error.attempts, reason=f"no price for {param}")
    return out


def _dec(x: Decimal, places: Decimal = Decimal("0.00000001")) -> str:
    return str(x.quantize(places).normalize()) if x else "0"


async def _change(relay: Relay, symbol: str, quote: str) -> Volume | None:
    try:
        return await relay.volume(symbol, quote)
    except CoinRelayError:
        return None  # the 24h change is extra information: its absence does not fail the simulation


async def simulate(relay: Relay, body: Any, default_quote: str) -> dict[str, Any]:
    """Holdings -> value, allocation and 24h change, each price with its provenance."""
    items = entries(body, "holdings", ("holdings", "quote"))
    quote = quote_of(body, default_quote)
    symbols, amounts, where = [], [], []
    for i, item in enumerate(items):
        at = f"holdings[{i}]"
        check_fields(item, at, ("symbol", "amount"))
        symbols.append(symbol_of(relay, item, at))
        amounts.append(positive(item.get("amount"), f"{at}.amount"))
        where.append(f"{at}.symbol")
    prices = await priced(relay, symbols, quote, where)
    changes = await asyncio.gather(*(_change(relay, s, quote) for s in symbols))
    values = [a * p.price for a, p in zip(amounts, prices, strict=True)]
    total = sum(values, Decimal(0))
    positions, total_change = [], Decimal(0)
    for item, sym, amount, price, value, vol in zip(items, symbols, amounts, prices, values, changes, strict=True):
        pct = vol.price_change_pct if vol is not None else None
        change = value - value / (1 + pct / 100) if pct is not None else None
        total_change += change or 0
        positions.append(
            {
                "query": item["symbol"],
                "symbol": sym,
                "amount": str(amount),
                "price": str(price.price),
                "price_quote": price.quote,
                "value": _dec(value),
                "allocation_pct": _dec(value / total * 100, CENT) if total else "0",
                "change_24h_pct": None if pct is None else str(pct),
                "value_change_24h": None if change is None else _dec(change),
                "price_source": price.source.model_dump(mode="json"),
                "change_source": None if vol is None else vol.source.model_dump(mode="json"),
            }
        )
    before = total - total_change
    return {
        "quote": quote,
        "total_value": _dec(total),
        "value_change_24h": _dec(total_change),
        "change_24h_pct": _dec(total_change / before * 100, CENT) if before else None,
        "positions": positions,
    }


@dataclass(slots=True)
class Alert:
    id: str
    symbol: str
    quote: str
    above: Decimal | None
    below: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "symbol": self.symbol,
            "quote": self.quote,
            "above": None if self.above is None else str(self.above),
            "below": None if self.below is None else str(self.below),
        }


class AlertBook:
    """The app's price alerts, in memory (a real deployment would keep them in its database)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.alerts: dict[str, Alert] = {}
        self._ids = itertools.count(1)

    def add(self, alert: Alert) -> Alert:
        if len(self.alerts) >= self.limit:
            raise InvalidRequest("alerts", f"at most {self.limit} alerts; delete some first")
        self.alerts[alert.id] = alert
        return alert

    def next_id(self) -> str:
        return f"alert-{next(self._ids)}"


def parse_alert(relay: Relay, item: Mapping[str, Any], where: str, default_quote: str, ident: str) -> Alert:
    check_fields(item, where, ("symbol", "above", "below", "quote"))
    symbol = symbol_of(relay, item, where)
    above = positive(item["above"], f"{where}.above") if item.get("above") is not None else None
    below = positive(item["below"], f"{where}.below") if item.get("below") is not None else None
    if above is None and below is None:
        raise InvalidRequest(f"{where}.above", "give a threshold: 'above', 'below' or both")
    if above is not None and below is not None and below >= above:
        raise InvalidRequest(f"{where}.below", f"must be less than 'above' ({above}) for a band")
    return Alert(ident, symbol, quote_of(item, default_quote), above, below)


async def check(relay: Relay, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Each alert with the current price, whether it triggered and why, and the price's provenance."""
    out = []
    for quote in sorted({a.quote for a in alerts}):
        mine = [a for a in alerts if a.quote == quote]
        batch = await relay.prices([a.symbol for a in mine], quote)
        for alert, answer in zip(mine, batch.results, strict=True):
            row: dict[str, Any] = alert.as_dict()
            if answer.price is None:
                row.update(triggered=None, error=answer.error.model_dump(mode="json") if answer.error else None)
            else:
                price = answer.price.price
                hit = [
                    f"{price} >= {alert.above}" if alert.above is not None and price >= alert.above else None,
                    f"{price} <= {alert.below}" if alert.below is not None and price <= alert.below else None,
                ]
                reasons = [h for h in hit if h]
                row.update(
                    current_price=str(price),
                    triggered=bool(reasons),
                    reason=reasons[0] if reasons else None,
                    price_source=answer.price.source.model_dump(mode="json"),
                )
            out.append(row)
    order = {a.id: i for i, a in enumerate(alerts)}
    return sorted(out, key=lambda r: order[r["id"]])


def portfolio_router(relay: Relay, settings: OriginSettings, book: AlertBook) -> APIRouter:
    router = APIRouter(tags=["portfolio"])

    @router.post("/api/portfolio/simulate", summary="Holdings -> value, allocation, 24h change (with provenance)")
    async def simulate_route(request: Request) -> Response:
        """Body: ``{"holdings": [{"symbol": "BTC", "amount": 0.5}, ...], "quote": "USD"}``."""
        return JSONResponse(await simulate(relay, await read_body(request), settings.quote))

    @router.post("/api/portfolio/alerts", summary="Add a price alert (above and/or below a threshold)")
    async def add_alert(request: Request) -> Response:
        """Body: ``{"symbol": "BTC", "above": 70000}`` (or ``below``, or both for a band)."""
        body = await read_body(request)
        if not isinstance(body, dict):
            raise InvalidRequest("body", 'expected a JSON object such as {"symbol": "BTC", "above": 70000}')
        alert = book.add(parse_alert(relay, body, "alert", settings.quote, book.next_id()))
        (row,) = await check(relay, [alert])
        return JSONResponse(row, status_code=201)

    @router.get("/api/portfolio/alerts", summary="Every alert, checked against the current prices")
    async def list_alerts() -> Response:
        alerts = list(book.alerts.values())
        return JSONResponse({"alerts": await check(relay, alerts) if alerts else []})

    @router.delete("/api/portfolio/alerts/{alert_id}", summary="Delete an alert")
    async def delete_alert(alert_id: str) -> Response:
        if book.alerts.pop(alert_id, None) is None:
            return JSONResponse(
                {"error": "unknown_alert", "message": f"no alert {alert_id!r}", "param": "alert_id"}, status_code=404
            )
        return Response(status_code=204)

    @router.post("/api/portfolio/alerts/check", summary="Check thresholds without storing them")
    async def check_alerts(request: Request) -> Response:
        """Body: ``{"alerts": [{"symbol": "BTC", "above": 70000}, {"symbol": "ETH", "below": 2000}]}``."""
        body = await read_body(request)
        items = entries(body, "alerts", ("alerts",))
        alerts = [parse_alert(relay, it, f"alerts[{i}]", settings.quote, f"check-{i}") for i, it in enumerate(items)]
        return JSONResponse({"alerts": await check(relay, alerts)})

    return router
