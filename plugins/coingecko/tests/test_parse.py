"""Offline parsing of CoinGecko bodies (tests/fixtures, copied from ../shared/providers/responses/coingecko)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from coinrelay.plugin import InvalidResponse, NotFound, NotSupported, Source
from coinrelay_coingecko import _parse

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> object:
    """A fixture body decoded as ``Response.json`` does it (JSON floats as Decimal)."""
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


SRC = Source(provider="coingecko", endpoint="https://api.coingecko.com/api/v3")
PAIR = {"symbol": "BTC", "quote": "USD", "requested_quote": None, "source": SRC}


def test_price_from_docs_body() -> None:
    p = _parse.price(load("simple_price_docs.json"), coin_id="bitcoin", vs="usd", **PAIR)
    assert p.price == Decimal("67187.3358936566")  # exact digits, no float round-trip
    assert p.timestamp == datetime.fromtimestamp(1711356300, UTC)
    assert (p.symbol, p.quote, p.source.provider) == ("BTC", "USD", "coingecko")


def test_volume_from_docs_body() -> None:
    v = _parse.volume(load("simple_price_docs.json"), coin_id="bitcoin", vs="usd", **PAIR)
    assert v.quote_volume == Decimal("31260929299.5248")
    assert v.price_change_pct == Decimal("3.63727894677354")
    assert v.base_volume is None
    assert v.timestamp == datetime(2024, 3, 25, 8, 45, tzinfo=UTC)


def test_simple_price_empty_body_is_unknown_coin() -> None:
    with pytest.raises(NotSupported, match="knows no coin 'nosuchcoin'"):
        _parse.price({}, coin_id="nosuchcoin", vs="usd", **PAIR)


def test_simple_price_empty_coin_object_is_unsupported_quote() -> None:
    with pytest.raises(NotSupported, match="no 'xyz' quote"):
        _parse.price({"bitcoin": {}}, coin_id="bitcoin", vs="xyz", **PAIR)


def test_simple_price_other_coin_is_not_found_and_null_price_is_invalid() -> None:
    with pytest.raises(NotFound, match="knows no coin 'bitcoin'"):  # well-formed, without the coin asked
        _parse.price({"ethereum": {"usd": 1}}, coin_id="bitcoin", vs="usd", **PAIR)
    with pytest.raises(InvalidResponse, match=r"bitcoin\.usd"):
        _parse.price({"bitcoin": {"usd": None}}, coin_id="bitcoin", vs="usd", **PAIR)
    with pytest.raises(InvalidResponse, match=r"missing field 'bitcoin\.usd_24h_vol'"):
        _parse.volume({"bitcoin": {"usd": 1}}, coin_id="bitcoin", vs="usd", **PAIR)


def test_ohlc_timestamps_are_close_times() -> None:
    o = _parse.ohlcv(load("coins_id_ohlc_docs.json"), interval="4h", limit=10, **PAIR)
    assert [c.close for c in o.candles] == [Decimal(61845), Decimal(62139), Decimal(62068)]
    first = o.candles[0]
    assert first.close_time == datetime.fromtimestamp(1709395200, UTC)
    assert first.open_time == first.close_time - timedelta(hours=4)
    assert (first.open, first.high, first.low) == (Decimal(61942), Decimal(62211), Decimal(61721))
    assert first.volume is None and o.interval == "4h"


def test_ohlc_keeps_newest_limit() -> None:
    o = _parse.ohlcv(load("coins_id_ohlc_docs.json"), interval="4h", limit=2, **PAIR)
    assert [c.close for c in o.candles] == [Decimal(62139), Decimal(62068)]


def test_ohlc_wrong_granularity_is_invalid() -> None:
    # The docs body holds 4-hour candles: read as 30m candles it must be refused, not mislabelled.
    with pytest.raises(InvalidResponse, match="14400s apart, expected 30m"):
        _parse.ohlcv(load("coins_id_ohlc_docs.json"), interval="30m", limit=10, **PAIR)


@pytest.mark.parametrize(
    "body",
    [
        [[1709395200000, 1, 2, 3]],
        [[1709395200000, 1, 2, 3, None]],
        [["x", 1, 2, 3, 4]],
        {"a": 1},
        [[1709409600000, 1, 1, 1, 1], [1709395200000, 1, 1, 1, 1]],
    ],
)
def test_ohlc_bad_rows(body: object) -> None:
    with pytest.raises(InvalidResponse):
        _parse.ohlcv(body, interval="4h", limit=10, **PAIR)


@pytest.mark.parametrize(
    ("interval", "limit", "days"),
    [
        ("30m", 1, 1),
        ("30m", 48, 1),
        ("30m", 100, 1),
        ("4h", 42, 7),
        ("4h", 43, 14),
        ("4h", 1000, 30),
        ("1d", 5, None),
        ("1h", 5, None),
    ],
)
def test_ohlc_days(interval: str, limit: int, days: int | None) -> None:
    assert _parse.ohlc_days(interval, limit) == days


def test_metadata_from_docs_body() -> None:
    m = _parse.metadata(load("coins_id_docs.json"), symbol="BTC", source=SRC)
    assert (m.name, m.provider_id, m.rank) == ("Bitcoin", "bitcoin", 1)
    assert m.circulating_supply == Decimal(19675962)
    assert m.max_supply == Decimal(21000000) and m.total_supply == Decimal(21000000)
    assert m.market_cap == Decimal(1373546629363) and m.quote == "USD"
    assert m.description and m.description.startswith("Bitcoin is the first successful internet money")
    assert m.links["website"] == ["http://www.bitcoin.org"]  # the two empty strings dropped
    assert m.links["whitepaper"] == ["https://bitcoin.org/bitcoin.pdf"]
    assert m.links["source_code"] == ["https://github.com/bitcoin/bitcoin", "https://github.com/bitcoin/bips"]
    assert m.links["reddit"] == ["https://www.reddit.com/r/Bitcoin/"]
    assert "chat" not in m.links  # [""] only
    assert m.extra["hashing_algorithm"] == "SHA-256" and "Cryptocurrency" in m.extra["categories"]
    assert m.extra["last_updated"] == "2024-04-07T15:24:51.021000+00:00"


def test_metadata_about_another_coin_is_invalid() -> None:
    body = load("coins_id_docs.json")
    assert _parse.metadata(body, symbol="BTC", source=SRC, coin_id="bitcoin").provider_id == "bitcoin"
    body["id"] = "ethereum"
    with pytest.raises(InvalidResponse, match="answer is about coin 'ethereum', asked for 'bitcoin'"):
        _parse.metadata(body, symbol="BTC", source=SRC, coin_id="bitcoin")


def test_metadata_without_market_data_or_with_bad_types() -> None:
    m = _parse.metadata({"id": "x", "name": "X", "market_cap_rank": None}, symbol="X", source=SRC)
    assert (m.rank, m.market_cap, m.quote, m.links) == (None, None, None, {})
    with pytest.raises(InvalidResponse, match="'name'"):
        _parse.metadata({"id": "x"}, symbol="X", source=SRC)
    with pytest.raises(InvalidResponse, match=r"market_data\.market_cap\.usd"):
        _parse.metadata(
            {"id": "x", "name": "X", "market_data": {"market_cap": {"usd": "lots"}}}, symbol="X", source=SRC
        )
    with pytest.raises(InvalidResponse, match="market_cap_rank"):
        _parse.metadata({"id": "x", "name": "X", "market_cap_rank": "first"}, symbol="X", source=SRC)


def test_search_picks_exact_symbol_with_best_rank() -> None:
    body = load("search_docs.json")
    assert _parse.pick_search_coin(body, "ETH", "coingecko") == "ethereum"
    assert _parse.pick_search_coin(body, "ETC", "coingecko") == "ethereum-classic"
    assert _parse.pick_search_coin(body, "GENKAI", "coingecko") is None  # an NFT, not a coin
    assert _parse.pick_search_coin(body, "ET", "coingecko") is None  # no prefix matches


def test_search_never_picks_unranked_and_prefers_lowest_rank() -> None:
    # Shaped like search_docs.json's "coins" entries; symbols collide.
    coins = [
        {"id": "fake-btc", "symbol": "BTC", "market_cap_rank": None},
        {"id": "wrapped-thing", "symbol": "BTC", "market_cap_rank": 900},
        {"id": "bitcoin", "symbol": "BTC", "market_cap_rank": 1},
        {"id": "bitcoin-bep2", "symbol": "btc", "market_cap_rank": 2000},
    ]
    assert _parse.pick_search_coin({"coins": coins}, "BTC", "coingecko") == "bitcoin"
    assert _parse.pick_search_coin({"coins": coins[:1]}, "BTC", "coingecko") is None
    with pytest.raises(InvalidResponse, match="coins"):
        _parse.pick_search_coin({"exchanges": []}, "BTC", "coingecko")
    with pytest.raises(InvalidResponse, match=r"coins\[0\]"):
        _parse.pick_search_coin({"coins": ["BTC"]}, "BTC", "coingecko")
