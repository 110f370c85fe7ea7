"""Binance spot REST (``/api/v3/...``), shapes from ``bodies/binance``.

Pairs are base+quote (``BTCUSDT``); there is no ``BTCUSD``. An unknown pair answers
HTTP 400 ``{"code":-1121,"msg":"Invalid symbol."}``, a bad interval ``-1120``, a missing
parameter ``-1102``, exactly as Binance does.
"""

from __future__ import annotations

import json
from typing import Any

from ..._categories import INTERVALS
from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, error, int_param, ms, ok

PREFIX = ""
P = "binance"
QUOTES = ("USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "EUR")
RATE_LIMIT_BODY = (
    b'{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight '
    b'per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}'
)
USED_WEIGHT = {"x-mbx-used-weight-1m": "12"}


def split(pair: str) -> tuple[str, str] | None:
    """``BTCUSDT`` -> ``("BTC", "USDT")`` for a pair the sandbox lists, else ``None``."""
    for quote in QUOTES:
        if pair.endswith(quote):
            base = pair[: -len(quote)]
            if base in assets.ASSETS and base != quote:
                return base, quote
    return None


def invalid_symbol() -> Reply:
    return error(body(P, "error_invalid_symbol_docs.json"), 400)


def _missing(param: str) -> Reply:
    return error(
        {"code": -1102, "msg": f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed."}, 400
    )


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
    return [f"{b}{q}" for b in assets.ASSETS for q in ("USDT", "BTC") if b != q]


def _ticker_price(pair: str) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    tpl = body(P, "ticker_price_docs.json")
    tpl["symbol"] = pair
    tpl["price"] = assets.fmt(assets.price(*sp) or 0.0)
    return tpl  # type: ignore[no-any-return]


def _ticker_24hr(pair: str, mini: bool) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    base, quote = sp
    now = assets.now()
    last = assets.price(base, quote, now) or 0.0
    pct = assets.change_pct(base)
    open_ = last / (1 + pct / 100)
    vol_base = assets.volume_usd(base) / (assets.price(base, "USD", now) or 1.0)
    f = assets.fmt
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
        "openTime": ms(now) - 86_400_000,
        "closeTime": ms(now),
        "firstId": 28385,
        "lastId": 1028460,
        "count": 1000076,
    }
    tpl = body(P, "ticker_24hr_mini_docs.json" if mini else "ticker_24hr_full_docs.json")
    return {k: values[k] for k in tpl}


def _ticker(req: Request, one: Any) -> Reply:
    pairs = _pairs(req)
    if pairs is None:
        return ok([one(p) for p in _all_pairs()], USED_WEIGHT)
    rows = [one(p) for p in pairs]
    if any(r is None for r in rows):
        return invalid_symbol()
    return ok(rows[0] if "symbol" in req.query else rows, USED_WEIGHT)


def _klines(req: Request) -> Reply:
    pair, interval = req.query.get("symbol"), req.query.get("interval")
    if not pair:
        return _missing("symbol")
    if not interval:
        return _missing("interval")
    sp = split(pair)
    if sp is None:
        return invalid_symbol()
    if interval not in INTERVALS:
        return error({"code": -1120, "msg": "Invalid interval."}, 400)
    seconds = INTERVALS[interval]
    limit = int_param(req.query.get("limit"), 500, 1, 1000)
    rows = []
    for c in assets.candles(*sp, seconds, limit):
        quote_vol = c.volume * c.close
        f = assets.fmt
        rows.append(
            [
                ms(c.open_time),
                f(c.open),
                f(c.high),
                f(c.low),
                f(c.close),
                f(c.volume),
                ms(c.open_time + seconds) - 1,
                f(quote_vol),
                1000 + int(c.volume) % 5000,
                f(c.volume * 0.48),
                f(quote_vol * 0.48),
                "0",
            ]
        )
    tpl = body(P, "klines_docs.json")
    assert len(rows[0]) == len(tpl[0])
    return ok(rows, USED_WEIGHT)


def _depth(req: Request) -> Reply:
    pair = req.query.get("symbol")
    if not pair:
        return _missing("symbol")
    sp = split(pair)
    if sp is None:
        return invalid_symbol()
    limit = int_param(req.query.get("limit"), 100, 1, 5000)
    mid = assets.price(*sp) or 0.0
    tick = mid * 0.00005
    f = assets.fmt
    out = body(P, "depth_docs.json")
    out["lastUpdateId"] = ms(assets.now())
    out["bids"] = [[f(mid - tick * (i + 1)), f(0.1 + (i * 7 % 13) / 10)] for i in range(limit)]
    out["asks"] = [[f(mid + tick * (i + 1)), f(0.1 + (i * 5 % 11) / 10)] for i in range(limit)]
    return ok(out, USED_WEIGHT)


def _exchange_info(req: Request) -> Reply:
    pairs = _pairs(req)
    names = pairs if pairs is not None else _all_pairs()
    tpl = body(P, "exchangeinfo_symbols_element_btcusdt_testnet_recorded.json")
    symbols = []
    for pair in names:
        sp = split(pair)
        if sp is None:
            return invalid_symbol()
        element = json.loads(json.dumps(tpl))
        element.update(symbol=pair, baseAsset=sp[0], quoteAsset=sp[1])
        symbols.append(element)
    return ok(
        {
            "timezone": "UTC",
            "serverTime": ms(assets.now()),
            "rateLimits": body(P, "exchangeinfo_ratelimits_testnet_recorded.json"),
            "exchangeFilters": [],
            "symbols": symbols,
        },
        USED_WEIGHT,
    )


def _avg_price(req: Request) -> Reply:
    sp = split(req.query.get("symbol", ""))
    if sp is None:
        return invalid_symbol()
    return ok({"mins": 5, "price": assets.fmt(assets.price(*sp) or 0.0), "closeTime": ms(assets.now())})


def _book_ticker(pair: str) -> dict[str, Any] | None:
    sp = split(pair)
    if sp is None:
        return None
    p = assets.price(*sp) or 0.0
    f = assets.fmt
    return {"symbol": pair, "bidPrice": f(p * 0.9999), "bidQty": f(1.25), "askPrice": f(p * 1.0001), "askQty": f(0.75)}


def handle(req: Request) -> Reply:
    """Answer one request to ``/api/v3/...``."""
    path = req.path.rstrip("/")
    if path == "/api/v3/ping":
        return ok(body(P, "ping_docs.json"))
    if path == "/api/v3/time":
        return ok({"serverTime": ms(assets.now())})
    if path == "/api/v3/ticker/price":
        return _ticker(req, _ticker_price)
    if path == "/api/v3/ticker/24hr":
        mini = req.query.get("type", "FULL").upper() == "MINI"
        return _ticker(req, lambda p: _ticker_24hr(p, mini))
    if path == "/api/v3/ticker/bookTicker":
        return _ticker(req, _book_ticker)
    if path in ("/api/v3/klines", "/api/v3/uiKlines"):
        return _klines(req)
    if path == "/api/v3/depth":
        return _depth(req)
    if path == "/api/v3/exchangeInfo":
        return _exchange_info(req)
    if path == "/api/v3/avgPrice":
        return _avg_price(req)
    return Reply.raw(b"", status=404, headers={"content-type": "text/plain"})
