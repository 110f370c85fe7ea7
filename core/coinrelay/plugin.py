"""The plugin API: everything a provider plugin imports, from one place.

A provider plugin imports only from here (and, in its tests, from :mod:`coinrelay.testing`)::

    from coinrelay.plugin import NotSupported, Price, ProviderContext, ProviderInfo, hookimpl, num

The names below are kept stable across releases (``tests/test_public_api.py`` pins them);
the modules behind them (``coinrelay._*``) are private and may change at any time.

* the hook marker :data:`hookimpl` and the hook specs (:mod:`coinrelay.hookspecs`);
* what a hook receives and returns: :class:`ProviderContext` (``ctx``), :class:`Response`
  (what ``ctx.http.get`` returns), :class:`ProviderInfo` and :class:`RateLimit` (what
  ``provider_info`` returns), and the result models (:class:`Price`, :class:`OHLCV`, ...);
* the errors a plugin raises (:class:`NotSupported`, :class:`InvalidResponse`, ...) and those
  ``ctx.fetch`` may raise (:class:`SymbolNotFound`, :class:`AllProvidersFailed`);
* parsing helpers that turn a body into values with clear errors (:func:`field`, :func:`num`,
  :func:`dec`, :func:`integer`, :func:`from_ms`, :func:`from_s`, :func:`from_iso`, :func:`bad`,
  :func:`redact`), and symbol mapping (:class:`SymbolMapper`, :func:`normalize_symbol`).
"""

from __future__ import annotations

from ._categories import FETCHED, INTERVALS
from ._context import ProviderContext
from ._errors import (
    AllProvidersFailed,
    BadData,
    Forbidden,
    InvalidRequest,
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
    SymbolNotFound,
    TransientError,
    UpstreamConnectionError,
    UpstreamServerError,
    UpstreamTimeout,
)
from ._http import HOP_HEADER
from ._models import (
    MACD,
    OHLCV,
    RESULT_TYPES,
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
from ._outcome import Blame, Outcome
from ._parsing import bad, dec, field, from_iso, from_ms, from_s, integer, num, redact
from ._provider import ProviderInfo, RateLimit
from ._response import Response
from ._symbols import SymbolMapper, normalize_symbol
from .hookspecs import hookimpl

__all__ = [
    "AllProvidersFailed",
    "Article",
    "Attempt",
    "BadData",
    "Blame",
    "Bollinger",
    "Candle",
    "Exchange",
    "Exchanges",
    "FETCHED",
    "Forbidden",
    "HOP_HEADER",
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
    "Prediction",
    "Price",
    "ProviderContext",
    "ProviderError",
    "ProviderInfo",
    "RESULT_TYPES",
    "RateLimit",
    "RateLimited",
    "Response",
    "Result",
    "Sentiment",
    "SentimentPoint",
    "Social",
    "Source",
    "SymbolMapper",
    "SymbolNotFound",
    "Technical",
    "TransientError",
    "UpstreamConnectionError",
    "UpstreamServerError",
    "UpstreamTimeout",
    "Volume",
    "bad",
    "dec",
    "field",
    "from_iso",
    "from_ms",
    "from_s",
    "hookimpl",
    "integer",
    "normalize_symbol",
    "num",
    "redact",
]
