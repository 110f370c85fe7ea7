"""CoinCap's sandbox upstream: v3 (``/v3/...``) on loopback, shapes from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``coincap``, values from the sandbox market,
every number a string. v3 needs a key, so the upstream asks for a dummy one. An unknown id
answers HTTP 404 ``{"error":"<id> not found","timestamp":...}``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from coinrelay.plugin import RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

PREFIX = "/v3"
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
#: CoinCap's asset id of each sandbox asset.
IDS = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "USDT": "tether",
    "BNB": "binance-coin",
    "SOL": "solana",
    "USDC": "usd-coin",
    "XRP": "xrp",
    "DOGE": "dogecoin",
    "ADA": "cardano",
    "AVAX": "avalanche",
    "DOT": "polkadot",
    "LINK": "chainlink",
    "LTC": "litecoin",
}
BY_ID = {cc: market.ASSETS[symbol] for symbol, cc in IDS.items()}
#: The fiat rates served by ``/rates``: id and currency sign.
RATES = {
    "USD": ("united-states-dollar", "$"),
    "EUR": ("euro", "€"),
    "GBP": ("british-pound-sterling", "£"),
    "JPY": ("japanese-yen", "¥"),
}

bodies = RecordedBodies("coinrelay_coincap")


def _now_ms() -> int:
    return market.ms(market.now())


routes = Routes(PREFIX, not_found=lambda req: Reply.json({"error": "Not Found", "timestamp": _now_ms()}, status=404))


def upstream() -> SandboxUpstream:
    """One fake ``/v3`` that needs a key (a dummy ``api_key``), CoinCap's own 429 body."""
    return SandboxUpstream(
        handler=routes, prefix=PREFIX, credentials={"api_key": "sandbox-dummy-key"}, rate_limit_body=RATE_LIMIT_BODY
    )


def _s(value: float) -> str:
    """CoinCap's number format: a string with 16 decimals."""
    return market.fixed(value, 16)


def _envelope(data: Any) -> Reply:
    return Reply.json({"data": data, "timestamp": _now_ms()})


def _error(message: str, status: int) -> Reply:
    return Reply.json({"error": message, "timestamp": _now_ms()}, status=status)


def _not_found(what: str) -> Reply:
    out = bodies("v2_error_not_found_mock.json")
    out.update(error=f"{what} not found", timestamp=_now_ms())
    return Reply.json(out, status=404)


def _asset(a: market.Asset) -> dict[str, Any]:
    tpl = bodies("v3_asset_bitcoin_2025.json")["data"]
    p = market.price(a.symbol, "USD") or 0.0
    values: dict[str, Any] = {
        "id": IDS[a.symbol],
        "rank": str(a.rank),
        "symbol": a.symbol,
        "name": a.name,
        "supply": _s(a.supply),
        "maxSupply": _s(a.max_supply) if a.max_supply else None,
        "marketCapUsd": _s(p * a.supply),
        "volumeUsd24Hr": _s(market.volume_usd(a.symbol) * p / a.usd),
        "priceUsd": _s(p),
        "changePercent24Hr": _s(market.change_pct(a.symbol)),
        "vwap24Hr": _s(p * 0.998),
        "explorer": f"https://explorer.example/{IDS[a.symbol]}",
        "tokens": {},
    }
    return {k: values[k] for k in tpl}


def _rate(cur: str) -> dict[str, Any]:
    rid, sign = RATES[cur]
    return {
        "id": rid,
        "symbol": cur,
        "currencySymbol": sign,
        "type": "fiat",
        "rateUsd": market.fixed(1 / market.QUOTES_PER_USD[cur], 16),
    }


@routes.get("/assets")
def assets(req: Request) -> Reply:
    chosen = market.ranked()
    if req.query.get("ids"):
        wanted = [i.strip() for i in req.query["ids"].split(",")]
        chosen = [BY_ID[i] for i in wanted if i in BY_ID]
    if req.query.get("search"):
        q = req.query["search"].lower()
        chosen = [a for a in chosen if q in IDS[a.symbol] or q == a.symbol.lower() or q in a.name.lower()]
    limit = req.query_int("limit", 100, 1, 2000)
    offset = req.query_int("offset", 0, 0, 10_000)
    return _envelope([_asset(a) for a in chosen[offset : offset + limit]])


@routes.get("/assets/{asset_id}")
def asset(req: Request, asset_id: str) -> Reply:
    a = BY_ID.get(asset_id)
    return _envelope(_asset(a)) if a is not None else _not_found(asset_id)


@routes.get("/assets/{asset_id}/markets")
def asset_markets(req: Request, asset_id: str) -> Reply:
    return _envelope([]) if asset_id in BY_ID else _not_found(asset_id)


@routes.get("/assets/{asset_id}/history")
def history(req: Request, asset_id: str) -> Reply:
    a = BY_ID.get(asset_id)
    if a is None:
        return _not_found(asset_id)
    interval = req.query.get("interval", "")
    if interval not in INTERVALS or interval == "w1":
        return _error("missing interval", 400)
    step = INTERVALS[interval]
    end = int(req.query["end"]) / 1000 if req.query.get("end", "").isdigit() else market.now()
    start = int(req.query["start"]) / 1000 if req.query.get("start", "").isdigit() else end - 86400
    rows: list[dict[str, Any]] = []
    t = math.ceil(start / step) * step
    while t <= end and len(rows) < 2000:
        rows.append(
            {
                "priceUsd": _s(market.price(a.symbol, "USD", t) or 0.0),
                "time": market.ms(t),
                "circulatingSupply": _s(a.supply),
                "date": datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
        t += step
    return _envelope(rows)


@routes.get("/candles")
def candles(req: Request) -> Reply:
    interval = req.query.get("interval", "")
    if not req.query.get("exchange"):
        return _error("missing exchange", 400)
    if interval not in INTERVALS:
        return _error("missing interval", 400)
    base = BY_ID.get(req.query.get("baseId", ""))
    quote = BY_ID.get(req.query.get("quoteId", ""))
    if base is None or quote is None:
        return _envelope([])
    tpl = bodies("v2_candles_docs.json")["data"][0]
    rows: list[dict[str, Any]] = []
    for c in market.candles(base.symbol, quote.symbol, INTERVALS[interval], 100):
        values = {
            "open": _s(c.open),
            "high": _s(c.high),
            "low": _s(c.low),
            "close": _s(c.close),
            "volume": _s(c.volume),
            "period": market.ms(c.open_time),
        }
        rows.append({k: values[k] for k in tpl})
    return _envelope(rows)


@routes.get("/rates")
def rates(req: Request) -> Reply:
    return _envelope([_rate(c) for c in RATES])


@routes.get("/rates/{rate_id}")
def rate(req: Request, rate_id: str) -> Reply:
    by_id = {RATES[c][0]: c for c in RATES}
    return _envelope(_rate(by_id[rate_id])) if rate_id in by_id else _not_found(rate_id)
