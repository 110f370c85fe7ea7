"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

from pathlib import Path

import httpx

import coinrelay_coingecko as plugin
from coinrelay.plugin import (
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
)
from coinrelay.testing import GARBAGE_BODIES, ProviderHarness, check_error_bodies, check_garbage_bodies, check_provider

FIXTURES = Path(__file__).parent / "fixtures"


def test_provider_info() -> None:
    info = check_provider(plugin, "coingecko")
    assert set(info.categories) == {"price", "ohlcv", "volume", "metadata", "social", "exchanges"}
    assert info.symbol_ids["BTC"] == "bitcoin"
    assert info.endpoints == ("https://api.coingecko.com/api/v3",)
    assert info.priority == 3
    assert info.rate_limit is not None and (info.rate_limit.limit, info.rate_limit.period) == (30, 60)
    assert info.extra["options"] == ("plan", "search")


async def test_garbage_bodies() -> None:
    await check_garbage_bodies(plugin, "coingecko")


async def test_garbage_bodies_ohlcv_4h() -> None:
    # The contract samples ohlcv with 1d, which CoinGecko cannot give: feed garbage to the 4h path too.
    for body in GARBAGE_BODIES:
        transport = httpx.MockTransport(lambda request, body=body: httpx.Response(200, content=body))
        async with ProviderHarness(
            plugin, "coingecko", transport=transport, provider_settings={"endpoints": ["https://contract.invalid"]}
        ) as h:
            try:
                result = await h.call("ohlcv", symbol="BTC", quote="USD", interval="4h", limit=5)
            except ProviderError:
                continue
            assert result is None, f"value from garbage {body!r}"


#: CoinGecko's error bodies in an HTTP 200 and what each must raise. error_404_coin_not_found.json and
#: error_429_rate_limit.json are the shared recorded bodies (fixtures/SOURCES.md); the ``status`` ones follow
#: the documented ``{"status": {"error_code", "error_message"}}`` shape (no verbatim body exists).
ERROR_BODIES = {
    (FIXTURES / "error_404_coin_not_found.json").read_bytes(): NotFound,  # unknown coin: no breaker strike
    (FIXTURES / "error_429_rate_limit.json").read_bytes(): RateLimited,
    b'{"status": {"error_code": 10002, "error_message": "API Key Missing"}}': NotConfigured,
    b'{"status": {"error_code": 10005, "error_message": "This request is limited to paid plans"}}': NotSupported,
    b'{"status": {"error_code": 500, "error_message": "Internal server error"}}': InvalidResponse,
}


async def test_error_bodies_in_http_200_say_what_they_mean() -> None:
    for category in ("price", "metadata"):
        await check_error_bodies(plugin, "coingecko", bodies=ERROR_BODIES, category=category)
    # /simple/price answers an unknown coin id with an empty object: not served, no strike
    await check_error_bodies(plugin, "coingecko", bodies={b"{}": NotSupported}, category="price")
