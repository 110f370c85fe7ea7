"""Binance's request weights, depth limits and kline intervals (docs values, ``rest-api.md``).

Every Binance mirror shares one per-IP budget of 6000 weight per clock-aligned minute;
each call passes its documented weight to ``ctx.http.get(weight=...)`` so the core can
spend it before sending.
"""

from __future__ import annotations

from typing import Final

from coinrelay.plugin import RateLimit

#: The REQUEST_WEIGHT limit (6000 per minute, per IP, shared by every mirror), 10% kept back.
RATE_LIMIT: Final = RateLimit(
    limit=6000, period=60, aligned=True, unit="weight", usage_header="x-mbx-used-weight-1m", headroom=0.1
)

#: Weight of ``GET /api/v3/ticker/price?symbol=…``.
PRICE_WEIGHT: Final = 2
#: Weight of ``GET /api/v3/ticker/24hr?symbol=…``.
TICKER_24HR_WEIGHT: Final = 2
#: Weight of ``GET /api/v3/klines`` (any ``limit``).
KLINES_WEIGHT: Final = 2
#: Weight of ``GET /api/v3/exchangeInfo?symbol=…``.
EXCHANGE_INFO_WEIGHT: Final = 20

#: ``limit`` values of ``GET /api/v3/depth`` coinrelay sends (ascending).
DEPTH_LIMITS: Final[tuple[int, ...]] = (5, 10, 20, 50, 100, 500, 1000, 5000)

#: Kline intervals Binance serves (case-sensitive; coinrelay's vocabulary is a subset).
INTERVALS: Final[frozenset[str]] = frozenset(
    {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}
)


def depth_limit(depth: int) -> int:
    """The smallest allowed ``depth`` ``limit`` that gives at least ``depth`` levels (at most 5000).

    :raises ValueError: ``depth`` is below 1.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    for limit in DEPTH_LIMITS:
        if limit >= depth:
            return limit
    return DEPTH_LIMITS[-1]


def depth_weight(limit: int) -> int:
    """The weight of ``GET /api/v3/depth?limit=<limit>``: 5 up to 100, 25 up to 500, 50 up to 1000, else 250."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250
