"""CoinPaprika ``/v1/exchanges`` JSON -> :class:`Exchanges` (transform). Pure functions, tested offline.

The body is a JSON array (in no particular order) of ``{id, name, active, ..., links{website: [...]},
adjusted_rank (int|null), reported_rank, currencies, markets, fiats, quotes{<Q>:
{reported_volume_24h, adjusted_volume_24h, ...}}, confidence_score (0-1|null),
sessions_per_month, last_updated}``. Asked with ``quotes=USD,BTC`` for both volumes. Inactive
exchanges are left out; the rest are ranked by ``adjusted_rank`` (unranked last). CoinPaprika
gives no country or founding year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from coinrelay.plugin import Exchange, Exchanges, Source, bad, dec, field, integer

#: The quotes asked for: the volumes come in both.
QUOTES = "USD,BTC"


def _volume(item: dict[str, Any], quote: str, kind: str, where: str, provider: str) -> Decimal | None:
    quotes = item.get("quotes")
    if quotes is None:
        return None
    if not isinstance(quotes, dict):
        raise bad(provider, f"field '{where}.quotes' is {type(quotes).__name__}, expected an object")
    row = quotes.get(quote)
    if row is None:
        return None
    if not isinstance(row, dict):
        raise bad(provider, f"field '{where}.quotes.{quote}' is {type(row).__name__}, expected an object")
    return dec(row.get(f"{kind}_volume_24h"), f"{where}.quotes.{quote}.{kind}_volume_24h", provider, allow_none=True)


def _website(item: dict[str, Any]) -> str | None:
    links = item.get("links")
    sites = links.get("website") if isinstance(links, dict) else None
    if isinstance(sites, list) and sites and isinstance(sites[0], str):
        return sites[0]
    return None


def exchange(item: dict[str, Any], where: str, provider: str) -> Exchange:
    """One (active) element of the ``/exchanges`` array."""
    rank = item.get("adjusted_rank")
    confidence = dec(item.get("confidence_score"), f"{where}.confidence_score", provider, allow_none=True)
    markets = item.get("markets")
    extra: dict[str, Any] = {}
    for label, value in (
        ("confidence_score", confidence),
        ("reported_volume_24h_usd", _volume(item, "USD", "reported", where, provider)),
        ("reported_volume_24h_btc", _volume(item, "BTC", "reported", where, provider)),
    ):
        if value is not None:
            extra[label] = str(value)
    reported_rank = item.get("reported_rank")
    if reported_rank is not None:
        extra["reported_rank"] = integer(reported_rank, f"{where}.reported_rank", provider)
    return Exchange(
        id=field(item, "id", str, provider, where),
        name=field(item, "name", str, provider, where),
        trust_score=None if confidence is None else confidence * 10,
        rank=None if rank is None else integer(rank, f"{where}.adjusted_rank", provider),
        volume_24h_usd=_volume(item, "USD", "adjusted", where, provider),
        volume_24h_btc=_volume(item, "BTC", "adjusted", where, provider),
        markets=None if markets is None else integer(markets, f"{where}.markets", provider),
        url=_website(item),
        extra=extra,
    )


def exchanges(body: Any, *, limit: int, source: Source) -> Exchanges:
    """The ``limit`` best-ranked active exchanges of ``/exchanges?quotes=USD,BTC``.

    :raises InvalidResponse: not an array, no active exchange, or an element of the wrong shape.
    """
    provider = source.provider
    if not isinstance(body, list):
        raise bad(provider, f"/exchanges body is {type(body).__name__}, expected an array")
    active: list[Exchange] = []
    for i, item in enumerate(body):
        where = f"[{i}]"
        if not isinstance(item, dict):
            raise bad(provider, f"{where} is {type(item).__name__}, expected an object")
        if field(item, "active", bool, provider, where):
            active.append(exchange(item, where, provider))
    if not active:
        raise bad(provider, f"/exchanges lists no active exchange ({len(body)} element(s))")
    active.sort(key=lambda e: (e.rank is None, e.rank or 0))
    return Exchanges(exchanges=active[:limit], source=source)
