"""Offline parsing of CoinCap bodies (fixtures copied from ../shared, see fixtures/SOURCES.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from coinrelay.plugin import InvalidResponse, NotSupported, Source
from coinrelay_coincap._client import check_body
from coinrelay_coincap._parse import bucket_start, parse_history, parse_metadata, parse_price, parse_volume

SRC = Source(provider="coincap", endpoint="https://rest.coincap.io/v3")
Load = Callable[[str], Any]


def element(load: Load, asset_id: str) -> dict[str, Any]:
    """One asset of the recorded /v2/assets?limit=10 list, in the /assets/{id} envelope."""
    listing = load("v2_assets_limit10_recorded_2021.json")
    data = next(a for a in listing["data"] if a["id"] == asset_id)
    return {"data": data, "timestamp": listing["timestamp"]}


# -- /assets/{id} ------------------------------------------------------------------------


def test_price_v3(load_fixture: Load) -> None:
    result = parse_price(load_fixture("v3_asset_bitcoin_2025.json"), "BTC", "bitcoin", SRC)
    assert result.price == Decimal("119753.3173109070855685")  # all 16 decimals, no float round-trip
    assert result.quote == "USD"
    assert result.timestamp == datetime(2025, 8, 11, 18, 45, 25, 536000, tzinfo=UTC)


def test_price_v2_shape_is_the_same(load_fixture: Load) -> None:
    result = parse_price(load_fixture("v2_asset_bitcoin_recorded_2022.json"), "BTC", "bitcoin", SRC)
    assert result.price == Decimal("46932.8518140582079676")


def test_volume(load_fixture: Load) -> None:
    result = parse_volume(load_fixture("v3_asset_bitcoin_2025.json"), "BTC", "bitcoin", SRC)
    assert result.quote_volume == Decimal("26076222906.8617342709921743")
    assert result.price_change_pct == Decimal("1.0278288570549161")
    assert result.base_volume is None


def test_metadata(load_fixture: Load) -> None:
    result = parse_metadata(load_fixture("v3_asset_bitcoin_2025.json"), "BTC", "bitcoin", SRC)
    assert (result.name, result.rank, result.provider_id) == ("Bitcoin", 1, "bitcoin")
    assert result.circulating_supply == Decimal("19904934.0000000000000000")
    assert result.max_supply == Decimal("21000000.0000000000000000")
    assert result.market_cap == Decimal("2383681877354.6630183733449790")
    assert result.links == {"explorer": ["https://blockchain.info/"]}


def test_metadata_null_max_supply(load_fixture: Load) -> None:
    result = parse_metadata(element(load_fixture, "ethereum"), "ETH", "ethereum", SRC)
    assert result.max_supply is None
    assert result.rank == 2
    assert result.links == {"explorer": ["https://etherscan.io/"]}


def test_slugs_differ_from_tickers(load_fixture: Load) -> None:
    result = parse_price(element(load_fixture, "binance-coin"), "BNB", "binance-coin", SRC)
    assert result.price == Decimal("477.6148568179112637")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(id="ethereum"), "asked for asset 'bitcoin', got 'ethereum'"),
        (lambda d: d.update(priceUsd=None), "data.priceUsd"),
        (lambda d: d.update(priceUsd="n/a"), "data.priceUsd"),
        (lambda d: d.update(priceUsd="0"), "not a positive price"),
        (lambda d: d.pop("id"), "data.id"),
    ],
)
def test_bad_asset_bodies(load_fixture: Load, mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    body = load_fixture("v3_asset_bitcoin_2025.json")
    mutate(body["data"])
    with pytest.raises(InvalidResponse, match=re.escape(message)):
        parse_price(body, "BTC", "bitcoin", SRC)


def test_volume_needs_volume(load_fixture: Load) -> None:
    body = load_fixture("v3_asset_bitcoin_2025.json")
    body["data"]["volumeUsd24Hr"] = None
    with pytest.raises(InvalidResponse, match="volumeUsd24Hr"):
        parse_volume(body, "BTC", "bitcoin", SRC)


def test_bad_rank(load_fixture: Load) -> None:
    body = load_fixture("v3_asset_bitcoin_2025.json")
    body["data"]["rank"] = "first"
    with pytest.raises(InvalidResponse, match=r"data\.rank"):
        parse_metadata(body, "BTC", "bitcoin", SRC)


# -- error bodies --------------------------------------------------------------------------


def test_v2_deprecation_notice(load_fixture: Load) -> None:
    with pytest.raises(InvalidResponse, match="CoinCap v2 is shut down") as info:
        check_body(load_fixture("v2_deprecation_notice_2025.json"))
    assert "https://rest.coincap.io/v3" in info.value.message
    assert "api_key" in info.value.message


def test_not_found(load_fixture: Load) -> None:
    with pytest.raises(NotSupported, match="asdf not found"):
        check_body(load_fixture("v2_error_not_found_mock.json"))


def test_other_error() -> None:
    with pytest.raises(InvalidResponse, match="limit exceeds 2000"):
        check_body({"error": "limit exceeds 2000", "timestamp": 1})


def test_data_bodies_pass(load_fixture: Load) -> None:
    for name in ("v3_asset_bitcoin_2025.json", "history_bitcoin_h6_constructed.json"):
        check_body(load_fixture(name))


# -- history -> candles -----------------------------------------------------------------


def test_history_to_daily_candles(load_fixture: Load) -> None:
    result = parse_history(load_fixture("history_bitcoin_h6_constructed.json"), "BTC", "1d", 2, SRC)
    assert result is not None
    first, second = result.candles
    assert first.open_time == datetime(2023, 11, 13, tzinfo=UTC)
    assert (first.open, first.high, first.low, first.close) == (
        Decimal("36480.1234567890123456"),
        Decimal("37310.0087000000000000"),
        Decimal("36480.1234567890123456"),
        Decimal("36795.4400000000000000"),
    )
    assert second.open_time == datetime(2023, 11, 14, tzinfo=UTC)
    assert (second.open, second.high, second.low, second.close) == (
        Decimal("36620.9012300000000000"),
        Decimal("37044.6150000000000000"),
        Decimal("36101.7755000000000000"),
        Decimal("37044.6150000000000000"),
    )
    assert first.volume is None and first.quote_volume is None
    assert first.close_time == datetime(2023, 11, 13, 23, 59, 59, 999000, tzinfo=UTC)


def test_history_limit_keeps_newest(load_fixture: Load) -> None:
    result = parse_history(load_fixture("history_bitcoin_h6_constructed.json"), "BTC", "1d", 1, SRC)
    assert result is not None
    assert [c.open_time.day for c in result.candles] == [14]


def test_history_12h_candles(load_fixture: Load) -> None:
    result = parse_history(load_fixture("history_bitcoin_h6_constructed.json"), "BTC", "12h", 10, SRC)
    assert result is not None
    assert len(result.candles) == 4
    assert result.candles[0].high == Decimal("36912.5521340000000000")


def test_single_point_gives_no_candle(load_fixture: Load) -> None:
    # 6h candles from 6h points would be one price in four fields: none is built.
    assert parse_history(load_fixture("history_bitcoin_h6_constructed.json"), "BTC", "6h", 10, SRC) is None
    body = load_fixture("history_bitcoin_h6_constructed.json")
    del body["data"][5:]  # the 14th keeps only its 00:00 point
    result = parse_history(body, "BTC", "1d", 2, SRC)
    assert result is not None
    assert [c.open_time.day for c in result.candles] == [13]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda pts: pts[3].update(time=pts[2]["time"]), "oldest first"),
        (lambda pts: pts[3].update(priceUsd=None), "data[3].priceUsd"),
        (lambda pts: pts[3].update(time="1699898400000"), "data[3].time"),
        (lambda pts: pts.__setitem__(1, "36912.55"), "data[1]"),
    ],
)
def test_bad_history(load_fixture: Load, mutate: Callable[[list[Any]], None], message: str) -> None:
    body = load_fixture("history_bitcoin_h6_constructed.json")
    mutate(body["data"])
    with pytest.raises(InvalidResponse, match=re.escape(message)):
        parse_history(body, "BTC", "1d", 2, SRC)


@pytest.mark.parametrize(
    ("when", "interval", "expected"),
    [
        (1700000000, "1d", 1699920000),  # 2023-11-14 00:00
        (1700000000, "4h", 1699992000),  # 20:00
        (1700000000, "1w", 1699833600),  # Monday 2023-11-13
        (1699833600, "1w", 1699833600),
        (1699833599, "1w", 1699228800),  # Sunday 23:59:59 belongs to the week before
    ],
)
def test_bucket_start(when: int, interval: str, expected: int) -> None:
    assert bucket_start(when, interval) == expected
    assert datetime.fromtimestamp(bucket_start(when, "1w"), UTC).weekday() == 0
