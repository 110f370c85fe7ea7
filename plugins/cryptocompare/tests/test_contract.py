"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

from pathlib import Path

import coinrelay_cryptocompare as plugin
from coinrelay.testing import GARBAGE_BODIES, check_garbage_bodies, check_provider

FIXTURES = Path(__file__).parent / "fixtures"


def test_provider_info() -> None:
    info = check_provider(plugin, "cryptocompare")
    assert info.categories == ("price", "ohlcv", "volume", "news", "social")
    assert info.endpoints == ("https://min-api.cryptocompare.com",)
    assert info.priority == 3
    assert not info.requires_credentials
    assert info.rate_limit is not None
    assert (info.rate_limit.limit, info.rate_limit.period) == (300, 60.0)


async def test_garbage_bodies() -> None:
    await check_garbage_bodies(plugin, "cryptocompare")
    await check_garbage_bodies(plugin, "cryptocompare", provider_settings={"api_key": "test-key"})


async def test_error_bodies_never_parse_as_data() -> None:
    # CryptoCompare's HTTP-200 error replies, fed to every category.
    errors = tuple((FIXTURES / n).read_bytes() for n in ("error_rate_limit.json", "error_no_data_for_tsyms.json"))
    await check_garbage_bodies(plugin, "cryptocompare", bodies=GARBAGE_BODIES + errors)


def test_public_names() -> None:
    assert plugin.__all__ == sorted(plugin.__all__)
