"""CoinGecko's own sandbox upstream (``_sandbox.py``) serves what this plugin parses.

It runs on loopback as ``coinrelay serve --sandbox`` runs it, from the bodies shipped as
package data (so ``make plugin-tests``, which installs the wheel, checks they are in it).
"""

from __future__ import annotations

import coinrelay_coingecko as plugin
from coinrelay.testing import check_sandbox_upstream


async def test_every_category_through_the_plugin_and_its_429() -> None:
    ohlc = {"symbol": "BTC", "quote": "USD", "interval": "4h", "limit": 5}  # CoinGecko's OHLC: 30m or 4h
    results = await check_sandbox_upstream(plugin, "coingecko", params={"ohlcv": ohlc})
    assert set(results) == {"price", "ohlcv", "volume", "metadata", "social", "exchanges"}
    assert results["metadata"].name == "Bitcoin"
    assert results["exchanges"].exchanges[0].name.startswith("Sandbox")
