"""What cannot be true of a result, given the request that asked for it and the time.

The result models already refuse values that are impossible whatever was asked (negative
prices, a candle's high below its low, ...: :mod:`coinrelay._models`). :func:`check` adds what
depends on the request and the clock, for every provider at once:

* **identity** — the answer is about the ``symbol``, ``quote`` (or, declared through
  ``requested_quote``, an equivalent quote: :mod:`coinrelay._quotes`), ``interval`` and
  ``horizon`` that were asked; plugins fill these fields from what the body says;
* **counts** — no more candles than ``limit``, order-book levels per side than ``depth``,
  articles than ``limit``, sentiment readings than ``limit``, candles used than ``limit``;
* **candles** — ascending and unique open times, spaced by whole intervals, each as wide as
  the interval (``close_time - open_time`` between the interval less one second and the
  interval; the newest may still be open, so only at most the interval; ``1M`` between 28 and
  31 days);
* **order books** — bids strictly descending, asks strictly ascending, best bid below best ask;
* **times** — every provider timestamp after 2009-01-01 and at most :data:`FUTURE_SLACK`
  seconds after ``now`` (a candle may close up to one interval after ``now``);
* **sentiment** — history newest first, its first reading the result's own;
* **extras** — ``extra`` dictionaries nested at most :data:`MAX_EXTRA_DEPTH` deep (deeper
  cannot be serialised).

A violation is the endpoint's wrong answer: the relay records an ``invalid`` attempt blamed
on the endpoint and goes on with the next mirror, then the next provider. :func:`check` is
pure and cheap (it runs on every uncached call; ``bench`` measures it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from ._categories import INTERVALS
from ._errors import InvalidResponse
from ._models import (
    OHLCV,
    Exchanges,
    Metadata,
    News,
    OrderBook,
    Prediction,
    Price,
    Result,
    Sentiment,
    Social,
    Technical,
    Volume,
)
from ._parsing import rejected
from ._quotes import comparable

#: 2009-01-01T00:00:00Z: no crypto market data is older.
EARLIEST = 1_230_768_000.0
#: Seconds a provider's clock may run ahead of ours.
FUTURE_SLACK = 600.0
#: Deepest nesting of an ``extra`` dictionary (pydantic cannot serialise much deeper).
MAX_EXTRA_DEPTH = 16
_MONTH_MIN = timedelta(days=28)
_MONTH_MAX = timedelta(days=31)
_SECOND = timedelta(seconds=1)
_ZERO = timedelta(0)

Check = Callable[[Mapping[str, Any], Any, float], str | None]


def check(category: str, params: Mapping[str, Any], result: Result, now: float) -> str | None:
    """What is impossible about ``result`` as the answer to ``category`` with ``params``, else ``None``.

    :param params: the validated request parameters (:func:`coinrelay._requests.validate`).
    :param now: wall time, seconds since the epoch (``clock.time()``).
    """
    fn = _CHECKS.get(category)
    if fn is None:
        return None
    return fn(params, result, now)


def as_invalid(exc: ValidationError, provider: str, endpoint: str | None = None) -> InvalidResponse:
    """The ``InvalidResponse`` for a result model's ``ValidationError`` escaping a plugin (names the field)."""
    return InvalidResponse(f"impossible value: {rejected(exc)}", provider=provider, endpoint=endpoint)


# -- shared pieces ------------------------------------------------------------------------


def _when(ts: datetime | None, now: float, what: str, ahead: float = FUTURE_SLACK) -> str | None:
    if ts is None:
        return None
    t = ts.timestamp()
    if t < EARLIEST:
        return f"{what} {ts.isoformat()} is before 2009"
    if t > now + ahead:
        return f"{what} {ts.isoformat()} is in the future"
    return None


def _symbol(params: Mapping[str, Any], got: str | None) -> str | None:
    asked = params.get("symbol")
    if got != asked:
        return f"answer is about symbol {got!r}, asked for {asked!r}"
    return None


def _pair(params: Mapping[str, Any], result: Any) -> str | None:
    """Symbol, then quote: the quote asked, or an equivalent one declared with ``requested_quote``."""
    found = _symbol(params, result.symbol)
    if found is not None:
        return found
    asked = params.get("quote")
    if asked is None:
        return None
    got = result.quote
    requested = getattr(result, "requested_quote", None)
    if requested is not None and requested != asked:
        return f"answer says it was asked for quote {requested!r}, asked for {asked!r}"
    if got == asked:
        return None
    if requested is None:
        return f"answer is in quote {got!r}, asked for {asked!r}"
    if not comparable(got, asked):
        return f"answer is in quote {got!r}, not equivalent to {asked!r}"
    return None


def _count(n: int, limit: Any, what: str, param: str) -> str | None:
    if isinstance(limit, int) and n > limit:
        return f"{n} {what}, asked for at most {limit} ({param}={limit})"
    return None


def _depth(value: Any, level: int = 0) -> int:
    """Nesting depth of JSON-like ``value`` (stops counting past :data:`MAX_EXTRA_DEPTH`)."""
    if level > MAX_EXTRA_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list | tuple):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _extra(extra: dict[str, Any]) -> str | None:
    if extra and _depth(extra) > MAX_EXTRA_DEPTH:
        return f"'extra' is nested deeper than {MAX_EXTRA_DEPTH} levels"
    return None


# -- per category -------------------------------------------------------------------------


def _price(params: Mapping[str, Any], r: Price, now: float) -> str | None:
    return _pair(params, r) or _when(r.timestamp, now, "timestamp")


def _volume(params: Mapping[str, Any], r: Volume, now: float) -> str | None:
    return _pair(params, r) or _when(r.timestamp, now, "timestamp")


def _ohlcv(params: Mapping[str, Any], r: OHLCV, now: float) -> str | None:
    found = _pair(params, r)
    if found is not None:
        return found
    if r.interval != params.get("interval"):
        return f"answer has {r.interval!r} candles, asked for {params.get('interval')!r}"
    return _count(len(r.candles), params.get("limit"), "candles", "limit") or candles(r, now)


def candles(r: OHLCV | Any, now: float) -> str | None:
    """Order, spacing and width of ``r.candles`` for ``r.interval`` (see the module docstring)."""
    rows = r.candles
    if not rows:
        return None
    interval = r.interval
    seconds = INTERVALS.get(interval)
    if seconds is None:
        return f"unknown interval {interval!r}"
    found = _when(rows[0].open_time, now, "candle[0] open time") or _when(
        rows[-1].open_time, now, f"candle[{len(rows) - 1}] open time"
    )
    if found is not None:
        return found
    month = interval == "1M"
    width = _MONTH_MAX if month else timedelta(seconds=seconds)
    narrowest = _MONTH_MIN - _SECOND if month else width - _SECOND
    min_gap = _MONTH_MIN if month else width
    last = len(rows) - 1
    prev = None
    for i, c in enumerate(rows):  # timedelta arithmetic: no float conversion per candle
        opened = c.open_time
        if prev is not None:
            gap = opened - prev
            if gap != min_gap and (gap < min_gap or (not month and gap % width)):  # contiguous: one comparison
                if gap <= _ZERO:
                    return f"candle[{i}] does not open after candle[{i - 1}]"
                apart = f"{gap.total_seconds():.15g}s"
                return f"candle[{i}] opens {apart} after candle[{i - 1}]: not a whole number of {interval}"
        prev = opened
        closed = c.close_time
        if closed is not None:
            span = closed - opened
            if span > width or (i < last and span < narrowest):
                return f"candle[{i}] is {span.total_seconds():.15g}s wide, not one {interval} candle"
    return None


def _orderbook(params: Mapping[str, Any], r: OrderBook, now: float) -> str | None:
    found = _pair(params, r)
    if found is not None:
        return found
    depth = params.get("depth")
    bids, asks = r.bids, r.asks
    found = _count(len(bids), depth, "bids", "depth") or _count(len(asks), depth, "asks", "depth")
    if found is not None:
        return found
    for i in range(1, len(bids)):
        if bids[i].price >= bids[i - 1].price:
            return f"bids[{i}] price {bids[i].price} is not below bids[{i - 1}]'s {bids[i - 1].price}"
    for i in range(1, len(asks)):
        if asks[i].price <= asks[i - 1].price:
            return f"asks[{i}] price {asks[i].price} is not above asks[{i - 1}]'s {asks[i - 1].price}"
    if bids and asks and bids[0].price >= asks[0].price:
        return f"crossed book: best bid {bids[0].price} is not below best ask {asks[0].price}"
    return _when(r.timestamp, now, "timestamp")


def _metadata(params: Mapping[str, Any], r: Metadata, now: float) -> str | None:
    found = _symbol(params, r.symbol)
    if found is not None:
        return found
    if r.market_cap is not None and r.quote is None:
        return "market_cap without the currency it is in ('quote')"
    return _extra(r.extra)


def _news(params: Mapping[str, Any], r: News, now: float) -> str | None:
    found = _symbol(params, r.symbol) or _count(len(r.articles), params.get("limit"), "articles", "limit")
    if found is not None:
        return found
    seen: set[str] = set()
    for i, a in enumerate(r.articles):
        if a.id in seen:
            return f"articles[{i}] repeats id {a.id!r}"
        seen.add(a.id)
        found = _when(a.published_at, now, f"articles[{i}].published_at")
        if found is not None:
            return found
    return None


def _sentiment(params: Mapping[str, Any], r: Sentiment, now: float) -> str | None:
    history = r.history
    found = _count(len(history), params.get("limit"), "readings", "limit") or _when(r.timestamp, now, "timestamp")
    if found is not None:
        return found
    if history:
        first = history[0]
        if (first.value, first.classification, first.timestamp) != (r.value, r.classification, r.timestamp):
            return "history[0] is not the reading the result reports"
        for i in range(1, len(history)):
            if history[i].timestamp >= history[i - 1].timestamp:
                return f"history[{i}] is not older than history[{i - 1}]: history must be newest first"
        return _when(history[-1].timestamp, now, f"history[{len(history) - 1}].timestamp")
    return None


def _technical(params: Mapping[str, Any], r: Technical, now: float) -> str | None:
    found = _pair(params, r)
    if found is not None:
        return found
    if r.interval != params.get("interval"):
        return f"indicators are of {r.interval!r} candles, asked for {params.get('interval')!r}"
    seconds = INTERVALS.get(r.interval, 0)
    return _count(r.candles_used, params.get("limit"), "candles used", "limit") or _when(
        r.as_of, now, "as_of", FUTURE_SLACK + seconds
    )


def _prediction(params: Mapping[str, Any], r: Prediction, now: float) -> str | None:
    found = _pair(params, r)
    if found is None and r.horizon != params.get("horizon"):
        return f"prediction for horizon {r.horizon!r}, asked for {params.get('horizon')!r}"
    low, high = r.interval_low, r.interval_high
    if found is None and low is not None and high is not None and not low <= r.predicted_price <= high:
        return f"predicted price {r.predicted_price} outside its own interval [{low}, {high}]"
    return found or _when(r.as_of, now, "as_of") or _extra(r.extra)


def _social(params: Mapping[str, Any], r: Social, now: float) -> str | None:
    return _symbol(params, r.symbol) or _extra(r.extra)


def _exchanges(params: Mapping[str, Any], r: Exchanges, now: float) -> str | None:
    found = _count(len(r.exchanges), params.get("limit"), "exchanges", "limit")
    if found is not None:
        return found
    ids = [e.id for e in r.exchanges]
    if len(set(ids)) != len(ids):
        return "an exchange listed twice"
    ranks = [e.rank for e in r.exchanges if e.rank is not None]
    if ranks != sorted(ranks):
        return "exchanges not in rank order (best first)"
    return None


_CHECKS: dict[str, Check] = {
    "price": _price,
    "ohlcv": _ohlcv,
    "volume": _volume,
    "orderbook": _orderbook,
    "metadata": _metadata,
    "news": _news,
    "sentiment": _sentiment,
    "technical": _technical,
    "prediction": _prediction,
    "social": _social,
    "exchanges": _exchanges,
}
