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
    from ._fakes import SandboxUpstream
    from ._models import (
        OHLCV,
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
    from .sandbox import Sandbox

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
# Sandbox: a plugin's own fake API for ``coinrelay serve --sandbox`` (issue 12).
# Self-contained: nothing here depends on the fetch specs below.
# ---------------------------------------------------------------------------


@hookspec
def sandbox_upstream(sandbox: Sandbox) -> SandboxUpstream | None:
    """Offer this provider's fake API to coinrelay's sandbox.

    Called once per :class:`~coinrelay.sandbox.Sandbox`, when it is created (``coinrelay
    serve --sandbox``, the CLI's ``--sandbox``, tests), for every plugin that implements
    it; the sandbox files the answer under the plugin's (entry-point) name, which is the
    provider's name. Must not do I/O or start anything: the sandbox starts the loopback
    servers when it starts and stops them when it closes. Import the fake lazily, inside
    the hook, so it costs nothing outside sandbox mode.

    :param sandbox: the sandbox asking. Most plugins leave this parameter out. A provider
        that serves from other providers (``render``) keeps it and, once requests arrive
        (the sandbox is started by then), answers from ``sandbox.relay(exclude=(name,))``.
    :return: a :class:`~coinrelay.plugin.SandboxUpstream`: the handler answering in the
        provider's real format from its recorded bodies, the number of mirrors, the path
        prefix of the real base URL, the dummy credentials the provider needs and the body
        of its HTTP 429. ``None`` (like not implementing the hook) means no sandbox
        upstream: the provider is then blocked in sandbox mode, so it never reaches the
        network. An exception is logged and treated as ``None``.
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
async def fetch_technical(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> Technical | None:
    """Compute technical indicators from ``limit`` candles (fetch them with ``ctx.relay.ohlcv``)."""


@hookspec
async def fetch_prediction(ctx: ProviderContext, symbol: str, quote: str, horizon: str) -> Prediction | None:
    """Predict the price of ``symbol`` in ``quote`` at ``horizon`` (``1h``, ``1d``, ...)."""


@hookspec
async def fetch_social(ctx: ProviderContext, symbol: str) -> Social | None:
    """Fetch social-media activity about ``symbol``."""


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
