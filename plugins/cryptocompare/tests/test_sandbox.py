"""CryptoCompare's own sandbox upstream (``_sandbox.py``) serves what this plugin parses.

It runs on loopback as ``coinrelay serve --sandbox`` runs it, from the bodies shipped as
package data (so ``make plugin-tests``, which installs the wheel, checks they are in it).
"""

from __future__ import annotations

import coinrelay_cryptocompare as plugin
from coinrelay.testing import check_sandbox_upstream


async def test_every_category_through_the_plugin_and_its_429() -> None:
    results = await check_sandbox_upstream(plugin, "cryptocompare")
    assert set(results) == {"price", "ohlcv", "volume", "news", "social"}
    assert results["news"].articles
