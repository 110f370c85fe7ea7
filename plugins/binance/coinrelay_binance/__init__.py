"""coinrelay provider plugin for the Binance spot REST API (public market data, no key).

Serves ``price`` (``ticker/price``), ``ohlcv`` (``klines``), ``volume`` (``ticker/24hr``),
``orderbook`` (``depth``) and ``metadata`` (``exchangeInfo``: the market's assets, status,
precisions and filters). Every mirror (``api*.binance.com``, ``data-api.binance.vision``)
shares one per-IP weight budget, declared in :data:`RATE_LIMIT`.

The canonical quote ``USD`` is served in a stablecoin (``USDT`` unless the ``usd_quote``
option or the ``quotes`` table says otherwise); results carry ``quote`` (used) and
``requested_quote`` (asked for). Importing this module does no I/O.
"""

from __future__ import annotations

from coinrelay.plugin import (
    OHLCV,
    Metadata,
    NotSupported,
    OrderBook,
    Price,
    ProviderContext,
    ProviderInfo,
    SandboxUpstream,
    Volume,
    hookimpl,
)

from . import _limits
from ._client import get_json
from ._limits import RATE_LIMIT
from ._pairs import DEFAULT_USD_QUOTE, NAME, resolve_pair
from ._parse import parse_metadata, parse_ohlcv, parse_orderbook, parse_price, parse_volume

__all__ = [
    "DEFAULT_USD_QUOTE",
    "ENDPOINTS",
    "NAME",
    "RATE_LIMIT",
    "fetch_metadata",
    "fetch_ohlcv",
    "fetch_orderbook",
    "fetch_price",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]

#: Default mirrors, tried in order; the last one serves market data only (every path used here).
ENDPOINTS: tuple[str, ...] = (
    "https://api.binance.com",
    "https://api-gcp.binance.com",
    "https://api1.binance.com",
    "https://api2.binance.com",
    "https://api3.binance.com",
    "https://api4.binance.com",
    "https://data-api.binance.vision",
)


@hookimpl
def provider_info() -> ProviderInfo:
    """Binance: five market-data categories, seven mirrors, priority 1, one 6000-weight/minute budget."""
    return ProviderInfo(
        name=NAME,
        categories=("price", "ohlcv", "volume", "orderbook", "metadata"),
        endpoints=ENDPOINTS,
        priority=1,
        rate_limit=RATE_LIMIT,
        description="Binance spot market data (public REST, no key)",
        homepage="https://developers.binance.com/docs/binance-spot-api-docs/rest-api",
        extra={"options": ("usd_quote",)},
    )


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
    """Last price from ``GET /api/v3/ticker/price?symbol=<pair>`` (weight 2; no timestamp)."""
    pair = resolve_pair(ctx, symbol, quote)
    body = await get_json(ctx, "/api/v3/ticker/price", {"symbol": pair.name}, weight=_limits.PRICE_WEIGHT, pair=pair)
    return parse_price(body, pair, ctx.source())


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV | None:
    """The newest ``limit`` candles from ``GET /api/v3/klines`` (weight 2); the interval passes through."""
    pair = resolve_pair(ctx, symbol, quote)
    if interval not in _limits.INTERVALS:
        raise NotSupported(f"Binance has no {interval!r} klines", provider=NAME)
    params = {"symbol": pair.name, "interval": interval, "limit": limit}
    body = await get_json(ctx, "/api/v3/klines", params, weight=_limits.KLINES_WEIGHT, pair=pair)
    result = parse_ohlcv(body, pair, interval, limit, ctx.source())
    if not result.candles:
        raise NotSupported(
            f"Binance has no {interval} candles for {pair.name}", provider=NAME, endpoint=ctx.last_endpoint
        )
    return result


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume | None:
    """24h volume and change from ``GET /api/v3/ticker/24hr?symbol=<pair>`` (weight 2)."""
    pair = resolve_pair(ctx, symbol, quote)
    body = await get_json(
        ctx, "/api/v3/ticker/24hr", {"symbol": pair.name}, weight=_limits.TICKER_24HR_WEIGHT, pair=pair
    )
    return parse_volume(body, pair, ctx.source())


@hookimpl
async def fetch_orderbook(ctx: ProviderContext, symbol: str, quote: str, depth: int) -> OrderBook | None:
    """``depth`` levels per side from ``GET /api/v3/depth`` with the smallest allowed ``limit`` >= ``depth``."""
    pair = resolve_pair(ctx, symbol, quote)
    limit = _limits.depth_limit(depth)
    body = await get_json(
        ctx, "/api/v3/depth", {"symbol": pair.name, "limit": limit}, weight=_limits.depth_weight(limit), pair=pair
    )
    return parse_orderbook(body, pair, depth, ctx.source())


@hookimpl
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata | None:
    """The market ``symbol``/USD-stablecoin from ``GET /api/v3/exchangeInfo?symbol=<pair>`` (weight 20)."""
    pair = resolve_pair(ctx, symbol, "USD")
    body = await get_json(
        ctx, "/api/v3/exchangeInfo", {"symbol": pair.name}, weight=_limits.EXCHANGE_INFO_WEIGHT, pair=pair
    )
    return parse_metadata(body, pair, ctx.source())


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    Three mirrors of the spot API (``/api/v3``), no key.
    """
    from ._sandbox import upstream

    return upstream()
