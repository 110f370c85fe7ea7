"""The provider contract every coinrelay plugin runs."""

from __future__ import annotations

from pathlib import Path

import coinrelay_coincap as plugin
from coinrelay.testing import GARBAGE_BODIES, check_garbage_bodies, check_provider

FIXTURES = Path(__file__).parent / "fixtures"
KEY = {"api_key": "test-key"}


def test_provider_info() -> None:
    info = check_provider(plugin, "coincap")
    assert info.categories == ("price", "ohlcv", "volume", "metadata")
    assert info.endpoints == ("https://rest.coincap.io/v3",)
    assert info.priority == 2
    assert info.requires_credentials
    assert info.credentials == ("api_key",)
    assert info.rate_limit is not None


async def test_garbage_bodies() -> None:
    await check_garbage_bodies(plugin, "coincap", provider_settings=KEY)


async def test_error_and_notice_bodies_never_parse_as_data() -> None:
    extra = tuple(
        (FIXTURES / n).read_bytes() for n in ("v2_deprecation_notice_2025.json", "v2_error_not_found_mock.json")
    )
    await check_garbage_bodies(plugin, "coincap", provider_settings=KEY, bodies=GARBAGE_BODIES + extra)


def test_public_names() -> None:
    assert plugin.__all__ == sorted(plugin.__all__)
