"""coinrelay provider plugin: CoinCap v3.

Serves ``price``, ``volume``, ``metadata`` (from ``/assets/{id}``) and ``ohlcv`` (candles
aggregated from ``/assets/{id}/history`` points) at ``https://rest.coincap.io/v3``. An API
key is **required** (``providers.coincap.api_key``); without one the relay marks the
provider unconfigured and skips it. v2 (``api.coincap.io/v2``) was shut down in 2025.

This module only declares the provider and its hooks; HTTP and error bodies live in
``_client``, JSON-to-model parsing in ``_parse``.
"""

from __future__ import annotations

from coinrelay.plugin import (
    INTERVALS,
    OHLCV,
    Metadata,
    NotSupported,
    Price,
    ProviderContext,
    ProviderInfo,
    RateLimit,
    SandboxUpstream,
    Volume,
    hookimpl,
)

from . import _client, _parse

NAME = _parse.PROVIDER

#: Canonical ticker -> CoinCap slug id (``[providers.coincap.symbols]`` overrides and extends it).
IDS: dict[str, str] = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "BNB": "binance-coin",
    "XRP": "xrp",
    "SOL": "solana",
    "DOGE": "dogecoin",
    "USDT": "tether",
    "USDC": "usd-coin",
    "ADA": "cardano",
}

__all__ = [
    "IDS",
    "NAME",
    "fetch_metadata",
    "fetch_ohlcv",
    "fetch_price",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]


@hookimpl
def provider_info() -> ProviderInfo:
    """CoinCap v3: price, ohlcv, volume, metadata; API key required; priority 2.

    CoinCap v3 bills monthly *credits* per plan and publishes no per-minute limit in
    citable form. The budget below — 60 requests per sliding minute — is our assumption,
    not a published figure; set ``[providers.coincap.rate_limit]`` to your plan's.
    """
    return ProviderInfo(
        name=NAME,
        categories=("price", "ohlcv", "volume", "metadata"),
        endpoints=(_client.V3_BASE,),
        priority=2,
        credentials=("api_key",),
        requires_credentials=True,
        rate_limit=RateLimit(limit=60, period=60.0),
        description="CoinCap v3: USD prices, 24h volume, asset metadata, candles from price history",
        homepage="https://pro.coincap.io/api-docs",
        extra={"options": ()},
        symbol_ids=dict(IDS),
    )


def _asset_id(ctx: ProviderContext, symbol: str) -> str | None:
    return ctx.symbols.resolve(symbol, IDS)


def _usd_only(quote: str) -> None:
    if quote != "USD":
        raise NotSupported(f"CoinCap prices are in USD only, not {quote}", provider=NAME)


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
    """``GET /assets/{id}`` -> ``priceUsd``. ``None`` for a symbol without a CoinCap id."""
    _usd_only(quote)
    asset_id = _asset_id(ctx, symbol)
    if asset_id is None:
        return None
    body = await _client.get_json(ctx, f"/assets/{asset_id}")
    return _parse.parse_price(body, symbol, asset_id, ctx.source())


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume | None:
    """``GET /assets/{id}`` -> 24h USD volume and 24h change."""
    _usd_only(quote)
    asset_id = _asset_id(ctx, symbol)
    if asset_id is None:
        return None
    body = await _client.get_json(ctx, f"/assets/{asset_id}")
    return _parse.parse_volume(body, symbol, asset_id, ctx.source())


@hookimpl
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata | None:
    """``GET /assets/{id}`` -> name, rank, supply, max supply, market cap, explorer."""
    asset_id = _asset_id(ctx, symbol)
    if asset_id is None:
        return None
    body = await _client.get_json(ctx, f"/assets/{asset_id}")
    return _parse.parse_metadata(body, symbol, asset_id, ctx.source())


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV | None:
    """Candles aggregated from ``GET /assets/{id}/history?interval=<finer>&start=&end=``.

    The window starts at the open of the ``limit``-th newest candle and ends now
    (``ctx.clock``), in epoch milliseconds.

    :raises NotSupported: a quote other than USD, or ``1m``/``1M`` (no finer history points
        / no calendar months).
    """
    _usd_only(quote)
    finer = _parse.HISTORY_INTERVALS.get(interval)
    if finer is None:
        raise NotSupported(f"CoinCap cannot build honest {interval!r} candles from its price history", provider=NAME)
    asset_id = _asset_id(ctx, symbol)
    if asset_id is None:
        return None
    now_s = int(ctx.clock.time())
    start_s = _parse.bucket_start(now_s, interval) - (limit - 1) * INTERVALS[interval]
    params = {"interval": finer, "start": start_s * 1000, "end": now_s * 1000}
    body = await _client.get_json(ctx, f"/assets/{asset_id}/history", params)
    return _parse.parse_history(body, symbol, interval, limit, ctx.source())


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    CoinCap v3 (``/v3``) with a dummy ``api_key``.
    """
    from ._sandbox import upstream

    return upstream()
