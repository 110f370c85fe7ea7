"""CoinPaprika JSON -> coinrelay models (transform). Pure functions, tested offline from fixtures.

Numbers are JSON numbers (``Decimal`` after ``Response.json``); times are RFC 3339 strings.
A body of the wrong shape raises ``InvalidResponse`` naming the field; a ticker without the
requested quote raises ``NotFound``.

Identity: ``/tickers/{id}`` and ``/coins/{id}`` name their ``id`` (``btc-bitcoin``), compared
with the id asked — an ``eth-ethereum`` ticker is never a BTC price; the result's ``quote`` is
the ``quotes`` key read. ``/ohlcv/today`` rows carry none.
"""

from __future__ import annotations

from decimal import Decimal
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
    integer,
    num,
    parsing,
)

PROVIDER = "coinpaprika"


def symbol_index(body: Any, provider: str) -> dict[str, str]:
    """``/coins`` -> {SYMBOL: id} keeping, per symbol, the active coin with the best (lowest) rank.

    Symbols collide; coins that are inactive or unranked (``rank`` 0) are never picked.
    """
    if not isinstance(body, list):
        raise bad(provider, f"/coins body is {type(body).__name__}, expected an array")
    best: dict[str, tuple[int, str]] = {}
    for i, coin in enumerate(body):
        where = f"[{i}]"
        if not isinstance(coin, dict):
            raise bad(provider, f"/coins{where} is {type(coin).__name__}, expected an object")
        if coin.get("is_active") is not True:
            continue
        sym = field(coin, "symbol", str, provider, where).upper()
        rank = integer(coin.get("rank"), f"{where}.rank", provider)
        if rank <= 0:
            continue
        cid = field(coin, "id", str, provider, where)
        if sym not in best or rank < best[sym][0]:
            best[sym] = (rank, cid)
    return {sym: cid for sym, (_, cid) in best.items()}


def same_coin(body: dict[str, Any], coin_id: str | None, provider: str, what: str) -> str:
    """The body's ``id``; with ``coin_id`` (the id asked), another coin's body raises ``InvalidResponse``."""
    got = field(body, "id", str, provider, what)
    if coin_id is not None and got != coin_id:
        raise bad(provider, f"{what}: answer is about coin {got!r}, asked for {coin_id!r}")
    return got


def ticker_quote(body: Any, quote: str, provider: str, coin_id: str | None = None) -> dict[str, Any]:
    """``quotes[quote]`` of a ``/tickers/{id}`` body (of ``coin_id``, when given).

    :raises NotFound: the ticker has no such quote.
    """
    if not isinstance(body, dict):
        raise bad(provider, f"/tickers body is {type(body).__name__}, expected an object")
    if coin_id is not None:
        same_coin(body, coin_id, provider, "/tickers")
    quotes = field(body, "quotes", dict, provider)
    if quote not in quotes:
        raise NotFound(f"ticker has no {quote} quote (has {', '.join(sorted(quotes)) or 'none'})", provider=provider)
    result: dict[str, Any] = field(quotes, quote, dict, provider, "quotes")
    return result


def _updated(body: dict[str, Any], provider: str) -> Any:
    raw = body.get("last_updated")
    return None if raw is None else from_iso(raw, "last_updated", provider)


@parsing(PROVIDER, "/tickers")
def price(
    body: Any, *, symbol: str, quote: str, requested_quote: str | None, source: Source, coin_id: str | None = None
) -> Price:
    """A :class:`Price` from ``/tickers/{id}?quotes=<QUOTE>`` (of ``coin_id``, when given)."""
    provider = source.provider
    q = ticker_quote(body, quote, provider, coin_id)
    return Price(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        price=num(q.get("price"), f"quotes.{quote}.price", provider),
        timestamp=_updated(body, provider),
        source=source,
    )


@parsing(PROVIDER, "/tickers")
def volume(
    body: Any, *, symbol: str, quote: str, requested_quote: str | None, source: Source, coin_id: str | None = None
) -> Volume:
    """A :class:`Volume` from ``/tickers/{id}`` (of ``coin_id``, when given); ``volume_24h`` is in the quote."""
    provider = source.provider
    q = ticker_quote(body, quote, provider, coin_id)
    at = f"quotes.{quote}"
    return Volume(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        quote_volume=num(q.get("volume_24h"), f"{at}.volume_24h", provider),
        price_change_pct=dec(q.get("percent_change_24h"), f"{at}.percent_change_24h", provider, allow_none=True),
        volume_change_pct=dec(q.get("volume_24h_change_24h"), f"{at}.volume_24h_change_24h", provider, allow_none=True),
        timestamp=_updated(body, provider),
        source=source,
    )


@parsing(PROVIDER, "/ohlcv/today")
def ohlcv_today(
    body: Any, *, limit: int, symbol: str, quote: str, requested_quote: str | None, source: Source
) -> OHLCV:
    """An :class:`OHLCV` (interval ``1d``) from ``/coins/{id}/ohlcv/today``: the running day's candle.

    For the running day ``time_close`` is the last update, not 23:59:59. ``volume`` is the 24h
    volume in the quote currency (``quote_volume``).
    """
    provider = source.provider
    if not isinstance(body, list):
        raise bad(provider, f"OHLCV body is {type(body).__name__}, expected an array")
    if not body:
        raise NotSupported(f"no OHLCV candle for {symbol}/{quote} today yet", provider=provider)
    candles = []
    for i, row in enumerate(body):
        where = f"[{i}]"
        if not isinstance(row, dict):
            raise bad(provider, f"OHLCV row {where} is {type(row).__name__}, expected an object")
        candles.append(
            Candle(
                open_time=from_iso(row.get("time_open"), f"{where}.time_open", provider),
                close_time=from_iso(row.get("time_close"), f"{where}.time_close", provider),
                open=num(row.get("open"), f"{where}.open", provider),
                high=num(row.get("high"), f"{where}.high", provider),
                low=num(row.get("low"), f"{where}.low", provider),
                close=num(row.get("close"), f"{where}.close", provider),
                quote_volume=dec(row.get("volume"), f"{where}.volume", provider, allow_none=True),
            )
        )
    candles.sort(key=lambda c: c.open_time)
    return OHLCV(
        symbol=symbol,
        quote=quote,
        requested_quote=requested_quote,
        interval="1d",
        candles=candles[-limit:],
        source=source,
    )


def _urls(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str) and v.startswith(("http://", "https://"))]


@parsing(PROVIDER, "/coins/{id}")
def metadata(coin: Any, ticker: Any, *, symbol: str, source: Source, coin_id: str | None = None) -> Metadata:
    """A :class:`Metadata` from ``/coins/{id}`` (name, description, links, tags) and
    ``/tickers/{id}?quotes=USD`` (rank, supplies, market cap in USD).

    CoinPaprika reports ``max_supply`` 0 for coins without a cap: that becomes ``None``. Both
    bodies must be about ``coin_id`` (when given) and about the same coin.
    """
    provider = source.provider
    if not isinstance(coin, dict):
        raise bad(provider, f"/coins/{{id}} body is {type(coin).__name__}, expected an object")
    if not isinstance(ticker, dict):
        raise bad(provider, f"/tickers/{{id}} body is {type(ticker).__name__}, expected an object")
    coin_id = same_coin(coin, coin_id, provider, "/coins/{id}")
    name = field(coin, "name", str, provider)
    usd = ticker_quote(ticker, "USD", provider, coin_id)
    rank_raw = ticker.get("rank", coin.get("rank"))
    rank = None if rank_raw is None else integer(rank_raw, "rank", provider)

    def supply(key: str) -> Decimal | None:
        return dec(ticker.get(key), key, provider, allow_none=True)

    max_supply = supply("max_supply")
    links: dict[str, list[str]] = {}
    raw_links = coin.get("links")
    if isinstance(raw_links, dict):
        for kind, value in raw_links.items():
            found = _urls(value)
            if found and isinstance(kind, str):
                links[kind] = found
    paper = coin.get("whitepaper")
    if isinstance(paper, dict) and _urls(paper.get("link")):
        links["whitepaper"] = _urls(paper.get("link"))
    extra: dict[str, Any] = {}
    tags = coin.get("tags")
    if isinstance(tags, list):
        extra["tags"] = [t["name"] for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str)]
    for key in ("type", "proof_type", "hash_algorithm", "development_status", "org_structure", "started_at"):
        if isinstance(coin.get(key), str) and coin[key]:
            extra[key] = coin[key]
    for key in ("open_source", "is_active"):
        if isinstance(coin.get(key), bool):
            extra[key] = coin[key]
    desc = coin.get("description")
    cap = dec(usd.get("market_cap"), "quotes.USD.market_cap", provider, allow_none=True)
    return Metadata(
        symbol=symbol,
        name=name,
        provider_id=coin_id,
        rank=rank,
        circulating_supply=supply("circulating_supply"),
        total_supply=supply("total_supply"),
        max_supply=None if max_supply == 0 else max_supply,
        market_cap=cap,
        quote="USD" if cap is not None else None,
        description=(desc.strip() or None) if isinstance(desc, str) else None,
        links=links,
        extra=extra,
        source=source,
    )
