"""CoinGecko ``/exchanges`` JSON -> :class:`Exchanges` (transform). Pure functions, tested offline.

The body is a JSON array of ``{id, name, year_established (int|null), country (str|null),
description, url, image, has_trading_incentive (bool, sometimes the string "false"),
trust_score (1-10|null), trust_score_rank (int), trade_volume_24h_btc,
trade_volume_24h_btc_normalized}``, ranked by CoinGecko's trust score rank. Volumes are in
BTC: CoinGecko gives no USD volume here.
"""

from __future__ import annotations

from typing import Any

from coinrelay.plugin import Exchange, Exchanges, Source, bad, dec, field, integer


def _opt_int(obj: dict[str, Any], key: str, where: str, provider: str) -> int | None:
    value = obj.get(key)
    return None if value is None else integer(value, f"{where}.{key}", provider)


def _opt_text(obj: dict[str, Any], key: str, where: str, provider: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(provider, f"field '{where}.{key}' is {type(value).__name__}, expected a string")
    return value.strip() or None


def _flag(value: Any) -> bool | None:
    """``has_trading_incentive``: a boolean, or (seen in the wild) the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def exchange(item: Any, where: str, provider: str) -> Exchange:
    """One element of the ``/exchanges`` array."""
    if not isinstance(item, dict):
        raise bad(provider, f"{where} is {type(item).__name__}, expected an object")
    extra: dict[str, Any] = {}
    normalized = dec(
        item.get("trade_volume_24h_btc_normalized"),
        f"{where}.trade_volume_24h_btc_normalized",
        provider,
        allow_none=True,
    )
    if normalized is not None:
        extra["volume_24h_btc_normalized"] = str(normalized)
    incentive = _flag(item.get("has_trading_incentive"))
    if incentive is not None:
        extra["has_trading_incentive"] = incentive
    return Exchange(
        id=field(item, "id", str, provider, where),
        name=field(item, "name", str, provider, where),
        country=_opt_text(item, "country", where, provider),
        year_established=_opt_int(item, "year_established", where, provider),
        trust_score=dec(item.get("trust_score"), f"{where}.trust_score", provider, allow_none=True),
        rank=_opt_int(item, "trust_score_rank", where, provider),
        volume_24h_btc=dec(
            item.get("trade_volume_24h_btc"), f"{where}.trade_volume_24h_btc", provider, allow_none=True
        ),
        url=_opt_text(item, "url", where, provider),
        extra=extra,
    )


def exchanges(body: Any, *, limit: int, source: Source) -> Exchanges:
    """:class:`Exchanges` from the ``/exchanges?per_page=<limit>`` array (at most ``limit``, CoinGecko's order).

    :raises InvalidResponse: not an array, an empty one, or an element without ``id``/``name``.
    """
    provider = source.provider
    if not isinstance(body, list):
        raise bad(provider, f"/exchanges body is {type(body).__name__}, expected an array")
    if not body:
        raise bad(provider, "/exchanges answered an empty array (it always lists active exchanges)")
    return Exchanges(exchanges=[exchange(x, f"[{i}]", provider) for i, x in enumerate(body[:limit])], source=source)
