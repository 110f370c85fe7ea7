"""JSON -> core models for CoinCap v3 (transform; no I/O).

Every body is the envelope ``{"data": <object|array>, "timestamp": <ms>}``. **Every numeric
asset field is a string** (``"priceUsd": "119753.3173109070855685"``, ``"rank": "1"``); absent
values are JSON ``null``; only ``timestamp``/``time`` are JSON integers (ms).

Candles: CoinCap v3 has no OHLC endpoint, only ``/assets/{id}/history``, a series of single
prices. :func:`parse_history` builds a candle from the points inside each interval
(open = first, high = max, low = min, close = last) — only from points *finer* than the
interval (:data:`HISTORY_INTERVALS`) and only for intervals holding at least two points, so
no candle is a single price copied into four fields. Volume is unknown (``None``).

Identity: ``/assets/{id}`` names its ``data.id``, compared with the id asked; prices are
``priceUsd`` (quote ``USD``); history points carry none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from coinrelay.plugin import (
    INTERVALS,
    OHLCV,
    Candle,
    Metadata,
    Price,
    Source,
    Volume,
    bad,
    dec,
    field,
    from_ms,
    integer,
    num,
    parsing,
)

PROVIDER = "coincap"

#: Our candle interval -> the CoinCap history interval whose points are aggregated into it
#: (always finer, and dividing it). ``1m`` (nothing finer) and ``1M`` are not offered.
HISTORY_INTERVALS: dict[str, str] = {
    "3m": "m1",
    "5m": "m1",
    "15m": "m5",
    "30m": "m5",
    "1h": "m15",
    "2h": "m30",
    "4h": "h1",
    "6h": "h1",
    "8h": "h2",
    "12h": "h2",
    "1d": "h6",
    "3d": "h12",
    "1w": "d1",
}
#: Weeks start on Monday (1970-01-05 is the first Monday after the epoch); other intervals
#: are aligned on multiples of their length since the epoch (UTC).
_WEEK_OFFSET_S = 4 * 86400
_ONE_MS = timedelta(milliseconds=1)


def bucket_start(epoch_s: int, interval: str) -> int:
    """Epoch seconds of the start of the ``interval`` candle holding ``epoch_s``."""
    length = INTERVALS[interval]
    offset = _WEEK_OFFSET_S if interval == "1w" else 0
    return (epoch_s - offset) // length * length + offset


def envelope(body: Any) -> tuple[Any, datetime | None]:
    """``(data, timestamp)`` of a CoinCap envelope (``timestamp`` optional)."""
    if not isinstance(body, dict):
        raise bad(PROVIDER, f"expected a JSON object with 'data', got {type(body).__name__}")
    if "data" not in body:
        raise bad(PROVIDER, "missing field 'data'")
    raw_ts = body.get("timestamp")
    return body["data"], None if raw_ts is None else from_ms(raw_ts, "timestamp", PROVIDER)


def asset(body: Any, asset_id: str) -> tuple[dict[str, Any], datetime | None]:
    """The asset object of ``/assets/{asset_id}``, checked to be that asset."""
    data, when = envelope(body)
    if not isinstance(data, dict):
        raise bad(PROVIDER, f"field 'data' is {type(data).__name__}, expected an asset object")
    got = field(data, "id", str, PROVIDER, "data")
    if got != asset_id:
        raise bad(PROVIDER, f"asked for asset {asset_id!r}, got {got!r}")
    return data, when


@parsing("coincap", "/assets/{id}")
def parse_price(body: Any, symbol: str, asset_id: str, source: Source) -> Price:
    """``/assets/{id}`` -> ``priceUsd`` at the envelope's ``timestamp``."""
    data, when = asset(body, asset_id)
    price = num(data.get("priceUsd"), "data.priceUsd", PROVIDER)
    if price <= 0:
        raise bad(PROVIDER, f"field 'data.priceUsd' is {price}, not a positive price")
    return Price(symbol=symbol, quote="USD", price=price, timestamp=when, source=source)


@parsing("coincap", "/assets/{id}")
def parse_volume(body: Any, symbol: str, asset_id: str, source: Source) -> Volume:
    """``/assets/{id}`` -> ``volumeUsd24Hr`` (quote volume) and ``changePercent24Hr``."""
    data, when = asset(body, asset_id)
    return Volume(
        symbol=symbol,
        quote="USD",
        quote_volume=num(data.get("volumeUsd24Hr"), "data.volumeUsd24Hr", PROVIDER),
        price_change_pct=dec(data.get("changePercent24Hr"), "data.changePercent24Hr", PROVIDER, allow_none=True),
        timestamp=when,
        source=source,
    )


@parsing("coincap", "/assets/{id}")
def parse_metadata(body: Any, symbol: str, asset_id: str, source: Source) -> Metadata:
    """``/assets/{id}`` -> name, rank, supply, max supply, market cap (USD), explorer link."""
    data, _ = asset(body, asset_id)
    rank = data.get("rank")
    explorer = data.get("explorer")
    if explorer is not None and not isinstance(explorer, str):
        raise bad(PROVIDER, f"field 'data.explorer' is {type(explorer).__name__}, expected a URL")
    return Metadata(
        symbol=symbol,
        name=field(data, "name", str, PROVIDER, "data"),
        provider_id=asset_id,
        rank=None if rank is None else integer(rank, "data.rank", PROVIDER),
        circulating_supply=dec(data.get("supply"), "data.supply", PROVIDER, allow_none=True),
        max_supply=dec(data.get("maxSupply"), "data.maxSupply", PROVIDER, allow_none=True),
        market_cap=dec(data.get("marketCapUsd"), "data.marketCapUsd", PROVIDER, allow_none=True),
        quote="USD",
        links={"explorer": [explorer]} if explorer else {},
        source=source,
    )


@parsing("coincap", "/assets/{id}/history")
def parse_history(body: Any, symbol: str, interval: str, limit: int, source: Source) -> OHLCV | None:
    """``/assets/{id}/history`` points -> the newest ``limit`` candles of ``interval``, oldest first.

    Points (``{"priceUsd": str, "time": ms, ...}``, oldest first) are grouped by the
    ``interval`` candle their ``time`` falls in; a group of fewer than two points gives no
    candle. ``None`` when no candle can be built.
    """
    data, _ = envelope(body)
    if not isinstance(data, list):
        raise bad(PROVIDER, f"field 'data' is {type(data).__name__}, expected a list of history points")
    groups: dict[int, list[Decimal]] = {}
    last_ms = -1
    for i, point in enumerate(data):
        where = f"data[{i}]"
        if not isinstance(point, dict):
            raise bad(PROVIDER, f"{where} is {type(point).__name__}, expected an object")
        when_ms = integer(field(point, "time", int, PROVIDER, where), f"{where}.time", PROVIDER)
        from_ms(when_ms, f"{where}.time", PROVIDER)  # plausibility
        if when_ms <= last_ms:
            raise bad(PROVIDER, f"{where}.time is not after the previous point's: points must be oldest first")
        last_ms = when_ms
        price = num(point.get("priceUsd"), f"{where}.priceUsd", PROVIDER)
        if price <= 0:
            raise bad(PROVIDER, f"field '{where}.priceUsd' is {price}, not a positive price")
        groups.setdefault(bucket_start(when_ms // 1000, interval), []).append(price)
    step = timedelta(seconds=INTERVALS[interval])
    candles = []
    for start, prices in sorted(groups.items()):
        if len(prices) < 2:
            continue
        opened = datetime.fromtimestamp(start, UTC)
        candles.append(
            Candle(
                open_time=opened,
                open=prices[0],
                high=max(prices),
                low=min(prices),
                close=prices[-1],
                volume=None,
                close_time=opened + step - _ONE_MS,
            )
        )
    if not candles:
        return None
    return OHLCV(symbol=symbol, quote="USD", interval=interval, candles=candles[-limit:], source=source)
