"""Offline parsing of CoinPaprika bodies (tests/fixtures; sources and constructed bodies in fixtures/SOURCES.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from coinrelay.plugin import InvalidResponse, NotSupported, Source
from coinrelay_coinpaprika import _parse

FIXTURES = Path(__file__).parent / "fixtures"
SRC = Source(provider="coinpaprika", endpoint="https://api.coinpaprika.com/v1")
PAIR = {"symbol": "BTC", "quote": "USD", "requested_quote": None, "source": SRC}


def load(name: str) -> object:
    """A fixture body decoded as ``Response.json`` does it (JSON floats as Decimal)."""
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


def test_price_from_recorded_ticker() -> None:
    p = _parse.price(load("tickers_btc_bitcoin_recorded_2022.json"), **PAIR)
    assert p.price == Decimal("41389.57931641128")  # exact digits
    assert p.timestamp == datetime(2022, 4, 19, 15, 43, 22, tzinfo=UTC)
    assert (p.symbol, p.quote, p.source.provider) == ("BTC", "USD", "coinpaprika")


def test_volume_from_recorded_ticker() -> None:
    v = _parse.volume(load("tickers_btc_bitcoin_recorded_2022.json"), **PAIR)
    assert v.quote_volume == Decimal("35357658696.99645")
    assert v.price_change_pct == Decimal("5.25")
    assert v.volume_change_pct == Decimal("15.07")
    assert v.base_volume is None


def test_ticker_without_the_quote_is_not_supported() -> None:
    with pytest.raises(NotSupported, match="no EUR quote \\(has USD\\)"):
        _parse.price(load("tickers_btc_bitcoin_recorded_2022.json"), **{**PAIR, "quote": "EUR"})


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"id": "btc-bitcoin"}, "'quotes'"),
        ({"quotes": {"USD": {"price": None}}}, r"quotes\.USD\.price"),
        ({"quotes": {"USD": {"price": "n/a"}}}, r"quotes\.USD\.price"),
        ({"quotes": {"USD": []}}, r"quotes\.USD"),
        ({"quotes": {"USD": {"price": 1}}, "last_updated": "yesterday"}, "last_updated"),
        ([], "expected an object"),
    ],
)
def test_bad_ticker_bodies(body: object, match: str) -> None:
    with pytest.raises(InvalidResponse, match=match):
        _parse.price(body, **PAIR)


def test_volume_needs_volume() -> None:
    with pytest.raises(InvalidResponse, match=r"quotes\.USD\.volume_24h"):
        _parse.volume({"quotes": {"USD": {"price": 1}}}, **PAIR)


def test_ohlcv_today_recorded() -> None:
    o = _parse.ohlcv_today(load("ohlcv_today_recorded_2025.json"), limit=5, **PAIR)
    (c,) = o.candles
    assert o.interval == "1d"
    assert c.open_time == datetime(2025, 9, 25, tzinfo=UTC)
    assert c.close_time == datetime(2025, 9, 25, 16, 42, tzinfo=UTC)  # running day: last update
    assert (c.open, c.close) == (Decimal("113382.56713057646"), Decimal("111180.83800107271"))
    assert (c.high, c.low) == (Decimal("113543.50894005143"), Decimal("110843.23872354606"))
    assert c.quote_volume == Decimal(49855640052) and c.volume is None


def test_ohlcv_same_shape_as_historical_docs() -> None:
    o = _parse.ohlcv_today(load("ohlcv_historical_docs.json"), limit=1, **PAIR)
    assert o.candles[0].close == Decimal("872.2")


@pytest.mark.parametrize(
    "body",
    [
        {"a": 1},
        [1],
        [{"time_open": "2025-09-25T00:00:00Z"}],
        [{"time_open": "x", "time_close": "2025-09-25T16:42:00Z", "open": 1, "high": 1, "low": 1, "close": 1}],
    ],
)
def test_bad_ohlcv_bodies(body: object) -> None:
    with pytest.raises(InvalidResponse):
        _parse.ohlcv_today(body, limit=1, **PAIR)


def test_empty_ohlcv_is_not_supported() -> None:
    with pytest.raises(NotSupported, match="today yet"):
        _parse.ohlcv_today([], limit=1, **PAIR)


def test_metadata_from_constructed_coin_and_recorded_ticker() -> None:
    m = _parse.metadata(
        load("coins_btc_bitcoin_constructed.json"),
        load("tickers_btc_bitcoin_recorded_2022.json"),
        symbol="BTC",
        source=SRC,
    )
    assert (m.name, m.provider_id, m.rank) == ("Bitcoin", "btc-bitcoin", 1)
    assert m.circulating_supply == Decimal(19016044) and m.total_supply == Decimal(19016031)
    assert m.max_supply == Decimal(21000000)
    assert (m.market_cap, m.quote) == (Decimal(787066061422), "USD")
    assert m.description == "Bitcoin is a cryptocurrency and worldwide payment system."
    assert m.links["website"] == ["https://bitcoin.org/"]
    assert m.links["source_code"] == ["https://github.com/bitcoin/bitcoin"]
    assert "youtube" not in m.links  # empty list dropped
    assert m.links["whitepaper"] == ["https://static.coinpaprika.com/storage/cdn/whitepapers/215.pdf"]
    assert m.extra["tags"] == ["Cryptocurrency", "Proof Of Work"]
    assert m.extra["proof_type"] == "Proof of Work" and m.extra["open_source"] is True


def test_metadata_zero_max_supply_is_none_and_bad_shapes_raise() -> None:
    ticker = {"id": "eth-ethereum", "rank": 2, "max_supply": 0, "quotes": {"USD": {"market_cap": None}}}
    m = _parse.metadata({"id": "eth-ethereum", "name": "Ethereum"}, ticker, symbol="ETH", source=SRC)
    assert (m.max_supply, m.market_cap, m.quote, m.rank) == (None, None, None, 2)
    with pytest.raises(InvalidResponse, match="'name'"):
        _parse.metadata({"id": "eth-ethereum"}, ticker, symbol="ETH", source=SRC)
    with pytest.raises(InvalidResponse, match="circulating_supply"):
        _parse.metadata(
            {"id": "e", "name": "E"}, {**ticker, "id": "e", "circulating_supply": "many"}, symbol="E", source=SRC
        )
    with pytest.raises(InvalidResponse, match="'quotes'"):
        _parse.metadata({"id": "e", "name": "E"}, {"id": "e", "rank": 2}, symbol="E", source=SRC)
    with pytest.raises(InvalidResponse, match="answer is about coin 'eth-ethereum', asked for 'e'"):
        _parse.metadata({"id": "e", "name": "E"}, ticker, symbol="E", source=SRC)


def test_symbol_index_prefers_active_ranked_coins() -> None:
    index = _parse.symbol_index(load("coins_list_constructed.json"), "coinpaprika")
    assert index["BTC"] == "btc-bitcoin"
    assert index["LTC"] == "ltc-litecoin"  # not the rank-0 token, the inactive coin, or the worse rank
    assert "ZZZ" not in index  # rank 0 only
    with pytest.raises(InvalidResponse, match="expected an array"):
        _parse.symbol_index({"coins": []}, "coinpaprika")
    with pytest.raises(InvalidResponse, match=r"\[0\]\.rank"):
        _parse.symbol_index([{"id": "x", "symbol": "X", "rank": "one", "is_active": True}], "coinpaprika")
