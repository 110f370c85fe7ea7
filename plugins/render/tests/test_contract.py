"""The core's provider contract for render."""

from __future__ import annotations

import coinrelay_render
from coinrelay.plugin import FETCHED
from coinrelay.testing import check_garbage_bodies, check_provider


def test_provider_info() -> None:
    info = check_provider(coinrelay_render, "render")
    assert info.categories == FETCHED
    assert info.endpoints == ()  # none by default: unconfigured until the user names a deployment
    assert info.priority == 100
    assert info.rate_limit is None
    assert info.credentials == ("api_key",)
    assert not info.requires_credentials


async def test_garbage_bodies() -> None:
    await check_garbage_bodies(coinrelay_render, "render", provider_settings={"endpoints": ["https://remote.invalid"]})
