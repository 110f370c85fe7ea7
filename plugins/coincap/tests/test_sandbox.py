"""CoinCap's own sandbox upstream (``_sandbox.py``) serves what this plugin parses.

It runs on loopback as ``coinrelay serve --sandbox`` runs it, from the bodies shipped as
package data (so ``make plugin-tests``, which installs the wheel, checks they are in it).
"""

from __future__ import annotations

import coinrelay_coincap as plugin
from coinrelay.testing import check_sandbox_upstream


async def test_every_category_through_the_plugin_and_its_429() -> None:
    results = await check_sandbox_upstream(plugin, "coincap")
    assert set(results) == {"price", "ohlcv", "volume", "metadata"}


def test_asks_for_a_dummy_key_it_cannot_work_without() -> None:
    offer = plugin.sandbox_upstream()
    assert offer.credentials == {"api_key": "sandbox-dummy-key"}
    assert offer.prefix == "/v3"
