"""Result models, one per category.

Prices and quantities are :class:`~decimal.Decimal`; times are timezone-aware UTC.
Every result carries :class:`Source`: which provider and endpoint answered, when,
whether the value is stale, and the failover trail (:class:`Attempt`) — both in
:mod:`coinrelay._provenance`, re-exported here.

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

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, model_validator

from ._provenance import Attempt as Attempt
from ._provenance import Source as Source
from ._provenance import UTCDateTime as UTCDateTime
from ._provenance import _Model as _Model
from ._provenance import stamp as stamp
from ._provenance import trusted_attempt as trusted_attempt
from ._provenance import trusted_source as trusted_source
from ._provenance import utcnow as utcnow

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
    #: Consensus mode: the quotes whose prices made the median (equivalent quotes only, e.g.
    #: ``["USD", "USDT"]``; ``quote`` is then their group, see docs/resilience.md).
    quotes: list[str] | None = None


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
    """A price forecast of ``symbol`` in ``quote`` at ``horizon`` from now.

    The built-in provider ``forecast`` (model ``drift-volatility``) is a statistical
    extrapolation of recent log-returns, not a learned model; see docs/prediction.md.
    Third-party providers fill the same fields with their own method.
    """

    symbol: str
    #: The quote the forecast is in (the candles' quote: ``USDT`` for a ``USD`` request on Binance).
    quote: str
    #: The quote asked for, when it differs from ``quote``.
    requested_quote: str | None = None
    horizon: str
    #: The point forecast (the built-in model: the median of its log-normal forecast).
    predicted_price: PriceNum
    #: Nominal coverage of [``interval_low``, ``interval_high``] (0.9 = a 90 % interval);
    #: ``None`` when the provider gives no interval. Not a probability that the point is right.
    confidence: Annotated[Decimal, Field(gt=0, lt=1), _AS_STRING] | None = None
    #: The model's name (``drift-volatility``).
    model: str | None = None
    #: The price the forecast starts from (close of the newest candle used).
    last_price: PriceNum | None = None
    #: Lower and upper bound of the forecast interval at ``confidence``.
    interval_low: PriceNum | None = None
    interval_high: PriceNum | None = None
    #: One line on how the number was made (data, window, assumptions).
    method: str | None = None
    #: Time of the newest data the forecast uses (close time of the newest candle; now, while it is open).
    as_of: UTCDateTime | None = None
    #: Candles the model read, and their interval.
    candles_used: int | None = None
    candle_interval: str | None = None
    #: Model-specific numbers (drift and volatility per candle, ...), JSON-compatible.
    extra: dict[str, Any] = Field(default_factory=dict)


class Social(Result):
    """Public community figures of ``symbol``'s project, as one provider publishes them.

    Each figure is ``None`` when the provider does not publish it (CoinGecko stopped
    publishing Reddit figures and reports them as 0: coinrelay passes them on as given).
    """

    symbol: str
    mentions: int | None = Field(None, ge=0)
    #: The provider's sentiment figure, 0-100 (CoinGecko: share of its users' votes that are positive).
    sentiment_score: Num | None = None
    #: Followers of the project's Twitter/X account (the figure every social provider has).
    followers: int | None = Field(None, ge=0)
    twitter_followers: int | None = Field(None, ge=0)
    reddit_subscribers: int | None = Field(None, ge=0)
    reddit_active_users: int | None = Field(None, ge=0)
    reddit_posts_per_day: Num | None = None
    reddit_comments_per_day: Num | None = None
    telegram_users: int | None = Field(None, ge=0)
    facebook_likes: int | None = Field(None, ge=0)
    #: Code repository figures (the main repository the provider tracks).
    github_stars: int | None = Field(None, ge=0)
    github_forks: int | None = Field(None, ge=0)
    github_subscribers: int | None = Field(None, ge=0)
    commits_4_weeks: int | None = Field(None, ge=0)
    extra: dict[str, Any] = Field(default_factory=dict)


class Exchange(_Model):
    """One exchange in a provider's exchange list."""

    #: The provider's id of the exchange (``binance``, ``gdax``, ``coinbase``).
    id: str
    name: str
    #: Country of registration, when the provider gives one.
    country: str | None = None
    year_established: int | None = Field(None, ge=1990, le=2100)
    #: The provider's trust rating on a 0-10 scale: CoinGecko's ``trust_score`` (1-10) as
    #: given, CoinPaprika's ``confidence_score`` (0-1) times ten. Raw values are in ``extra``.
    trust_score: Annotated[Decimal, Field(ge=0, le=10), _AS_STRING] | None = None
    #: The provider's rank of the exchange (1 = best): CoinGecko ``trust_score_rank``,
    #: CoinPaprika ``adjusted_rank``.
    rank: int | None = Field(None, ge=1)
    #: 24h traded volume in BTC and in USD, each when the provider gives it
    #: (CoinGecko: BTC only; CoinPaprika: both).
    volume_24h_btc: Amount | None = None
    volume_24h_usd: Amount | None = None
    #: Number of markets (pairs) listed, when given.
    markets: int | None = Field(None, ge=0)
    url: str | None = None
    #: Provider-specific facts (normalized volume, raw scores, ...), JSON-compatible.
    extra: dict[str, Any] = Field(default_factory=dict)


class Exchanges(Result):
    """Exchanges ranked by the provider (best first), at most ``limit`` of them."""

    exchanges: list[Exchange]


#: The result model of each category, filled from the category registry
#: (:mod:`coinrelay._categories`; a category registered later is added here too).
RESULT_TYPES: dict[str, type[Result]] = {}

from . import _categories as _categories  # noqa: E402 - declares the categories, filling RESULT_TYPES
