"""coinrelay provider plugin: CryptoCompare min-api (now CoinDesk Data).

Serves ``price``, ``ohlcv``, ``volume``, ``news`` and ``social`` from
``https://min-api.cryptocompare.com``. An API key is optional (``providers.cryptocompare.api_key``,
sent as ``authorization: Apikey <key>``) except for ``social``, whose endpoint refuses keyless
calls: without a key ``social`` is skipped as not configured. This module only declares the
provider and its hooks; HTTP and the HTTP-200 error mapping live in ``_client``, JSON-to-model
parsing in ``_parse`` (and ``_social``).
"""

from __future__ import annotations

from coinrelay.plugin import (
    OHLCV,
    News,
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

from . import _client, _parse, _social

NAME = _parse.PROVIDER

__all__ = [
    "NAME",
    "fetch_news",
    "fetch_ohlcv",
    "fetch_price",
    "fetch_social",
    "fetch_volume",
    "provider_info",
    "sandbox_upstream",
]


@hookimpl
def provider_info() -> ProviderInfo:
    """CryptoCompare: price, ohlcv, volume, news, social; key optional (needed for social); priority 3.

    Budget: 300 requests per sliding minute with 10% headroom — the per-minute
    ``max_calls`` in a real Type-99 reply (``error_rate_limit.json``: 20/s, 300/min,
    3,000/h, 10,000/day, 75,000/month). Only one window can be declared; the longer ones
    are enforced by the vendor, and its Type-99 reply pauses the provider.
    """
    return ProviderInfo(
        name=NAME,
        categories=("price", "ohlcv", "volume", "news", "social"),
        endpoints=("https://min-api.cryptocompare.com",),
        priority=3,
        credentials=("api_key",),
        requires_credentials=False,
        rate_limit=RateLimit(limit=300, period=60.0, headroom=0.1),
        description="CryptoCompare min-api (CoinDesk Data): aggregated CCCAGG prices, candles, volume, news",
        homepage="https://developers.coindesk.com/documentation/legacy/",
        extra={"options": ()},
    )


def _pair(ctx: ProviderContext, symbol: str, quote: str) -> tuple[str, str]:
    """CryptoCompare's tickers for ``symbol``/``quote``: config overrides, else the canonical ones."""
    return ctx.symbols.resolve(symbol) or symbol, ctx.symbols.quote(quote)


@hookimpl
async def fetch_price(ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
    """``GET /data/price?fsym=<symbol>&tsyms=<quote>`` (the CCCAGG aggregate price)."""
    fsym, tsym = _pair(ctx, symbol, quote)
    body = await _client.get_json(ctx, "/data/price", {"fsym": fsym, "tsyms": tsym})
    return _parse.parse_price(body, symbol, quote, tsym, ctx.source())


@hookimpl
async def fetch_volume(ctx: ProviderContext, symbol: str, quote: str) -> Volume | None:
    """``GET /data/pricemultifull``: 24h base/quote volume, 24h change, last update."""
    fsym, tsym = _pair(ctx, symbol, quote)
    body = await _client.get_json(ctx, "/data/pricemultifull", {"fsyms": fsym, "tsyms": tsym})
    return _parse.parse_volume(body, symbol, quote, fsym, tsym, ctx.source())


@hookimpl
async def fetch_ohlcv(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> OHLCV | None:
    """``GET /data/v2/histominute|histohour|histoday`` with ``aggregate`` for multiples.

    :raises NotSupported: ``1M`` (no calendar-month candles).
    """
    spec = _client.INTERVALS.get(interval)
    if spec is None:
        raise NotSupported(f"CryptoCompare has no {interval!r} candles", provider=NAME)
    path, aggregate = spec
    fsym, tsym = _pair(ctx, symbol, quote)
    params: dict[str, str | int] = {"fsym": fsym, "tsym": tsym, "limit": limit}
    if aggregate > 1:
        params["aggregate"] = aggregate
    body = await _client.get_json(ctx, path, params)
    return _parse.parse_histo(body, symbol, quote, tsym, interval, limit, ctx.source())


@hookimpl
async def fetch_news(ctx: ProviderContext, symbol: str | None, limit: int) -> News | None:
    """``GET /data/v2/news/?lang=EN`` (``&categories=<symbol>`` when a symbol is given)."""
    params = {"lang": "EN"}
    category = None
    if symbol is not None:
        category = params["categories"] = ctx.symbols.resolve(symbol) or symbol
    body = await _client.get_json(ctx, "/data/v2/news/", params)
    return _parse.parse_news(body, symbol, limit, ctx.source(), category)


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    Min-api (``/data``), no key; errors in HTTP 200 bodies as the real API sends them.
    """
    from ._sandbox import upstream

    return upstream()


@hookimpl
async def fetch_social(ctx: ProviderContext, symbol: str) -> Social | None:
    """``GET /data/social/coin/latest?coinId=<id>`` (needs ``api_key``; skipped without one)."""
    fsym = ctx.symbols.resolve(symbol) or symbol
    return await _social.fetch(ctx, symbol, fsym)
