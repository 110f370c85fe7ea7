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

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._invariants import check as check_invariants
from ._models import OHLCV, OrderBook, Price, Result, Sentiment
from ._quotes import group, tolerance_pct

if TYPE_CHECKING:
    from ._clock import Clock
    from ._config import QualitySettings
    from ._runtime import ProviderRuntime

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
    """Each provider's most recent good price per coin and quote group, for the consensus check.

    Prices are kept per equivalence group of their quote (USD, USDT and USDC are one group: see
    :mod:`._quotes`), each with the quote it is really in, so a USDT price can be compared with
    USD ones — within the configured tolerance — and never with EUR ones.

    :param max_age: seconds a price stays a reference (monotonic time).
    """

    __slots__ = ("_book", "max_age")

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._book: dict[tuple[str, str], dict[str, tuple[Decimal, str, float]]] = {}

    def record(self, symbol: str, quote: str, provider: str, price: Decimal, now: float) -> None:
        self._book.setdefault((symbol, group(quote)), {})[provider] = (price, quote, now)

    def forget(self, symbol: str, quote: str, provider: str) -> None:
        row = self._book.get((symbol, group(quote)))
        if row is not None:
            row.pop(provider, None)

    def references(self, symbol: str, quote: str, now: float, exclude: str | None = None) -> list[tuple[Decimal, str]]:
        """Fresh ``(price, quote)`` of the coin in ``quote``'s group, from providers other than ``exclude``."""
        row = self._book.get((symbol, group(quote)))
        if not row:
            return []
        horizon = now - self.max_age
        return [(p, q) for name, (p, q, t) in row.items() if name != exclude and t >= horizon]


class ResultCheck:
    """What every result passes before it is cached or returned (the attempt's ``check``).

    First the invariants, always (:func:`coinrelay._invariants.check`: impossible values, an
    answer about another coin, quote, interval or count than asked); then, from ``[quality]``,
    :func:`problem` (empty answers, stale timestamps) and, with
    ``consensus_check``, a price too far from the median of other providers' recent prices.
    A problem found is an ``invalid`` answer blamed on the endpoint that sent it.
    """

    __slots__ = ("book", "clock", "enabled", "max_age", "max_dev", "quote_tolerance")

    def __init__(self, settings: QualitySettings, clock: Clock) -> None:
        self.clock = clock
        self.quote_tolerance = settings.quote_tolerance_pct
        self.enabled = settings.enabled
        self.max_age: dict[str, float] = dict(settings.max_age)
        self.book: PriceBook | None = PriceBook(settings.reference_age) if settings.consensus_check else None
        self.max_dev = Decimal(str(settings.max_deviation_pct))

    @property
    def active(self) -> bool:
        """Always: the invariants (:mod:`._invariants`) judge every result, whatever ``[quality]`` says."""
        return True

    def __call__(self, rt: ProviderRuntime, category: str, params: Mapping[str, Any], result: Result) -> str | None:
        found = self.alone(rt, category, params, result)
        if found is not None:
            return found
        book = self.book
        if book is not None and isinstance(result, Price):
            now = self.clock.monotonic()
            quote = result.quote
            comparable: list[Decimal] = []
            allowed = self.max_dev
            for price, ref_quote in book.references(result.symbol, quote, now, exclude=rt.name):
                extra = tolerance_pct(quote, ref_quote, self.quote_tolerance)
                if extra is None:
                    continue  # equivalent quotes compared only as the same one (tolerance 0)
                comparable.append(price)
                allowed = max(allowed, self.max_dev + extra)
            if len(comparable) >= 2:  # one reference alone cannot say which of two is wrong
                med = median(comparable)
                dev = deviation_pct(result.price, med)
                if dev > allowed:
                    return (
                        f"price {result.price} {quote} is {dev:.2f}% off the median {med} of {len(comparable)} "
                        f"other provider(s) in {group(quote)} quotes (max {allowed}%)"
                    )
            book.record(result.symbol, quote, rt.name, result.price, now)
        return None

    def alone(self, rt: ProviderRuntime, category: str, params: Mapping[str, Any], result: Result) -> str | None:
        """The checks of one answer on its own: the invariants and :func:`problem`, no comparison.

        What a consensus call runs on each answer: the walk compares the answers itself.
        """
        now = self.clock.time()
        found = check_invariants(category, params, result, now)
        if found is not None:
            return found
        max_age = self.max_age.get(category)
        if self.enabled or max_age is not None:
            return problem(result, now, max_age)
        return None

    def needs_references(self, params: Mapping[str, Any]) -> bool:
        """Consensus check: too few recent prices of this pair to judge one answer alone?"""
        book = self.book
        return book is not None and len(book.references(params["symbol"], params["quote"], self.clock.monotonic())) < 2
