"""JSON -> core models for CryptoCompare min-api (transform; no I/O).

Bodies reach these functions after :func:`coinrelay_cryptocompare._client.check_error`
has turned HTTP-200 error bodies into exceptions; each parser still checks the shape it
reads and raises ``InvalidResponse`` naming the field; a well-formed body without the pair
asked for raises ``NotFound``. Numbers are JSON numbers (already ``Decimal``), times are epoch
**seconds**, hist rows are oldest first.

Identity: ``/data/price`` is keyed by the quote (``{"USD": 1}``: the result's ``quote`` is the
key read); ``pricemultifull`` by ``RAW.<fsym>.<tsym>`` and names ``FROMSYMBOL``/``TOSYMBOL``
inside, which become the result's ``symbol`` and ``quote``; hist and news rows carry none.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from coinrelay.plugin import (
    INTERVALS,
    OHLCV,
    Article,
    Candle,
    News,
    NotFound,
    Price,
    Source,
    Volume,
    bad,
    dec,
    field,
    from_s,
    integer,
    num,
    parsing,
)

PROVIDER = "cryptocompare"
_ONE_MS = timedelta(milliseconds=1)


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(PROVIDER, f"{where} is {type(value).__name__}, expected a JSON object")
    return value


@parsing(PROVIDER, "/data/price")
def parse_price(body: Any, symbol: str, quote: str, tsym: str, source: Source) -> Price:
    """``/data/price?fsym=..&tsyms=<tsym>`` -> ``{"<tsym>": <number>}``."""
    obj = _obj(body, "body")
    if tsym not in obj and all(isinstance(v, int | Decimal) for v in obj.values()):  # the shape, without tsym
        raise NotFound(f"/data/price has no {tsym!r} price (keys: {', '.join(sorted(obj)[:5])})", provider=PROVIDER)
    price = num(field(obj, tsym, (int, Decimal), PROVIDER), tsym, PROVIDER)
    if price <= 0:
        raise bad(PROVIDER, f"field {tsym!r} is {price}, not a positive price")
    return Price(
        symbol=symbol,
        quote=tsym,
        requested_quote=quote if quote != tsym else None,
        price=price,
        source=source,
    )


@parsing(PROVIDER, "/data/pricemultifull")
def parse_volume(body: Any, symbol: str, quote: str, fsym: str, tsym: str, source: Source) -> Volume:
    """``/data/pricemultifull?fsyms=<fsym>&tsyms=<tsym>`` -> ``RAW.<fsym>.<tsym>``'s 24h figures.

    The pair's own ``FROMSYMBOL``/``TOSYMBOL`` (when present) are the result's identity.
    """
    raw = field(_obj(body, "body"), "RAW", dict, PROVIDER)
    if fsym not in raw or (isinstance(raw[fsym], dict) and tsym not in raw[fsym]):
        raise NotFound(f"pricemultifull has no RAW.{fsym}.{tsym}", provider=PROVIDER)
    pair = field(field(raw, fsym, dict, PROVIDER, "RAW"), tsym, dict, PROVIDER, f"RAW.{fsym}")
    where = f"RAW.{fsym}.{tsym}"
    got_from = pair.get("FROMSYMBOL", fsym)
    got_to = pair.get("TOSYMBOL", tsym)
    if not isinstance(got_from, str) or not isinstance(got_to, str):
        raise bad(PROVIDER, f"{where}: FROMSYMBOL/TOSYMBOL are not strings")
    return Volume(
        symbol=symbol if got_from == fsym else got_from,
        quote=got_to,
        requested_quote=quote if quote != tsym else None,
        base_volume=num(
            field(pair, "VOLUME24HOUR", (int, Decimal), PROVIDER, where), f"{where}.VOLUME24HOUR", PROVIDER
        ),
        quote_volume=num(
            field(pair, "VOLUME24HOURTO", (int, Decimal), PROVIDER, where), f"{where}.VOLUME24HOURTO", PROVIDER
        ),
        price_change_pct=dec(pair.get("CHANGEPCT24HOUR"), f"{where}.CHANGEPCT24HOUR", PROVIDER, allow_none=True),
        timestamp=from_s(field(pair, "LASTUPDATE", int, PROVIDER, where), f"{where}.LASTUPDATE", PROVIDER),
        source=source,
    )


@parsing(PROVIDER, "/data/v2/histo")
def parse_histo(
    body: Any, symbol: str, quote: str, tsym: str, interval: str, limit: int, source: Source
) -> OHLCV | None:
    """``/data/v2/histo{minute,hour,day}`` -> the newest ``limit`` candles, oldest first.

    The API returns ``limit + 1`` rows (``TimeFrom``..``TimeTo`` inclusive); rows whose
    OHLC are all zero pad periods before the pair traded and are dropped. ``volumefrom``
    is the base volume, ``volumeto`` the quote volume. ``None`` when no row is left
    (the pair has no history).
    """
    body = _obj(body, "body")
    status = body.get("Response")
    if status is not None and status != "Success":
        raise bad(PROVIDER, f"field 'Response' is {str(status)[:40]!r}, expected 'Success'")
    data = field(field(body, "Data", dict, PROVIDER), "Data", list, PROVIDER, "Data")
    step = timedelta(seconds=INTERVALS[interval])
    candles: list[Candle] = []
    for i, row in enumerate(data):
        where = f"Data.Data[{i}]"
        row = _obj(row, where)
        values = {
            k: num(field(row, k, (int, Decimal), PROVIDER, where), f"{where}.{k}", PROVIDER)
            for k in ("open", "high", "low", "close", "volumefrom", "volumeto")
        }
        if not any(values[k] for k in ("open", "high", "low", "close")):
            continue  # padding before the pair existed
        if values["low"] > values["high"] or any(v < 0 for v in values.values()):
            raise bad(PROVIDER, f"{where} is not a candle (low {values['low']} > high {values['high']} or negative)")
        opened = from_s(field(row, "time", int, PROVIDER, where), f"{where}.time", PROVIDER)
        if candles and opened <= candles[-1].open_time:
            raise bad(PROVIDER, f"{where}.time is not after the previous row's: rows must be oldest first")
        candles.append(
            Candle(
                open_time=opened,
                open=values["open"],
                high=values["high"],
                low=values["low"],
                close=values["close"],
                volume=values["volumefrom"],
                quote_volume=values["volumeto"],
                close_time=opened + step - _ONE_MS,
            )
        )
    if not candles:
        return None
    return OHLCV(
        symbol=symbol,
        quote=tsym,
        requested_quote=quote if quote != tsym else None,
        interval=interval,
        candles=candles[-limit:],
        source=source,
    )


@parsing(PROVIDER, "/data/v2/news")
def parse_news(body: Any, symbol: str | None, limit: int, source: Source, category: str | None = None) -> News | None:
    """``/data/v2/news/?lang=EN`` -> up to ``limit`` articles, newest first.

    With ``symbol``, only articles whose ``categories`` name ``category`` (CryptoCompare's
    ticker for it, default ``symbol``) are kept — the request already asks for
    ``categories=<category>``; ``None`` when none does.
    """
    data = field(_obj(body, "body"), "Data", list, PROVIDER)
    articles = [parse_article(item, f"Data[{i}]") for i, item in enumerate(data)]
    if symbol is not None:
        wanted = (category or symbol).upper()
        articles = [a for a in articles if wanted in {c.upper() for c in a.categories}]
        if not articles:
            return None
    articles.sort(key=lambda a: a.published_at, reverse=True)
    return News(symbol=symbol, articles=articles[:limit], source=source)


def parse_article(item: Any, where: str) -> Article:
    """One element of the news ``Data`` list (``id``/``upvotes`` are strings, ``published_on`` seconds)."""
    item = _obj(item, where)
    source_info = item.get("source_info")
    source_name = source_info.get("name") if isinstance(source_info, dict) else None
    if not isinstance(source_name, str) or not source_name:
        source_name = item.get("source") if isinstance(item.get("source"), str) else None
    image = item.get("imageurl")
    body = item.get("body")
    return Article(
        id=str(integer(field(item, "id", (str, int), PROVIDER, where), f"{where}.id", PROVIDER)),
        title=field(item, "title", str, PROVIDER, where),
        url=field(item, "url", str, PROVIDER, where),
        source=source_name,
        published_at=from_s(field(item, "published_on", int, PROVIDER, where), f"{where}.published_on", PROVIDER),
        body=body if isinstance(body, str) else None,
        image_url=image if isinstance(image, str) and image else None,
        categories=_split(item.get("categories"), f"{where}.categories"),
        tags=_split(item.get("tags"), f"{where}.tags"),
    )


def _split(value: Any, label: str) -> list[str]:
    """``"A|B"`` -> ``["A", "B"]``; absent or empty -> ``[]``."""
    if value is None or value == "":
        return []
    if not isinstance(value, str):
        raise bad(PROVIDER, f"field {label!r} is {type(value).__name__}, expected a '|'-separated string")
    return [part.strip() for part in value.split("|") if part.strip()]
