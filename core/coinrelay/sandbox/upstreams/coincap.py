"""CoinCap v3 (``/v3/...``), shapes from ``bodies/coincap``: every number a string.

An unknown id answers HTTP 404 ``{"error":"<id> not found","timestamp":...}``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, error, int_param, ms, ok

PREFIX = "/v3"
P = "coincap"
RATE_LIMIT_BODY = b'{"error":"Too many requests, please try again later.","timestamp":0}'
INTERVALS = {
    "m1": 60,
    "m5": 300,
    "m15": 900,
    "m30": 1800,
    "h1": 3600,
    "h2": 7200,
    "h4": 14400,
    "h6": 21600,
    "h8": 28800,
    "h12": 43200,
    "d1": 86400,
    "w1": 604800,
}


def _s(value: float) -> str:
    """CoinCap's number format: a string with 16 decimals."""
    return assets.fmt(value, 16)


def _envelope(data: Any) -> Reply:
    return ok({"data": data, "timestamp": ms(assets.now())})


def _not_found(what: str) -> Reply:
    out = body(P, "v2_error_not_found_mock.json")
    out.update(error=f"{what} not found", timestamp=ms(assets.now()))
    return error(out, 404)


def _asset(a: assets.Asset) -> dict[str, Any]:
    tpl = body(P, "v3_asset_bitcoin_2025.json")["data"]
    p = assets.price(a.symbol, "USD") or 0.0
    values: dict[str, Any] = {
        "id": a.coincap,
        "rank": str(a.rank),
        "symbol": a.symbol,
        "name": a.name,
        "supply": _s(a.supply),
        "maxSupply": _s(a.max_supply) if a.max_supply else None,
        "marketCapUsd": _s(p * a.supply),
        "volumeUsd24Hr": _s(assets.volume_usd(a.symbol) * p / a.usd),
        "priceUsd": _s(p),
        "changePercent24Hr": _s(assets.change_pct(a.symbol)),
        "vwap24Hr": _s(p * 0.998),
        "explorer": f"https://explorer.example/{a.coincap}",
        "tokens": {},
    }
    return {k: values[k] for k in tpl}


def _assets(req: Request) -> Reply:
    chosen = sorted(assets.ASSETS.values(), key=lambda a: a.rank)
    if req.query.get("ids"):
        wanted = [i.strip() for i in req.query["ids"].split(",")]
        chosen = [assets.by_coincap[i] for i in wanted if i in assets.by_coincap]
    if req.query.get("search"):
        q = req.query["search"].lower()
        chosen = [a for a in chosen if q in a.coincap or q == a.symbol.lower() or q in a.name.lower()]
    limit = int_param(req.query.get("limit"), 100, 1, 2000)
    offset = int_param(req.query.get("offset"), 0, 0, 10_000)
    return _envelope([_asset(a) for a in chosen[offset : offset + limit]])


def _history(req: Request, a: assets.Asset) -> Reply:
    interval = req.query.get("interval", "")
    if interval not in INTERVALS or interval == "w1":
        return error({"error": "missing interval", "timestamp": ms(assets.now())}, 400)
    step = INTERVALS[interval]
    now = assets.now()
    end = int(req.query["end"]) / 1000 if req.query.get("end", "").isdigit() else now
    start = int(req.query["start"]) / 1000 if req.query.get("start", "").isdigit() else end - 86400
    first = math.ceil(start / step) * step
    rows: list[dict[str, Any]] = []
    t = first
    while t <= end and len(rows) < 2000:
        rows.append(
            {
                "priceUsd": assets.fmt(assets.price(a.symbol, "USD", t) or 0.0, 16),
                "time": ms(t),
                "circulatingSupply": assets.fmt(a.supply, 16),
                "date": datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
        t += step
    return _envelope(rows)


def _candles(req: Request) -> Reply:
    interval = req.query.get("interval", "")
    if not req.query.get("exchange"):
        return error({"error": "missing exchange", "timestamp": ms(assets.now())}, 400)
    if interval not in INTERVALS:
        return error({"error": "missing interval", "timestamp": ms(assets.now())}, 400)
    base = assets.by_coincap.get(req.query.get("baseId", ""))
    quote = assets.by_coincap.get(req.query.get("quoteId", ""))
    if base is None or quote is None:
        return _envelope([])
    seconds = INTERVALS[interval]
    tpl = body(P, "v2_candles_docs.json")["data"][0]
    rows: list[dict[str, Any]] = []
    for c in assets.candles(base.symbol, quote.symbol, seconds, 100):
        values = {
            "open": _s(c.open),
            "high": _s(c.high),
            "low": _s(c.low),
            "close": _s(c.close),
            "volume": _s(c.volume),
            "period": ms(c.open_time),
        }
        rows.append({k: values[k] for k in tpl})
    return _envelope(rows)


def _rate(cur: str) -> dict[str, Any] | None:
    names = {
        "EUR": ("euro", "€"),
        "GBP": ("british-pound-sterling", "£"),
        "JPY": ("japanese-yen", "¥"),
        "USD": ("united-states-dollar", "$"),
    }
    if cur not in names:
        return None
    rid, sign = names[cur]
    return {
        "id": rid,
        "symbol": cur,
        "currencySymbol": sign,
        "type": "fiat",
        "rateUsd": assets.fmt(1 / assets.QUOTES_PER_USD[cur], 16),
    }


def handle(req: Request) -> Reply:
    """Answer one request to ``/v3/...``."""
    path = req.path.rstrip("/")
    if path.startswith(PREFIX):
        path = path[len(PREFIX) :]
    parts = path.split("/")
    if path == "/assets":
        return _assets(req)
    if path == "/candles":
        return _candles(req)
    if path == "/rates":
        return _envelope([r for r in (_rate(c) for c in ("USD", "EUR", "GBP", "JPY")) if r is not None])
    if len(parts) == 3 and parts[1] == "rates":
        by_id = {r["id"]: r for r in (_rate(c) for c in ("USD", "EUR", "GBP", "JPY")) if r is not None}
        return _envelope(by_id[parts[2]]) if parts[2] in by_id else _not_found(parts[2])
    if len(parts) >= 3 and parts[1] == "assets":
        a = assets.by_coincap.get(parts[2])
        if a is None:
            return _not_found(parts[2])
        if len(parts) == 3:
            return _envelope(_asset(a))
        if parts[3] == "history":
            return _history(req, a)
        if parts[3] == "markets":
            return _envelope([])
    return error({"error": "Not Found", "timestamp": ms(assets.now())}, 404)
