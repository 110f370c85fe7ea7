"""Binance's own sandbox upstream (``_sandbox.py``) serves what this plugin parses.

It runs on loopback as ``coinrelay serve --sandbox`` runs it, from the bodies shipped as
package data (so ``make plugin-tests``, which installs the wheel, checks they are in it).
"""

from __future__ import annotations

import coinrelay_binance as plugin
from coinrelay.testing import check_sandbox_upstream


async def test_every_category_through_the_plugin_and_its_429() -> None:
    results = await check_sandbox_upstream(plugin, "binance")
    assert set(results) == {"price", "ohlcv", "volume", "orderbook", "metadata"}
    assert results["price"].quote == "USDT"  # the canonical USD quote is served in a stablecoin, as live


def test_three_mirrors_and_binance_s_own_429_body() -> None:
    offer = plugin.sandbox_upstream()
    assert offer.mirrors == 3
    assert b'"code":-1003' in offer.rate_limit_body
