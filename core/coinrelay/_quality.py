"""Data quality: a well-formed answer can still be wrong, and then it is a failure.

:func:`problem` finds what is wrong with one answer — empty (no candles, no order-book
levels, a price <= 0) or stale (the provider's own timestamp older than
``[quality.max_age].<category>``). :class:`PriceBook` keeps each provider's recent good
prices so that a price far from the others' median can be rejected
(``[quality] consensus_check``), and :func:`median` / :func:`deviation_pct` serve the
consensus mode. The relay turns every problem into :class:`~coinrelay._errors.BadData`:
the answer is not returned, the provider's breaker counts a failure, the next one is tried.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from ._models import OHLCV, OrderBook, Price, Result, Sentiment

_ZERO = Decimal(0)


def _timestamp(result: Result) -> datetime | None:
    """The provider's own time of ``result``, when it says."""
    if isinstance(result, OHLCV):
        if not result.candles:
            return None
        last = result.candles[-1]
        return last.close_time or last.open_time
    if isinstance(result, Sentiment):
        return result.timestamp
    ts = getattr(result, "timestamp", None)
    return ts if isinstance(ts, datetime) else None


def problem(result: Result, now: float, max_age: float | None) -> str | None:
    """What is wrong with ``result`` (``None`` when nothing is).

    :param now: wall time, seconds since the epoch.
    :param max_age: the largest age of the provider's timestamp, seconds (``None``: no bound).
    """
    if isinstance(result, Price):
        if result.price <= _ZERO:
            return f"price {result.price} is not positive"
    elif isinstance(result, OHLCV):
        if not result.candles:
            return "no candles"
    elif isinstance(result, OrderBook) and not result.bids and not result.asks:
        return "order book with no levels"
    if max_age is not None:
        ts = _timestamp(result)
        if ts is not None:
            age = now - ts.timestamp()
            if age > max_age:
                return f"stale data: provider timestamp is {age:.0f}s old (max {max_age:g}s)"
    return None


def median(values: Iterable[Decimal]) -> Decimal:
    """The median (mean of the two middle values for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def deviation_pct(value: Decimal, reference: Decimal) -> Decimal:
    """``|value - reference|`` in percent of ``reference``."""
    if reference == _ZERO:
        return Decimal("Infinity") if value != _ZERO else _ZERO
    return abs(value - reference) * 100 / abs(reference)


class PriceBook:
    """Each provider's most recent good price per pair, for the consensus check.

    :param max_age: seconds a price stays a reference (monotonic time).
    """

    __slots__ = ("_book", "max_age")

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._book: dict[tuple[str, str], dict[str, tuple[Decimal, float]]] = {}

    def record(self, symbol: str, quote: str, provider: str, price: Decimal, now: float) -> None:
        self._book.setdefault((symbol, quote), {})[provider] = (price, now)

    def forget(self, symbol: str, quote: str, provider: str) -> None:
        row = self._book.get((symbol, quote))
        if row is not None:
            row.pop(provider, None)

    def references(self, symbol: str, quote: str, now: float, exclude: str | None = None) -> list[Decimal]:
        """Fresh prices of the pair from providers other than ``exclude``."""
        row = self._book.get((symbol, quote))
        if not row:
            return []
        horizon = now - self.max_age
        return [p for name, (p, t) in row.items() if name != exclude and t >= horizon]
