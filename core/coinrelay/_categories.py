"""The data categories, each declared once, and the registry that holds them.

A category's name is, everywhere: the fetch hook (``fetch_<category>``), the relay
method (``relay.<category>(...)``), the TOML chain key (``chains.<category>``), the
HTTP path (``/api/v1/<category>``) and the CLI command (``coinrelay <category>``).

Everything else about a category comes from its one :class:`CategorySpec`, declared below:
the hook spec (:mod:`coinrelay.hookspecs`), the typed ``Relay``/``SyncRelay`` methods
(``_generated_relay.py`` and ``_generated_sync.py``, written by ``make generate``; a category
registered at run time gets them on first use, :mod:`coinrelay._methods`), validation and cache keys
(:mod:`coinrelay._requests`), the route ``GET /api/v1/<category>`` and its OpenAPI
parameters (:mod:`coinrelay.server.data`), the command ``coinrelay <category>``
(:mod:`coinrelay.cli`), the cache defaults and the config keys allowed
(:mod:`coinrelay._config`), the contract kit's samples and the health probe's parameters,
``RESULT_TYPES`` (:mod:`coinrelay._models`) and the generated parts of the docs.

The machinery (:class:`CategorySpec`, the registry :data:`CATEGORIES`, :data:`ALL`,
:func:`register_category`) lives in :mod:`coinrelay._catalog` and is re-exported here. An
extension (or a test) adds a category with :func:`register_category` before it builds a
relay; ``tests/test_categories.py`` proves a new category reaches all of the above.
"""

from __future__ import annotations

from typing import Final

from ._catalog import (
    ALL,
    CATEGORIES,
    CategoryNames,
    CategorySpec,
    FieldView,
    get,
    hook_name,
    register_builtin,
    register_category,
    unregister_category,
)
from ._models import (
    OHLCV,
    Exchanges,
    Metadata,
    News,
    OrderBook,
    Prediction,
    Price,
    Sentiment,
    Social,
    Technical,
    Volume,
)
from ._params import Param

__all__ = [
    "ALL",
    "BUILTIN",
    "CATEGORIES",
    "COMPUTED",
    "EXTRA",
    "FETCHED",
    "HORIZONS",
    "INTERVALS",
    "CategoryNames",
    "CategorySpec",
    "FieldView",
    "Param",
    "get",
    "hook_name",
    "register_category",
    "unregister_category",
]

#: Candle intervals accepted by ``ohlcv`` and ``technical`` -> seconds (Binance's vocabulary, case-sensitive).
INTERVALS: Final[dict[str, int]] = {
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "3d": 259200,
    "1w": 604800,
    "1M": 2592000,
}
#: Prediction horizons.
HORIZONS: Final = ("1h", "4h", "1d", "7d", "30d")


# ---------------------------------------------------------------------------
# The built-in categories (documentation order)
# ---------------------------------------------------------------------------

_SYMBOL = Param("symbol", str, "asset ticker, e.g. BTC", required=True, symbol=True)
_QUOTE = Param("quote", str, "quote currency, e.g. USD, USDT, EUR, BTC", default="USD", symbol=True)
_BTC = {"symbol": "BTC"}
_BTC_USD = {"symbol": "BTC", "quote": "USD"}


def _interval(default: str) -> Param:
    return Param("interval", str, "candle interval", default=default, choices=tuple(INTERVALS))


_BUILTIN_SPECS: Final = (
    CategorySpec(
        name="price",
        result=Price,
        summary="Last price of a symbol in a quote currency.",
        description=(
            "Set ``quote`` on the result to the currency the price is really in (``USDT`` for a ``USD``\n"
            "request on an exchange that lists ``BTCUSDT`` only) and ``requested_quote`` to the quote\n"
            "asked for when they differ; ``timestamp`` is the provider's own time of the price, if any."
        ),
        params=(_SYMBOL, _QUOTE),
        ttl=2.0,
        max_stale=300.0,
        sample=_BTC_USD,
        probe=_BTC,
    ),
    CategorySpec(
        name="ohlcv",
        result=OHLCV,
        summary="Candles (open, high, low, close, volume) of a symbol, oldest first.",
        description=(
            "Return the newest ``limit`` candles, oldest first, each with its ``open_time`` (UTC); fewer\n"
            "than ``limit`` is fine for a young market. Raise ``NotSupported`` for an ``interval`` the\n"
            "provider lacks, before sending anything."
        ),
        params=(
            _SYMBOL,
            _QUOTE,
            _interval("1h"),
            Param("limit", int, "number of candles", default=100, minimum=1, maximum=1000),
        ),
        ttl=15.0,
        max_stale=900.0,
        sample={**_BTC_USD, "interval": "1d", "limit": 5},
        probe={**_BTC, "interval": "1d", "limit": 2},
    ),
    CategorySpec(
        name="volume",
        result=Volume,
        summary="24h traded volume and price change of a symbol.",
        description="Return the 24-hour traded volume (base and/or quote asset) and price change in percent.",
        params=(_SYMBOL, _QUOTE),
        ttl=10.0,
        max_stale=600.0,
        sample=_BTC_USD,
        probe=_BTC,
    ),
    CategorySpec(
        name="orderbook",
        result=OrderBook,
        summary="Order book of a symbol: best bids and asks.",
        description=(
            "Return up to ``depth`` levels per side: ``bids`` best first (descending price), ``asks``\n"
            "best first (ascending price)."
        ),
        params=(_SYMBOL, _QUOTE, Param("depth", int, "levels per side", default=20, minimum=1, maximum=5000)),
        ttl=1.0,
        max_stale=30.0,
        sample={**_BTC_USD, "depth": 5},
        probe={**_BTC, "depth": 5},
    ),
    CategorySpec(
        name="metadata",
        result=Metadata,
        summary="Name, rank, supply, market cap and links of a symbol.",
        description=(
            "Return descriptive data: name, rank, supplies, market cap (``quote`` names its currency),\n"
            "links and description; ``provider_id`` is the provider's own id of the asset."
        ),
        params=(_SYMBOL,),
        ttl=3600.0,
        max_stale=86400.0,
        sample=_BTC,
        probe=_BTC,
    ),
    CategorySpec(
        name="news",
        result=News,
        summary="Newest news articles, about a symbol or all.",
        description="Return up to ``limit`` articles, newest first, about ``symbol`` (``None``: all crypto news).",
        params=(
            Param("symbol", str, "only news about this ticker (default: all news)", symbol=True),
            Param("limit", int, "number of articles", default=10, minimum=1, maximum=100),
        ),
        ttl=300.0,
        max_stale=3600.0,
        sample={**_BTC, "limit": 5},
        probe={"limit": 1},
    ),
    CategorySpec(
        name="sentiment",
        result=Sentiment,
        summary="The crypto fear-and-greed index, with history.",
        description=(
            "Return the newest reading of the fear-and-greed index (0-100 and its classification) and\n"
            "``limit`` readings of ``history``, newest first."
        ),
        params=(Param("limit", int, "readings of history", default=1, minimum=1, maximum=1000),),
        ttl=600.0,
        max_stale=86400.0,
        sample={"limit": 2},
        probe={"limit": 1},
    ),
    CategorySpec(
        name="technical",
        result=Technical,
        summary="SMA, EMA, RSI, MACD and Bollinger bands of a symbol, computed from ohlcv.",
        description=(
            "Computed locally (by the built-in ``technical`` plugin) from the newest ``limit`` candles,\n"
            'asked for with ``await ctx.fetch("ohlcv", ...)`` so that they come through the ohlcv chain;\n'
            "let the errors of ``ctx.fetch`` propagate, the core knows what they mean."
        ),
        params=(
            _SYMBOL,
            _QUOTE,
            _interval("1d"),
            Param("limit", int, "candles to compute from", default=200, minimum=35, maximum=1000),
        ),
        ttl=15.0,
        max_stale=900.0,
        sample={**_BTC_USD, "interval": "1d", "limit": 50},
        probe={**_BTC, "interval": "1d", "limit": 35},
        computed=True,
    ),
    CategorySpec(
        name="prediction",
        result=Prediction,
        summary="A price forecast for a symbol, with its interval.",
        description=(
            "Return the price of ``symbol`` in ``quote`` forecast ``horizon`` from now. Say what the\n"
            "number is in ``model`` and ``method``; give the interval (``interval_low``,\n"
            "``interval_high``) and its nominal coverage (``confidence``) when the model has one. The\n"
            "built-in ``forecast`` provider computes a drift-and-volatility forecast from the ohlcv\n"
            'chain (``ctx.fetch("ohlcv", ...)``); a model plugin implements this hook too and is put\n'
            "before (or instead of) ``forecast`` in ``chains.prediction``."
        ),
        params=(_SYMBOL, _QUOTE, Param("horizon", str, "how far ahead", default="1d", choices=HORIZONS)),
        ttl=60.0,
        max_stale=600.0,
        sample={**_BTC_USD, "horizon": "1d"},
        probe=_BTC,
        computed=True,
    ),
    CategorySpec(
        name="social",
        result=Social,
        summary="Community figures of a symbol's project: followers, subscribers, repository activity.",
        description=(
            "Return the public community figures of ``symbol``'s project as the provider publishes\n"
            "them (Twitter/X followers, Reddit subscribers, Telegram users, repository stars, forks\n"
            "and commits); leave a figure ``None`` when the provider does not publish it."
        ),
        params=(_SYMBOL,),
        ttl=300.0,
        max_stale=3600.0,
        sample=_BTC,
        probe=_BTC,
    ),
    CategorySpec(
        name="exchanges",
        result=Exchanges,
        summary="Exchanges ranked by the provider: country, year, trust score, 24h volume.",
        description=(
            "Return up to ``limit`` exchanges, ranked by the provider, best first. Each\n"
            ":class:`~coinrelay.plugin.Exchange` carries what the provider publishes: id, name,\n"
            "country, year established, trust score (0-10), rank and 24h volume in BTC and/or USD."
        ),
        params=(Param("limit", int, "number of exchanges", default=100, minimum=1, maximum=250),),
        ttl=300.0,
        max_stale=3600.0,
        sample={"limit": 5},
        probe={"limit": 1},
    ),
)

#: The categories that ship with coinrelay, in documentation order.
BUILTIN: Final[tuple[str, ...]] = tuple(s.name for s in _BUILTIN_SPECS)
for _spec in _BUILTIN_SPECS:
    register_builtin(_spec)
#: Built-in categories fetched from providers (what the ``render`` plugin forwards).
FETCHED: Final[tuple[str, ...]] = tuple(s.name for s in _BUILTIN_SPECS if not s.computed and not s.third_party)
#: Built-in categories computed locally from other categories.
COMPUTED: Final[tuple[str, ...]] = tuple(s.name for s in _BUILTIN_SPECS if s.computed)
#: Built-in categories with a hook spec but no shipped provider.
EXTRA: Final[tuple[str, ...]] = tuple(s.name for s in _BUILTIN_SPECS if s.third_party)
