"""Offline parsing of CryptoCompare bodies (fixtures copied from ../shared, see fixtures/SOURCES.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from coinrelay.plugin import InvalidResponse, NotFound, NotSupported, RateLimited, Source
from coinrelay.testing import check_invariants
from coinrelay_cryptocompare._client import check_error, retry_after
from coinrelay_cryptocompare._parse import parse_histo, parse_news, parse_price, parse_volume

SRC = Source(provider="cryptocompare", endpoint="https://min-api.cryptocompare.com")
Load = Callable[[str], Any]


# -- price -------------------------------------------------------------------------


def test_price(load_fixture: Load) -> None:
    result = parse_price(load_fixture("price_recorded.json"), "USD", "EUR", "EUR", SRC)
    assert result.price == Decimal("0.932")
    assert (result.symbol, result.quote, result.requested_quote, result.timestamp) == ("USD", "EUR", None, None)


def test_price_mapped_quote_keeps_requested(load_fixture: Load) -> None:
    result = parse_price({"USDT": Decimal("30231.69")}, "BTC", "USD", "USDT", SRC)
    assert (result.quote, result.requested_quote) == ("USDT", "USD")


def test_price_rejects_pricemulti_shape(load_fixture: Load) -> None:
    # /data/pricemulti nests per fsym: the flat /data/price parser must not read it.
    with pytest.raises(InvalidResponse, match="missing field 'USD'"):
        parse_price(load_fixture("pricemulti_recorded.json"), "BTC", "USD", "USD", SRC)


@pytest.mark.parametrize("value", [0, Decimal("-1.5"), "30000", None, True])
def test_price_rejects_non_prices(value: Any) -> None:
    with pytest.raises(InvalidResponse):
        parse_price({"USD": value}, "BTC", "USD", "USD", SRC)


# -- volume ------------------------------------------------------------------------


def test_volume_usd(load_fixture: Load) -> None:
    result = parse_volume(load_fixture("pricemultifull_recorded_2021.json"), "BTC", "USD", "BTC", "USD", SRC)
    assert result.base_volume == Decimal("34972.740182819995")
    assert result.quote_volume == Decimal("2097598475.2247777")
    assert result.price_change_pct == Decimal("2.272113589574189")
    assert result.timestamp == datetime(2021, 4, 10, 19, 23, 32, tzinfo=UTC)


def test_volume_eur(load_fixture: Load) -> None:
    result = parse_volume(load_fixture("pricemultifull_recorded_2021.json"), "BTC", "EUR", "BTC", "EUR", SRC)
    assert result.quote == "EUR"
    assert result.quote_volume == Decimal("532781290.02157354")


def test_volume_missing_pair_is_not_found(load_fixture: Load) -> None:
    with pytest.raises(NotFound, match=re.escape("RAW.BTC.GBP")):
        parse_volume(load_fixture("pricemultifull_recorded_2021.json"), "BTC", "GBP", "BTC", "GBP", SRC)


def test_volume_reports_the_pair_the_body_names(load_fixture: Load) -> None:
    body = load_fixture("pricemultifull_recorded_2021.json")
    body["RAW"]["BTC"]["USD"]["FROMSYMBOL"] = "ETH"
    volume = parse_volume(body, "BTC", "USD", "BTC", "USD", SRC)
    assert (volume.symbol, volume.quote) == ("ETH", "USD")
    assert "symbol 'ETH'" in (check_invariants("volume", {"symbol": "BTC", "quote": "USD"}, volume) or "")


def test_volume_display_strings_are_not_read(load_fixture: Load) -> None:
    body = load_fixture("pricemultifull_recorded_2021.json")
    del body["RAW"]
    with pytest.raises(InvalidResponse, match="'RAW'"):
        parse_volume(body, "BTC", "USD", "BTC", "USD", SRC)


# -- ohlcv ---------------------------------------------------------------------------


def test_histoday_returns_exactly_limit_newest(load_fixture: Load) -> None:
    body = load_fixture("histoday_v2_recorded.json")
    assert len(body["Data"]["Data"]) == 31
    result = parse_histo(body, "BTC", "USD", "USD", "1d", 30, SRC)
    assert result is not None
    assert len(result.candles) == 30
    first, last = result.candles[0], result.candles[-1]
    assert first.open_time == datetime(2022, 5, 11, tzinfo=UTC)  # the oldest row (05-10) is the extra one
    assert last.open_time == datetime(2022, 6, 9, tzinfo=UTC)
    assert (last.open, last.high, last.low, last.close) == (
        Decimal("30189.27"),
        Decimal("30304.45"),
        Decimal("30053.44"),
        Decimal("30210.38"),
    )
    assert (last.volume, last.quote_volume) == (Decimal("1700.04"), Decimal("51271782.04"))
    assert last.close_time == datetime(2022, 6, 9, 23, 59, 59, 999000, tzinfo=UTC)
    assert result.interval == "1d"


def test_histo_drops_zero_padding(load_fixture: Load) -> None:
    body = load_fixture("histoday_v2_recorded.json")
    for row in body["Data"]["Data"][:3]:
        row.update(open=0, high=0, low=0, close=0, volumefrom=0, volumeto=0)
    result = parse_histo(body, "BTC", "USD", "USD", "1d", 30, SRC)
    assert result is not None
    assert len(result.candles) == 28
    assert all(c.open > 0 for c in result.candles)


def test_histo_all_padding_is_not_served(load_fixture: Load) -> None:
    body = load_fixture("histoday_v2_recorded.json")
    for row in body["Data"]["Data"]:
        row.update(open=0, high=0, low=0, close=0)
    assert parse_histo(body, "BTC", "USD", "USD", "1d", 30, SRC) is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda rows: rows[5].update(time=rows[4]["time"]), "oldest first"),
        (lambda rows: rows[5].update(low=99999), "not a candle"),
        (lambda rows: rows[5].pop("close"), "Data.Data[5].close"),
        (lambda rows: rows[5].update(open="30000"), "Data.Data[5].open"),
        (lambda rows: rows.__setitem__(2, [1, 2, 3]), "Data.Data[2]"),
    ],
)
def test_histo_bad_rows(load_fixture: Load, mutate: Callable[[list[Any]], None], message: str) -> None:
    body = load_fixture("histoday_v2_recorded.json")
    mutate(body["Data"]["Data"])
    with pytest.raises(InvalidResponse, match=re.escape(message)):
        parse_histo(body, "BTC", "USD", "USD", "1d", 30, SRC)


def test_histo_not_success(load_fixture: Load) -> None:
    body = load_fixture("histoday_v2_recorded.json")
    body["Response"] = "Maybe"
    with pytest.raises(InvalidResponse, match="'Response'"):
        parse_histo(body, "BTC", "USD", "USD", "1d", 30, SRC)


# -- news ------------------------------------------------------------------------------


def test_news_all(load_fixture: Load) -> None:
    result = parse_news(load_fixture("news_constructed.json"), None, 10, SRC)
    assert result is not None
    assert [a.id for a in result.articles] == ["25113336", "25113301", "25113290"]
    first = result.articles[0]
    assert first.published_at == datetime(2022, 6, 9, tzinfo=UTC)
    assert first.categories == ["BTC", "Market", "Trading"]
    assert first.tags == ["BTC", "Bitcoin", "Markets"]
    assert first.source == "Example News"
    assert first.url == "https://example-news.test/bitcoin-holds-above-30000"
    assert first.image_url is not None


def test_news_filtered_by_symbol_and_limit(load_fixture: Load) -> None:
    btc = parse_news(load_fixture("news_constructed.json"), "BTC", 10, SRC)
    assert btc is not None
    assert [a.id for a in btc.articles] == ["25113336", "25113290"]
    eth = parse_news(load_fixture("news_constructed.json"), "ETH", 1, SRC)
    assert eth is not None
    assert [a.id for a in eth.articles] == ["25113301"]
    assert parse_news(load_fixture("news_constructed.json"), "DOGE", 10, SRC) is None


def test_news_sorted_newest_first(load_fixture: Load) -> None:
    body = load_fixture("news_constructed.json")
    body["Data"].reverse()
    result = parse_news(body, None, 10, SRC)
    assert result is not None
    assert [a.id for a in result.articles] == ["25113336", "25113301", "25113290"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda a: a.update(published_on="1654732800"), "published_on"),
        (lambda a: a.update(id="abc"), "Data[0].id"),
        (lambda a: a.update(categories=["BTC"]), "categories"),
        (lambda a: a.pop("title"), "Data[0].title"),
    ],
)
def test_news_bad_articles(load_fixture: Load, mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    body = load_fixture("news_constructed.json")
    mutate(body["Data"][0])
    with pytest.raises(InvalidResponse, match=re.escape(message)):
        parse_news(body, None, 10, SRC)


# -- HTTP-200 error bodies ---------------------------------------------------------------


def test_rate_limit_body(load_fixture: Load) -> None:
    with pytest.raises(RateLimited, match="over your rate limit") as info:
        check_error(load_fixture("error_rate_limit.json"))
    # The recorded body shows the day window spent (10004 of 10000): retry hourly, not every minute.
    assert info.value.retry_after == 3600
    assert not info.value.local


@pytest.mark.parametrize(
    ("rate_limit", "expected"),
    [
        ({}, 60),
        (None, 60),
        ({"calls_made": {"second": 25, "minute": 40}, "max_calls": {"second": 20, "minute": 300}}, 60),
        ({"calls_made": {"minute": 300, "hour": 400}, "max_calls": {"minute": 300, "hour": 3000}}, 60),
        ({"calls_made": {"hour": 3000}, "max_calls": {"hour": 3000}}, 3600),
        ({"calls_made": {"month": 80000}, "max_calls": {"month": 75000}}, 3600),
    ],
)
def test_retry_after(rate_limit: Any, expected: float) -> None:
    assert retry_after(rate_limit) == expected


def test_no_data_body_is_not_supported(load_fixture: Load) -> None:
    with pytest.raises(NotSupported, match=r"no data for any of the toSymbols USD.*parameter tsyms"):
        check_error(load_fixture("error_no_data_for_tsyms.json"))


@pytest.mark.parametrize(
    "message",
    ["fsym param seems invalid.", "BTC-XYZ market does not exist for this coin pair (BTC-XYZ)"],
)
def test_unknown_symbol_messages_are_not_supported(message: str) -> None:
    # Messages seen in public clients (README section 4); Type 1 is the generic error type.
    with pytest.raises(NotSupported):
        check_error({"Response": "Error", "Message": message, "Type": 1, "Data": {}})


def test_other_error_is_invalid_response() -> None:
    with pytest.raises(InvalidResponse, match=r"Type 1\): limit param is not an integer"):
        check_error({"Response": "Error", "Message": "limit param is not an integer", "Type": 1, "Data": {}})


def test_success_bodies_pass(load_fixture: Load) -> None:
    for name in ("price_recorded.json", "histoday_v2_recorded.json", "news_constructed.json"):
        check_error(load_fixture(name))
