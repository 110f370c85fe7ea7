"""coinrelay provider plugin for CoinGecko API v3: price, ohlcv, volume, metadata, social, exchanges.

This module only declares the provider and its hooks; HTTP lives in :mod:`._client`
(extract) and JSON -> models in :mod:`._parse`, :mod:`._social` and :mod:`._exchanges`
(transform). No I/O at import time.
"""

from __future__ import annotations

from urllib.parse import quote as urlquote

from coinrelay.plugin import (
    OHLCV,
    Exchanges,
    Metadata,
    NotSupported,
    Price,
    ProviderContext,
    ProviderInfo,
    RateLimit,
    SandboxUpstream,
    Social,
    Volume,
    hookimpl,
)

from . import _client, _exchanges, _parse, _social

__all__ = [
    "fetch_exchanges",
    "fetch_metadata",
    "fetch_ohlcv",
    "fetch_price",
    "fetch_social",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]

NAME = _client.NAME


@hookimpl
def provider_info() -> ProviderInfo:
    """CoinGecko: public host by default; ``plan`` = public | demo | pro chooses host and key header."""
    return ProviderInfo(
        name=NAME,
        categories=("price", "ohlcv", "volume", "metadata", "social", "exchanges"),
        endpoints=(_client.PUBLIC_HOST,),
        priority=3,
        credentials=("api_key",),
        requires_credentials=False,
        # Demo plan: ~30 calls/min (docs); keyless is lower and varies. Config rate_limit overrides.
        rate_limit=RateLimit(limit=30, period=60, aligned=False),
        description="CoinGecko API v3 (public, demo or pro plan)",
        homepage="https://docs.coingecko.com/",
        extra={"options": ("plan", "search")},
        symbol_ids=dict(_client.COIN_IDS),
    )


def _quote(ctx: ProviderContext, quote: str) -> tuple[str, str, str | None]:
    """``(vs_currency, quote used, requested quote if it differs)``."""
    vs = _client.vs_currency(ctx, quote)
    used = vs.upper()
    return vs, used, (quote if used != quote else None)


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price:
    coin = await _client.coin_id(ctx, symbol)
    vs, used, requested = _quote(ctx, quote)
    body = await _client.get_json(ctx, "/simple/price", _client.simple_price_params(coin, vs))
    return _parse.price(
        body, coin_id=coin, vs=vs, symbol=symbol, quote=used, requested_quote=requested, source=ctx.source()
    )


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume:
    coin = await _client.coin_id(ctx, symbol)
    vs, used, requested = _quote(ctx, quote)
    body = await _client.get_json(ctx, "/simple/price", _client.simple_price_params(coin, vs))
    return _parse.volume(
        body, coin_id=coin, vs=vs, symbol=symbol, quote=used, requested_quote=requested, source=ctx.source()
    )


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV:
    days = _parse.ohlc_days(interval, limit)
    if days is None:
        raise NotSupported(
            f"CoinGecko OHLC gives {' or '.join(_parse.OHLC_DAYS)} candles, not {interval}", provider=NAME
        )
    coin = await _client.coin_id(ctx, symbol)
    vs, used, requested = _quote(ctx, quote)
    body = await _client.get_json(ctx, f"/coins/{urlquote(coin, safe='')}/ohlc", {"vs_currency": vs, "days": str(days)})
    return _parse.ohlcv(
        body, interval=interval, limit=limit, symbol=symbol, quote=used, requested_quote=requested, source=ctx.source()
    )


async def _coin(ctx: ProviderContext, symbol: str, *, market: bool, community: bool) -> tuple[str, object]:
    """The coin id and ``/coins/{id}`` with only the sections asked for (localization, tickers, sparkline off)."""
    coin = await _client.coin_id(ctx, symbol)
    flag = {True: "true", False: "false"}
    params = {
        "localization": "false",
        "tickers": "false",
        "market_data": flag[market],
        "community_data": flag[community],
        "developer_data": flag[community],
        "sparkline": "false",
    }
    return coin, await _client.get_json(ctx, f"/coins/{urlquote(coin, safe='')}", params)


@hookimpl
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata:
    coin, body = await _coin(ctx, symbol, market=True, community=False)
    return _parse.metadata(body, symbol=symbol, source=ctx.source(), coin_id=coin)


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    The public API (``/api/v3``), no key.
    """
    from ._sandbox import upstream

    return upstream()


@hookimpl
async def fetch_social(ctx: ProviderContext, symbol: str) -> Social:
    """Community and developer figures from ``/coins/{id}`` (market data, tickers and localization off)."""
    coin, body = await _coin(ctx, symbol, market=False, community=True)
    return _social.social(body, symbol=symbol, source=ctx.source(), coin_id=coin)


#: Most exchanges ``/exchanges`` gives on one page (docs: ``per_page`` up to 250).
EXCHANGES_PER_PAGE = 250


@hookimpl
async def fetch_exchanges(ctx: ProviderContext, limit: int) -> Exchanges:
    """The first ``limit`` exchanges of ``/exchanges`` (one page), ranked by CoinGecko's trust score."""
    per_page = str(min(limit, EXCHANGES_PER_PAGE))
    body = await _client.get_json(ctx, "/exchanges", {"per_page": per_page, "page": "1"})
    return _exchanges.exchanges(body, limit=limit, source=ctx.source())
