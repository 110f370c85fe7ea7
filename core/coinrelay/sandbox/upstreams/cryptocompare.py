"""CryptoCompare min-api (``/data/...``), shapes from ``bodies/cryptocompare``.

Errors come back with HTTP 200 and ``"Response":"Error"``, as the real API does. The
news list follows the documented structure (no recorded body exists; see README.md).
"""

from __future__ import annotations

from typing import Any

from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, int_param, ok

PREFIX = ""
P = "cryptocompare"
RATE_LIMIT_BODY = (
    b'{"Response":"Error","Message":"You are over your rate limit please upgrade your account!",'
    b'"HasWarning":false,"Type":99,"RateLimit":{},"Data":{}}'
)
HIST = {"histominute": 60, "histohour": 3600, "histoday": 86400}


def _market_missing(fsym: str, tsym: str, param: str) -> Reply:
    out = body(P, "error_no_data_for_tsyms.json")
    out["Message"] = f"cccagg_or_exchange market does not exist for this coin pair ({fsym}-{tsym})"
    out["HasWarning"] = False
    out.pop("Warning", None)
    out["ParamWithError"] = param
    return ok(out)


def _syms(value: str) -> list[str]:
    return [s.strip().upper() for s in value.split(",") if s.strip()]


def _price(req: Request) -> Reply:
    fsym = req.query.get("fsym", "").upper()
    tsyms = _syms(req.query.get("tsyms", ""))
    if fsym not in assets.ASSETS:
        return _market_missing(fsym, ",".join(tsyms), "fsym")
    out = {t: assets.num(p) for t in tsyms if (p := assets.price(fsym, t)) is not None}
    if not out:
        return _market_missing(fsym, ",".join(tsyms), "tsyms")
    return ok(out)


def _pricemulti(req: Request) -> Reply:
    out: dict[str, Any] = {}
    tsyms = _syms(req.query.get("tsyms", ""))
    for f in _syms(req.query.get("fsyms", "")):
        row = {t: assets.num(p) for t in tsyms if (p := assets.price(f, t)) is not None}
        if row:
            out[f] = row
    if not out:
        return _market_missing(req.query.get("fsyms", ""), req.query.get("tsyms", ""), "fsyms")
    return ok(out)


def _pricemultifull(req: Request) -> Reply:
    tpl = body(P, "pricemultifull_recorded_2021.json")
    raw_tpl = tpl["RAW"]["BTC"]["USD"]
    display_tpl = tpl["DISPLAY"]["BTC"]["USD"]
    ref = float(raw_tpl["PRICE"])
    out: dict[str, Any] = {"RAW": {}, "DISPLAY": {}}
    now = int(assets.now())
    for f in _syms(req.query.get("fsyms", "")):
        for t in _syms(req.query.get("tsyms", "")):
            p = assets.price(f, t)
            if p is None:
                continue
            scale = p / ref
            a = assets.ASSETS[f]
            raw: dict[str, Any] = {}
            for key, value in raw_tpl.items():
                if key in (
                    "PRICE",
                    "MEDIAN",
                    "OPENDAY",
                    "HIGHDAY",
                    "LOWDAY",
                    "OPEN24HOUR",
                    "HIGH24HOUR",
                    "LOW24HOUR",
                    "OPENHOUR",
                    "HIGHHOUR",
                    "LOWHOUR",
                    "CHANGE24HOUR",
                    "CHANGEDAY",
                    "CHANGEHOUR",
                    "LASTVOLUMETO",
                    "VOLUMEDAYTO",
                    "VOLUME24HOURTO",
                    "VOLUMEHOURTO",
                    "TOPTIERVOLUME24HOURTO",
                    "TOTALVOLUME24HTO",
                    "TOTALTOPTIERVOLUME24HTO",
                ):
                    raw[key] = assets.num(float(value) * scale)
                else:
                    raw[key] = value
            raw.update(
                FROMSYMBOL=f,
                TOSYMBOL=t,
                PRICE=assets.num(p),
                LASTUPDATE=now,
                SUPPLY=a.supply,
                MKTCAP=assets.num(p * a.supply, 15),
                CHANGEPCT24HOUR=assets.change_pct(f),
                IMAGEURL=f"/media/sandbox/{f.lower()}.png",
            )
            display = {k: str(raw[k]) if k in raw else v for k, v in display_tpl.items()}
            display.update(FROMSYMBOL=f, TOSYMBOL=t, PRICE=f"{t} {p:,.2f}", LASTUPDATE="Just now")
            out["RAW"].setdefault(f, {})[t] = raw
            out["DISPLAY"].setdefault(f, {})[t] = display
    if not out["RAW"]:
        return _market_missing(req.query.get("fsyms", ""), req.query.get("tsyms", ""), "fsyms")
    return ok(out)


def _hist(req: Request, seconds: int) -> Reply:
    fsym, tsym = req.query.get("fsym", "").upper(), req.query.get("tsym", "").upper()
    if fsym not in assets.ASSETS or assets.price(fsym, tsym) is None:
        return _market_missing(fsym, tsym, "fsym" if fsym not in assets.ASSETS else "tsym")
    aggregate = int_param(req.query.get("aggregate"), 1, 1, 30)
    limit = int_param(req.query.get("limit"), 30, 1, 2000)
    step = seconds * aggregate
    rows = []
    tpl = body(P, "histoday_v2_recorded.json")
    row_keys = list(tpl["Data"]["Data"][0])
    for c in assets.candles(fsym, tsym, step, limit + 1):
        values = {
            "time": int(c.open_time),
            "high": assets.num(c.high),
            "low": assets.num(c.low),
            "open": assets.num(c.open),
            "volumefrom": assets.num(c.volume, 8),
            "volumeto": assets.num(c.volume * c.close, 12),
            "close": assets.num(c.close),
            "conversionType": "direct",
            "conversionSymbol": "",
        }
        rows.append({k: values[k] for k in row_keys})
    tpl["Data"].update(Aggregated=aggregate > 1, TimeFrom=rows[0]["time"], TimeTo=rows[-1]["time"], Data=rows)
    return ok(tpl)


def _news(req: Request) -> Reply:
    wanted = set(_syms(req.query.get("categories", "")))
    now = int(assets.now())
    rows = []
    for i, a in enumerate(sorted(assets.ASSETS.values(), key=lambda a: a.rank)):
        for j in range(3):
            if wanted and a.symbol not in wanted:
                continue
            n = i * 3 + j
            ident = str(25_113_336 + n)
            rows.append(
                {
                    "id": ident,
                    "guid": f"https://news.example/sandbox/{ident}",
                    "published_on": now - 600 * (n + 1),
                    "imageurl": f"https://images.example/sandbox/{ident}.png",
                    "title": f"{a.name} ({a.symbol}) sandbox headline #{j + 1}",
                    "url": f"https://news.example/sandbox/{a.symbol.lower()}/{ident}",
                    "source": "sandboxwire",
                    "body": f"A made-up article about {a.name}, served by the coinrelay sandbox.",
                    "tags": f"{a.name}|Sandbox",
                    "categories": f"{a.symbol}|Market",
                    "upvotes": "0",
                    "downvotes": "0",
                    "lang": "EN",
                    "source_info": {
                        "name": "SandboxWire",
                        "lang": "EN",
                        "img": "https://images.example/sandboxwire.png",
                    },
                }
            )
    rows.sort(key=lambda r: -int(str(r["published_on"])))
    return ok(
        {
            "Type": 100,
            "Message": "News list successfully returned",
            "Promoted": [],
            "Data": rows,
            "RateLimit": {},
            "HasWarning": False,
        }
    )


#: The sandbox's CryptoCompare coin ids (BTC and ETH are the real ones; the rest made up).
COIN_IDS: dict[str, int] = {s: {"BTC": 1182, "ETH": 7605}.get(s, 900_000 + a.rank) for s, a in assets.ASSETS.items()}


def _error(message: str, kind: int = 1) -> Reply:
    return ok({"Response": "Error", "Message": message, "HasWarning": False, "Type": kind, "RateLimit": {}, "Data": {}})


def _coinlist(req: Request) -> Reply:
    fsym = req.query.get("fsym", "").upper()
    a = assets.ASSETS.get(fsym)
    if a is None:
        return _error("fsym param seems invalid.", 2)
    entry = {
        "Id": str(COIN_IDS[fsym]),
        "Name": fsym,
        "Symbol": fsym,
        "CoinName": a.name,
        "FullName": f"{a.name} ({fsym})",
    }
    return ok({"Response": "Success", "Message": "Coin list succesfully returned!", "Data": {fsym: entry}, "Type": 100})


def _social(req: Request) -> Reply:
    """``/data/social/coin/latest``: needs a key, as the real endpoint does (documented structure, made-up figures)."""
    if not req.headers.get("authorization", "").startswith("Apikey "):
        return _error("You need a valid auth key or api key to access this endpoint")
    ids = {str(v): s for s, v in COIN_IDS.items()}
    sym = ids.get(req.query.get("coinId", ""))
    if sym is None:
        return _error("coinId param seems invalid.", 2)
    a = assets.ASSETS[sym]
    scale = 1.0 / a.rank
    data = {
        "General": {"Points": int(7_000_000 * scale), "Name": sym, "CoinName": a.name, "Type": "Webpagecoinp"},
        "CryptoCompare": {"Followers": int(99_000 * scale), "PageViews": int(50_000_000 * scale), "Points": 0},
        "Twitter": {"followers": int(6_500_000 * scale), "statuses": 32000, "lists": 51000, "Points": 0},
        "Reddit": {
            "subscribers": int(6_800_000 * scale),
            "active_users": int(11_000 * scale),
            "posts_per_day": f"{200 * scale:.2f}",
            "comments_per_day": round(3900 * scale, 1),
            "Points": 0,
        },
        "Facebook": {"likes": int(130_000 * scale), "Points": 0},
        "CodeRepository": {
            "List": [
                {
                    "stars": int(70_000 * scale),
                    "forks": int(36_000 * scale),
                    "subscribers": int(3_900 * scale),
                    "url": f"https://github.com/example/{a.name.lower()}",
                }
            ],
            "Points": 0,
        },
    }
    return ok({"Response": "Success", "Message": "", "HasWarning": False, "Type": 100, "RateLimit": {}, "Data": data})


def handle(req: Request) -> Reply:
    """Answer one request to ``/data/...``."""
    path = req.path.rstrip("/")
    if path == "/data/price":
        return _price(req)
    if path == "/data/pricemulti":
        return _pricemulti(req)
    if path == "/data/pricemultifull":
        return _pricemultifull(req)
    for name, seconds in HIST.items():
        if path in (f"/data/v2/{name}", f"/data/{name}"):
            return _hist(req, seconds)
    if path in ("/data/v2/news", "/data/news"):
        return _news(req)
    if path == "/data/all/coinlist":
        return _coinlist(req)
    if path == "/data/social/coin/latest":
        return _social(req)
    return ok(
        {
            "Response": "Error",
            "Message": "Path does not exist",
            "HasWarning": False,
            "Type": 1,
            "RateLimit": {},
            "Data": {},
        }
    )
