"""``exchanges`` and ``social`` with the real plugins against loopback servers speaking each
provider's format (bodies: tests/fixtures/bodies/README.md), and in the sandbox through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coinrelay import AllProvidersFailed, Exchanges, Relay, Social
from coinrelay._config import load_settings
from coinrelay.cli import cli
from coinrelay.testing import FakeUpstream, Reply

BODIES = Path(__file__).parent / "fixtures" / "bodies"


def raw(name: str) -> bytes:
    return (BODIES / name).read_bytes()


@pytest.fixture
def ups(upstream_factory) -> dict[str, FakeUpstream]:
    gecko, paprika, cc = upstream_factory(), upstream_factory(), upstream_factory()
    gecko.route("/api/v3/exchanges", Reply.raw(raw("coingecko_exchanges_constructed.json")))
    gecko.route("/api/v3/coins/bitcoin", Reply.raw(raw("coingecko_coins_id_docs.json")))
    paprika.route("/v1/exchanges", Reply.raw(raw("coinpaprika_exchanges_constructed.json")))
    cc.route("/data/social/coin/latest", Reply.raw(raw("cryptocompare_social_coin_latest_constructed.json")))
    return {"coingecko": gecko, "coinpaprika": paprika, "cryptocompare": cc}


def relay_for(ups: dict[str, FakeUpstream], tmp_path: Path, monkeypatch, *, cc_key: bool = True) -> Relay:
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    config = tmp_path / "coinrelay.toml"
    key = 'api_key = "test-key"' if cc_key else ""
    config.write_text(f"""
[cache]
enabled = false

[providers.coingecko]
endpoints = ["{ups["coingecko"].url}/api/v3"]

[providers.coinpaprika]
endpoints = ["{ups["coinpaprika"].url}/v1"]

[providers.cryptocompare]
endpoints = ["{ups["cryptocompare"].url}"]
{key}
""")
    return Relay(load_settings(config))


async def test_exchanges_fail_over_from_coingecko_to_coinpaprika(ups, tmp_path, monkeypatch) -> None:
    async with relay_for(ups, tmp_path, monkeypatch) as relay:
        assert relay.chains()["exchanges"] == [["coingecko"], ["coinpaprika"], ["render"]]
        first = await relay.exchanges(limit=3)
        assert isinstance(first, Exchanges)
        assert first.source.provider == "coingecko"
        assert [e.id for e in first.exchanges] == ["binance", "gdax", "kraken"]
        assert ups["coingecko"].requests[-1].query == {"per_page": "3", "page": "1"}

        ups["coingecko"].down()
        second = await relay.exchanges(limit=2)
        assert second.source.provider == "coinpaprika"
        assert [(e.id, e.rank) for e in second.exchanges] == [("binance", 1), ("coinbase", 2)]
        trail = [(a.provider, a.outcome) for a in second.source.attempts]
        assert trail == [("coingecko", "failed"), ("coinpaprika", "ok")]
        assert ups["coinpaprika"].requests[-1].query == {"quotes": "USD,BTC"}

        ups["coinpaprika"].route("/v1/exchanges", Reply.raw(b"<html>maintenance</html>"))
        with pytest.raises(AllProvidersFailed) as info:
            await relay.exchanges()
        assert {a.provider: a.outcome for a in info.value.attempts} == {
            "coingecko": "failed",
            "coinpaprika": "invalid",
            "render": "skipped",
        }


async def test_social_chain_coingecko_then_cryptocompare(ups, tmp_path, monkeypatch) -> None:
    async with relay_for(ups, tmp_path, monkeypatch) as relay:
        assert relay.chains()["social"] == [["coingecko"], ["cryptocompare"], ["render"]]
        s = await relay.social("BTC")
        assert isinstance(s, Social)
        assert (s.source.provider, s.twitter_followers, s.github_stars) == ("coingecko", 6585597, 73168)
        ups["coingecko"].down()
        s = await relay.social("BTC")
        assert (s.source.provider, s.reddit_subscribers) == ("cryptocompare", 6852000)
        req = ups["cryptocompare"].requests[-1]
        assert (req.query, req.headers["authorization"]) == ({"coinId": "1182"}, "Apikey test-key")


async def test_social_without_a_cryptocompare_key_skips_it(ups, tmp_path, monkeypatch) -> None:
    ups["coingecko"].down()
    async with relay_for(ups, tmp_path, monkeypatch, cc_key=False) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.social("BTC")
    outcomes = {a.provider: (a.outcome, a.error or "") for a in info.value.attempts}
    assert outcomes["cryptocompare"][0] == "skipped"
    assert "needs providers.cryptocompare.api_key" in outcomes["cryptocompare"][1]
    assert ups["cryptocompare"].count() == 0  # nothing sent without a key


@pytest.mark.parametrize(
    ("args", "provider"),
    [
        (["exchanges", "--limit", "3"], "coingecko"),
        (["prediction", "BTC", "--horizon", "1d"], "forecast"),
        (["social", "BTC"], "coingecko"),
    ],
)
def test_cli_answers_in_the_sandbox_with_provenance(args: list[str], provider: str, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("COINRELAY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no coinrelay.toml: the shipped defaults
    result = CliRunner().invoke(cli, [*args, "--sandbox", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["source"]["provider"] == provider
    assert data["source"]["sandbox"] is True
    assert data["source"]["attempts"][-1]["outcome"] == "ok"
    table = CliRunner().invoke(cli, [*args, "--sandbox"])
    assert table.exit_code == 0, table.output
    assert f"served by {provider}" in table.output
    assert "(sandbox data)" in table.output
