"""Binance JSON bodies -> coinrelay models. Pure: no I/O, no context; tested offline from fixtures.

Each ``parse_*`` takes a body decoded by :meth:`coinrelay._http.Response.json` (JSON floats
already ``Decimal``), the :class:`~coinrelay_binance._pairs.Pair` asked for and the
:class:`~coinrelay.Source` to put on the result. A body without the documented shape —
garbage, truncated, a list where an object belongs, an impossible value — raises
:class:`~coinrelay.InvalidResponse` naming the field; nothing else escapes.
Binance sends prices and quantities as strings (``"65861.66000000"``) and times as epoch
milliseconds.

Identity: ``ticker/price`` and ``ticker/24hr`` bodies name their market (``"symbol":
"BTCUSDT"``); the result's ``symbol`` and ``quote`` are read from it (the core compares them
with the request), so an answer about ``ETHUSDT`` is reported as ``ETH`` and refused.
``exchangeInfo`` names the market and its ``baseAsset``/``quoteAsset``; ``klines`` and
``depth`` rows carry no identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from coinrelay.plugin import (
    OHLCV,
    Candle,
    Level,
    Metadata,
    NotFound,
    OrderBook,
    Price,
    Source,
    Volume,
    bad,
    field,
    from_ms,
    integer,
    num,
    parsing,
)

from ._pairs import NAME, Pair

#: Fields of one ``exchangeInfo`` ``symbols[]`` element copied into ``Metadata.extra`` (Binance name -> ours).
_SYMBOL_FACTS: dict[str, str] = {
    "status": "status",
    "baseAsset": "base_asset",
    "baseAssetPrecision": "base_asset_precision",
    "quoteAsset": "quote_asset",
    "quotePrecision": "quote_precision",
    "quoteAssetPrecision": "quote_asset_precision",
    "baseCommissionPrecision": "base_commission_precision",
    "quoteCommissionPrecision": "quote_commission_precision",
    "orderTypes": "order_types",
    "isSpotTradingAllowed": "is_spot_trading_allowed",
    "isMarginTradingAllowed": "is_margin_trading_allowed",
    "permissions": "permissions",
    "permissionSets": "permission_sets",
}


def parse_error(body: Any) -> tuple[int, str] | None:
    """``(code, msg)`` of a Binance error body (``{"code": -1121, "msg": "Invalid symbol."}``), else ``None``."""
    if not isinstance(body, dict) and not isinstance(body, Mapping):  # (dict first: no ABC check for JSON)
        return None
    code, msg = body.get("code"), body.get("msg")
    if isinstance(code, int) and not isinstance(code, bool) and isinstance(msg, str):
        return code, msg
    return None


def _object(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, dict) and not isinstance(body, Mapping):
        raise bad(NAME, f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def market(body: Mapping[str, Any], pair: Pair, what: str) -> tuple[str, str]:
    """``(symbol, quote)`` of the market the body names in ``symbol``, in coinrelay's terms.

    The asked market gives the canonical symbol and the quote used; another market is split
    around the asked quote or base (``ETHUSDT`` -> ``("ETH", "USDT")``, ``BTCEUR`` ->
    ``(symbol, "EUR")``), or reported whole as the symbol, for the core to refuse.
    """
    got = field(body, "symbol", str, NAME, what)
    if got == pair.name:
        return pair.symbol, pair.quote
    if got.endswith(pair.quote):
        return got[: -len(pair.quote)], pair.quote
    if got.startswith(pair.base):
        return pair.symbol, got[len(pair.base) :]
    return got, pair.quote


@parsing(NAME, "ticker/price")
def parse_price(body: Any, pair: Pair, source: Source) -> Price:
    """``GET /api/v3/ticker/price?symbol=…`` -> :class:`Price` (Binance gives no timestamp)."""
    obj = _object(body, "ticker/price")
    symbol, quote = market(obj, pair, "ticker/price")
    return Price(
        source=source,
        symbol=symbol,
        quote=quote,
        requested_quote=pair.requested_quote,
        price=num(obj.get("price"), "ticker/price.price", NAME),
    )


@parsing(NAME, "ticker/24hr")
def parse_volume(body: Any, pair: Pair, source: Source) -> Volume:
    """``GET /api/v3/ticker/24hr?symbol=…`` (FULL) -> :class:`Volume`; ``timestamp`` is ``closeTime``."""
    obj = _object(body, "ticker/24hr")
    symbol, quote = market(obj, pair, "ticker/24hr")
    return Volume(
        source=source,
        symbol=symbol,
        quote=quote,
        requested_quote=pair.requested_quote,
        base_volume=num(obj.get("volume"), "ticker/24hr.volume", NAME),
        quote_volume=num(obj.get("quoteVolume"), "ticker/24hr.quoteVolume", NAME),
        price_change_pct=num(obj.get("priceChangePercent"), "ticker/24hr.priceChangePercent", NAME),
        timestamp=from_ms(obj.get("closeTime"), "ticker/24hr.closeTime", NAME),
    )


@parsing(NAME, "klines")
def parse_candle(row: Any, index: int) -> Candle:
    """One kline row: ``[openTime, open, high, low, close, volume, closeTime, quoteVolume, …]`` (12 elements)."""
    where = f"klines[{index}]"
    if not isinstance(row, list):
        raise bad(NAME, f"{where}: expected a 12-element array, got {type(row).__name__}")
    if len(row) < 12:
        raise bad(NAME, f"{where}: expected a 12-element array, got {len(row)} element(s)")
    return Candle(
        open_time=from_ms(row[0], f"{where}[0] openTime", NAME),
        open=num(row[1], f"{where}[1] open", NAME),
        high=num(row[2], f"{where}[2] high", NAME),
        low=num(row[3], f"{where}[3] low", NAME),
        close=num(row[4], f"{where}[4] close", NAME),
        volume=num(row[5], f"{where}[5] volume", NAME),
        close_time=from_ms(row[6], f"{where}[6] closeTime", NAME),
        quote_volume=num(row[7], f"{where}[7] quoteAssetVolume", NAME),
    )


@parsing(NAME, "klines")
def parse_ohlcv(body: Any, pair: Pair, interval: str, limit: int, source: Source) -> OHLCV:
    """``GET /api/v3/klines`` -> :class:`OHLCV`: the newest ``limit`` candles, oldest first.

    An empty array gives an ``OHLCV`` without candles (the caller decides what that means).
    Rows out of time order raise ``InvalidResponse``.
    """
    if not isinstance(body, list):
        raise bad(NAME, f"klines: expected a JSON array, got {type(body).__name__}")
    candles = [parse_candle(row, i) for i, row in enumerate(body)]
    for i in range(1, len(candles)):
        if candles[i].open_time <= candles[i - 1].open_time:
            raise bad(NAME, f"klines[{i}]: openTime {candles[i].open_time.isoformat()} is not after the row before")
    return OHLCV(
        source=source,
        symbol=pair.symbol,
        quote=pair.quote,
        requested_quote=pair.requested_quote,
        interval=interval,
        candles=candles[-limit:],
    )


def _levels(obj: Mapping[str, Any], side: str) -> list[Level]:
    rows = field(obj, side, list, NAME, "depth")
    levels = []
    for i, row in enumerate(rows):
        where = f"depth.{side}[{i}]"
        if not isinstance(row, list) or len(row) < 2:
            raise bad(NAME, f"{where}: expected [price, quantity], got {str(row)[:40]}")
        levels.append(
            Level(price=num(row[0], f"{where}[0] price", NAME), quantity=num(row[1], f"{where}[1] qty", NAME))
        )
    return levels


@parsing(NAME, "depth")
def parse_orderbook(body: Any, pair: Pair, depth: int, source: Source) -> OrderBook:
    """``GET /api/v3/depth`` -> :class:`OrderBook`: best ``depth`` levels per side, bids descending, asks ascending."""
    obj = _object(body, "depth")
    last_update_id = integer(obj.get("lastUpdateId"), "depth.lastUpdateId", NAME)
    bids = sorted(_levels(obj, "bids"), key=lambda lv: lv.price, reverse=True)[:depth]
    asks = sorted(_levels(obj, "asks"), key=lambda lv: lv.price)[:depth]
    return OrderBook(
        source=source,
        symbol=pair.symbol,
        quote=pair.quote,
        requested_quote=pair.requested_quote,
        bids=bids,
        asks=asks,
        last_update_id=last_update_id,
    )


def _plain(value: Any, depth: int = 0) -> Any:
    """JSON-compatible copy: ``Decimal`` (a JSON float) becomes its exact string; at most 8 levels deep."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping | list) and depth >= 8:
        raise bad(NAME, "exchangeInfo: a symbol's facts are nested more than 8 levels deep")
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    return value


def parse_filters(raw: Any, where: str) -> dict[str, dict[str, Any]]:
    """``filters[]`` -> ``{filterType: {other fields}}`` (values kept as Binance sends them)."""
    if not isinstance(raw, list):
        raise bad(NAME, f"field {where!r} is {type(raw).__name__}, expected list")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(raw):
        kind = field(item, "filterType", str, NAME, f"{where}[{i}]")
        out[kind] = {k: _plain(v) for k, v in item.items() if k != "filterType"}
    return out


@parsing(NAME, "exchangeInfo")
def parse_metadata(body: Any, pair: Pair, source: Source) -> Metadata:
    """``GET /api/v3/exchangeInfo?symbol=…`` -> :class:`Metadata` of ``pair``'s market.

    Binance describes markets, not assets: ``provider_id`` is the pair (``BTCUSDT``) and
    ``extra`` holds the market's facts — ``pair``, ``status``, ``base_asset``,
    ``quote_asset``, the precisions, ``order_types``, ``filters`` by type, ``permissions``.
    """
    obj = _object(body, "exchangeInfo")
    symbols = field(obj, "symbols", list, NAME, "exchangeInfo")
    entry = next((s for s in symbols if isinstance(s, Mapping) and s.get("symbol") == pair.name), None)
    if entry is None:
        raise NotFound(f"exchangeInfo.symbols has no {pair.name!r} ({len(symbols)} element(s))", provider=NAME)
    where = f"exchangeInfo.symbols[{pair.name}]"
    base = field(entry, "baseAsset", str, NAME, where)
    quote = field(entry, "quoteAsset", str, NAME, where)
    if base + quote != pair.name:
        raise bad(NAME, f"{where}: baseAsset {base!r} + quoteAsset {quote!r} is not {pair.name!r}")
    symbol = pair.symbol if base == pair.base else base
    extra: dict[str, Any] = {"pair": pair.name}
    field(entry, "status", str, NAME, where)
    for key in ("baseAssetPrecision", "quoteAssetPrecision"):
        integer(entry.get(key), f"{where}.{key}", NAME)
    for theirs, ours in _SYMBOL_FACTS.items():
        if theirs in entry:
            extra[ours] = _plain(entry[theirs])
    extra["filters"] = parse_filters(entry.get("filters"), f"{where}.filters")
    return Metadata(source=source, symbol=symbol, provider_id=pair.name, extra=extra)
