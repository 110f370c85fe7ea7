"""The shipped default chain for price, with the real plugins against loopback servers.

Each upstream speaks its provider's format with a real body (tests/fixtures/bodies/README.md):
binance → coincap → coingecko, each taken down in turn.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from coinrelay import AllProvidersFailed, Relay
from coinrelay._config import load_settings
from coinrelay.testing import FakeUpstream, Reply

BODIES = Path(__file__).parent / "fixtures" / "bodies"


def body(name: str) -> object:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def upstreams(upstream_factory) -> dict[str, FakeUpstream]:
    binance, coincap, coingecko = upstream_factory(), upstream_factory(), upstream_factory()
    binance.route("/api/v3/ticker/price", Reply.json(body("binance_ticker_price.json")))
    coincap.route("/v3/assets/bitcoin", Reply.json(body("coincap_v3_asset_bitcoin.json")))
    coingecko.route("/api/v3/simple/price", Reply.json(body("coingecko_simple_price.json")))
    return {"binance": binance, "coincap": coincap, "coingecko": coingecko}


@pytest.fixture
def relay(upstreams: dict[str, FakeUpstream], tmp_path: Path, monkeypatch) -> Relay:
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    config = tmp_path / "coinrelay.toml"
    config.write_text(f"""
[cache]
enabled = false

[providers.binance]
endpoints = ["{upstreams["binance"].url}"]

[providers.coincap]
endpoints = ["{upstreams["coincap"].url}/v3"]
api_key = "test-key"

[providers.coingecko]
endpoints = ["{upstreams["coingecko"].url}/api/v3"]
""")
    return Relay(load_settings(config))


async def test_price_walks_binance_coincap_coingecko(relay: Relay, upstreams: dict[str, FakeUpstream]) -> None:
    async with relay:
        assert relay.chains()["price"] == [["binance"], ["coincap"], ["coingecko"], ["render"]]

        price = await relay.price("BTC", "USD")
        assert (price.source.provider, price.price, price.quote) == ("binance", Decimal("65861.66000000"), "USDT")
        assert upstreams["binance"].requests[-1].query["symbol"] == "BTCUSDT"

        upstreams["binance"].down()
        price = await relay.price("BTC", "USD")
        assert (price.source.provider, price.price) == ("coincap", Decimal("119753.3173109070855685"))
        assert [a.provider for a in price.source.attempts] == ["binance", "coincap"]
        assert upstreams["coincap"].requests[-1].headers["authorization"] == "Bearer test-key"

        upstreams["coincap"].down()
        price = await relay.price("BTC", "USD")
        assert (price.source.provider, price.price) == ("coingecko", Decimal("67187.3358936566"))
        assert [a.provider for a in price.source.attempts] == ["binance", "coincap", "coingecko"]

        upstreams["coingecko"].down()
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price("BTC", "USD")
        outcomes = {a.provider: a.outcome for a in info.value.attempts}
        assert outcomes == {"binance": "failed", "coincap": "failed", "coingecko": "failed", "render": "skipped"}
        assert "not configured" in (info.value.attempts[-1].error or "")
        assert "test-key" not in str(info.value)


async def test_seven_providers_and_technical_are_discovered(relay: Relay) -> None:
    async with relay:
        plugins = {p["name"]: p for p in relay.plugins()}
    for name in ("binance", "coingecko", "coincap", "cryptocompare", "coinpaprika", "alternativeme", "render"):
        assert plugins[name]["status"] == "loaded", plugins.get(name)
        assert plugins[name]["distribution"] == f"coinrelay-{name}"
    assert plugins["technical"]["status"] == "loaded"
    assert plugins["technical"]["categories"] == ["technical"]
