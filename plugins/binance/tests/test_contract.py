"""The provider contract (coinrelay.testing) plus what the plugin declares: endpoints, budget, options."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

import coinrelay_binance
from coinrelay import ConfigError, ProviderSettings, Relay, Settings
from coinrelay.plugin import InvalidResponse, NotSupported, RateLimit
from coinrelay.testing import check_error_bodies, check_garbage_bodies, check_mutations, check_provider

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


async def test_mutated_real_bodies_never_give_a_wrong_value(fixture_bytes):
    """The contract kit's zero-wrong-values check, in one call: every mutation of the real bodies
    (fixtures/README.md) and Binance's in-band error bodies, served over loopback HTTP to a Relay."""
    tally = await check_mutations(
        coinrelay_binance,
        "binance",
        bodies={
            "price": fixture_bytes("ticker_price_testnet_recorded.json"),
            "ohlcv": fixture_bytes("klines_1d_testnet_recorded.json"),
            "orderbook": fixture_bytes("depth_docs.json"),
        },
        params={
            "price": {"symbol": "BTC", "quote": "USD"},
            "ohlcv": {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 13},
            "orderbook": {"symbol": "BTC", "quote": "USD", "depth": 5},
        },
        errors=[fixture_bytes("error_invalid_symbol_docs.json"), fixture_bytes("error_451_restricted_location.json")],
    )
    # the examples are refused: high -1, a 1970 candle, crossed or repeated levels...
    assert all(counts.get("invalid", 0) > 50 for counts in tally.values()), tally
    assert tally["ohlcv"].get("ok", 0) > 0, tally  # ...and harmless changes still serve a value


async def test_a_seven_day_kline_is_not_a_daily_candle(fixture_bytes):
    """klines_docs.json's row is 7 days wide: a plausible 1w answer, an impossible 1d one."""
    body = fixture_bytes("klines_docs.json")
    params = {"symbol": "BTC", "quote": "USD", "limit": 1}
    await check_mutations(
        coinrelay_binance, "binance", bodies={"ohlcv": body}, params={"ohlcv": {**params, "interval": "1w"}}, limit=0
    )
    with pytest.raises(AssertionError, match=r"the real body is refused.*604799\.999s wide, not one 1d candle"):
        await check_mutations(
            coinrelay_binance, "binance", bodies={"ohlcv": body}, params={"ohlcv": {**params, "interval": "1d"}}
        )
