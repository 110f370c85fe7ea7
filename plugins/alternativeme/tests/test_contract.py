"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

import coinrelay_alternativeme as plugin
from coinrelay.testing import check_garbage_bodies, check_provider


def test_provider_info() -> None:
    info = check_provider(plugin, "alternativeme")
    assert info.categories == ("sentiment",)
    assert info.endpoints == ("https://api.alternative.me",)
    assert info.priority == 1
    assert not info.requires_credentials
    assert info.rate_limit is not None


async def test_garbage_bodies() -> None:
    await check_garbage_bodies(plugin, "alternativeme")


def test_public_names() -> None:
    assert plugin.__all__ == sorted(plugin.__all__)
