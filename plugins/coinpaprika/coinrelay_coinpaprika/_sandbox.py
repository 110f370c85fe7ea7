"""CoinPaprika's sandbox upstream: ``/v1/...`` on loopback, shapes from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``coinpaprika``, values from the sandbox
market: numbers are JSON numbers, times RFC 3339. An unknown id answers HTTP 404
``{"error":"id not found"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from coinrelay.plugin import RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

PREFIX = "/v1"
RATE_LIMIT_BODY = b'{"error":"Too many requests"}'
#: CoinPaprika's coin id of each sandbox asset.
IDS = {
    "BTC": "btc-bitcoin",
    "ETH": "eth-ethereum",
    "USDT": "usdt-tether",
    "BNB": "bnb-binance-coin",
    "SOL": "sol-solana",
    "USDC": "usdc-usd-coin",
    "XRP": "xrp-xrp",
    "DOGE": "doge-dogecoin",
    "ADA": "ada-cardano",
    "AVAX": "avax-avalanche",
    "DOT": "dot-polkadot",
    "LINK": "link-chainlink",
    "LTC": "ltc-litecoin",
}
BY_ID = {cp: market.ASSETS[symbol] for symbol, cp in IDS.items()}

bodies = RecordedBodies("coinrelay_coinpaprika")
routes = Routes(PREFIX, not_found=Reply.json({"error": "not found"}, status=404))


def upstream() -> SandboxUpstream:
    """One fake ``/v1`` (the free host: no key), CoinPaprika's own 429 body."""
    return SandboxUpstream(handler=routes, prefix=PREFIX, rate_limit_body=RATE_LIMIT_BODY)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_found() -> Reply:
    return Reply.json({"error": "id not found"}, status=404)


def _quotes(req: Request) -> list[str]:
    return [q.strip().upper() for q in req.query.get("quotes", "USD").split(",") if q.strip()] or ["USD"]


def _ticker(a: market.Asset, quotes: list[str]) -> dict[str, Any]:
    tpl = bodies("tickers_btc_bitcoin_recorded_2022.json")
    qtpl = tpl["quotes"]["USD"]
    now = market.now()
    out = {
        **tpl,
        "id": IDS[a.symbol],
        "name": a.name,
        "symbol": a.symbol,
        "rank": a.rank,
        "circulating_supply": round(a.supply),
        "total_supply": round(a.supply),
        "max_supply": round(a.max_supply) if a.max_supply else 0,
        "last_updated": _iso(now),
        "quotes": {},
    }
    n = market.significant
    for q in quotes:
        p = market.price(a.symbol, q, now)
        if p is None:
            continue
        pct = market.change_pct(a.symbol)
        values = {
            **qtpl,
            "price": n(p, 16),
            "volume_24h": n(market.volume_usd(a.symbol) * p / a.usd),
            "market_cap": round(p * a.supply),
            "percent_change_24h": pct,
            "market_cap_change_24h": pct,
            "ath_price": n(p * 1.4),
            "percent_from_price_ath": -28.57,
        }
        out["quotes"][q] = {k: values[k] for k in qtpl}
    return out


def _coin(a: market.Asset) -> dict[str, Any]:
    cp = IDS[a.symbol]
    return {
        "id": cp,
        "name": a.name,
        "symbol": a.symbol,
        "rank": a.rank,
        "is_new": False,
        "is_active": True,
        "type": "coin",
        "logo": f"https://static.coinpaprika.com/coin/{cp}/logo.png",
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
            "explorer": [f"https://explorer.example/{cp}"],
            "facebook": [],
            "reddit": [],
            "source_code": [f"https://github.com/example/{cp}"],
            "website": [f"https://{a.name.lower()}.example"],
            "youtube": [],
        },
        "links_extended": [{"url": f"https://{a.name.lower()}.example", "type": "website"}],
        "whitepaper": {"link": None, "thumbnail": None},
        "first_data_at": "2010-07-17T00:00:00Z",
        "last_data_at": _iso(market.now()),
    }


def _ohlcv_row(a: market.Asset, quote: str, t0: float, t1: float) -> dict[str, Any]:
    tpl = bodies("ohlcv_historical_docs.json")[0]
    c = market.candles(a.symbol, quote, 86400, 1, end=t0 + 1)[0]
    close = market.price(a.symbol, quote, t1) or c.close
    n = market.significant
    values = {
        "time_open": _iso(t0),
        "time_close": _iso(t1),
        "open": n(c.open, 16),
        "high": n(max(c.high, close), 16),
        "low": n(min(c.low, close), 16),
        "close": n(close, 16),
        "volume": round(market.volume_usd(a.symbol)),
        "market_cap": round((market.price(a.symbol, quote, t1) or 0.0) * a.supply),
    }
    return {k: values[k] for k in tpl}


@routes.get("/coins")
def coins(req: Request) -> Reply:
    keys = ("id", "name", "symbol", "rank", "is_new", "is_active", "type")
    return Reply.json([{k: _coin(a)[k] for k in keys} for a in market.ranked()])


@routes.get("/tickers")
def tickers(req: Request) -> Reply:
    return Reply.json([_ticker(a, _quotes(req)) for a in market.ranked()])


@routes.get("/tickers/{coin_id}")
def ticker(req: Request, coin_id: str) -> Reply:
    a = BY_ID.get(coin_id)
    return Reply.json(_ticker(a, _quotes(req))) if a is not None else _not_found()


@routes.get("/coins/{coin_id}")
def coin(req: Request, coin_id: str) -> Reply:
    a = BY_ID.get(coin_id)
    return Reply.json(_coin(a)) if a is not None else _not_found()


@routes.get("/coins/{coin_id}/ohlcv/{kind}")
def ohlcv(req: Request, coin_id: str, kind: str) -> Reply:
    a = BY_ID.get(coin_id)
    if a is None:
        return _not_found()
    quote = req.query.get("quote", "usd").upper()
    if market.price(a.symbol, quote) is None:
        return Reply.json({"error": "invalid quote"}, status=400)
    now = market.now()
    day = now - now % 86400
    if kind in ("today", "latest"):
        t0 = day if kind == "today" else day - 86400
        return Reply.json([_ohlcv_row(a, quote, t0, now if kind == "today" else day - 1)])
    if "start" not in req.query:
        return Reply.json({"error": "start is required"}, status=400)
    limit = req.query_int("limit", 1, 1, 366)
    rows = [_ohlcv_row(a, quote, day - 86400 * (i + 1), day - 86400 * i - 1) for i in range(limit - 1, -1, -1)]
    return Reply.json(rows)


@routes.get("/exchanges")
def exchanges(req: Request) -> Reply:
    """The sandbox venues in CoinPaprika's ``/exchanges`` shape (no recorded body: the documented fields)."""
    btc_usd = market.price("BTC", "USD") or 0.0
    wanted = _quotes(req)
    rows = []
    for i, v in enumerate(market.VENUES):
        volumes = {"USD": v.volume_btc * btc_usd, "BTC": v.volume_btc}
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
                        f"{kind}_volume_{span}": market.significant(vol * days * (1.1 if kind == "reported" else 1.0))
                        for kind in ("reported", "adjusted")
                        for span, days in (("24h", 1), ("7d", 7), ("30d", 30))
                    }
                    for q, vol in volumes.items()
                    if q in wanted
                },
                "confidence_score": round(v.trust / 10, 2),
                "sessions_per_month": 1_000_000 * (5 - i),
                "last_updated": _iso(market.now()),
            }
        )
    return Reply.json(rows)
