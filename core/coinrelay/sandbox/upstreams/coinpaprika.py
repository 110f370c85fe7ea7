"""CoinPaprika (``/v1/...``), shapes from ``bodies/coinpaprika``: numbers are JSON numbers,
times RFC 3339. An unknown id answers HTTP 404 ``{"error":"id not found"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, error, int_param, ok

PREFIX = "/v1"
P = "coinpaprika"
RATE_LIMIT_BODY = b'{"error":"Too many requests"}'


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_found() -> Reply:
    return error({"error": "id not found"}, 404)


def _ticker(a: assets.Asset, quotes: list[str]) -> dict[str, Any]:
    tpl = body(P, "tickers_btc_bitcoin_recorded_2022.json")
    qtpl = tpl["quotes"]["USD"]
    now = assets.now()
    out = {
        **tpl,
        "id": a.coinpaprika,
        "name": a.name,
        "symbol": a.symbol,
        "rank": a.rank,
        "circulating_supply": round(a.supply),
        "total_supply": round(a.supply),
        "max_supply": round(a.max_supply) if a.max_supply else 0,
        "last_updated": _iso(now),
        "quotes": {},
    }
    for q in quotes:
        p = assets.price(a.symbol, q, now)
        if p is None:
            continue
        pct = assets.change_pct(a.symbol)
        values = {
            **qtpl,
            "price": assets.num(p, 16),
            "volume_24h": assets.num(assets.volume_usd(a.symbol) * p / a.usd),
            "market_cap": round(p * a.supply),
            "percent_change_24h": pct,
            "market_cap_change_24h": pct,
            "ath_price": assets.num(p * 1.4),
            "percent_from_price_ath": -28.57,
        }
        out["quotes"][q] = {k: values[k] for k in qtpl}
    return out


def _quotes(req: Request) -> list[str]:
    return [q.strip().upper() for q in req.query.get("quotes", "USD").split(",") if q.strip()] or ["USD"]


def _ohlcv_row(a: assets.Asset, quote: str, t0: float, t1: float) -> dict[str, Any]:
    tpl = body(P, "ohlcv_historical_docs.json")[0]
    c = assets.candles(a.symbol, quote, 86400, 1, end=t0 + 1)[0]
    close = assets.price(a.symbol, quote, t1) or c.close
    values = {
        "time_open": _iso(t0),
        "time_close": _iso(t1),
        "open": assets.num(c.open, 16),
        "high": assets.num(max(c.high, close), 16),
        "low": assets.num(min(c.low, close), 16),
        "close": assets.num(close, 16),
        "volume": round(assets.volume_usd(a.symbol)),
        "market_cap": round((assets.price(a.symbol, quote, t1) or 0.0) * a.supply),
    }
    return {k: values[k] for k in tpl}


def _ohlcv(req: Request, a: assets.Asset, kind: str) -> Reply:
    quote = req.query.get("quote", "usd").upper()
    if assets.price(a.symbol, quote) is None:
        return error({"error": "invalid quote"}, 400)
    now = assets.now()
    day = now - now % 86400
    if kind in ("today", "latest"):
        t0 = day if kind == "today" else day - 86400
        return ok([_ohlcv_row(a, quote, t0, now if kind == "today" else day - 1)])
    if "start" not in req.query:
        return error({"error": "start is required"}, 400)
    limit = int_param(req.query.get("limit"), 1, 1, 366)
    return ok([_ohlcv_row(a, quote, day - 86400 * (i + 1), day - 86400 * i - 1) for i in range(limit - 1, -1, -1)])


def _coin(a: assets.Asset) -> dict[str, Any]:
    return {
        "id": a.coinpaprika,
        "name": a.name,
        "symbol": a.symbol,
        "rank": a.rank,
        "is_new": False,
        "is_active": True,
        "type": "coin",
        "logo": f"https://static.coinpaprika.com/coin/{a.coinpaprika}/logo.png",
        "tags": [],
        "team": [],
        "description": f"{a.name} ({a.symbol}) — sandbox description.",
        "message": "",
        "open_source": True,
        "started_at": "2009-01-03T00:00:00Z",
        "development_status": "Working product",
        "hardware_wallet": True,
        "proof_type": "Proof of Work",
        "org_structure": "Decentralized",
        "hash_algorithm": "SHA256",
        "links": {
            "explorer": [f"https://explorer.example/{a.coinpaprika}"],
            "facebook": [],
            "reddit": [],
            "source_code": [f"https://github.com/example/{a.coinpaprika}"],
            "website": [f"https://{a.name.lower()}.example"],
            "youtube": [],
        },
        "links_extended": [{"url": f"https://{a.name.lower()}.example", "type": "website"}],
        "whitepaper": {"link": None, "thumbnail": None},
        "first_data_at": "2010-07-17T00:00:00Z",
        "last_data_at": _iso(assets.now()),
    }


def _exchanges(req: Request) -> Reply:
    """``/exchanges``: the sandbox venues in CoinPaprika's shape (no recorded body: the documented fields)."""
    btc_usd = assets.price("BTC", "USD") or 0.0
    rows = []
    for i, v in enumerate(assets.VENUES):
        volumes = {
            "USD": v.volume_btc * btc_usd,
            "BTC": v.volume_btc,
        }
        rows.append(
            {
                "id": v.coinpaprika,
                "name": v.name,
                "active": True,
                "website_status": True,
                "api_status": True,
                "description": "A made-up exchange of the coinrelay sandbox.",
                "message": None,
                "links": {"website": [f"https://{v.coinpaprika}.example/"]},
                "markets_data_fetched": True,
                "adjusted_rank": i + 1,
                "reported_rank": i + 1,
                "currencies": 100 - 10 * i,
                "markets": 500 - 60 * i,
                "fiats": [{"name": "US Dollars", "symbol": "USD"}],
                "quotes": {
                    q: {
                        f"{kind}_volume_{span}": assets.num(vol * days * (1.1 if kind == "reported" else 1.0))
                        for kind in ("reported", "adjusted")
                        for span, days in (("24h", 1), ("7d", 7), ("30d", 30))
                    }
                    for q, vol in volumes.items()
                    if q in _quotes(req)
                },
                "confidence_score": round(v.trust / 10, 2),
                "sessions_per_month": 1_000_000 * (5 - i),
                "last_updated": _iso(assets.now()),
            }
        )
    return ok(rows)


def handle(req: Request) -> Reply:
    """Answer one request to ``/v1/...``."""
    path = req.path.rstrip("/")
    if path.startswith(PREFIX):
        path = path[len(PREFIX) :]
    parts = path.split("/")
    ranked = sorted(assets.ASSETS.values(), key=lambda a: a.rank)
    if path == "/coins":
        return ok(
            [{k: _coin(a)[k] for k in ("id", "name", "symbol", "rank", "is_new", "is_active", "type")} for a in ranked]
        )
    if path == "/tickers":
        return ok([_ticker(a, _quotes(req)) for a in ranked])
    if path == "/exchanges":
        return _exchanges(req)
    if len(parts) >= 3 and parts[1] in ("coins", "tickers"):
        a = assets.by_coinpaprika.get(parts[2])
        if a is None:
            return _not_found()
        if parts[1] == "tickers" and len(parts) == 3:
            return ok(_ticker(a, _quotes(req)))
        if parts[1] == "coins" and len(parts) == 3:
            return ok(_coin(a))
        if parts[1] == "coins" and len(parts) == 5 and parts[3] == "ohlcv":
            return _ohlcv(req, a, parts[4])
    return error({"error": "not found"}, 404)
