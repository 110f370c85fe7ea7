"""CoinGecko API v3 (``/api/v3/...``), shapes from ``bodies/coingecko``.

Unknown coin ids: ``/simple/price`` leaves them out (``{}``), ``/coins/markets`` too
(``[]``), and ``/coins/{id}...`` answer HTTP 404 ``{"error":"coin not found"}``.
"""

from __future__ import annotations

import math
from typing import Any

from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, error, int_param, ms, ok

PREFIX = "/api/v3"
P = "coingecko"
RATE_LIMIT_BODY = (
    b'{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit. Please visit '
    b'https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."}}'
)


def _not_found() -> Reply:
    return error(body(P, "error_404_coin_not_found.json"), 404)


def _ids(req: Request) -> list[assets.Asset]:
    found: list[assets.Asset] = []
    for raw in req.query.get("ids", "").split(","):
        a = assets.by_coingecko.get(raw.strip().lower())
        if a is not None:
            found.append(a)
    for raw in req.query.get("symbols", "").split(","):
        a = assets.ASSETS.get(raw.strip().upper())
        if a is not None and a not in found:
            found.append(a)
    return found


def _simple_price(req: Request) -> Reply:
    currencies = [c.strip().lower() for c in req.query.get("vs_currencies", "").split(",") if c.strip()]
    if not currencies:
        return error({"error": "Missing parameter vs_currencies"}, 400)

    def flag(name: str) -> bool:
        return req.query.get(name, "false").lower() == "true"

    out: dict[str, Any] = {}
    for a in _ids(req):
        row: dict[str, Any] = {}
        for cur in currencies:
            p = assets.price(a.symbol, cur.upper())
            if p is None:
                continue
            row[cur] = assets.num(p)
            if flag("include_market_cap"):
                row[f"{cur}_market_cap"] = assets.num(p * a.supply, 15)
            if flag("include_24hr_vol"):
                row[f"{cur}_24h_vol"] = assets.num(assets.volume_usd(a.symbol) * p / a.usd, 15)
            if flag("include_24hr_change"):
                row[f"{cur}_24h_change"] = assets.change_pct(a.symbol)
        if flag("include_last_updated_at"):
            row["last_updated_at"] = int(assets.now()) - 30
        out[a.coingecko] = row
    return ok(out)


def _market(a: assets.Asset, cur: str) -> dict[str, Any] | None:
    p = assets.price(a.symbol, cur.upper())
    if p is None:
        return None
    tpl = body(P, "coins_markets_recorded_2022.json")[0]
    pct = assets.change_pct(a.symbol)
    n = assets.num
    values = {
        "id": a.coingecko,
        "symbol": a.symbol.lower(),
        "name": a.name,
        "image": f"https://assets.coingecko.com/coins/images/{a.rank}/large/{a.coingecko}.png",
        "current_price": n(p),
        "market_cap": round(p * a.supply),
        "market_cap_rank": a.rank,
        "fully_diluted_valuation": round(p * a.max_supply) if a.max_supply else None,
        "total_volume": round(assets.volume_usd(a.symbol) * p / a.usd),
        "high_24h": n(p * 1.02),
        "low_24h": n(p * 0.97),
        "price_change_24h": n(p - p / (1 + pct / 100)),
        "price_change_percentage_24h": pct,
        "market_cap_change_24h": round(p * a.supply * pct / 100),
        "market_cap_change_percentage_24h": pct,
        "circulating_supply": a.supply,
        "total_supply": a.max_supply,
        "max_supply": a.max_supply,
        "ath": n(p * 1.4),
        "ath_change_percentage": -28.57143,
        "ath_date": "2021-11-10T14:24:11.849Z",
        "atl": n(p * 0.01),
        "atl_change_percentage": 9900.0,
        "atl_date": "2013-07-06T00:00:00.000Z",
        "roi": None,
        "last_updated": assets_iso(assets.now()),
    }
    return {k: values[k] for k in tpl}


def assets_iso(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _markets(req: Request) -> Reply:
    cur = req.query.get("vs_currency", "")
    if not cur:
        return error({"error": "Missing parameter vs_currency"}, 400)
    chosen = (
        _ids(req)
        if ("ids" in req.query or "symbols" in req.query)
        else sorted(assets.ASSETS.values(), key=lambda a: a.rank)
    )
    per_page = int_param(req.query.get("per_page"), 100, 1, 250)
    rows = [m for m in (_market(a, cur) for a in chosen) if m is not None]
    return ok(rows[:per_page])


def _coin(a: assets.Asset) -> Reply:
    out = body(P, "coins_id_docs.json")
    out.update(id=a.coingecko, symbol=a.symbol.lower(), name=a.name, web_slug=a.coingecko, market_cap_rank=a.rank)
    out["localization"] = {k: a.name for k in out.get("localization", {})}
    out["description"] = {"en": f"{a.name} ({a.symbol}) — sandbox description."}
    md = out["market_data"]
    scale = a.usd / float(md["current_price"]["usd"])
    for key, value in list(md.items()):
        if isinstance(value, dict) and "usd" in value and "percentage" not in key:
            md[key] = {cur: assets.num(v * scale) if isinstance(v, (int, float)) else v for cur, v in value.items()}
    md["current_price"] = {
        c.lower(): assets.num(assets.price(a.symbol, c) or 0.0) for c in ("USD", "EUR", "GBP", "JPY", "BTC", "ETH")
    }
    md["market_cap"] = {c: round(v * a.supply, 2) for c, v in md["current_price"].items()}
    md.update(
        market_cap_rank=a.rank,
        circulating_supply=a.supply,
        total_supply=a.max_supply,
        max_supply=a.max_supply,
        last_updated=assets_iso(assets.now()),
    )
    out["last_updated"] = md["last_updated"]
    out["tickers"] = []
    community = out.get("community_data") or {}
    if community.get("twitter_followers") is not None:  # a smaller audience for smaller coins
        community["twitter_followers"] = int(community["twitter_followers"] / a.rank)
    return ok(out)


def _exchanges(req: Request) -> Reply:
    """``/exchanges``: the sandbox venues in CoinGecko's shape (no recorded body: the documented fields)."""
    per_page = int_param(req.query.get("per_page"), 100, 1, 250)
    page = int_param(req.query.get("page"), 1, 1, 1000)
    rows = [
        {
            "id": v.coingecko,
            "name": v.name,
            "year_established": v.year,
            "country": v.country,
            "description": "A made-up exchange of the coinrelay sandbox.",
            "url": f"https://{v.coinpaprika}.example/",
            "image": f"https://images.example/{v.coingecko}.png",
            "has_trading_incentive": False,
            "trust_score": v.trust,
            "trust_score_rank": i + 1,
            "trade_volume_24h_btc": assets.num(v.volume_btc * assets.drift(v.name, assets.now())),
            "trade_volume_24h_btc_normalized": assets.num(v.volume_btc * 0.8),
        }
        for i, v in enumerate(assets.VENUES)
    ]
    return ok(rows[(page - 1) * per_page : page * per_page])


def _ohlc(req: Request, a: assets.Asset) -> Reply:
    cur = req.query.get("vs_currency", "usd").upper()
    days_raw = req.query.get("days", "1")
    days = 365 if days_raw == "max" else int_param(days_raw, 1, 1, 365)
    seconds = 1800 if days <= 2 else 14400 if days <= 30 else 345600
    count = max(1, min(days * 86400 // seconds, 500))
    if assets.price(a.symbol, cur) is None:
        return ok([])
    rows = [
        [
            ms(c.open_time + seconds),
            assets.num(c.open, 8),
            assets.num(c.high, 8),
            assets.num(c.low, 8),
            assets.num(c.close, 8),
        ]
        for c in assets.candles(a.symbol, cur, seconds, count)
    ]
    assert len(rows[0]) == len(body(P, "coins_id_ohlc_docs.json")[0])
    return ok(rows)


def _market_chart(req: Request, a: assets.Asset) -> Reply:
    cur = req.query.get("vs_currency", "usd").upper()
    days_raw = req.query.get("days", "1")
    days = 365 if days_raw == "max" else int_param(days_raw, 1, 1, 365)
    step = 300 if days <= 1 else 3600 if days <= 90 else 86400
    now = assets.now()
    start = math.floor((now - days * 86400) / step) * step
    times = [start + i * step for i in range(int((now - start) // step) + 1)] + [now]
    out = body(P, "coins_id_market_chart_docs.json")
    prices = [(t, assets.price(a.symbol, cur, t) or 0.0) for t in times]
    out["prices"] = [[ms(t), assets.num(p)] for t, p in prices]
    out["market_caps"] = [[ms(t), assets.num(p * a.supply, 15)] for t, p in prices]
    out["total_volumes"] = [[ms(t), assets.num(assets.volume_usd(a.symbol) * p / a.usd, 15)] for t, p in prices]
    return ok(out)


def _search(req: Request) -> Reply:
    q = req.query.get("query", "").lower()
    tpl = body(P, "search_docs.json")
    coins = [
        {
            "id": a.coingecko,
            "name": a.name,
            "api_symbol": a.coingecko,
            "symbol": a.symbol,
            "market_cap_rank": a.rank,
            "thumb": f"https://assets.coingecko.com/coins/images/{a.rank}/thumb/{a.coingecko}.png",
            "large": f"https://assets.coingecko.com/coins/images/{a.rank}/large/{a.coingecko}.png",
        }
        for a in sorted(assets.ASSETS.values(), key=lambda a: a.rank)
        if q and (q in a.name.lower() or q == a.symbol.lower() or q in a.coingecko)
    ]
    return ok({**{k: [] for k in tpl}, "coins": coins})


def _coins_list(req: Request) -> Reply:
    platform = req.query.get("include_platform", "false").lower() == "true"
    return ok(
        [
            {"id": a.coingecko, "symbol": a.symbol.lower(), "name": a.name, **({"platforms": {}} if platform else {})}
            for a in sorted(assets.ASSETS.values(), key=lambda a: a.coingecko)
        ]
    )


def handle(req: Request) -> Reply:
    """Answer one request to ``/api/v3/...``."""
    path = req.path.rstrip("/")
    if path.startswith(PREFIX):
        path = path[len(PREFIX) :]
    if path == "/ping":
        return ok(body(P, "ping_docs.json"))
    if path == "/simple/price":
        return _simple_price(req)
    if path == "/coins/markets":
        return _markets(req)
    if path == "/coins/list":
        return _coins_list(req)
    if path == "/search":
        return _search(req)
    if path == "/exchanges":
        return _exchanges(req)
    parts = path.split("/")
    if len(parts) >= 3 and parts[1] == "coins":
        a = assets.by_coingecko.get(parts[2])
        if a is None:
            return _not_found()
        rest = "/".join(parts[3:])
        if rest == "":
            return _coin(a)
        if rest == "ohlc":
            return _ohlc(req, a)
        if rest == "market_chart":
            return _market_chart(req, a)
    return error({"error": "Not Found"}, 404)
