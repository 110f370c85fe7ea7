"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

import httpx

import coinrelay_coingecko as plugin
from coinrelay.plugin import ProviderError
from coinrelay.testing import GARBAGE_BODIES, ProviderHarness, check_garbage_bodies, check_provider


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
