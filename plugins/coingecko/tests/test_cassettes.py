"""One test per category, replaying vcrpy cassettes of CoinGecko's real URLs (tests/cassettes/test_cassettes).

The harness uses real HTTP (``transport=None``) so vcrpy's httpx patch answers from the cassette;
``--record-mode=none`` and ``--block-network`` make any request not in a cassette fail. Each cassette's
header comment names the shared body it was built from. To re-record, see README.md: the plan and key
come from ``COINGECKO_PLAN`` / ``COINGECKO_API_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr

import coinrelay_coingecko as plugin
from coinrelay.plugin import OHLCV, Metadata, NotSupported, Price, RateLimited, Volume
from coinrelay.testing import ProviderHarness

CASSETTES = Path(__file__).parent / "cassettes"
BASE = "https://api.coingecko.com/api/v3"


def _settings() -> dict[str, Any]:
    settings: dict[str, Any] = {"plan": os.environ.get("COINGECKO_PLAN", "public")}
    if os.environ.get("COINGECKO_API_KEY"):
        settings["api_key"] = os.environ["COINGECKO_API_KEY"]
    return settings


@pytest.fixture
async def harness() -> AsyncIterator[ProviderHarness]:
    async with ProviderHarness(plugin, "coingecko", provider_settings=_settings()) as h:
        yield h


@pytest.mark.vcr
async def test_price(harness: ProviderHarness) -> None:
    p = await harness.call("price", symbol="BTC", quote="USD")
    assert isinstance(p, Price)
    assert p.price == Decimal("67187.3358936566")
    assert p.timestamp == datetime(2024, 3, 25, 8, 45, tzinfo=UTC)
    assert (p.symbol, p.quote, p.source.provider, p.source.endpoint) == ("BTC", "USD", "coingecko", BASE)


@pytest.mark.vcr
async def test_volume(harness: ProviderHarness) -> None:
    v = await harness.call("volume", symbol="BTC", quote="USD")
    assert isinstance(v, Volume)
    assert v.quote_volume == Decimal("31260929299.5248")
    assert v.price_change_pct == Decimal("3.63727894677354")


@pytest.mark.vcr
async def test_ohlcv(harness: ProviderHarness) -> None:
    o = await harness.call("ohlcv", symbol="BTC", quote="USD", interval="4h", limit=3)
    assert isinstance(o, OHLCV)
    assert [c.close_time for c in o.candles] == [
        datetime.fromtimestamp(t, UTC) for t in (1709395200, 1709409600, 1709424000)
    ]
    assert o.candles[-1].close == Decimal(62068)


@pytest.mark.vcr
async def test_metadata(harness: ProviderHarness) -> None:
    m = await harness.call("metadata", symbol="BTC")
    assert isinstance(m, Metadata)
    assert (m.name, m.rank, m.market_cap, m.circulating_supply) == (
        "Bitcoin",
        1,
        Decimal(1373546629363),
        Decimal(19675962),
    )


@pytest.mark.vcr
async def test_unknown_coin_is_not_supported() -> None:
    settings = {**_settings(), "symbols": {"XYZ": "no-such-coin-xyz"}}
    async with ProviderHarness(plugin, "coingecko", provider_settings=settings) as h:
        with pytest.raises(NotSupported, match="coin not found"):
            await h.call("ohlcv", symbol="XYZ", quote="USD", interval="4h", limit=3)


@pytest.mark.vcr
async def test_rate_limited(harness: ProviderHarness) -> None:
    with pytest.raises(RateLimited) as info:
        await harness.call("price", symbol="BTC", quote="USD")
    assert info.value.retry_after == 119


def test_cassettes_hold_no_key() -> None:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        text = path.read_text().lower()
        for secret in (
            "x-cg-demo-api-key",
            "x-cg-pro-api-key",
            "x_cg_demo_api_key",
            "x_cg_pro_api_key",
            "authorization",
            "cg-",
        ):
            assert secret not in text, f"{path.name} mentions {secret!r}"
        if os.environ.get("COINGECKO_API_KEY"):
            assert os.environ["COINGECKO_API_KEY"].lower() not in text, f"{path.name} holds the API key"


@pytest.mark.parametrize("plan", ["demo", "pro"])
async def test_vcr_config_filters_the_key(plan: str, tmp_path: Path, vcr_config: dict[str, Any]) -> None:
    """Record a (mock) exchange with this plugin's vcr_config: the key must not reach the file."""
    key = "CG-secret-test-key-123"
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get(f"x-cg-{plan}-api-key", ""))
        return httpx.Response(200, json={"bitcoin": {"usd": 1, "usd_24h_vol": 2, "last_updated_at": 1711356300}})

    recorder = vcr.VCR(record_mode="all", **vcr_config)
    with recorder.use_cassette(str(tmp_path / "rec.yaml")):
        async with ProviderHarness(
            plugin,
            "coingecko",
            transport=httpx.MockTransport(handler),
            provider_settings={"plan": plan, "api_key": key},
        ) as h:
            await h.call("price", symbol="BTC", quote="USD")
    assert seen == [key]  # the key was sent...
    text = (tmp_path / "rec.yaml").read_text()
    assert key not in text  # ...and not written
    assert "pro-api.coingecko.com" in text if plan == "pro" else "//api.coingecko.com" in text
