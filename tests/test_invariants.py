"""``coinrelay._invariants.check``: identity, counts, candles, order books, times — and the quote table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from coinrelay._invariants import as_invalid, check
from coinrelay._models import (
    OHLCV,
    Article,
    Candle,
    Level,
    Metadata,
    News,
    OrderBook,
    Price,
    Sentiment,
    SentimentPoint,
    Source,
    Technical,
    Volume,
)
from coinrelay._quotes import EQUIVALENT_QUOTES, buckets, combined, comparable, group, tolerance_pct

NOW = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
T = datetime(2026, 5, 1, tzinfo=UTC)
SRC = Source(provider="p")
D = Decimal
PRICE = {"symbol": "BTC", "quote": "USD"}


def _price(**kw) -> Price:
    return Price(**{"symbol": "BTC", "quote": "USD", "price": D("65000"), "source": SRC, **kw})


def test_a_plausible_price_passes():
    assert check("price", PRICE, _price(timestamp=T), NOW) is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"symbol": "ETH"}, "symbol 'ETH', asked for 'BTC'"),
        ({"quote": "EUR"}, "quote 'EUR', asked for 'USD'"),
        ({"quote": "USDT"}, "quote 'USDT', asked for 'USD'"),  # a substitution must be declared
        ({"quote": "EUR", "requested_quote": "USD"}, "'EUR', not equivalent to 'USD'"),
        ({"quote": "USDT", "requested_quote": "EUR"}, "asked for quote 'EUR'"),
        ({"timestamp": datetime(2008, 12, 31, tzinfo=UTC)}, "before 2009"),
        ({"timestamp": datetime(1970, 1, 1, tzinfo=UTC)}, "before 2009"),
        ({"timestamp": datetime(2026, 6, 1, 0, 11, tzinfo=UTC)}, "in the future"),
    ],
)
def test_price_identity_and_time(kw, message):
    assert message in (check("price", PRICE, _price(**kw), NOW) or "")


def test_a_declared_equivalent_quote_passes():
    assert check("price", PRICE, _price(quote="USDT", requested_quote="USD"), NOW) is None
    assert check("price", PRICE, _price(timestamp=datetime(2026, 6, 1, 0, 9, tzinfo=UTC)), NOW) is None  # clock skew
    vol = Volume(symbol="BTC", quote="USDC", requested_quote="USD", quote_volume=D(1), source=SRC)
    assert check("volume", PRICE, vol, NOW) is None
    assert "symbol" in (check("volume", PRICE, vol.model_copy(update={"symbol": "ETH"}), NOW) or "")


def _candles(n: int, width: timedelta, *, start: datetime = T, close: timedelta | None = None) -> list[Candle]:
    span = width - timedelta(milliseconds=1) if close is None else close
    return [
        Candle(
            open_time=start + i * width,
            close_time=start + i * width + span,
            open=D(2),
            high=D(3),
            low=D(1),
            close=D(2),
        )
        for i in range(n)
    ]


OHLCV_1D = {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 5}
DAY = timedelta(days=1)


def _ohlcv(candles: list[Candle], **kw) -> OHLCV:
    return OHLCV(**{"symbol": "BTC", "quote": "USD", "interval": "1d", "candles": candles, "source": SRC, **kw})


def test_plausible_candles_pass_in_every_providers_shape():
    assert check("ohlcv", OHLCV_1D, _ohlcv(_candles(5, DAY)), NOW) is None  # Binance, CryptoCompare: width - 1 ms
    assert check("ohlcv", OHLCV_1D, _ohlcv(_candles(5, DAY, close=DAY)), NOW) is None  # CoinGecko: close = open + width
    paprika = _candles(5, DAY, close=DAY - timedelta(seconds=1))  # CoinPaprika: 23:59:59
    assert check("ohlcv", OHLCV_1D, _ohlcv(paprika), NOW) is None
    running = [*_candles(4, DAY), *_candles(1, DAY, start=T + 4 * DAY, close=timedelta(hours=16, minutes=42))]
    assert check("ohlcv", OHLCV_1D, _ohlcv(running), NOW) is None  # the newest may still be open
    gap = [*_candles(2, DAY), *_candles(2, DAY, start=T + 3 * DAY)]  # a missing day (CoinCap skips thin ones)
    assert check("ohlcv", OHLCV_1D, _ohlcv(gap), NOW) is None
    no_close = [c.model_copy(update={"close_time": None}) for c in _candles(3, DAY)]
    assert check("ohlcv", OHLCV_1D, _ohlcv(no_close), NOW) is None


def test_monthly_candles_vary_in_length():
    starts = [datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3, 4)]
    rows = [
        Candle(open_time=a, close_time=b - timedelta(milliseconds=1), open=D(2), high=D(3), low=D(1), close=D(2))
        for a, b in zip(starts, [*starts[1:], datetime(2026, 5, 1, tzinfo=UTC)], strict=True)
    ]
    params = {**OHLCV_1D, "interval": "1M"}
    assert check("ohlcv", params, _ohlcv(rows, interval="1M"), NOW) is None
    week = rows[0].model_copy(update={"close_time": starts[0] + timedelta(days=7)})
    assert "wide" in (check("ohlcv", params, _ohlcv([week, *rows[1:]], interval="1M"), NOW) or "")


@pytest.mark.parametrize(
    ("candles", "kw", "message"),
    [
        (_candles(5, timedelta(days=7)), {}, "candle[0] is 604799.999s wide, not one 1d candle"),
        (_candles(3, DAY) + _candles(1, DAY, start=T + timedelta(days=3, hours=12)), {}, "not a whole number of 1d"),
        (_candles(1, DAY, close=7 * DAY - timedelta(milliseconds=1)), {}, "604799.999s wide, not one 1d candle"),
        (_candles(3, DAY, close=timedelta(hours=6)), {}, "candle[0] is 21600s wide"),
        (list(reversed(_candles(3, DAY))), {}, "candle[1] does not open after candle[0]"),
        ([*_candles(2, DAY), *_candles(1, DAY, start=T + DAY)], {}, "candle[2] does not open after"),
        (
            _candles(2, DAY, start=T + timedelta(hours=1))
            + _candles(1, DAY, start=T + timedelta(hours=25, minutes=30)),
            {},
            "not a whole number",
        ),
        (_candles(6, DAY), {}, "6 candles, asked for at most 5"),
        (_candles(2, DAY, start=datetime(1970, 1, 1, tzinfo=UTC)), {}, "before 2009"),
        (_candles(2, DAY, start=datetime(2026, 7, 1, tzinfo=UTC)), {}, "in the future"),
        (_candles(2, DAY), {"interval": "1h"}, "'1h' candles, asked for '1d'"),
        (_candles(2, DAY), {"quote": "EUR"}, "quote 'EUR'"),
    ],
)
def test_impossible_candles(candles, kw, message):
    assert message in (check("ohlcv", OHLCV_1D, _ohlcv(candles, **kw), NOW) or "")


def _book(bids, asks, **kw) -> OrderBook:
    def levels(rows):
        return [Level(price=D(p), quantity=D(q)) for p, q in rows]

    fields = {"symbol": "BTC", "quote": "USD", "bids": levels(bids), "asks": levels(asks), "source": SRC}
    return OrderBook(**{**fields, **kw})


BOOK = {"symbol": "BTC", "quote": "USD", "depth": 3}


def test_a_plausible_book_passes():
    assert check("orderbook", BOOK, _book([("3.9", 1), ("3.8", 2)], [("4.0", 1), ("4.1", 1)]), NOW) is None
    assert check("orderbook", BOOK, _book([], [("4.0", 1)]), NOW) is None


@pytest.mark.parametrize(
    ("bids", "asks", "message"),
    [
        ([("4.0", 1)], [("3.9", 1)], "crossed book: best bid 4.0 is not below best ask 3.9"),
        ([("4.0", 1)], [("4.0", 1)], "crossed book"),
        ([("3", 1), ("3", 1), ("3", 1)], [], "bids[1] price 3 is not below"),
        ([("3", 1), ("3.5", 1)], [], "bids[1]"),
        ([], [("4", 1), ("3.9", 1)], "asks[1] price 3.9 is not above"),
        ([("1", 1)] * 0 + [(str(9 - i), 1) for i in range(4)], [], "4 bids, asked for at most 3"),
    ],
)
def test_impossible_books(bids, asks, message):
    assert message in (check("orderbook", BOOK, _book(bids, asks), NOW) or "")


def test_metadata_news_sentiment_and_technical():
    meta = Metadata(symbol="BTC", market_cap=D(1), quote="USD", rank=1, source=SRC)
    assert check("metadata", {"symbol": "BTC"}, meta, NOW) is None
    eth = meta.model_copy(update={"symbol": "ETH"})
    assert "symbol 'ETH'" in (check("metadata", {"symbol": "BTC"}, eth, NOW) or "")
    assert "market_cap without" in (
        check("metadata", {"symbol": "BTC"}, meta.model_copy(update={"quote": None}), NOW) or ""
    )
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    assert "nested deeper" in (check("metadata", {"symbol": "BTC"}, meta.model_copy(update={"extra": deep}), NOW) or "")

    def art(i: str, when: datetime = T) -> Article:
        return Article(id=i, title="t", url="https://x", published_at=when)

    news = News(symbol=None, articles=[art("1"), art("2")], source=SRC)
    assert check("news", {"symbol": None, "limit": 2}, news, NOW) is None
    three = news.model_copy(update={"articles": [*news.articles, art("3")]})
    assert "3 articles, asked for at most 2" in (check("news", {"symbol": None, "limit": 2}, three, NOW) or "")
    twice = news.model_copy(update={"articles": [art("1"), art("1")]})
    assert "repeats id '1'" in (check("news", {"symbol": None, "limit": 5}, twice, NOW) or "")
    assert "symbol" in (check("news", {"symbol": "ETH", "limit": 5}, news, NOW) or "")

    points = [SentimentPoint(value=40, classification="Fear", timestamp=T - i * DAY) for i in range(3)]
    sent = Sentiment(value=40, classification="Fear", timestamp=T, history=points, source=SRC)
    assert check("sentiment", {"limit": 3}, sent, NOW) is None
    assert "3 readings, asked for at most 2" in (check("sentiment", {"limit": 2}, sent, NOW) or "")
    assert "newest first" in (
        check("sentiment", {"limit": 3}, sent.model_copy(update={"history": [points[0], points[2], points[1]]}), NOW)
        or ""
    )
    assert "history[0]" in (check("sentiment", {"limit": 3}, sent.model_copy(update={"value": 41}), NOW) or "")

    tech = Technical(symbol="BTC", quote="USD", interval="1d", as_of=T, candles_used=50, source=SRC)
    params = {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 50}
    assert check("technical", params, tech, NOW) is None
    assert "51 candles used" in (check("technical", params, tech.model_copy(update={"candles_used": 51}), NOW) or "")


def test_check_is_silent_for_a_category_it_does_not_know():
    assert check("nothing", {}, _price(), NOW) is None


def test_as_invalid_names_the_field():
    with pytest.raises(ValidationError) as info:
        Level(price=D(-1), quantity=D(1))
    err = as_invalid(info.value, "binance", "https://api.binance.com")
    assert err.endpoint == "https://api.binance.com"
    assert "Level.price: Input should be greater than 0" in str(err)


def test_quote_groups():
    assert group("USDT") == "USD" and group("USD") == "USD" and group("XYZ") == "XYZ"
    assert comparable("USD", "USDC") and comparable("EURC", "EUR") and comparable("XYZ", "XYZ")
    assert not comparable("USD", "EUR") and not comparable("BTC", "USD")
    assert tolerance_pct("USD", "USD") == 0
    assert tolerance_pct("USD", "USDT", 1.5) == D("1.5")
    assert tolerance_pct("USD", "USDT", 0) is None  # 0: only identical quotes compare
    assert tolerance_pct("USD", "EUR") is None
    assert combined(["USDT", "USD", "USDT"]) == ["USD", "USDT"]
    with pytest.raises(ValueError, match="not equivalent"):
        combined(["USD", "EUR"])
    assert buckets(["USDT", "EUR", "USD", "USDT"]) == {"USD": ["USDT", "USD"], "EUR": ["EUR"]}


def test_the_documented_table_is_the_table():
    doc = (Path(__file__).parents[1] / "docs" / "resilience.md").read_text()
    for name, members in EQUIVALENT_QUOTES.items():
        row = re.search(rf"^\| `{name}` \| (.+?) \|$", doc, re.MULTILINE)
        assert row is not None, f"docs/resilience.md has no row for group {name}"
        assert [m.strip(" `") for m in row.group(1).split(",")] == list(members)
