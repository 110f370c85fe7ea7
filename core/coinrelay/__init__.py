"""coinrelay: crypto market data from many providers, with failover.

The public API is re-exported here; everything else is private to its module.
"""

from __future__ import annotations

import logging

from ._batch import CallError, PriceAnswer, PriceBatch
from ._breaker import BreakerPolicy, CircuitBreaker
from ._categories import ALL as CATEGORIES
from ._categories import INTERVALS
from ._clock import Clock, FakeClock, SystemClock
from ._config import (
    BreakerSettings,
    CacheSettings,
    ConsensusSettings,
    HedgingSettings,
    ProviderSettings,
    QualitySettings,
    RateLimitSettings,
    RelaySettings,
    RetryBudgetSettings,
    Settings,
    StateSettings,
    load_settings,
)
from ._context import ProviderContext
from ._errors import (
    AllProvidersFailed,
    BadData,
    CoinRelayError,
    ConfigError,
    Forbidden,
    InvalidRequest,
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    PluginLoadError,
    ProviderError,
    RateLimited,
    RelayClosed,
    SymbolNotFound,
    TransientError,
    UpstreamConnectionError,
    UpstreamServerError,
    UpstreamTimeout,
)
from ._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
from ._models import (
    MACD,
    OHLCV,
    Article,
    Attempt,
    Bollinger,
    Candle,
    Exchange,
    Exchanges,
    Level,
    Metadata,
    News,
    OrderBook,
    Prediction,
    Price,
    Result,
    Sentiment,
    SentimentPoint,
    Social,
    Source,
    Technical,
    Volume,
)
from ._names import AmbiguousSymbol, UnknownSymbol, resolve_symbol
from ._outcome import Blame, Outcome
from ._plugins import make_plugin_manager
from ._provider import ProviderInfo, RateLimit
from ._relay import Relay
from ._sync import SyncRelay
from .hookspecs import hookimpl

__version__ = "0.1.0"

# A library logs and leaves the handlers to the host app (the logging HOWTO's advice): without this,
# Python's last-resort handler would print every breaker transition to a host's stderr unasked.
# `coinrelay serve` configures its own handlers (coinrelay.server.logs).
logging.getLogger("coinrelay").addHandler(logging.NullHandler())

__all__ = [
    "AllProvidersFailed",
    "AmbiguousSymbol",
    "Article",
    "Attempt",
    "BadData",
    "Blame",
    "Bollinger",
    "BreakerPolicy",
    "BreakerSettings",
    "BreakerStateChanged",
    "CATEGORIES",
    "CacheSettings",
    "CallError",
    "CallFinished",
    "Candle",
    "CircuitBreaker",
    "Clock",
    "CoinRelayError",
    "ConfigError",
    "ConsensusSettings",
    "Exchange",
    "Exchanges",
    "FailoverHappened",
    "FakeClock",
    "Forbidden",
    "HedgingSettings",
    "INTERVALS",
    "InvalidRequest",
    "InvalidResponse",
    "Level",
    "MACD",
    "Metadata",
    "News",
    "NotConfigured",
    "NotFound",
    "NotSupported",
    "OHLCV",
    "OrderBook",
    "Outcome",
    "PluginLoadError",
    "Prediction",
    "Price",
    "PriceAnswer",
    "PriceBatch",
    "ProviderContext",
    "ProviderError",
    "ProviderInfo",
    "ProviderSettings",
    "QualitySettings",
    "RateLimit",
    "RateLimitSettings",
    "RateLimited",
    "Relay",
    "RelayClosed",
    "RelaySettings",
    "RequestFinished",
    "Result",
    "RetryBudgetSettings",
    "Sentiment",
    "SentimentPoint",
    "Settings",
    "Social",
    "Source",
    "StateSettings",
    "SymbolNotFound",
    "SyncRelay",
    "SystemClock",
    "Technical",
    "TransientError",
    "UnknownSymbol",
    "UpstreamConnectionError",
    "UpstreamServerError",
    "UpstreamTimeout",
    "Volume",
    "hookimpl",
    "load_settings",
    "make_plugin_manager",
    "resolve_symbol",
]
