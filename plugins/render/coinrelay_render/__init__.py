"""coinrelay provider plugin ``render``: another coinrelay deployment as the last-resort fallback.

It calls the remote's ``GET /api/v1/<category>`` for every fetched category (price,
ohlcv, volume, orderbook, metadata, news, sentiment, social, exchanges) and sends ``x-coinrelay-hops``
(one more than this request has passed through) so two deployments never call each
other in a loop: it declares itself a relaying provider (``relays=True``), so past ``[relay]
max_hops`` the core skips it without sending anything.

It has no default endpoint: until ``providers.render.endpoints`` is set, the relay
reports it unconfigured and skips it. The result's ``source`` names this hop
(``render`` and the remote's URL); the remote's provider is logged at debug level.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from coinrelay.plugin import (
    FETCHED,
    OHLCV,
    Exchanges,
    Metadata,
    News,
    OrderBook,
    Price,
    ProviderContext,
    ProviderInfo,
    Result,
    SandboxUpstream,
    Sentiment,
    Social,
    Volume,
    hookimpl,
)

from . import _client, _parse

if TYPE_CHECKING:
    from coinrelay.sandbox import Sandbox

NAME = _parse.PROVIDER

__all__ = [
    "NAME",
    "fetch_exchanges",
    "fetch_metadata",
    "fetch_news",
    "fetch_ohlcv",
    "fetch_orderbook",
    "fetch_price",
    "fetch_sentiment",
    "fetch_social",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]

log = logging.getLogger("coinrelay.render")


@hookimpl
def provider_info() -> ProviderInfo:
    """render: every fetched category, no default endpoint, priority 100 (last), no rate limit.

    ``api_key`` (optional) is sent to the remote as ``authorization: Bearer <key>``.
    """
    return ProviderInfo(
        name=NAME,
        categories=FETCHED,
        endpoints=(),
        priority=100,
        credentials=("api_key",),
        description="another coinrelay deployment (GET /api/v1/<category>), hop-guarded last resort",
        extra={"options": ()},
        relays=True,
    )


async def _fetch(ctx: ProviderContext, category: str, params: Mapping[str, Any]) -> Result:
    resp = await _client.get(ctx, category, params)
    result, remote_provider = _parse.parse_result(category, resp.json(), params, ctx.source(resp.endpoint), NAME)
    log.debug("render: %s from %s was served there by provider %r", category, resp.endpoint, remote_provider)
    return result


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
    """The remote's ``/api/v1/price``."""
    return await _fetch(ctx, "price", {"symbol": symbol, "quote": quote})  # type: ignore[return-value]


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV | None:
    """The remote's ``/api/v1/ohlcv``."""
    params = {"symbol": symbol, "quote": quote, "interval": interval, "limit": limit}
    return await _fetch(ctx, "ohlcv", params)  # type: ignore[return-value]


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume | None:
    """The remote's ``/api/v1/volume``."""
    return await _fetch(ctx, "volume", {"symbol": symbol, "quote": quote})  # type: ignore[return-value]


@hookimpl
async def fetch_orderbook(ctx: ProviderContext, symbol: str, quote: str, depth: int) -> OrderBook | None:
    """The remote's ``/api/v1/orderbook``."""
    params = {"symbol": symbol, "quote": quote, "depth": depth}
    return await _fetch(ctx, "orderbook", params)  # type: ignore[return-value]


@hookimpl
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata | None:
    """The remote's ``/api/v1/metadata``."""
    return await _fetch(ctx, "metadata", {"symbol": symbol})  # type: ignore[return-value]


@hookimpl
async def fetch_news(ctx: ProviderContext, symbol: str | None, limit: int) -> News | None:
    """The remote's ``/api/v1/news`` (``symbol`` left out when ``None``)."""
    return await _fetch(ctx, "news", {"symbol": symbol, "limit": limit})  # type: ignore[return-value]


@hookimpl
async def fetch_sentiment(ctx: ProviderContext, limit: int) -> Sentiment | None:
    """The remote's ``/api/v1/sentiment``."""
    return await _fetch(ctx, "sentiment", {"limit": limit})  # type: ignore[return-value]


@hookimpl
def sandbox_upstream(sandbox: Sandbox) -> SandboxUpstream | None:
    """The fake remote that ``coinrelay serve --sandbox`` runs for render (``_sandbox.py``).

    A second coinrelay in process: its HTTP app over a relay on the other providers' sandbox
    upstreams, built at the first request. ``None`` when FastAPI (``coinrelay[server]``) is missing.
    """
    from ._sandbox import upstream

    return upstream(sandbox)


@hookimpl
async def fetch_social(ctx: ProviderContext, symbol: str) -> Social | None:
    """The remote's ``/api/v1/social``."""
    return await _fetch(ctx, "social", {"symbol": symbol})  # type: ignore[return-value]


@hookimpl
async def fetch_exchanges(ctx: ProviderContext, limit: int) -> Exchanges | None:
    """The remote's ``/api/v1/exchanges``."""
    return await _fetch(ctx, "exchanges", {"limit": limit})  # type: ignore[return-value]
