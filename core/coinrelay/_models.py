"""Result models, one per category.

Prices and quantities are :class:`~decimal.Decimal`; times are timezone-aware UTC.
Every result carries :class:`Source`: which provider and endpoint answered, when,
whether the value is stale, and the failover trail (:class:`Attempt`).

Plugins build results with ``source=ctx.source()``; the relay fills in the trail.

The models reject values that cannot be true whatever was asked (issue 11): prices and OHLC
values positive, finite and below :data:`MAX_PRICE`; volumes, supplies, market caps and
quantities ``>= 0`` and below :data:`MAX_AMOUNT`; ranks ``>= 1``; a candle's high above its
open, close and low, its low below its open and close, its close time after its open time;
order-book levels positive. Building a model from such a value raises
``pydantic.ValidationError``; inside a plugin, :func:`coinrelay.plugin.parsing` turns that into
``InvalidResponse`` naming the field. What depends on the request or the clock (identity,
counts, candle width and order, time ranges) is :func:`coinrelay._invariants.check`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from ._outcome import Blame, Outcome


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return value.astimezone(UTC)


#: A timezone-aware datetime normalised to UTC.
UTCDateTime = Annotated[datetime, AfterValidator(_to_utc)]
_AS_STRING = PlainSerializer(lambda d: str(d), return_type=str, when_used="json")
#: A Decimal serialised to JSON as a string, so no precision is lost on the way.
Num = Annotated[Decimal, _AS_STRING]

#: No price of anything in anything reaches this (BTC in the weakest fiat is ~1e10).
MAX_PRICE = Decimal("1e15")
#: No volume, supply, market cap or quantity reaches this.
MAX_AMOUNT = Decimal("1e30")
#: A price or an OHLC value: finite, > 0, <= :data:`MAX_PRICE`.
PriceNum = Annotated[Decimal, Field(gt=0, le=MAX_PRICE), _AS_STRING]
#: A volume, supply, market cap or spread: finite, >= 0, <= :data:`MAX_AMOUNT`.
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT), _AS_STRING]
#: A 24h change in percent: a value falls by 100% at most.
ChangePct = Annotated[Decimal, Field(ge=-100, le=MAX_AMOUNT), _AS_STRING]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, ser_json_timedelta="float")


class Attempt(_Model):
    """One step of the failover trail: one provider (and endpoint) asked, or skipped.

    ``outcome`` says what happened (:class:`~coinrelay.Outcome`: ``ok``, ``unsupported``,
    ``not_found``, ``invalid``, ``failed``, ``timeout``, ``rate_limited``, ``forbidden``,
    ``skipped``, ``cancelled``); ``blame`` says who answers for it (:class:`~coinrelay.Blame`:
    ``caller``, ``endpoint``, ``provider`` or ``none``), which decides what is charged.
    """

    provider: str
    endpoint: str | None = None
    outcome: Outcome
    blame: Blame = Blame.NONE
    error: str | None = None
    latency_ms: float | None = None


class Source(_Model):
    """Where a result came from."""

    provider: str
    endpoint: str | None = None
    fetched_at: UTCDateTime = Field(default_factory=utcnow)
    stale: bool = False
    #: Seconds since the value was fetched (set when served from cache).
    age: float | None = None
    sandbox: bool = False
    attempts: list[Attempt] = Field(default_factory=list)


class Result(_Model):
    """Base of every category result."""

    source: Source


class Price(Result):
    symbol: str
    #: The quote the price is in (may differ from the requested one, e.g. USDT for USD).
    quote: str
    requested_quote: str | None = None
    price: PriceNum
    #: Provider's own timestamp of the price, when it gives one.
    timestamp: UTCDateTime | None = None
    #: Consensus mode: the spread between the lowest and highest price used.
    spread: Amount | None = None
    #: Consensus mode: the providers whose prices made the median.
    providers: list[str] | None = None


class Candle(_Model):
    """One candle: ``low <= open, close <= high``, all positive; ``close_time`` after ``open_time``."""

    open_time: UTCDateTime
    open: PriceNum
    high: PriceNum
    low: PriceNum
    close: PriceNum
    #: Volume in the base asset (``None`` when the provider does not give it).
    volume: Amount | None = None
    #: Volume in the quote asset, when given.
    quote_volume: Amount | None = None
    close_time: UTCDateTime | None = None

    @model_validator(mode="after")
    def _shape(self) -> Candle:
        high, low = self.high, self.low
        if low > high:
            raise ValueError(f"low {low} is above high {high}")
        if self.open > high or self.close > high:
            raise ValueError(f"high {high} is below the open {self.open} or the close {self.close}")
        if self.open < low or self.close < low:
            raise ValueError(f"low {low} is above the open {self.open} or the close {self.close}")
        if self.close_time is not None and self.close_time <= self.open_time:
            raise ValueError(
                f"close time {self.close_time.isoformat()} is not after open time {self.open_time.isoformat()}"
            )
        return self


class OHLCV(Result):
    symbol: str
    quote: str
    requested_quote: str | None = None
    interval: str
    candles: list[Candle]


class Volume(Result):
    symbol: str
    quote: str
    requested_quote: str | None = None
    #: 24h traded volume in the base asset, when given.
    base_volume: Amount | None = None
    #: 24h traded volume in the quote asset.
    quote_volume: Amount | None = None
    #: 24h price change in percent.
    price_change_pct: ChangePct | None = None
    #: 24h change of the volume itself in percent, when given.
    volume_change_pct: ChangePct | None = None
    timestamp: UTCDateTime | None = None


class Level(_Model):
    """One order-book level: a positive price and a positive quantity."""

    price: PriceNum
    quantity: Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT), _AS_STRING]


class OrderBook(Result):
    symbol: str
    quote: str
    requested_quote: str | None = None
    #: Best bid first (descending price).
    bids: list[Level]
    #: Best ask first (ascending price).
    asks: list[Level]
    timestamp: UTCDateTime | None = None
    last_update_id: int | None = None


class Metadata(Result):
    symbol: str
    name: str | None = None
    #: Provider's id for the asset (``bitcoin``, ``btc-bitcoin``, ``BTCUSDT``).
    provider_id: str | None = None
    rank: int | None = Field(None, ge=1)
    circulating_supply: Amount | None = None
    total_supply: Amount | None = None
    max_supply: Amount | None = None
    market_cap: Amount | None = None
    #: Currency of ``market_cap``.
    quote: str | None = None
    description: str | None = None
    #: Link lists by kind: ``website``, ``explorer``, ``source_code``, ...
    links: dict[str, list[str]] = Field(default_factory=dict)
    #: Provider-specific extra facts (exchange filters, tags, ...), JSON-compatible.
    extra: dict[str, Any] = Field(default_factory=dict)


class Article(_Model):
    id: str
    title: str
    url: str
    source: str | None = None
    published_at: UTCDateTime
    body: str | None = None
    image_url: str | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class News(Result):
    symbol: str | None = None
    articles: list[Article]


class SentimentPoint(_Model):
    value: int = Field(ge=0, le=100)
    classification: str
    timestamp: UTCDateTime


class Sentiment(Result):
    """Fear-and-greed index: the newest reading, and the history asked for (newest first)."""

    value: int = Field(ge=0, le=100)
    classification: str
    timestamp: UTCDateTime
    #: Seconds until the provider publishes the next reading, when given.
    time_until_update: int | None = None
    history: list[SentimentPoint] = Field(default_factory=list)


class MACD(_Model):
    macd: Num
    signal: Num
    histogram: Num


class Bollinger(_Model):
    upper: Num
    middle: Num
    lower: Num

    @model_validator(mode="after")
    def _order(self) -> Bollinger:
        if not self.lower <= self.middle <= self.upper:
            raise ValueError(f"bands out of order: lower {self.lower}, middle {self.middle}, upper {self.upper}")
        return self


class Technical(Result):
    """Indicators computed locally from the newest candles of ``ohlcv``."""

    symbol: str
    #: The quote of the candles (may differ from the requested one, e.g. USDT for USD).
    quote: str
    requested_quote: str | None = None
    interval: str
    #: Close time of the newest candle the indicators use.
    as_of: UTCDateTime
    candles_used: int = Field(ge=1)
    sma: dict[int, Num] = Field(default_factory=dict)
    ema: dict[int, Num] = Field(default_factory=dict)
    rsi: Annotated[Decimal, Field(ge=0, le=100), _AS_STRING] | None = None
    macd: MACD | None = None
    bollinger: Bollinger | None = None


class Prediction(Result):
    symbol: str
    quote: str
    horizon: str
    predicted_price: PriceNum
    confidence: Num | None = None
    model: str | None = None


class Social(Result):
    symbol: str
    mentions: int | None = Field(None, ge=0)
    sentiment_score: Num | None = None
    followers: int | None = Field(None, ge=0)
    extra: dict[str, Any] = Field(default_factory=dict)


#: The result model of each category, filled from the category registry
#: (:mod:`coinrelay._categories`; a category registered later is added here too).
RESULT_TYPES: dict[str, type[Result]] = {}

from . import _categories as _categories  # noqa: E402 - declares the categories, filling RESULT_TYPES
