"""What ``coinrelay._invariants.check`` costs per call, against building the same result (the baseline).

Usage::

    .venv/bin/python bench/invariants.py [--quick]

``check()`` runs on every uncached call (issue 11). Measured for a price, a 100-candle OHLCV
and a 20-level order book, best of 5 repeats; the ratio is ``check()`` ÷ building the result
model from already-parsed values (what every plugin does anyway), so it reads "how much the
judgement adds to the cheapest part of an answer".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from coinrelay._invariants import check
from coinrelay._models import OHLCV, Candle, Level, OrderBook, Price, Source

NOW = time.time()
SRC = Source(provider="bench")
T0 = datetime.fromtimestamp(NOW, UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=100)
HOUR = timedelta(hours=1)


def price() -> Price:
    return Price(symbol="BTC", quote="USDT", requested_quote="USD", price=Decimal("65861.66"), source=SRC)


def ohlcv() -> OHLCV:
    rows = [
        Candle(
            open_time=T0 + i * HOUR,
            close_time=T0 + (i + 1) * HOUR - timedelta(milliseconds=1),
            open=Decimal("65000.1"),
            high=Decimal("65100.2"),
            low=Decimal("64900.3"),
            close=Decimal("65050.4"),
            volume=Decimal("12.5"),
        )
        for i in range(100)
    ]
    return OHLCV(symbol="BTC", quote="USDT", requested_quote="USD", interval="1h", candles=rows, source=SRC)


def book() -> OrderBook:
    bids = [Level(price=Decimal(65000 - i), quantity=Decimal("0.5")) for i in range(20)]
    asks = [Level(price=Decimal(65001 + i), quantity=Decimal("0.5")) for i in range(20)]
    return OrderBook(symbol="BTC", quote="USDT", requested_quote="USD", bids=bids, asks=asks, source=SRC)


def per_call(fn: Callable[[], Any], n: int) -> float:
    """Best of 5: µs per call."""
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main() -> None:
    n = 200 if "--quick" in sys.argv else 5000
    cases: list[tuple[str, str, dict[str, Any], Callable[[], Any]]] = [
        ("price", "price", {"symbol": "BTC", "quote": "USD"}, price),
        ("ohlcv, 100 candles", "ohlcv", {"symbol": "BTC", "quote": "USD", "interval": "1h", "limit": 100}, ohlcv),
        ("orderbook, 20+20 levels", "orderbook", {"symbol": "BTC", "quote": "USD", "depth": 20}, book),
    ]
    print(f"{'result':<26} {'check()':>10} {'build (baseline)':>18} {'ratio':>7}")
    for label, category, params, build in cases:
        result = build()
        assert check(category, params, result, NOW) is None
        cost = per_call(lambda c=category, p=params, r=result: check(c, p, r, NOW), n)
        base = per_call(build, max(10, n // 20))
        print(f"{label:<26} {cost:>8.2f} µs {base:>15.1f} µs {cost / base:>6.2f}×")


if __name__ == "__main__":
    main()
