"""Result models, one per category.

Prices and quantities are :class:`~decimal.Decimal`; times are timezone-aware UTC.
Every result carries :class:`Source`: which provider and endpoint answered, when,
whether the value is stale, and the failover trail (:class:`Attempt`).

Plugins build results with ``source=ctx.source()``; the relay fills in the trail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from ._outcome import Blame, Outcome


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return value.astimezone(UTC)


#: A timezone-aware datetime normalised to UTC.
UTCDateTime = Annotated[datetime, AfterValidator(_to_utc)]
#: A Decimal serialised to JSON as a string, so no precision is lost on the way.
Num = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]


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
    #: ``True`` when this answer came from coinrelay's cache (a fresh hit, or a stale value
    #: served because every provider failed) rather than from a provider during this call.
    #: ``provider``, ``endpoint`` and ``fetched_at`` still name the original fetch; ``age``
    #: says how old it is.
    cached: bool = False


class Result(_Model):
    """Base of every category result."""

    source: Source


class Price(Result):
    symbol: str
    #: The quote the price is in (may differ from the requested one, e.g. USDT for USD).
    quote: str
    requested_quote: str | None = None
    price: Num
    #: Provider's own timestamp of the price, when it gives one.
    timestamp: UTCDateTime | None = None
    #: Consensus mode: the spread between the lowest and highest price used.
    spread: Num | None = None
    #: Consensus mode: the providers whose prices made the median.
    providers: list[str] | None = None


class Candle(_Model):
    open_time: UTCDateTime
    open: Num
    high: Num
    low: Num
    close: Num
    #: Volume in the base asset (``None`` when the provider does not give it).
    volume: Num | None = None
    #: Volume in the quote asset, when given.
    quote_volume: Num | None = None
    close_time: UTCDateTime | None = None


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
    base_volume: Num | None = None
    #: 24h traded volume in the quote asset.
    quote_volume: Num | None = None
    #: 24h price change in percent.
    price_change_pct: Num | None = None
    #: 24h change of the volume itself in percent, when given.
    volume_change_pct: Num | None = None
    timestamp: UTCDateTime | None = None


class Level(_Model):
    price: Num
    quantity: Num


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
    rank: int | None = None
    circulating_supply: Num | None = None
    total_supply: Num | None = None
    max_supply: Num | None = None
    market_cap: Num | None = None
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


class Technical(Result):
    """Indicators computed locally from the newest candles of ``ohlcv``."""

    symbol: str
    quote: str
    interval: str
    #: Close time of the newest candle the indicators use.
    as_of: UTCDateTime
    candles_used: int
    sma: dict[int, Num] = Field(default_factory=dict)
    ema: dict[int, Num] = Field(default_factory=dict)
    rsi: Num | None = None
    macd: MACD | None = None
    bollinger: Bollinger | None = None


class Prediction(Result):
    """A price forecast of ``symbol`` in ``quote`` at ``horizon`` from now.

    The built-in provider ``forecast`` (model ``drift-volatility``) is a statistical
    extrapolation of recent log-returns, not a learned model; see docs/prediction.md.
    Third-party providers fill the same fields with their own method.
    """

    symbol: str
    quote: str
    horizon: str
    #: The point forecast (the built-in model: the median of its log-normal forecast).
    predicted_price: Num
    #: Nominal coverage of [``interval_low``, ``interval_high``] (0.9 = a 90 % interval);
    #: ``None`` when the provider gives no interval. Not a probability that the point is right.
    confidence: Num | None = None
    #: The model's name (``drift-volatility``).
    model: str | None = None
    #: The price the forecast starts from (close of the newest candle used).
    last_price: Num | None = None
    #: Lower and upper bound of the forecast interval at ``confidence``.
    interval_low: Num | None = None
    interval_high: Num | None = None
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
    mentions: int | None = None
    #: The provider's sentiment figure, 0-100 (CoinGecko: share of its users' votes that are positive).
    sentiment_score: Num | None = None
    #: Followers of the project's Twitter/X account (the figure every social provider has).
    followers: int | None = None
    twitter_followers: int | None = None
    reddit_subscribers: int | None = None
    reddit_active_users: int | None = None
    reddit_posts_per_day: Num | None = None
    reddit_comments_per_day: Num | None = None
    telegram_users: int | None = None
    facebook_likes: int | None = None
    #: Code repository figures (the main repository the provider tracks).
    github_stars: int | None = None
    github_forks: int | None = None
    github_subscribers: int | None = None
    commits_4_weeks: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Exchange(_Model):
    """One exchange in a provider's exchange list."""

    #: The provider's id of the exchange (``binance``, ``gdax``, ``coinbase``).
    id: str
    name: str
    #: Country of registration, when the provider gives one.
    country: str | None = None
    year_established: int | None = None
    #: The provider's trust rating on a 0-10 scale: CoinGecko's ``trust_score`` (1-10) as
    #: given, CoinPaprika's ``confidence_score`` (0-1) times ten. Raw values are in ``extra``.
    trust_score: Num | None = None
    #: The provider's rank of the exchange (1 = best): CoinGecko ``trust_score_rank``,
    #: CoinPaprika ``adjusted_rank``.
    rank: int | None = None
    #: 24h traded volume in BTC and in USD, each when the provider gives it
    #: (CoinGecko: BTC only; CoinPaprika: both).
    volume_24h_btc: Num | None = None
    volume_24h_usd: Num | None = None
    #: Number of markets (pairs) listed, when given.
    markets: int | None = None
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
