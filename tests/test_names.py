"""Names, provider ids and tickers -> one ticker (coinrelay._names), ambiguity reported, never guessed."""

from __future__ import annotations

import types

import pytest

from coinrelay import AmbiguousSymbol, InvalidRequest, ProviderInfo, Relay, SyncRelay, UnknownSymbol, hookimpl
from coinrelay._config import ProviderSettings, Settings
from coinrelay._names import ASSETS, CORE_INDEX, NameIndex, key, resolve_symbol


@pytest.mark.parametrize(
    ("text", "ticker", "how"),
    [
        ("BTC", "BTC", "ticker"),
        ("btc", "BTC", "ticker"),
        (" eth ", "ETH", "ticker"),
        ("bitcoin", "BTC", "name"),
        ("Bitcoin", "BTC", "name"),
        ("ether", "ETH", "alias"),
        ("Bitcoin Cash", "BCH", "name"),
        ("bitcoin-cash", "BCH", "name"),
        ("bitcoin_cash", "BCH", "name"),
        ("usd coin", "USDC", "name"),
        ("ripple", "XRP", "alias"),
        ("pepe", "PEPE", "ticker"),
        ("NOTACOIN", "NOTACOIN", "unknown ticker"),  # well-formed: the providers decide
    ],
)
def test_core_table(text: str, ticker: str, how: str) -> None:
    match = CORE_INDEX.lookup(text)
    assert (match.ticker, match.matched_by) == (ticker, how)
    assert resolve_symbol(text) == ticker


@pytest.mark.parametrize(("text", "expected"), [("polygon", ["MATIC", "POL"]), ("Terra", ["LUNA", "LUNC"])])
def test_ambiguous_names_list_the_candidates(text: str, expected: list[str]) -> None:
    with pytest.raises(AmbiguousSymbol) as info:
        resolve_symbol(text, "symbols[3]")
    err = info.value
    assert isinstance(err, InvalidRequest)  # a 422 naming the parameter
    assert err.param == "symbols[3]"
    assert [c.ticker for c in err.candidates] == expected
    assert all(c.ticker in str(err) for c in err.candidates)
    assert "give the ticker" in str(err)


def test_not_a_ticker_and_unknown_suggests_close_names() -> None:
    with pytest.raises(UnknownSymbol) as info:
        resolve_symbol("bitcoin kash")
    assert info.value.suggestions == ["'bitcoin-cash' (BCH)"]
    assert "not a ticker" in str(info.value)
    with pytest.raises(UnknownSymbol) as info:
        resolve_symbol("something else entirely")
    assert info.value.suggestions == []


def test_unknown_ticker_passes_with_suggestions() -> None:
    match = CORE_INDEX.lookup("etherium")
    assert match.ticker == "ETHERIUM"
    assert match.suggestions[0] == "'ethereum' (ETH)"


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_empty_or_not_a_string(bad: object) -> None:
    with pytest.raises(InvalidRequest, match="expected a ticker, a name or a provider id"):
        resolve_symbol(bad)  # type: ignore[arg-type]


def test_key_collapses_case_and_separators() -> None:
    assert key("  Bitcoin  _- Cash ") == "bitcoin-cash"


def test_curated_tickers_are_unique_and_well_formed() -> None:
    tickers = [a.ticker for a in ASSETS]
    assert len(tickers) == len(set(tickers))
    for t in tickers:
        assert resolve_symbol(t) == t


def test_provider_ids_resolve_and_conflicts_are_ambiguous() -> None:
    index = NameIndex(
        provider_ids={
            "coingecko": {"BTC": "bitcoin", "BNB": "binancecoin"},
            "coinpaprika": {"btc": "btc-bitcoin"},
            "other": {"WBTC": "bitcoin"},  # another ticker claims the id "bitcoin"
        }
    )
    assert index.resolve("binancecoin") == "BNB"
    assert index.resolve("BTC-BITCOIN") == "BTC"
    match = index.lookup("btc")
    assert match.ids == {"coingecko": "bitcoin", "coinpaprika": "btc-bitcoin"}
    with pytest.raises(AmbiguousSymbol) as info:
        index.resolve("bitcoin")
    assert [(c.ticker, c.matched_by) for c in info.value.candidates] == [("BTC", "name"), ("WBTC", "id:other")]


def _id_plugin() -> types.ModuleType:
    mod = types.ModuleType("test_ids_plugin")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(
            name="idp", categories=(), endpoints=("http://127.0.0.1:9",), symbol_ids={"DOGE": "doge-coin-id"}
        )

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    return mod


async def test_relay_resolve_reads_plugin_tables_and_config_symbols() -> None:
    settings = Settings(providers={"idp": ProviderSettings(symbols={"PEPE": "pepe-the-frog"})})
    async with Relay(settings, plugins=[("idp", _id_plugin())], load_entry_points=False) as relay:
        assert relay.resolve("doge-coin-id") == "DOGE"  # ProviderInfo.symbol_ids
        assert relay.resolve("pepe-the-frog") == "PEPE"  # config providers.idp.symbols
        assert relay.resolve("dogecoin") == "DOGE"  # the core's names
        assert relay.resolve("ltc") == "LTC"


def test_sync_relay_resolve() -> None:
    with SyncRelay(plugins=[("idp", _id_plugin())], load_entry_points=False) as relay:
        assert relay.resolve("doge-coin-id") == "DOGE"
        with pytest.raises(AmbiguousSymbol):
            relay.resolve("polygon")
