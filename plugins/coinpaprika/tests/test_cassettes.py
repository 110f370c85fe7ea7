"""One test per category, replaying vcrpy cassettes of CoinPaprika's real URLs (tests/cassettes/test_cassettes).

The harness uses real HTTP (``transport=None``) so vcrpy's httpx patch answers from the cassette;
``--record-mode=none`` and ``--block-network`` make any request not in a cassette fail. Each cassette's
header comment names the body it was built from (the /coins/btc-bitcoin body is a constructed one).
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

import coinrelay_coinpaprika as plugin
from coinrelay.plugin import OHLCV, Metadata, Price, Volume
from coinrelay.testing import ProviderHarness

CASSETTES = Path(__file__).parent / "cassettes"


def _settings() -> dict[str, Any]:
    key = os.environ.get("COINPAPRIKA_API_KEY")
    return {"api_key": key} if key else {}


@pytest.fixture
async def harness() -> AsyncIterator[ProviderHarness]:
    async with ProviderHarness(plugin, "coinpaprika", provider_settings=_settings()) as h:
        yield h


@pytest.mark.vcr
async def test_price(harness: ProviderHarness) -> None:
    p = await harness.call("price", symbol="BTC", quote="USD")
    assert isinstance(p, Price)
    assert p.price == Decimal("41389.57931641128")
    assert p.timestamp == datetime(2022, 4, 19, 15, 43, 22, tzinfo=UTC)
    assert p.source.endpoint == "https://api.coinpaprika.com/v1"


@pytest.mark.vcr
async def test_volume(harness: ProviderHarness) -> None:
    v = await harness.call("volume", symbol="BTC", quote="USD")
    assert isinstance(v, Volume)
    assert (v.quote_volume, v.price_change_pct) == (Decimal("35357658696.99645"), Decimal("5.25"))


@pytest.mark.vcr
async def test_ohlcv(harness: ProviderHarness) -> None:
    o = await harness.call("ohlcv", symbol="BTC", quote="USD", interval="1d", limit=10)
    assert isinstance(o, OHLCV)
    (c,) = o.candles
    assert c.open_time == datetime(2025, 9, 25, tzinfo=UTC) and c.close == Decimal("111180.83800107271")


@pytest.mark.vcr
async def test_metadata(harness: ProviderHarness) -> None:
    m = await harness.call("metadata", symbol="BTC")
    assert isinstance(m, Metadata)
    assert (m.name, m.rank, m.market_cap) == ("Bitcoin", 1, Decimal(787066061422))
    assert m.links["website"] == ["https://bitcoin.org/"]


def test_cassettes_hold_no_key() -> None:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text().lower()
        assert "authorization" not in text, f"{path.name} carries an authorization header"
        key = os.environ.get("COINPAPRIKA_API_KEY")
        if key:
            assert key.lower() not in text, f"{path.name} holds the API key"


async def test_vcr_config_filters_the_key(tmp_path: Path, vcr_config: dict[str, Any]) -> None:
    """Record a (mock) exchange with this plugin's vcr_config: the key must not reach the file."""
    key = "paprika-secret-test-key-123"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"id": "btc-bitcoin", "quotes": {"USD": {"price": 1}}, "last_updated": "2022-04-19T15:43:22Z"}
        )

    recorder = vcr.VCR(record_mode="all", **vcr_config)
    with recorder.use_cassette(str(tmp_path / "rec.yaml")):
        async with ProviderHarness(
            plugin, "coinpaprika", transport=httpx.MockTransport(handler), provider_settings={"api_key": key}
        ) as h:
            await h.call("price", symbol="BTC", quote="USD")
    (req,) = seen
    assert req.headers["authorization"] == key  # sent...
    assert str(req.url) == "https://api-pro.coinpaprika.com/v1/tickers/btc-bitcoin?quotes=USD"
    text = (tmp_path / "rec.yaml").read_text()
    assert key not in text  # ...and not written
