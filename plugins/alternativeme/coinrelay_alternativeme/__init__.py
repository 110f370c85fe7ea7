"""coinrelay provider plugin: the Alternative.me Crypto Fear & Greed Index.

Serves one category, ``sentiment``, from ``GET https://api.alternative.me/fng/``. No API
key. This module only declares the provider and its hook; HTTP lives in ``_client`` and
JSON-to-model parsing in ``_parse``.
"""

from __future__ import annotations

from coinrelay.plugin import ProviderContext, ProviderInfo, RateLimit, SandboxUpstream, Sentiment, hookimpl

from . import _client, _parse

NAME = _parse.PROVIDER

__all__ = ["NAME", "fetch_sentiment", "provider_info", "sandbox_upstream"]


@hookimpl
def provider_info() -> ProviderInfo:
    """Alternative.me: ``sentiment`` only, keyless, priority 1.

    The API publishes no rate limit. The budget below (30 requests per sliding minute)
    is our own polite assumption: the index changes once a day, so the relay's cache
    answers nearly every call. Override it with ``[providers.alternativeme.rate_limit]``.
    """
    return ProviderInfo(
        name=NAME,
        categories=("sentiment",),
        endpoints=("https://api.alternative.me",),
        priority=1,
        rate_limit=RateLimit(limit=30, period=60.0),
        description="Alternative.me Crypto Fear & Greed Index (daily, 0-100)",
        homepage="https://alternative.me/crypto/fear-and-greed-index/#api",
        extra={"options": ()},
    )


@hookimpl
async def fetch_sentiment(ctx: ProviderContext, limit: int) -> Sentiment | None:
    """The newest fear-and-greed reading and the ``limit`` newest readings as history.

    :raises InvalidResponse: ``metadata.error`` set, a malformed body, an unknown
        classification or a value outside 0-100.
    """
    body = await _client.get_fng(ctx, limit)
    return _parse.parse_fng(body, limit, ctx.source())


@hookimpl
def sandbox_upstream() -> SandboxUpstream:
    """The fake API that ``coinrelay serve --sandbox`` runs for this provider (``_sandbox.py``).

    The Fear & Greed index (``/fng/``), no key.
    """
    from ._sandbox import upstream

    return upstream()
