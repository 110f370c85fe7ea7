"""coinrelay: crypto market data from many providers, with failover.

The public API is re-exported here; everything else is private to its module.
"""

from __future__ import annotations

from .breaker import BreakerPolicy, CircuitBreaker
from .categories import ALL as CATEGORIES
from .categories import INTERVALS
from .clock import Clock, FakeClock, SystemClock
from .config import Settings, load_settings
from .context import ProviderContext
from .errors import (
    AllProvidersFailed,
    BadData,
    CoinRelayError,
    ConfigError,
    Forbidden,
    InvalidRequest,
    InvalidResponse,
    NotConfigured,
    NotSupported,
    PluginLoadError,
    ProviderError,
    RateLimited,
    SymbolNotFound,
    TransientError,
    UpstreamConnectionError,
    UpstreamServerError,
    UpstreamTimeout,
)
from .events import BreakerStateChanged, FailoverHappened, RequestFinished
from .hookspecs import hookimpl
from .models import (
    MACD,
    OHLCV,
    Article,
    Attempt,
    Bollinger,
    Candle,
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
from .plugins import make_plugin_manager
from .provider import ProviderInfo, RateLimit
from .relay import Relay
from .sync import SyncRelay

__version__ = "0.1.0"

__all__ = [
    "AllProvidersFailed",
    "Article",
    "Attempt",
    "BadData",
    "Bollinger",
    "BreakerPolicy",
    "BreakerStateChanged",
    "CATEGORIES",
    "Candle",
    "CircuitBreaker",
    "Clock",
    "CoinRelayError",
    "ConfigError",
    "FailoverHappened",
    "FakeClock",
    "Forbidden",
    "INTERVALS",
    "InvalidRequest",
    "InvalidResponse",
    "Level",
    "MACD",
    "Metadata",
    "News",
    "NotConfigured",
    "NotSupported",
    "OHLCV",
    "OrderBook",
    "PluginLoadError",
    "Prediction",
    "Price",
    "ProviderContext",
    "ProviderError",
    "ProviderInfo",
    "RateLimit",
    "RateLimited",
    "Relay",
    "RequestFinished",
    "Result",
    "Sentiment",
    "SentimentPoint",
    "Settings",
    "Social",
    "Source",
    "SymbolNotFound",
    "SyncRelay",
    "SystemClock",
    "Technical",
    "TransientError",
    "UpstreamConnectionError",
    "UpstreamServerError",
    "UpstreamTimeout",
    "Volume",
    "hookimpl",
    "load_settings",
    "make_plugin_manager",
]
