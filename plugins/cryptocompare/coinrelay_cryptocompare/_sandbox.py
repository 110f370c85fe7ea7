"""CryptoCompare's sandbox upstream: min-api (``/data/...``) on loopback, shapes from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``cryptocompare``, values from the sandbox
market. Errors come back with HTTP 200 and ``"Response":"Error"``, as the real API does.
The news list follows the documented structure (no recorded body exists; see the bodies'
README).
"""

from __future__ import annotations

from typing import Any

from coinrelay.plugin import RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

RATE_LIMIT_BODY = (
    b'{"Response":"Error","Message":"You are over your rate limit please upgrade your account!",'
    b'"HasWarning":false,"Type":99,"RateLimit":{},"Data":{}}'
)
HIST = {"histominute": 60, "histohour": 3600, "histoday": 86400}
#: ``RAW`` fields of ``pricemultifull`` that scale with the price (the rest are copied as recorded).
SCALED = frozenset(
    (
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
    )
)
PATH_MISSING = {"Response": "Error", "Message": "Path does not exist", "HasWarning": False, "Type": 1}

bodies = RecordedBodies("coinrelay_cryptocompare")
routes = Routes(not_found=Reply.json({**PATH_MISSING, "RateLimit": {}, "Data": {}}))


def upstream() -> SandboxUpstream:
    """One fake min-api, CryptoCompare's own rate-limit body with the 429.

    Prices, candles and news answer without a key; social stats need one, as on the real API,
    so the sandbox gives the plugin a dummy key.
    """
    return SandboxUpstream(
        handler=routes, rate_limit_body=RATE_LIMIT_BODY, credentials={"api_key": "sandbox-dummy-key"}
    )


def _market_missing(fsym: str, tsym: str, param: str) -> Reply:
    out = bodies("error_no_data_for_tsyms.json")
    out["Message"] = f"cccagg_or_exchange market does not exist for this coin pair ({fsym}-{tsym})"
    out["HasWarning"] = False
    out.pop("Warning", None)
    out["ParamWithError"] = param
    return Reply.json(out)


def _syms(value: str) -> list[str]:
    return [s.strip().upper() for s in value.split(",") if s.strip()]


def _row(fsym: str, tsyms: list[str]) -> dict[str, float]:
    return {t: market.significant(p) for t in tsyms if (p := market.price(fsym, t)) is not None}


@routes.get("/data/price")
def price(req: Request) -> Reply:
    fsym = req.query.get("fsym", "").upper()
    tsyms = _syms(req.query.get("tsyms", ""))
    if fsym not in market.ASSETS:
        return _market_missing(fsym, ",".join(tsyms), "fsym")
    out = _row(fsym, tsyms)
    return Reply.json(out) if out else _market_missing(fsym, ",".join(tsyms), "tsyms")


@routes.get("/data/pricemulti")
def pricemulti(req: Request) -> Reply:
    tsyms = _syms(req.query.get("tsyms", ""))
    out = {f: row for f in _syms(req.query.get("fsyms", "")) if (row := _row(f, tsyms))}
    if not out:
        return _market_missing(req.query.get("fsyms", ""), req.query.get("tsyms", ""), "fsyms")
    return Reply.json(out)


@routes.get("/data/pricemultifull")
def pricemultifull(req: Request) -> Reply:
    tpl = bodies("pricemultifull_recorded_2021.json")
    raw_tpl = tpl["RAW"]["BTC"]["USD"]
    display_tpl = tpl["DISPLAY"]["BTC"]["USD"]
    ref = float(raw_tpl["PRICE"])
    out: dict[str, Any] = {"RAW": {}, "DISPLAY": {}}
    now = int(market.now())
    for f in _syms(req.query.get("fsyms", "")):
        for t in _syms(req.query.get("tsyms", "")):
            p = market.price(f, t)
            if p is None:
                continue
            scale = p / ref
            a = market.ASSETS[f]
            raw = {k: market.significant(float(v) * scale) if k in SCALED else v for k, v in raw_tpl.items()}
            raw.update(
                FROMSYMBOL=f,
                TOSYMBOL=t,
                PRICE=market.significant(p),
                LASTUPDATE=now,
                SUPPLY=a.supply,
                MKTCAP=market.significant(p * a.supply, 15),
                CHANGEPCT24HOUR=market.change_pct(f),
                IMAGEURL=f"/media/sandbox/{f.lower()}.png",
            )
            display = {k: str(raw[k]) if k in raw else v for k, v in display_tpl.items()}
            display.update(FROMSYMBOL=f, TOSYMBOL=t, PRICE=f"{t} {p:,.2f}", LASTUPDATE="Just now")
            out["RAW"].setdefault(f, {})[t] = raw
            out["DISPLAY"].setdefault(f, {})[t] = display
    if not out["RAW"]:
        return _market_missing(req.query.get("fsyms", ""), req.query.get("tsyms", ""), "fsyms")
    return Reply.json(out)


def _hist(req: Request, seconds: int) -> Reply:
    fsym, tsym = req.query.get("fsym", "").upper(), req.query.get("tsym", "").upper()
    if fsym not in market.ASSETS or market.price(fsym, tsym) is None:
        return _market_missing(fsym, tsym, "fsym" if fsym not in market.ASSETS else "tsym")
    aggregate = req.query_int("aggregate", 1, 1, 30)
    limit = req.query_int("limit", 30, 1, 2000)
    tpl = bodies("histoday_v2_recorded.json")
    row_keys = list(tpl["Data"]["Data"][0])
    n = market.significant
    rows = []
    for c in market.candles(fsym, tsym, seconds * aggregate, limit + 1):
        values = {
            "time": int(c.open_time),
            "high": n(c.high),
            "low": n(c.low),
            "open": n(c.open),
            "volumefrom": n(c.volume, 8),
            "volumeto": n(c.volume * c.close, 12),
            "close": n(c.close),
            "conversionType": "direct",
            "conversionSymbol": "",
        }
        rows.append({k: values[k] for k in row_keys})
    tpl["Data"].update(Aggregated=aggregate > 1, TimeFrom=rows[0]["time"], TimeTo=rows[-1]["time"], Data=rows)
    return Reply.json(tpl)


for _name, _seconds in HIST.items():
    routes.get(f"/data/v2/{_name}", f"/data/{_name}")(lambda req, seconds=_seconds: _hist(req, seconds))


@routes.get("/data/v2/news", "/data/news")
def news(req: Request) -> Reply:
    wanted = set(_syms(req.query.get("categories", "")))
    now = int(market.now())
    rows = []
    for i, a in enumerate(market.ranked()):
        if wanted and a.symbol not in wanted:
            continue
        for j in range(3):
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
    body = {"Type": 100, "Message": "News list successfully returned", "Promoted": [], "Data": rows}
    return Reply.json({**body, "RateLimit": {}, "HasWarning": False})


#: The sandbox's CryptoCompare coin ids (BTC and ETH are the real ones; the rest made up).
COIN_IDS: dict[str, int] = {s: {"BTC": 1182, "ETH": 7605}.get(s, 900_000 + a.rank) for s, a in market.ASSETS.items()}


def _error(message: str, kind: int = 1) -> Reply:
    return Reply.json(
        {"Response": "Error", "Message": message, "HasWarning": False, "Type": kind, "RateLimit": {}, "Data": {}}
    )


@routes.get("/data/all/coinlist")
def coinlist(req: Request) -> Reply:
    """``/data/all/coinlist?fsym=``: the one coin's entry (documented structure, made-up ids)."""
    fsym = req.query.get("fsym", "").upper()
    a = market.ASSETS.get(fsym)
    if a is None:
        return _error("fsym param seems invalid.", 2)
    entry = {
        "Id": str(COIN_IDS[fsym]),
        "Name": fsym,
        "Symbol": fsym,
        "CoinName": a.name,
        "FullName": f"{a.name} ({fsym})",
    }
    return Reply.json(
        {"Response": "Success", "Message": "Coin list succesfully returned!", "Data": {fsym: entry}, "Type": 100}
    )


@routes.get("/data/social/coin/latest")
def social(req: Request) -> Reply:
    """``/data/social/coin/latest``: needs a key, as the real endpoint does (documented structure, made-up figures)."""
    if not req.headers.get("authorization", "").startswith("Apikey "):
        return _error("You need a valid auth key or api key to access this endpoint")
    ids = {str(v): s for s, v in COIN_IDS.items()}
    sym = ids.get(req.query.get("coinId", ""))
    if sym is None:
        return _error("coinId param seems invalid.", 2)
    a = market.ASSETS[sym]
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
    return Reply.json(
        {"Response": "Success", "Message": "", "HasWarning": False, "Type": 100, "RateLimit": {}, "Data": data}
    )
