"""Offline parsing of Binance bodies (fixtures/, copied from ../shared/providers/responses/binance/).

Each test names the fixture it reads; fixtures/README.md gives each one's upstream source.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coinrelay.plugin import InvalidResponse, NotFound, Source
from coinrelay.testing import check_invariants
from coinrelay_binance._pairs import Pair
from coinrelay_binance._parse import (
    parse_candle,
    parse_error,
    parse_metadata,
    parse_ohlcv,
    parse_orderbook,
    parse_price,
    parse_volume,
)

SRC = Source(provider="binance", endpoint="https://api.binance.com")
BTCUSDT = Pair(symbol="BTC", base="BTC", quote="USDT", requested_quote="USD")


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


# -- price: ticker/price ---------------------------------------------------------------------


def test_price_testnet_recorded(fixture_json):
    # ticker_price_testnet_recorded.json
    price = parse_price(fixture_json("ticker_price_testnet_recorded.json"), BTCUSDT, SRC)
    assert price.price == Decimal("65861.66000000")
    assert (price.symbol, price.quote, price.requested_quote) == ("BTC", "USDT", "USD")
    assert price.timestamp is None  # ticker/price carries no time
    assert price.source.provider == "binance"


def test_price_docs_non_usd_quote(fixture_json):
    # ticker_price_docs.json (LTCBTC)
    pair = Pair(symbol="LTC", base="LTC", quote="BTC", requested_quote="BTC")
    price = parse_price(fixture_json("ticker_price_docs.json"), pair, SRC)
    assert price.price == Decimal("4.00000200")
    assert str(price.price) == "4.00000200"  # no float round trip: trailing zeros kept
    assert (price.quote, price.requested_quote) == ("BTC", "BTC")


def test_price_for_another_symbol_is_invalid(fixture_json):
    # ticker_price_docs.json answers for LTCBTC, not BTCUSDT: reported as it is, refused by the core
    price = parse_price(fixture_json("ticker_price_docs.json"), BTCUSDT, SRC)
    assert (price.symbol, price.quote) == ("LTCBTC", "USDT")
    problem = check_invariants("price", {"symbol": "BTC", "quote": "USD"}, price)
    assert problem == "answer is about symbol 'LTCBTC', asked for 'BTC'"


@pytest.mark.parametrize(
    ("market", "identity", "problem"),
    [
        ("ETHUSDT", ("ETH", "USDT"), "symbol 'ETH'"),
        ("BTCEUR", ("BTC", "EUR"), "quote 'EUR', not equivalent to 'USD'"),
        ("BTCUSDC", ("BTC", "USDC"), None),  # an equivalent quote: a true BTC/USD-ish price
    ],
)
def test_price_reports_the_market_the_body_names(market, identity, problem):
    price = parse_price({"symbol": market, "price": "1.5"}, BTCUSDT, SRC)
    assert (price.symbol, price.quote, price.requested_quote) == (*identity, "USD")
    found = check_invariants("price", {"symbol": "BTC", "quote": "USD"}, price)
    assert found is None if problem is None else problem in (found or "")


def test_price_list_form_is_invalid(fixture_json):
    # ticker_price_list_docs.json: the array form (no symbol=) is not what fetch_price asks for
    with pytest.raises(InvalidResponse, match="expected a JSON object, got list"):
        parse_price(fixture_json("ticker_price_list_docs.json"), BTCUSDT, SRC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"symbol": "BTCUSDT"}, "price.*null"),
        ({"symbol": "BTCUSDT", "price": "abc"}, "not a number"),
        ({"symbol": "BTCUSDT", "price": "NaN"}, "not a finite number"),
        ({"symbol": "BTCUSDT", "price": True}, "boolean"),
        ({"price": "1.0"}, "missing field 'ticker/price.symbol'"),
        ({"symbol": 1, "price": "1.0"}, "symbol' is int"),
    ],
)
def test_price_wrong_shapes(body, message):
    with pytest.raises(InvalidResponse, match=message):
        parse_price(body, BTCUSDT, SRC)


# -- volume: ticker/24hr -----------------------------------------------------------------------


def test_volume_testnet_recorded(fixture_json):
    # ticker_24hr_testnet_recorded.json
    vol = parse_volume(fixture_json("ticker_24hr_testnet_recorded.json"), BTCUSDT, SRC)
    assert vol.base_volume == Decimal("980.74245000")
    assert vol.quote_volume == Decimal("63525213.28250340")
    assert vol.price_change_pct == Decimal("2.496")
    assert vol.timestamp == ms(1781506407406)
    assert vol.volume_change_pct is None


def test_volume_docs(fixture_json):
    # ticker_24hr_full_docs.json (BNBBTC)
    pair = Pair(symbol="BNB", base="BNB", quote="BTC", requested_quote="BTC")
    vol = parse_volume(fixture_json("ticker_24hr_full_docs.json"), pair, SRC)
    assert (vol.base_volume, vol.quote_volume) == (Decimal("8913.30000000"), Decimal("15.30000000"))
    assert vol.price_change_pct == Decimal("-95.960")
    assert vol.timestamp == ms(1499869899040)


def test_volume_mini_lacks_change_and_is_invalid(fixture_json):
    # ticker_24hr_mini_docs.json has no priceChangePercent: never guessed, reported
    pair = Pair(symbol="BNB", base="BNB", quote="BTC", requested_quote="BTC")
    with pytest.raises(InvalidResponse, match="priceChangePercent"):
        parse_volume(fixture_json("ticker_24hr_mini_docs.json"), pair, SRC)


def test_volume_list_form_is_invalid(fixture_json):
    # ticker_24hr_full_list_docs.json
    with pytest.raises(InvalidResponse, match="got list"):
        parse_volume(fixture_json("ticker_24hr_full_list_docs.json"), BTCUSDT, SRC)


def test_volume_bad_close_time(fixture_json):
    body = fixture_json("ticker_24hr_testnet_recorded.json")
    body["closeTime"] = "yesterday"
    with pytest.raises(InvalidResponse, match="closeTime"):
        parse_volume(body, BTCUSDT, SRC)


# -- ohlcv: klines -------------------------------------------------------------------------------


def test_klines_testnet_recorded(fixture_json):
    # klines_1d_testnet_recorded.json (13 daily rows, oldest first)
    rows = fixture_json("klines_1d_testnet_recorded.json")
    ohlcv = parse_ohlcv(rows, BTCUSDT, "1d", 1000, SRC)
    assert len(ohlcv.candles) == len(rows) == 13
    first = ohlcv.candles[0]
    assert first.open_time == ms(1780444800000)
    assert first.close_time == ms(1780531199999)
    assert (first.open, first.high, first.low, first.close) == (
        Decimal("67101.71000000"),
        Decimal("76707.80000000"),
        Decimal("802.04000000"),
        Decimal("64463.60000000"),
    )
    assert first.volume == Decimal("677.36109000")
    assert first.quote_volume == Decimal("9647588.51567520")
    assert (ohlcv.interval, ohlcv.quote, ohlcv.requested_quote) == ("1d", "USDT", "USD")
    times = [c.open_time for c in ohlcv.candles]
    assert times == sorted(times)


def test_klines_keeps_the_newest_limit(fixture_json):
    rows = fixture_json("klines_1d_testnet_recorded.json")
    ohlcv = parse_ohlcv(rows, BTCUSDT, "1d", 3, SRC)
    assert [c.open_time for c in ohlcv.candles] == [ms(r[0]) for r in rows[-3:]]


def test_klines_docs(fixture_json):
    # klines_docs.json
    ohlcv = parse_ohlcv(fixture_json("klines_docs.json"), BTCUSDT, "1w", 10, SRC)
    (c,) = ohlcv.candles
    assert c.open_time == ms(1499040000000)
    assert c.close == Decimal("0.01577100")
    assert c.close_time == ms(1499644799999)


def test_klines_empty_array_gives_no_candles():
    assert parse_ohlcv([], BTCUSDT, "1d", 5, SRC).candles == []


def test_klines_short_row_is_invalid(fixture_json):
    rows = fixture_json("klines_1d_testnet_recorded.json")
    rows[4] = rows[4][:6]
    with pytest.raises(InvalidResponse, match=r"klines\[4\]: expected a 12-element array, got 6"):
        parse_ohlcv(rows, BTCUSDT, "1d", 100, SRC)


def test_klines_out_of_order_is_invalid(fixture_json):
    rows = fixture_json("klines_1d_testnet_recorded.json")
    rows[2], rows[3] = rows[3], rows[2]
    with pytest.raises(InvalidResponse, match=r"klines\[3\]: openTime"):
        parse_ohlcv(rows, BTCUSDT, "1d", 100, SRC)


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [(0, "soon", "openTime"), (2, "high!", "high"), (4, None, "close"), (6, -5, "closeTime")],
)
def test_kline_bad_cells(fixture_json, index, value, message):
    row = fixture_json("klines_docs.json")[0]
    row[index] = value
    with pytest.raises(InvalidResponse, match=message):
        parse_candle(row, 0)


def test_klines_object_is_invalid():
    with pytest.raises(InvalidResponse, match="expected a JSON array, got dict"):
        parse_ohlcv({"code": -1120, "msg": "Invalid interval."}, BTCUSDT, "1d", 5, SRC)


# -- orderbook: depth ----------------------------------------------------------------------------


def test_depth_docs(fixture_json):
    # depth_docs.json
    pair = Pair(symbol="BNB", base="BNB", quote="BTC", requested_quote="BTC")
    book = parse_orderbook(fixture_json("depth_docs.json"), pair, 5, SRC)
    assert book.last_update_id == 1027024
    assert [(lv.price, lv.quantity) for lv in book.bids] == [(Decimal("4.00000000"), Decimal("431.00000000"))]
    assert [(lv.price, lv.quantity) for lv in book.asks] == [(Decimal("4.00000200"), Decimal("12.00000000"))]
    assert book.timestamp is None


def test_depth_sorted_and_trimmed(fixture_json):
    # depth_docs.json widened with extra levels, shuffled
    body = fixture_json("depth_docs.json")
    body["bids"] += [["3.9", "1"], ["3.99", "2"], ["3.5", "3"]]
    body["asks"] = [["4.5", "1"], *body["asks"], ["4.1", "2"], ["4.01", "3"]]
    book = parse_orderbook(body, BTCUSDT, 3, SRC)
    assert [lv.price for lv in book.bids] == [Decimal("4.00000000"), Decimal("3.99"), Decimal("3.9")]
    assert [lv.price for lv in book.asks] == [Decimal("4.00000200"), Decimal("4.01"), Decimal("4.1")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lastUpdateId": "x"}, "lastUpdateId"),
        ({"bids": None}, "bids"),
        ({"asks": [["4.0"]]}, r"asks\[0\]: expected \[price, quantity\]"),
        ({"asks": [["4.0", "lots"]]}, r"asks\[0\]\[1\] qty"),
    ],
)
def test_depth_wrong_shapes(fixture_json, change, message):
    body = fixture_json("depth_docs.json")
    body.update(change)
    with pytest.raises(InvalidResponse, match=message):
        parse_orderbook(body, BTCUSDT, 5, SRC)


# -- metadata: exchangeInfo ----------------------------------------------------------------------


def test_metadata_from_exchange_info(exchange_info_body):
    # exchangeinfo_symbols_element_btcusdt_testnet_recorded.json inside an assembled exchangeInfo body
    body = json.loads(json.dumps(exchange_info_body))
    meta = parse_metadata(body, BTCUSDT, SRC)
    assert (meta.symbol, meta.provider_id) == ("BTC", "BTCUSDT")
    extra = meta.extra
    assert extra["pair"] == "BTCUSDT"
    assert (extra["base_asset"], extra["quote_asset"], extra["status"]) == ("BTC", "USDT", "TRADING")
    assert (extra["base_asset_precision"], extra["quote_asset_precision"]) == (8, 8)
    assert extra["filters"]["PRICE_FILTER"] == {
        "minPrice": "0.01000000",
        "maxPrice": "1000000.00000000",
        "tickSize": "0.01000000",
    }
    assert extra["filters"]["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert extra["filters"]["MAX_NUM_ORDERS"] == {"maxNumOrders": 200}
    assert "MARKET" in extra["order_types"]
    assert extra["permission_sets"] == [["SPOT"]]
    json.dumps(meta.model_dump(mode="json"))  # JSON-compatible throughout


def test_metadata_float_filter_values_become_exact_strings(exchange_info_body, fixture_json):
    body = json.loads(json.dumps(exchange_info_body), parse_float=Decimal)
    body["symbols"][0]["filters"].append({"filterType": "X_TEST", "ratio": Decimal("0.10")})
    meta = parse_metadata(body, BTCUSDT, SRC)
    assert meta.extra["filters"]["X_TEST"] == {"ratio": "0.10"}


def test_metadata_without_the_pair_is_not_found(exchange_info_body):
    pair = Pair(symbol="ETH", base="ETH", quote="USDT", requested_quote="USD")
    with pytest.raises(NotFound, match=r"exchangeInfo\.symbols has no 'ETHUSDT'"):
        parse_metadata(exchange_info_body, pair, SRC)


def test_metadata_assets_must_make_the_pair(exchange_info_body):
    exchange_info_body["symbols"][0]["quoteAsset"] = "USDC"
    with pytest.raises(InvalidResponse, match="is not 'BTCUSDT'"):
        parse_metadata(exchange_info_body, BTCUSDT, SRC)


def test_metadata_bad_filters(exchange_info_body):
    exchange_info_body["symbols"][0]["filters"] = [{"minPrice": "1"}]
    with pytest.raises(InvalidResponse, match="filterType"):
        parse_metadata(exchange_info_body, BTCUSDT, SRC)


# -- error bodies ----------------------------------------------------------------------------------


def test_error_bodies(fixture_json):
    # error_invalid_symbol_docs.json, error_451_restricted_location.json
    assert parse_error(fixture_json("error_invalid_symbol_docs.json")) == (-1121, "Invalid symbol.")
    code, msg = parse_error(fixture_json("error_451_restricted_location.json"))
    assert code == 0
    assert msg.startswith("Service unavailable from a restricted location")


@pytest.mark.parametrize("body", [None, [], {}, {"code": "-1121", "msg": "x"}, {"code": True, "msg": "x"}, {"code": 1}])
def test_not_error_bodies(body):
    assert parse_error(body) is None
