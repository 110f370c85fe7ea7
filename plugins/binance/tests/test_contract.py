"""The provider contract (coinrelay.testing) plus what the plugin declares: endpoints, budget, options."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

import coinrelay_binance
from coinrelay import ConfigError, ProviderSettings, Relay, Settings
from coinrelay.plugin import InvalidResponse, NotSupported, RateLimit
from coinrelay.testing import check_error_bodies, check_garbage_bodies, check_provider

FIXTURES = Path(__file__).parent / "fixtures"


def test_check_provider():
    info = check_provider(coinrelay_binance, "binance")
    assert info.categories == ("price", "ohlcv", "volume", "orderbook", "metadata")
    assert info.priority == 1
    assert info.endpoints[0] == "https://api.binance.com"
    assert "https://data-api.binance.vision" in info.endpoints
    assert {"https://api-gcp.binance.com", *(f"https://api{i}.binance.com" for i in range(1, 5))} <= set(info.endpoints)
    assert info.rate_limit == RateLimit(
        limit=6000, period=60, aligned=True, unit="weight", usage_header="x-mbx-used-weight-1m", headroom=0.1
    )
    assert info.extra["options"] == ("usd_quote",)
    assert not info.requires_credentials


async def test_garbage_bodies():
    await check_garbage_bodies(coinrelay_binance, "binance")


async def test_garbage_bodies_with_the_options_set():
    await check_garbage_bodies(coinrelay_binance, "binance", provider_settings={"usd_quote": "USDC"})


def test_entry_point_is_registered():
    found = [ep for ep in entry_points(group="coinrelay.plugins") if ep.name == "binance"]
    assert [ep.value for ep in found] == ["coinrelay_binance"]


def test_all_is_sorted_and_exported():
    assert list(coinrelay_binance.__all__) == sorted(coinrelay_binance.__all__)
    for name in coinrelay_binance.__all__:
        assert hasattr(coinrelay_binance, name)


async def test_config_accepts_usd_quote_and_rejects_unknown_keys():
    settings = Settings(providers={"binance": ProviderSettings(usd_quote="USDC")})
    async with Relay(settings, plugins=[("binance", coinrelay_binance)], load_entry_points=False) as relay:
        assert "binance" in relay.providers
    bad = Settings(providers={"binance": ProviderSettings(usd_qoute="USDC")})
    with pytest.raises(ConfigError, match=r"providers\.binance\.usd_qoute.*usd_quote"):
        Relay(bad, plugins=[("binance", coinrelay_binance)], load_entry_points=False)


#: Binance's error bodies (error_invalid_symbol_docs.json is the documented -1121 sample; -1100 is the
#: documented "illegal characters" code with its documented message) and what each must raise.
ERROR_BODIES = {
    (FIXTURES / "error_invalid_symbol_docs.json").read_bytes(): NotSupported,  # unknown pair: no breaker strike
    b'{"code": -1120, "msg": "Invalid interval."}': NotSupported,
    b'{"code": -1100, "msg": "Illegal characters found in parameter \'symbol\'."}': InvalidResponse,
}


@pytest.mark.parametrize("status", [400, 200])
async def test_error_bodies_say_what_they_mean(status):
    # Binance sends them with HTTP 400; a proxy or mirror that answers 200 must not turn "invalid symbol"
    # into a breaker strike either.
    for category in ("price", "ohlcv", "orderbook"):
        await check_error_bodies(coinrelay_binance, "binance", bodies=ERROR_BODIES, category=category, status=status)
