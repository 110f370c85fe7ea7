"""Binance's sandbox upstream: spot REST (``/api/v3/...``) on loopback, shapes from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``binance``: three mirrors (like ``api``,
``api-gcp``, ``data-api``), values from the sandbox market. Pairs are base+quote
(``BTCUSDT``); there is no ``BTCUSD``. An unknown pair answers HTTP 400
``{"code":-1121,"msg":"Invalid symbol."}``, a bad interval ``-1120``, a missing parameter
``-1102``, exactly as Binance does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from coinrelay.plugin import INTERVALS, RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

QUOTES = ("USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "EUR")
RATE_LIMIT_BODY = (
    b'{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight '
    b'per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}'
)
USED_WEIGHT = {"x-mbx-used-weight-1m": "12"}

bodies = RecordedBodies("coinrelay_binance")
routes = Routes(not_found=Reply.raw(b"", status=404, headers={"content-type": "text/plain"}))


def upstream() -> SandboxUpstream:
    """Three mirrors of the fake spot API, no key, Binance's own 429 body."""
    return SandboxUpstream(handler=routes, mirrors=3, rate_limit_body=RATE_LIMIT_BODY)


def split(pair: str) -> tuple[str, str] | None:
    """``BTCUSDT`` -> ``("BTC", "USDT")`` for a pair the sandbox lists, else ``None``."""
    for quote in QUOTES:
        if pair.endswith(quote):
            base = pair[: -len(quote)]
            if base in market.ASSETS and base != quote:
                return base, quote
    return None


def ok(data: Any) -> Reply:
    return Reply.json(data, headers=USED_WEIGHT)


def invalid_symbol() -> Reply:
    return Reply.json(bodies("error_invalid_symbol_docs.json"), status=400)


def _missing(param: str) -> Reply:
    message = f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed."
    return Reply.json({"code": -1102, "msg": message}, status=400)


def _pairs(req: Request) -> list[str] | None:
    if "symbol" in req.query:
        return [req.query["symbol"]]
    if "symbols" in req.query:
        try:
            names = json.loads(req.query["symbols"])
        except ValueError:
            return []
        return [str(n) for n in names] if isinstance(names, list) else []
    return None


def _all_pairs() -> list[str]:
    return [f"{b}{q}" for b in market.ASSETS for q in ("USDT", "BTC") if b != q]


def _ticker_price(pair: str) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    tpl = bodies("ticker_price_docs.json")
    tpl["symbol"] = pair
    tpl["price"] = market.fixed(market.price(*sp) or 0.0)
    return tpl  # type: ignore[no-any-return]


def _ticker_24hr(pair: str, mini: bool) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    base, quote = sp
    now = market.now()
    last = market.price(base, quote, now) or 0.0
    pct = market.change_pct(base)
    open_ = last / (1 + pct / 100)
    vol_base = market.volume_usd(base) / (market.price(base, "USD", now) or 1.0)
    f = market.fixed
    values = {
        "symbol": pair,
        "priceChange": f(last - open_),
        "priceChangePercent": f"{pct:.3f}",
        "weightedAvgPrice": f((last + open_) / 2),
        "prevClosePrice": f(open_),
        "lastPrice": f(last),
        "lastQty": f(0.5),
        "bidPrice": f(last * 0.9999),
        "bidQty": f(1.25),
        "askPrice": f(last * 1.0001),
        "askQty": f(0.75),
        "openPrice": f(open_),
        "highPrice": f(max(last, open_) * 1.01),
        "lowPrice": f(min(last, open_) * 0.99),
        "volume": f(vol_base),
        "quoteVolume": f(vol_base * last),
        "openTime": market.ms(now) - 86_400_000,
        "closeTime": market.ms(now),
        "firstId": 28385,
        "lastId": 1028460,
        "count": 1000076,
    }
    tpl = bodies("ticker_24hr_mini_docs.json" if mini else "ticker_24hr_full_docs.json")
    return {k: values[k] for k in tpl}


def _book_ticker(pair: str) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    p = market.price(*sp) or 0.0
    f = market.fixed
    return {"symbol": pair, "bidPrice": f(p * 0.9999), "bidQty": f(1.25), "askPrice": f(p * 1.0001), "askQty": f(0.75)}


def _ticker(req: Request, one: Callable[[str], dict[str, Any] | None]) -> Reply:
    pairs = _pairs(req)
    if pairs is None:
        return ok([one(p) for p in _all_pairs()])
    rows = [one(p) for p in pairs]
    if any(r is None for r in rows):
        return invalid_symbol()
    return ok(rows[0] if "symbol" in req.query else rows)


@routes.get("/api/v3/ping")
def ping(req: Request) -> Reply:
    return Reply.json(bodies("ping_docs.json"))


@routes.get("/api/v3/time")
def server_time(req: Request) -> Reply:
    return Reply.json({"serverTime": market.ms(market.now())})


@routes.get("/api/v3/ticker/price")
def ticker_price(req: Request) -> Reply:
    return _ticker(req, _ticker_price)


@routes.get("/api/v3/ticker/24hr")
def ticker_24hr(req: Request) -> Reply:
    mini = req.query.get("type", "FULL").upper() == "MINI"
    return _ticker(req, lambda p: _ticker_24hr(p, mini))


@routes.get("/api/v3/ticker/bookTicker")
def book_ticker(req: Request) -> Reply:
    return _ticker(req, _book_ticker)


@routes.get("/api/v3/klines", "/api/v3/uiKlines")
def klines(req: Request) -> Reply:
    pair, interval = req.query.get("symbol"), req.query.get("interval")
    if not pair:
        return _missing("symbol")
    if not interval:
        return _missing("interval")
    sp = split(pair)
    if sp is None:
        return invalid_symbol()
    if interval not in INTERVALS:
        return Reply.json({"code": -1120, "msg": "Invalid interval."}, status=400)
    seconds = INTERVALS[interval]
    f = market.fixed
    rows = []
    for c in market.candles(*sp, seconds, req.query_int("limit", 500, 1, 1000)):
        quote_vol = c.volume * c.close
        rows.append(
            [
                market.ms(c.open_time),
                f(c.open),
                f(c.high),
                f(c.low),
                f(c.close),
                f(c.volume),
                market.ms(c.open_time + seconds) - 1,
                f(quote_vol),
                1000 + int(c.volume) % 5000,
                f(c.volume * 0.48),
                f(quote_vol * 0.48),
                "0",
            ]
        )
    assert len(rows[0]) == len(bodies("klines_docs.json")[0])
    return ok(rows)


@routes.get("/api/v3/depth")
def depth(req: Request) -> Reply:
    pair = req.query.get("symbol")
    if not pair:
        return _missing("symbol")
    sp = split(pair)
    if sp is None:
        return invalid_symbol()
    limit = req.query_int("limit", 100, 1, 5000)
    mid = market.price(*sp) or 0.0
    tick = mid * 0.00005
    f = market.fixed
    out = bodies("depth_docs.json")
    out["lastUpdateId"] = market.ms(market.now())
    out["bids"] = [[f(mid - tick * (i + 1)), f(0.1 + (i * 7 % 13) / 10)] for i in range(limit)]
    out["asks"] = [[f(mid + tick * (i + 1)), f(0.1 + (i * 5 % 11) / 10)] for i in range(limit)]
    return ok(out)


@routes.get("/api/v3/exchangeInfo")
def exchange_info(req: Request) -> Reply:
    pairs = _pairs(req)
    tpl = bodies("exchangeinfo_symbols_element_btcusdt_testnet_recorded.json")
    symbols = []
    for pair in pairs if pairs is not None else _all_pairs():
        sp = split(pair)
        if sp is None:
            return invalid_symbol()
        symbols.append({**tpl, "symbol": pair, "baseAsset": sp[0], "quoteAsset": sp[1]})
    return ok(
        {
            "timezone": "UTC",
            "serverTime": market.ms(market.now()),
            "rateLimits": bodies("exchangeinfo_ratelimits_testnet_recorded.json"),
            "exchangeFilters": [],
            "symbols": symbols,
        }
    )


@routes.get("/api/v3/avgPrice")
def avg_price(req: Request) -> Reply:
    sp = split(req.query.get("symbol", ""))
    if sp is None:
        return invalid_symbol()
    return Reply.json(
        {"mins": 5, "price": market.fixed(market.price(*sp) or 0.0), "closeTime": market.ms(market.now())}
    )
