"""Hook specifications: the whole contract between the core and a provider plugin.

A plugin is a module registered under the ``coinrelay.plugins`` entry-point group whose
functions are marked with :data:`hookimpl`. The core never calls a fetch hook 1:N: the
router calls one provider's implementation at a time, so ordering, failover and
isolation belong to the relay, not to pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ._context import ProviderContext
    from ._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
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
    from ._provider import ProviderInfo

PROJECT_NAME = "coinrelay"
ENTRY_POINT_GROUP = "coinrelay.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Description
# ---------------------------------------------------------------------------


@hookspec
def provider_info() -> ProviderInfo:
    """Describe the provider this plugin implements.

    Called once, when the relay is built. Must not do I/O.

    :return: the provider's :class:`~coinrelay.ProviderInfo`: name (equal to the
        entry-point name), categories, default endpoints, priority, credentials and
        rate budget. A plugin that only listens to events does not implement it.
    """


# ---------------------------------------------------------------------------
# Fetching: one async hook per category
#
# Each is called for one provider at a time by the router. ``ctx`` is the
# provider's context: ``ctx.http`` (endpoints, timeouts, mirrors, health),
# ``ctx.settings`` (the provider's config section) and ``ctx.symbols``.
#
# Return the category's result model, built with ``source=ctx.source()``.
# Return ``None`` when this provider does not serve the symbol: the relay moves on
# without counting a failure. Raise a :class:`coinrelay._errors.ProviderError`
# subclass for anything else (a garbage body is ``InvalidResponse``).
# ---------------------------------------------------------------------------


@hookspec
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
    """Fetch the last price of ``symbol`` in ``quote``.

    :param ctx: the provider's context.
    :param symbol: canonical uppercase ticker (``BTC``).
    :param quote: canonical uppercase quote (``USD``, ``USDT``, ``EUR``, ``BTC``).
    """


@hookspec
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV | None:
    """Fetch the newest ``limit`` candles of ``symbol``/``quote``, oldest first.

    :param interval: one of :data:`coinrelay._categories.INTERVALS` (``1m`` … ``1M``);
        raise :class:`~coinrelay._errors.NotSupported` for one the provider lacks.
    :param limit: number of candles, 1–1000.
    """


@hookspec
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume | None:
    """Fetch the 24h traded volume and price change of ``symbol``/``quote``."""


@hookspec
async def fetch_orderbook(ctx: ProviderContext, symbol: str, quote: str, depth: int) -> OrderBook | None:
    """Fetch the order book of ``symbol``/``quote``, ``depth`` levels per side (1–5000)."""


@hookspec
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata | None:
    """Fetch descriptive data of ``symbol``: name, rank, supply, market cap, links."""


@hookspec
async def fetch_news(ctx: ProviderContext, symbol: str | None, limit: int) -> News | None:
    """Fetch up to ``limit`` news articles, newest first, about ``symbol`` (``None`` = all)."""


@hookspec
async def fetch_sentiment(ctx: ProviderContext, limit: int) -> Sentiment | None:
    """Fetch the fear-and-greed index: the newest reading and ``limit`` readings of history."""


@hookspec
async def fetch_exchanges(ctx: ProviderContext, limit: int) -> Exchanges | None:
    """Fetch up to ``limit`` exchanges (1-250), ranked by the provider, best first.

    Each :class:`~coinrelay._models.Exchange` carries what the provider publishes: id, name,
    country, year established, trust score (0-10), rank and 24h volume in BTC and/or USD.
    """


@hookspec
async def fetch_technical(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> Technical | None:
    """Compute technical indicators from ``limit`` candles (fetch them with ``ctx.relay.ohlcv``)."""


@hookspec
async def fetch_prediction(ctx: ProviderContext, symbol: str, quote: str, horizon: str) -> Prediction | None:
    """Forecast the price of ``symbol`` in ``quote`` at ``horizon`` (``1h``, ``4h``, ``1d``, ``7d``, ``30d``).

    The built-in ``forecast`` provider computes a drift-and-volatility forecast from the
    ohlcv chain (``ctx.fetch("ohlcv", ...)``). A model plugin implements this hook too and
    is put before (or instead of) ``forecast`` in ``chains.prediction``; it says what it is
    in ``model`` and ``method`` and, when it has one, gives its interval and ``confidence``.
    """


@hookspec
async def fetch_social(ctx: ProviderContext, symbol: str) -> Social | None:
    """Fetch the public community figures of ``symbol``'s project (followers, subscribers, repository)."""


# ---------------------------------------------------------------------------
# Events: each takes one frozen dataclass. Exceptions are logged, never raised.
# ---------------------------------------------------------------------------


@hookspec
def on_breaker_state_change(event: BreakerStateChanged) -> None:
    """A circuit breaker changed state. Must be quick: it runs on the request path."""


@hookspec
def on_request_finished(event: RequestFinished) -> None:
    """One attempt of the failover trail finished (a provider asked on one endpoint, or skipped)."""


@hookspec
def on_call_finished(event: CallFinished) -> None:
    """One relay call finished, however it was served (provider, coalesced, cache, stale) or failed."""


@hookspec
def on_failover(event: FailoverHappened) -> None:
    """The relay moved on from one provider to the next within a call."""
