"""CoinGecko JSON -> coinrelay models (transform). Pure functions, tested offline from fixtures.

Numbers are JSON numbers (``Decimal`` after ``Response.json``); ``/simple/price`` times are epoch
seconds, OHLC times epoch milliseconds of the candle's CLOSE, ``/coins/{id}`` times ISO strings.
A body of the wrong shape raises ``InvalidResponse`` naming the field; a body without the coin
or quote asked for raises ``NotFound``.

Identity: ``/simple/price`` is keyed by coin id and ``vs_currency`` (the result's ``quote`` is
the key found); ``/coins/{id}`` names its ``id``, compared with the id asked (the body's
``symbol`` is CoinGecko's ticker, which a symbol mapping may make differ from the canonical
one, so the id decides); OHLC rows carry none.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from coinrelay.plugin import (
    OHLCV,
    Candle,
    Metadata,
    NotFound,
    NotSupported,
    Price,
    Source,
    Volume,
    bad,
    dec,
    field,
    from_iso,
    from_ms,
    from_s,
    integer,
    num,
    parsing,
)


def pick_search_coin(body: Any, symbol: str, provider: str) -> str | None:
    """The id of the ``/search`` coin whose symbol is exactly ``symbol`` with the best (lowest) rank.

    Symbols collide (many tokens call themselves ``BTC``), so a coin without a
    ``market_cap_rank`` is never picked. ``None`` when no coin qualifies.
    """
    coins = field(body, "coins", list, provider)
    best: tuple[int, str] | None = None
    for i, coin in enumerate(coins):
        where = f"coins[{i}]"
        if not isinstance(coin, dict):
            raise bad(provider, f"{where} is {type(coin).__name__}, expected an object")
        sym = coin.get("symbol")
        if not isinstance(sym, str) or sym.upper() != symbol:
            continue
        rank = coin.get("market_cap_rank")
        if rank is None:
            continue
        rank_n = integer(rank, f"{where}.market_cap_rank", provider)
        coin_id = field(coin, "id", str, provider, where)
        if best is None or rank_n < best[0]:
            best = (rank_n, coin_id)
    return best[1] if best else None


def simple_entry(body: Any, coin_id: str, vs: str, provider: str) -> dict[str, Any]:
    """The ``/simple/price`` object of ``coin_id``, checked to hold a ``vs`` price.

    :raises NotFound: ``{}`` (CoinGecko's answer for an unknown id), no object for ``coin_id``,
        or no price in ``vs``.
    """
    if not isinstance(body, dict):
        raise bad(provider, f"/simple/price body is {type(body).__name__}, expected an object")
    if coin_id not in body:
        raise NotFound(f"/simple/price knows no coin {coin_id!r}", provider=provider)
    entry: dict[str, Any] = field(body, coin_id, dict, provider)
    if vs not in entry:
        raise NotFound(f"/simple/price has no {vs!r} quote for {coin_id!r}", provider=provider)
    return entry


def _updated(entry: dict[str, Any], coin_id: str, provider: str) -> Any:
    raw = entry.get("last_updated_at")
    return None if raw is None else from_s(raw, f"{coin_id}.last_updated_at", provider)


@parsing("coingecko", "/simple/price")
def price(
    body: Any, *, coin_id: str, vs: str, symbol: str, quote: str, requested_quote: str | None, source: Source
) -> Price:
    """A :class:`Price` from ``/simple/price?ids=<id>&vs_currencies=<vs>&include_last_updated_at=true``."""
    provider = source.provider
    entry = simple_entry(body, coin_id, vs, provider)
    return Price(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        price=num(entry[vs], f"{coin_id}.{vs}", provider),
        timestamp=_updated(entry, coin_id, provider),
        source=source,
    )


@parsing("coingecko", "/simple/price")
def volume(
    body: Any, *, coin_id: str, vs: str, symbol: str, quote: str, requested_quote: str | None, source: Source
) -> Volume:
    """A :class:`Volume` from ``/simple/price`` with ``include_24hr_vol`` and ``include_24hr_change``.

    ``<vs>_24h_vol`` is in the quote currency (``quote_volume``); ``<vs>_24h_change`` is percent.
    """
    provider = source.provider
    entry = simple_entry(body, coin_id, vs, provider)
    vol_key, chg_key = f"{vs}_24h_vol", f"{vs}_24h_change"
    if vol_key not in entry:
        raise bad(provider, f"missing field '{coin_id}.{vol_key}'")
    return Volume(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        quote_volume=num(entry[vol_key], f"{coin_id}.{vol_key}", provider),
        price_change_pct=dec(entry.get(chg_key), f"{coin_id}.{chg_key}", provider, allow_none=True),
        timestamp=_updated(entry, coin_id, provider),
        source=source,
    )


#: Interval -> (seconds, ``days`` values that give it, smallest first). CoinGecko picks the granularity
#: from ``days`` alone: 1-2 days -> 30 min, 3-30 days -> 4 h, 31+ days -> 4 days. ``days`` values are
#: the ones the demo plan accepts (1, 7, 14, 30, 90, 180, 365).
OHLC_DAYS: dict[str, tuple[int, tuple[int, ...]]] = {
    "30m": (1800, (1,)),
    "4h": (14400, (7, 14, 30)),
}


def ohlc_days(interval: str, limit: int) -> int | None:
    """The smallest ``days`` that gives ``limit`` candles of ``interval`` (else the largest); ``None`` if none."""
    spec = OHLC_DAYS.get(interval)
    if spec is None:
        return None
    seconds, choices = spec
    for days in choices:
        if days * 86400 // seconds >= limit:
            return days
    return choices[-1]


@parsing("coingecko", "/coins/{id}/ohlc")
def ohlcv(
    body: Any, *, interval: str, limit: int, symbol: str, quote: str, requested_quote: str | None, source: Source
) -> OHLCV:
    """An :class:`OHLCV` from ``/coins/{id}/ohlc``: ``[[close_ms, open, high, low, close], ...]``.

    The timestamp is the candle's close time, so ``open_time = close - interval``. Rows must be
    ascending and mostly spaced by ``interval`` (else the granularity is not the one asked for).
    Keeps the newest ``limit``; CoinGecko gives no volume.
    """
    provider = source.provider
    seconds = OHLC_DAYS[interval][0]
    if not isinstance(body, list):
        raise bad(provider, f"OHLC body is {type(body).__name__}, expected an array")
    if not body:
        raise NotSupported(f"no OHLC candles for {symbol}/{quote}", provider=provider)
    candles: list[Candle] = []
    for i, row in enumerate(body):
        where = f"[{i}]"
        if not isinstance(row, list) or len(row) != 5:
            raise bad(provider, f"OHLC row {where} is {row!r:.60}, expected [time, open, high, low, close]")
        close_time = from_ms(row[0], f"{where}[0]", provider)
        o, h, lo, c = (num(row[j], f"{where}[{j}]", provider) for j in range(1, 5))
        candles.append(
            Candle(
                open_time=close_time - timedelta(seconds=seconds),
                open=o,
                high=h,
                low=lo,
                close=c,
                close_time=close_time,
            )
        )
    gaps = [(b.open_time - a.open_time).total_seconds() for a, b in pairwise(candles)]
    if any(g <= 0 for g in gaps):
        raise bad(provider, "OHLC rows are not in ascending time order")
    if gaps:
        common = Counter(gaps).most_common(1)[0][0]
        if common != seconds:
            raise bad(provider, f"OHLC candles are {common:g}s apart, expected {interval} ({seconds}s)")
    return OHLCV(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        interval=interval,
        candles=candles[-limit:],
        source=source,
    )


def _links(raw: Any) -> dict[str, list[str]]:
    """``links`` of ``/coins/{id}``: non-empty URL strings by kind."""
    if not isinstance(raw, dict):
        return {}

    def urls(value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [v for v in items if isinstance(v, str) and v.startswith(("http://", "https://"))]

    out: dict[str, list[str]] = {}
    repos = raw.get("repos_url")
    pairs = [
        ("website", raw.get("homepage")),
        ("whitepaper", raw.get("whitepaper")),
        ("explorer", raw.get("blockchain_site")),
        ("forum", raw.get("official_forum_url")),
        ("chat", raw.get("chat_url")),
        ("announcement", raw.get("announcement_url")),
        ("reddit", raw.get("subreddit_url")),
        (
            "source_code",
            [*urls(repos.get("github")), *urls(repos.get("bitbucket"))] if isinstance(repos, dict) else None,
        ),
    ]
    for kind, value in pairs:
        found = urls(value)
        if found:
            out[kind] = found
    return out


@parsing("coingecko", "/coins/{id}")
def metadata(body: Any, *, symbol: str, source: Source, coin_id: str | None = None) -> Metadata:
    """A :class:`Metadata` from ``/coins/{id}?localization=false&tickers=false&...``.

    Market cap is ``market_data.market_cap.usd`` (quote ``USD``); supplies come from
    ``market_data``; ``description.en`` (empty -> ``None``). With ``coin_id`` (the id asked),
    a body about another coin raises ``InvalidResponse``.
    """
    provider = source.provider
    if not isinstance(body, dict):
        raise bad(provider, f"/coins/{{id}} body is {type(body).__name__}, expected an object")
    got = field(body, "id", str, provider)
    if coin_id is not None and got != coin_id:
        raise bad(provider, f"/coins/{{id}}: answer is about coin {got!r}, asked for {coin_id!r}")
    coin_id = got
    name = field(body, "name", str, provider)
    market = body.get("market_data")
    if market is None:
        market = {}
    elif not isinstance(market, dict):
        raise bad(provider, f"field 'market_data' is {type(market).__name__}, expected an object")
    caps = market.get("market_cap")
    if caps is not None and not isinstance(caps, dict):
        raise bad(provider, f"field 'market_data.market_cap' is {type(caps).__name__}, expected an object")
    rank = body.get("market_cap_rank")
    desc = body.get("description")
    text = desc.get("en") if isinstance(desc, dict) else None

    def supply(key: str) -> Decimal | None:
        return dec(market.get(key), f"market_data.{key}", provider, allow_none=True)

    cap = dec((caps or {}).get("usd"), "market_data.market_cap.usd", provider, allow_none=True)
    extra: dict[str, Any] = {}
    cats = body.get("categories")
    if isinstance(cats, list):
        extra["categories"] = [c for c in cats if isinstance(c, str)]
    for key in ("hashing_algorithm", "genesis_date", "web_slug"):
        if isinstance(body.get(key), str) and body[key]:
            extra[key] = body[key]
    if body.get("last_updated") is not None:
        extra["last_updated"] = from_iso(body["last_updated"], "last_updated", provider).isoformat()
    return Metadata(
        symbol=symbol,
        name=name,
        provider_id=coin_id,
        rank=None if rank is None else integer(rank, "market_cap_rank", provider),
        circulating_supply=supply("circulating_supply"),
        total_supply=supply("total_supply"),
        max_supply=supply("max_supply"),
        market_cap=cap,
        quote="USD" if cap is not None else None,
        description=(text.strip() or None) if isinstance(text, str) else None,
        links=_links(body.get("links")),
        extra=extra,
        source=source,
    )
