"""coinrelay provider plugin for CoinPaprika API v1: price, volume, metadata, ohlcv (today, 1d), exchanges.

This module only declares the provider and its hooks; HTTP lives in :mod:`._client`
(extract) and JSON -> models in :mod:`._parse` and :mod:`._exchanges` (transform). No I/O at
import time.
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
    Volume,
    hookimpl,
)

from . import _client, _exchanges, _parse

__all__ = [
    "fetch_exchanges",
    "fetch_metadata",
    "fetch_ohlcv",
    "fetch_price",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]

NAME = _client.NAME
#: Quotes ``/coins/{id}/ohlcv/today`` takes (docs: ``quote`` = usd or btc).
OHLCV_QUOTES = ("USD", "BTC")


@hookimpl
def provider_info() -> ProviderInfo:
    """CoinPaprika: free host without a key; with ``api_key`` the pro host and an Authorization header."""
    return ProviderInfo(
        name=NAME,
        categories=("price", "ohlcv", "volume", "metadata", "exchanges"),
        endpoints=(_client.FREE_HOST,),
        priority=4,
        credentials=("api_key",),
        requires_credentials=False,
        # An assumption: CoinPaprika publishes a monthly quota for the free plan (20,000 calls/month),
        # not a per-minute one; 20/min keeps bursts polite. Config rate_limit overrides.
        rate_limit=RateLimit(limit=20, period=60, aligned=False),
        description="CoinPaprika API v1 (free, or pro with an API key)",
        homepage="https://docs.coinpaprika.com/",
        extra={"options": ("lookup",)},
        symbol_ids=dict(_client.COIN_IDS),
    )


def _path_id(coin: str) -> str:
    return urlquote(coin, safe="")


async def _ticker(ctx: ProviderContext, coin: str, quote: str) -> object:
    return await _client.get_json(ctx, f"/tickers/{_path_id(coin)}", {"quotes": quote})


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price:
    coin = await _client.coin_id(ctx, symbol)
    q = _client.quote_code(ctx, quote)
    body = await _ticker(ctx, coin, q)
    return _parse.price(
        body, symbol=symbol, quote=q, requested_quote=quote if q != quote else None, source=ctx.source(), coin_id=coin
    )


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume:
    coin = await _client.coin_id(ctx, symbol)
    q = _client.quote_code(ctx, quote)
    body = await _ticker(ctx, coin, q)
    return _parse.volume(
        body, symbol=symbol, quote=q, requested_quote=quote if q != quote else None, source=ctx.source(), coin_id=coin
    )


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV:
    if interval != "1d":
        raise NotSupported(f"CoinPaprika's free OHLCV is today's 1d candle only, not {interval}", provider=NAME)
    q = _client.quote_code(ctx, quote)
    if q not in OHLCV_QUOTES:
        raise NotSupported(f"/ohlcv/today quotes {' or '.join(OHLCV_QUOTES)} only, not {q}", provider=NAME)
    coin = await _client.coin_id(ctx, symbol)
    body = await _client.get_json(ctx, f"/coins/{_path_id(coin)}/ohlcv/today", {"quote": q.lower()})
    return _parse.ohlcv_today(
        body, limit=limit, symbol=symbol, quote=q, requested_quote=quote if q != quote else None, source=ctx.source()
    )


@hookimpl
async def fetch_metadata(ctx: ProviderContext, symbol: str) -> Metadata:
    coin = await _client.coin_id(ctx, symbol)
    info = await _client.get_json(ctx, f"/coins/{_path_id(coin)}")
    ticker = await _ticker(ctx, coin, "USD")
    return _parse.metadata(info, ticker, symbol=symbol, source=ctx.source(), coin_id=coin)


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    The free host (``/v1``), no key.
    """
    from ._sandbox import upstream

    return upstream()


@hookimpl
async def fetch_exchanges(ctx: ProviderContext, limit: int) -> Exchanges:
    """``/exchanges?quotes=USD,BTC``: the ``limit`` best-ranked active exchanges, volumes in USD and BTC."""
    body = await _client.get_json(ctx, "/exchanges", {"quotes": _exchanges.QUOTES})
    return _exchanges.exchanges(body, limit=limit, source=ctx.source())
