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
* the category declaration, for extensions adding a data category: :class:`CategorySpec`,
  :class:`Param` and :func:`register_category` (see ``coinrelay/_categories.py``);
* parsing helpers that turn a body into values with clear errors (:func:`field`, :func:`num`,
  :func:`dec`, :func:`integer`, :func:`from_ms`, :func:`from_s`, :func:`from_iso`, :func:`bad`,
  :func:`redact`), :func:`parsing` (a result model's refusal of an impossible value becomes
  ``InvalidResponse``), and symbol mapping (:class:`SymbolMapper`, :func:`normalize_symbol`);
* the plugin's own sandbox upstream (hook ``sandbox_upstream``; see ``_sandbox.py`` in any shipped
  plugin): :class:`SandboxUpstream` (what the hook returns), the :class:`Request` a fake receives and
  the :class:`Reply` it sends, :class:`Routes` (dispatch by path), :class:`RecordedBodies` (recorded
  bodies shipped as package data) and ``market``, the made-up market every plugin's fake quotes
  from (``market.price("BTC", "USD")``, ``market.candles(...)``), so sandboxed providers agree.
"""

from __future__ import annotations

from . import _market as market
from ._categories import FETCHED, INTERVALS, CategorySpec, Param, register_category
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
from ._fakes import RecordedBodies, Reply, Request, Routes, SandboxUpstream
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
from ._parsing import bad, dec, field, from_iso, from_ms, from_s, integer, num, parsing, redact
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
    "CategorySpec",
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
    "Param",
    "Prediction",
    "Price",
    "ProviderContext",
    "ProviderError",
    "ProviderInfo",
    "RESULT_TYPES",
    "RateLimit",
    "RateLimited",
    "RecordedBodies",
    "Reply",
    "Request",
    "Response",
    "Result",
    "Routes",
    "SandboxUpstream",
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
    "market",
    "normalize_symbol",
    "num",
    "parsing",
    "redact",
    "register_category",
]
