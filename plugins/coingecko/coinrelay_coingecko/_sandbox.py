"""CoinGecko's sandbox upstream: API v3 (``/api/v3/...``) on loopback, shapes from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``coingecko``, values from the sandbox market.
Unknown coin ids: ``/simple/price`` leaves them out (``{}``), ``/coins/markets`` too
(``[]``), and ``/coins/{id}...`` answer HTTP 404 ``{"error":"coin not found"}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from coinrelay.plugin import RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

PREFIX = "/api/v3"
RATE_LIMIT_BODY = (
    b'{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit. Please visit '
    b'https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."}}'
)
#: CoinGecko's coin id of each sandbox asset.
IDS = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "USDT": "tether",
    "BNB": "binancecoin",
    "SOL": "solana",
    "USDC": "usd-coin",
    "XRP": "ripple",
    "DOGE": "dogecoin",
    "ADA": "cardano",
    "AVAX": "avalanche-2",
    "DOT": "polkadot",
    "LINK": "chainlink",
    "LTC": "litecoin",
}
BY_ID = {cg: market.ASSETS[symbol] for symbol, cg in IDS.items()}

bodies = RecordedBodies("coinrelay_coingecko")
routes = Routes(PREFIX, not_found=Reply.json({"error": "Not Found"}, status=404))


def upstream() -> SandboxUpstream:
    """One fake ``/api/v3`` (public plan: no key), CoinGecko's own 429 body."""
    return SandboxUpstream(handler=routes, prefix=PREFIX, rate_limit_body=RATE_LIMIT_BODY)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ids(req: Request) -> list[market.Asset]:
    found: list[market.Asset] = []
    for raw in req.query.get("ids", "").split(","):
        a = BY_ID.get(raw.strip().lower())
        if a is not None:
            found.append(a)
    for raw in req.query.get("symbols", "").split(","):
        a = market.ASSETS.get(raw.strip().upper())
        if a is not None and a not in found:
            found.append(a)
    return found


def _days(req: Request) -> int:
    raw = req.query.get("days", "1")
    return 365 if raw == "max" else req.query_int("days", 1, 1, 365)


@routes.get("/ping")
def ping(req: Request) -> Reply:
    return Reply.json(bodies("ping_docs.json"))


@routes.get("/simple/price")
def simple_price(req: Request) -> Reply:
    currencies = [c.strip().lower() for c in req.query.get("vs_currencies", "").split(",") if c.strip()]
    if not currencies:
        return Reply.json({"error": "Missing parameter vs_currencies"}, status=400)

    def flag(name: str) -> bool:
        return req.query.get(name, "false").lower() == "true"

    n = market.significant
    out: dict[str, Any] = {}
    for a in _ids(req):
        row: dict[str, Any] = {}
        for cur in currencies:
            p = market.price(a.symbol, cur.upper())
            if p is None:
                continue
            row[cur] = n(p)
            if flag("include_market_cap"):
                row[f"{cur}_market_cap"] = n(p * a.supply, 15)
            if flag("include_24hr_vol"):
                row[f"{cur}_24h_vol"] = n(market.volume_usd(a.symbol) * p / a.usd, 15)
            if flag("include_24hr_change"):
                row[f"{cur}_24h_change"] = market.change_pct(a.symbol)
        if flag("include_last_updated_at"):
            row["last_updated_at"] = int(market.now()) - 30
        out[IDS[a.symbol]] = row
    return Reply.json(out)


def _market_row(a: market.Asset, cur: str) -> dict[str, Any] | None:
    p = market.price(a.symbol, cur.upper())
    if p is None:
        return None
    cg = IDS[a.symbol]
    tpl = bodies("coins_markets_recorded_2022.json")[0]
    pct = market.change_pct(a.symbol)
    n = market.significant
    values = {
        "id": cg,
        "symbol": a.symbol.lower(),
        "name": a.name,
        "image": f"https://assets.coingecko.com/coins/images/{a.rank}/large/{cg}.png",
        "current_price": n(p),
        "market_cap": round(p * a.supply),
        "market_cap_rank": a.rank,
        "fully_diluted_valuation": round(p * a.max_supply) if a.max_supply else None,
        "total_volume": round(market.volume_usd(a.symbol) * p / a.usd),
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
        "last_updated": _iso(market.now()),
    }
    return {k: values[k] for k in tpl}


@routes.get("/coins/markets")
def coins_markets(req: Request) -> Reply:
    cur = req.query.get("vs_currency", "")
    if not cur:
        return Reply.json({"error": "Missing parameter vs_currency"}, status=400)
    chosen = _ids(req) if ("ids" in req.query or "symbols" in req.query) else market.ranked()
    rows = [m for m in (_market_row(a, cur) for a in chosen) if m is not None]
    return Reply.json(rows[: req.query_int("per_page", 100, 1, 250)])


@routes.get("/coins/list")
def coins_list(req: Request) -> Reply:
    platform = req.query.get("include_platform", "false").lower() == "true"
    rows = [
        {
            "id": cg,
            "symbol": symbol.lower(),
            "name": market.ASSETS[symbol].name,
            **({"platforms": {}} if platform else {}),
        }
        for symbol, cg in sorted(IDS.items(), key=lambda kv: kv[1])
    ]
    return Reply.json(rows)


@routes.get("/search")
def search(req: Request) -> Reply:
    q = req.query.get("query", "").lower()
    coins = [
        {
            "id": IDS[a.symbol],
            "name": a.name,
            "api_symbol": IDS[a.symbol],
            "symbol": a.symbol,
            "market_cap_rank": a.rank,
            "thumb": f"https://assets.coingecko.com/coins/images/{a.rank}/thumb/{IDS[a.symbol]}.png",
            "large": f"https://assets.coingecko.com/coins/images/{a.rank}/large/{IDS[a.symbol]}.png",
        }
        for a in market.ranked()
        if q and (q in a.name.lower() or q == a.symbol.lower() or q in IDS[a.symbol])
    ]
    return Reply.json({**{k: [] for k in bodies("search_docs.json")}, "coins": coins})


def known_coin(fn: Callable[[Request, market.Asset], Reply]) -> Callable[..., Reply]:
    """A ``/coins/{coin}...`` route: the id resolved to its asset; an unknown id answers HTTP 404."""

    def route(req: Request, coin: str) -> Reply:
        a = BY_ID.get(coin)
        return fn(req, a) if a is not None else Reply.json(bodies("error_404_coin_not_found.json"), status=404)

    return route


@routes.get("/coins/{coin}")
@known_coin
def coin(req: Request, a: market.Asset) -> Reply:
    out = bodies("coins_id_docs.json")
    cg = IDS[a.symbol]
    out.update(id=cg, symbol=a.symbol.lower(), name=a.name, web_slug=cg, market_cap_rank=a.rank)
    out["localization"] = {k: a.name for k in out.get("localization", {})}
    out["description"] = {"en": f"{a.name} ({a.symbol}) — sandbox description."}
    md = out["market_data"]
    scale = a.usd / float(md["current_price"]["usd"])
    for key, value in list(md.items()):
        if isinstance(value, dict) and "usd" in value and "percentage" not in key:
            md[key] = {c: market.significant(v * scale) if isinstance(v, int | float) else v for c, v in value.items()}
    md["current_price"] = {
        c.lower(): market.significant(market.price(a.symbol, c) or 0.0)
        for c in ("USD", "EUR", "GBP", "JPY", "BTC", "ETH")
    }
    md["market_cap"] = {c: round(v * a.supply, 2) for c, v in md["current_price"].items()}
    md.update(
        market_cap_rank=a.rank,
        circulating_supply=a.supply,
        total_supply=a.max_supply,
        max_supply=a.max_supply,
        last_updated=_iso(market.now()),
    )
    out["last_updated"] = md["last_updated"]
    out["tickers"] = []
    community = out.get("community_data") or {}
    if community.get("twitter_followers") is not None:  # a smaller audience for smaller coins
        community["twitter_followers"] = int(community["twitter_followers"] / a.rank)
    return Reply.json(out)


@routes.get("/coins/{coin}/ohlc")
@known_coin
def ohlc(req: Request, a: market.Asset) -> Reply:
    cur = req.query.get("vs_currency", "usd").upper()
    days = _days(req)
    seconds = 1800 if days <= 2 else 14400 if days <= 30 else 345600
    if market.price(a.symbol, cur) is None:
        return Reply.json([])
    n = market.significant
    rows = [
        [market.ms(c.open_time + seconds), n(c.open, 8), n(c.high, 8), n(c.low, 8), n(c.close, 8)]
        for c in market.candles(a.symbol, cur, seconds, max(1, min(days * 86400 // seconds, 500)))
    ]
    assert len(rows[0]) == len(bodies("coins_id_ohlc_docs.json")[0])
    return Reply.json(rows)


@routes.get("/coins/{coin}/market_chart")
@known_coin
def market_chart(req: Request, a: market.Asset) -> Reply:
    cur = req.query.get("vs_currency", "usd").upper()
    days = _days(req)
    step = 300 if days <= 1 else 3600 if days <= 90 else 86400
    now = market.now()
    start = math.floor((now - days * 86400) / step) * step
    times = [start + i * step for i in range(int((now - start) // step) + 1)] + [now]
    prices = [(t, market.price(a.symbol, cur, t) or 0.0) for t in times]
    n = market.significant
    out = bodies("coins_id_market_chart_docs.json")
    out["prices"] = [[market.ms(t), n(p)] for t, p in prices]
    out["market_caps"] = [[market.ms(t), n(p * a.supply, 15)] for t, p in prices]
    out["total_volumes"] = [[market.ms(t), n(market.volume_usd(a.symbol) * p / a.usd, 15)] for t, p in prices]
    return Reply.json(out)


@routes.get("/exchanges")
def exchanges(req: Request) -> Reply:
    """The sandbox venues in CoinGecko's ``/exchanges`` shape (no recorded body: the documented fields)."""
    per_page = req.query_int("per_page", 100, 1, 250)
    page = req.query_int("page", 1, 1, 1000)
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
            "trade_volume_24h_btc": market.significant(v.volume_btc * market.drift(v.name, market.now())),
            "trade_volume_24h_btc_normalized": market.significant(v.volume_btc * 0.8),
        }
        for i, v in enumerate(market.VENUES)
    ]
    return Reply.json(rows[(page - 1) * per_page : page * per_page])
