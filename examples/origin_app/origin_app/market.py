"""Market routes: trading volume of the top symbols, forecasts, news, exchanges, health.

Every value carries coinrelay's ``source`` (provider, endpoint, failover trail, sandbox and
cache flags) so a client can always tell where it came from.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from coinrelay import CoinRelayError, InvalidRequest, Relay, Volume
from coinrelay.server import error_body

from .settings import OriginSettings

#: What ``/api/ai/predictions`` says about its numbers, in every answer.
FORECAST_NOTICE = (
    "A statistical forecast: an extrapolation of the recent drift and volatility of the price, "
    "with the interval that would hold 90% of outcomes if the future moved like the recent past. "
    "It is not an AI model and not investment advice; see the backtest in coinrelay's docs/prediction.md."
)
#: The categories the app's routes use, checked by ``/api/health``.
USED_CATEGORIES = ("price", "volume", "ohlcv", "prediction", "news", "exchanges")


def dump(model: Any) -> Any:
    """A coinrelay result as JSON-ready data (Decimals as strings, times in ISO 8601)."""
    return model.model_dump(mode="json")


def json(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def problem(exc: Exception) -> dict[str, Any]:
    """One entry's error, as coinrelay's API would answer it alone (status included)."""
    status, body = error_body(exc)
    return {"status": status, **body}


async def _volume(relay: Relay, symbol: str, quote: str) -> Volume | Exception:
    try:
        return await relay.volume(symbol, quote)
    except CoinRelayError as exc:
        return exc


def market_router(relay: Relay, settings: OriginSettings, *, sandbox: bool) -> APIRouter:
    router = APIRouter()

    @router.get("/api/trading/volume", tags=["trading"], summary="Price and 24h volume of the top symbols")
    async def trading_volume(symbols: str | None = None, quote: str | None = None) -> Response:
        """``symbols`` (comma-separated tickers or names) defaults to the configured top symbols."""
        wanted = [s for s in (symbols.split(",") if symbols else settings.top_symbols) if s.strip()]
        if not wanted:
            raise InvalidRequest("symbols", "give at least one ticker or name")
        q = quote or settings.quote
        batch = await relay.prices(wanted, q)
        resolved = [r.symbol for r in batch.results if r.price is not None and r.symbol is not None]
        volumes = dict(zip(resolved, await asyncio.gather(*(_volume(relay, s, q) for s in resolved)), strict=True))
        rows = []
        for r in batch.results:
            if r.price is None or r.symbol is None:
                error = r.error.model_dump(mode="json") if r.error is not None else None
                rows.append({"query": r.query, "symbol": r.symbol, "error": error})
                continue
            row: dict[str, Any] = {
                "query": r.query,
                "symbol": r.symbol,
                "quote": r.price.quote,
                "price": str(r.price.price),
                "price_source": dump(r.price.source),
            }
            v = volumes[r.symbol]
            if isinstance(v, Volume):
                row.update(
                    volume_quote=v.quote,
                    volume_24h=None if v.quote_volume is None else str(v.quote_volume),
                    base_volume_24h=None if v.base_volume is None else str(v.base_volume),
                    change_24h_pct=None if v.price_change_pct is None else str(v.price_change_pct),
                    volume_source=dump(v.source),
                )
            else:
                row["volume_error"] = problem(v)
            rows.append(row)
        ok = sum(1 for row in rows if "error" not in row)
        return json({"quote": batch.quote, "symbols": rows, "ok": ok, "failed": len(rows) - ok})

    @router.get(
        "/api/ai/predictions/{coin}",
        tags=["predictions"],
        summary="coinrelay's statistical forecast of a coin (ticker or name); not AI",
    )
    async def prediction(coin: str, horizon: str = "1d", quote: str | None = None) -> Response:
        symbol = relay.resolve(coin, "coin")
        p = await relay.prediction(symbol, quote or settings.quote, horizon)
        return json(
            {
                "kind": "statistical forecast",
                "notice": FORECAST_NOTICE,
                "coin": coin,
                "symbol": p.symbol,
                "quote": p.quote,
                "horizon": p.horizon,
                "model": p.model,
                "method": p.method,
                "last_price": None if p.last_price is None else str(p.last_price),
                "predicted_price": str(p.predicted_price),
                "interval": {
                    "low": None if p.interval_low is None else str(p.interval_low),
                    "high": None if p.interval_high is None else str(p.interval_high),
                    "confidence": None if p.confidence is None else str(p.confidence),
                },
                "as_of": None if p.as_of is None else p.as_of.isoformat(),
                "source": dump(p.source),
            }
        )

    @router.get("/api/news/{coin}", tags=["news"], summary="News about a coin given by ticker or name")
    async def news(coin: str, limit: str = "10") -> Response:
        """``limit`` is checked by coinrelay (1-100), so a bad one is answered like coinrelay's own 422."""
        symbol = relay.resolve(coin, "coin")
        result = await relay.fetch("news", symbol=symbol, limit=limit)
        return json({"coin": coin, **dump(result)})

    @router.get("/api/exchanges", tags=["exchanges"], summary="Exchanges ranked by trust, with 24h volume")
    async def exchanges(limit: str = "20") -> Response:
        return json(dump(await relay.fetch("exchanges", limit=limit)))

    @router.get("/api/health", tags=["health"], summary="The app and the providers behind each route")
    async def health() -> Response:
        report = await relay.health()
        providers = report["providers"]
        chains = relay.chains()
        categories = {}
        for category in USED_CATEGORIES:
            names = [n for tier in chains.get(category, []) for n in tier]
            usable = [n for n in names if providers.get(n, {}).get("available")]
            categories[category] = {"chain": names, "usable": usable}
        down = [c for c, v in categories.items() if not v["usable"]]
        return json(
            {
                "status": "degraded" if down else "ok",
                "app": "origin_app",
                "sandbox": sandbox,
                "unavailable_categories": down,
                "categories": categories,
                "providers": {
                    n: {"available": p["available"], "breaker": p["breaker"]["state"]} for n, p in providers.items()
                },
                "monitoring": "/api/system/providers/health",
            }
        )

    return router
