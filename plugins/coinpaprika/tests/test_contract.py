"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

import coinrelay_coinpaprika as plugin
from coinrelay.testing import check_garbage_bodies, check_provider


def test_provider_info() -> None:
    info = check_provider(plugin, "coinpaprika")
    assert set(info.categories) == {"price", "ohlcv", "volume", "metadata", "exchanges"}
    assert info.symbol_ids["BTC"] == "btc-bitcoin"
    assert info.endpoints == ("https://api.coinpaprika.com/v1",)
    assert info.priority == 4
    assert info.rate_limit is not None and (info.rate_limit.limit, info.rate_limit.period) == (20, 60)
    assert info.extra["options"] == ("lookup",)


async def test_garbage_bodies() -> None:
    # The contract samples ohlcv with interval 1d and quote USD: exactly what /ohlcv/today serves.
    await check_garbage_bodies(plugin, "coinpaprika")
