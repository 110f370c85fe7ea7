"""Offline: the remote's JSON (tests/fixtures, see SOURCES.md) into the core's models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from coinrelay.plugin import (
    FETCHED,
    OHLCV,
    RESULT_TYPES,
    InvalidResponse,
    Metadata,
    OrderBook,
    Price,
    Sentiment,
    Source,
    Volume,
)
from coinrelay_render._parse import parse_result

OURS = Source(provider="render", endpoint="http://remote.test")

REQUESTED: dict[str, dict[str, Any]] = {
    "price": {"symbol": "BTC", "quote": "USD"},
    "ohlcv": {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 3},
    "volume": {"symbol": "BTC", "quote": "USD"},
    "orderbook": {"symbol": "BTC", "quote": "USD", "depth": 1},
    "metadata": {"symbol": "BTC"},
    "news": {"symbol": "BTC", "limit": 1},
    "sentiment": {"limit": 3},
    "social": {"symbol": "BTC"},
    "exchanges": {"limit": 2},
}
REMOTE_PROVIDER = {
    "price": "binance",
    "ohlcv": "cryptocompare",
    "volume": "binance",
    "orderbook": "binance",
    "metadata": "coingecko",
    "news": "cryptocompare",
    "sentiment": "alternativeme",
    "social": "coingecko",
    "exchanges": "coingecko",
}


@pytest.mark.parametrize("category", FETCHED)
def test_every_category_parses_with_this_hops_source(category: str, load_fixture: Callable[[str], Any]) -> None:
    body = load_fixture(category)
    result, remote = parse_result(category, body, REQUESTED[category], OURS)
    assert type(result) is RESULT_TYPES[category]
    assert remote == REMOTE_PROVIDER[category]
    assert result.source.provider == "render"
    assert result.source.endpoint == "http://remote.test"
    assert result.source.attempts == []  # the remote's trail is not ours
    # everything but the source survives unchanged
    dumped = result.model_dump(mode="json", exclude={"source"}, exclude_unset=True)  # (fields added since: unset)
    assert dumped == {k: v for k, v in _json(body).items() if k != "source"}


def _json(body: Any) -> Any:
    """The fixture with Decimals back to the strings the model serialises."""
    if isinstance(body, dict):
        return {k: _json(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_json(v) for v in body]
    return body


def test_price_is_exact(load_fixture: Callable[[str], Any]) -> None:
    result, _ = parse_result("price", load_fixture("price"), REQUESTED["price"], OURS)
    assert isinstance(result, Price)
    assert result.price == Decimal("65861.66000000")
    assert str(result.price) == "65861.66000000"  # no float round trip, trailing zeros kept
    assert (result.quote, result.requested_quote) == ("USDT", "USD")


def test_ohlcv_volume_orderbook_metadata_sentiment_values(load_fixture: Callable[[str], Any]) -> None:
    ohlcv, _ = parse_result("ohlcv", load_fixture("ohlcv"), REQUESTED["ohlcv"], OURS)
    assert isinstance(ohlcv, OHLCV)
    assert [c.close for c in ohlcv.candles] == [Decimal("31111.75"), Decimal("30189.27"), Decimal("30210.38")]
    assert ohlcv.candles[-1].open_time == datetime(2022, 6, 9, tzinfo=UTC)
    assert ohlcv.candles[0].quote_volume is not None
    vol, _ = parse_result("volume", load_fixture("volume"), REQUESTED["volume"], OURS)
    assert isinstance(vol, Volume)
    assert vol.quote_volume == Decimal("63525213.28250340")
    book, _ = parse_result("orderbook", load_fixture("orderbook"), REQUESTED["orderbook"], OURS)
    assert isinstance(book, OrderBook)
    assert book.asks[0].price == Decimal("4.00000200")
    assert book.last_update_id == 1027024
    meta, _ = parse_result("metadata", load_fixture("metadata"), REQUESTED["metadata"], OURS)
    assert isinstance(meta, Metadata)
    assert meta.market_cap == Decimal(376470782585)
    sent, _ = parse_result("sentiment", load_fixture("sentiment"), REQUESTED["sentiment"], OURS)
    assert isinstance(sent, Sentiment)
    assert (sent.value, sent.classification, sent.time_until_update) == (13, "Extreme Fear", 60068)
    assert [p.value for p in sent.history] == [13, 11, 11]


def test_remote_staleness_is_kept(load_fixture: Callable[[str], Any]) -> None:
    body = load_fixture("price")
    body["source"]["stale"] = True
    body["source"]["age"] = Decimal("42.5")
    result, _ = parse_result("price", body, REQUESTED["price"], OURS)
    assert result.source.stale is True
    assert result.source.age == 42.5
    assert result.source.provider == "render"


def test_news_for_all_symbols_accepts_any_symbol(load_fixture: Callable[[str], Any]) -> None:
    result, _ = parse_result("news", load_fixture("news"), {"symbol": None, "limit": 1}, OURS)
    assert result.source.provider == "render"


def _price_body(load_fixture: Callable[[str], Any], **changes: Any) -> Any:
    body = load_fixture("price")
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda f: [f("price")], "expected a JSON object (a Price), got an array"),
        (lambda f: None, "got null"),
        (lambda f: "65861.66", "got a string"),
        (lambda f: {k: v for k, v in f("price").items() if k != "source"}, "no 'source' object"),
        (lambda f: _price_body(f, source={"endpoint": "x"}), "invalid 'source': provider: Field required"),
        (lambda f: _price_body(f, price="sixty thousand"), "not a valid Price: price:"),
        (lambda f: _price_body(f, price=None), "not a valid Price: price:"),
        (lambda f: _price_body(f, symbol=42), "not a valid Price: symbol:"),
        (lambda f: _price_body(f, unexpected=True), "not a valid Price: unexpected: Extra inputs"),
        (lambda f: {k: v for k, v in f("price").items() if k != "price"}, "price: Field required"),
        (lambda f: _price_body(f, symbol="ETH"), "asked for symbol 'BTC', the answer is about 'ETH'"),
    ],
)
def test_garbage_raises_invalid_response_naming_the_problem(
    make: Callable[[Callable[[str], Any]], Any], message: str, load_fixture: Callable[[str], Any]
) -> None:
    with pytest.raises(InvalidResponse) as info:
        parse_result("price", make(load_fixture), REQUESTED["price"], OURS)
    assert message in info.value.message
    assert info.value.provider == "render"


def test_a_body_of_another_category_is_rejected(load_fixture: Callable[[str], Any]) -> None:
    with pytest.raises(InvalidResponse, match="not a valid Price"):
        parse_result("price", load_fixture("volume"), REQUESTED["price"], OURS)
