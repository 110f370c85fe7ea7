"""Technical indicators over a series of closes: pure ``Decimal`` arithmetic, no I/O.

Every function takes the closes oldest first and returns ``None`` when the series is
too short for the indicator (never a value computed from fewer points than it needs).
Arithmetic runs in a private decimal context (:data:`PRECISION` significant digits,
half-even rounding), so a caller's thread context never changes a result.

============  ============================================================  ==================
indicator     definition                                                    closes needed
============  ============================================================  ==================
SMA(n)        mean of the last ``n`` closes                                 ``n``
EMA(n)        seeded with the SMA of the first ``n`` closes, then           ``n``
              ``ema += (close - ema) * 2 / (n + 1)`` for each later close
RSI(n)        Wilder: first average gain/loss = mean of the first ``n``     ``n + 1``
              changes, then ``avg = (avg * (n - 1) + x) / n``;
              ``100 - 100 / (1 + gain / loss)`` (100 when no loss, 50 flat)
MACD(f,s,g)   ``EMA(f) - EMA(s)`` per close from the ``s``-th on; signal    ``s + g - 1``
              = EMA(g) of that line (seeded like EMA); histogram =
              ``macd - signal``
Bollinger     middle = SMA(n); bands = middle +/- k * population            ``n``
(n, k)        standard deviation of the last ``n`` closes
============  ============================================================  ==================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from itertools import pairwise

#: Significant digits of every intermediate and final value.
PRECISION = 28

_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class MacdValues:
    """The newest MACD reading.

    :param macd: ``EMA(fast) - EMA(slow)`` at the newest close.
    :param signal: EMA of the MACD line at the newest close.
    :param histogram: ``macd - signal``.
    """

    macd: Decimal
    signal: Decimal
    histogram: Decimal


@dataclass(frozen=True, slots=True)
class BollingerValues:
    """The newest Bollinger bands: ``middle`` ± ``k`` standard deviations."""

    upper: Decimal
    middle: Decimal
    lower: Decimal


def _check_period(period: int) -> None:
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise ValueError(f"period must be a positive integer, got {period!r}")


def sma(closes: Sequence[Decimal], period: int) -> Decimal | None:
    """Simple moving average of the last ``period`` closes; ``None`` with fewer closes."""
    _check_period(period)
    if len(closes) < period:
        return None
    with localcontext(_CONTEXT):
        return sum(closes[-period:], Decimal(0)) / period


def ema_series(closes: Sequence[Decimal], period: int) -> list[Decimal]:
    """EMA at each close from the ``period``-th on (``len(closes) - period + 1`` values; empty if too short)."""
    _check_period(period)
    if len(closes) < period:
        return []
    with localcontext(_CONTEXT):
        k = Decimal(2) / (period + 1)
        value = sum(closes[:period], Decimal(0)) / period
        out = [value]
        for close in closes[period:]:
            value = (close - value) * k + value
            out.append(value)
    return out


def ema(closes: Sequence[Decimal], period: int) -> Decimal | None:
    """Exponential moving average at the newest close; ``None`` with fewer than ``period`` closes."""
    series = ema_series(closes, period)
    return series[-1] if series else None


def rsi(closes: Sequence[Decimal], period: int = 14) -> Decimal | None:
    """Wilder's relative strength index (0 to 100); ``None`` with fewer than ``period + 1`` closes."""
    _check_period(period)
    if len(closes) < period + 1:
        return None
    with localcontext(_CONTEXT):
        changes = [b - a for a, b in pairwise(closes)]
        zero = Decimal(0)
        gain = sum((c for c in changes[:period] if c > 0), zero) / period
        loss = sum((-c for c in changes[:period] if c < 0), zero) / period
        for c in changes[period:]:
            gain = (gain * (period - 1) + (c if c > 0 else zero)) / period
            loss = (loss * (period - 1) + (-c if c < 0 else zero)) / period
        if loss == 0:
            return Decimal(50) if gain == 0 else _HUNDRED
        return _HUNDRED - _HUNDRED / (1 + gain / loss)


def macd(closes: Sequence[Decimal], fast: int = 12, slow: int = 26, signal: int = 9) -> MacdValues | None:
    """MACD line, signal and histogram at the newest close; ``None`` with fewer than ``slow + signal - 1`` closes."""
    for p in (fast, slow, signal):
        _check_period(p)
    if fast >= slow:
        raise ValueError(f"fast period ({fast}) must be shorter than slow period ({slow})")
    if len(closes) < slow + signal - 1:
        return None
    fast_line = ema_series(closes, fast)[slow - fast :]  # align: both start at close index slow-1
    slow_line = ema_series(closes, slow)
    with localcontext(_CONTEXT):
        line = [f - s for f, s in zip(fast_line, slow_line, strict=True)]
    signal_line = ema_series(line, signal)
    with localcontext(_CONTEXT):
        return MacdValues(macd=line[-1], signal=signal_line[-1], histogram=line[-1] - signal_line[-1])


def bollinger(closes: Sequence[Decimal], period: int = 20, k: Decimal | int = 2) -> BollingerValues | None:
    """Bollinger bands over the last ``period`` closes (population std dev); ``None`` when too short."""
    _check_period(period)
    if len(closes) < period:
        return None
    window = closes[-period:]
    with localcontext(_CONTEXT):
        middle = sum(window, Decimal(0)) / period
        variance = sum(((c - middle) ** 2 for c in window), Decimal(0)) / period
        width = Decimal(k) * variance.sqrt()
        return BollingerValues(upper=middle + width, middle=middle, lower=middle - width)
