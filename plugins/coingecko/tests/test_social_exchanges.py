"""``social`` (community data of /coins/{id}) and ``exchanges`` (/exchanges): offline parsing,
cassettes on the real URLs (tests/cassettes/test_social_exchanges, hand-built: see each file's
header) and error paths.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import coinrelay_coingecko as plugin
from coinrelay.plugin import Exchanges, InvalidResponse, NotSupported, RateLimited, Social, Source
from coinrelay.testing import ProviderHarness
from coinrelay_coingecko import _exchanges, _social

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://api.coingecko.com/api/v3"
SRC = Source(provider="coingecko", endpoint=BASE)


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


# -- social: parsing -----------------------------------------------------------------------------------


def test_social_from_docs_body() -> None:
    s = _social.social(load("coins_id_docs.json"), symbol="BTC", source=SRC)
    assert (s.symbol, s.followers, s.twitter_followers) == ("BTC", 6585597, 6585597)
    assert s.reddit_subscribers == 0  # CoinGecko's Reddit figures are 0 since it stopped collecting them
    assert (s.telegram_users, s.facebook_likes) == (None, None)
    assert (s.github_stars, s.github_forks, s.github_subscribers, s.commits_4_weeks) == (73168, 36426, 3967, 108)
    assert s.sentiment_score == Decimal("84.07")
    assert s.extra["coingecko_id"] == "bitcoin"
    assert s.extra["pull_requests_merged"] == 11215


def test_social_without_developer_data() -> None:
    body = {"id": "bitcoin", "community_data": {"twitter_followers": 10}}
    s = _social.social(body, symbol="BTC", source=SRC)
    assert (s.followers, s.github_stars, s.sentiment_score) == (10, None, None)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ([], "expected an object"),
        ({"community_data": {}}, "missing field 'id'"),
        ({"id": "bitcoin", "market_data": {}}, "neither community_data nor developer_data"),
        ({"id": "bitcoin", "community_data": []}, "'community_data' is list"),
        ({"id": "bitcoin", "community_data": {"twitter_followers": "lots"}}, "twitter_followers"),
        ({"id": "bitcoin", "developer_data": {"stars": True}}, "stars"),
    ],
)
def test_social_wrong_shapes_are_invalid(body: object, match: str) -> None:
    with pytest.raises(InvalidResponse, match=match):
        _social.social(body, symbol="BTC", source=SRC)


# -- exchanges: parsing --------------------------------------------------------------------------------


def test_exchanges_from_constructed_body() -> None:
    ex = _exchanges.exchanges(load("exchanges_constructed.json"), limit=100, source=SRC)
    assert [e.id for e in ex.exchanges] == ["binance", "gdax", "kraken", "example_dex"]
    b = ex.exchanges[0]
    assert (b.name, b.country, b.year_established, b.trust_score, b.rank) == (
        "Binance",
        "Cayman Islands",
        2017,
        Decimal(10),
        1,
    )
    assert b.volume_24h_btc == Decimal("207319.13377261316")
    assert b.volume_24h_usd is None  # CoinGecko gives BTC volumes only
    assert b.extra == {"volume_24h_btc_normalized": "129863.9410077484", "has_trading_incentive": False}
    assert ex.exchanges[2].extra["has_trading_incentive"] is False  # the string "false"
    last = ex.exchanges[3]
    assert (last.country, last.year_established, last.trust_score, last.rank) == (None, None, None, 4)


def test_exchanges_limit_keeps_coingeckos_order() -> None:
    ex = _exchanges.exchanges(load("exchanges_constructed.json"), limit=2, source=SRC)
    assert [e.rank for e in ex.exchanges] == [1, 2]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"exchanges": []}, "expected an array"),
        ([], "empty array"),
        ([42], r"\[0\] is int"),
        ([{"name": "x"}], "missing field '\\[0\\].id'"),
        ([{"id": "x", "name": "X", "year_established": "long ago"}], "year_established"),
        ([{"id": "x", "name": "X", "trade_volume_24h_btc": "n/a"}], "trade_volume_24h_btc"),
    ],
)
def test_exchanges_wrong_shapes_are_invalid(body: object, match: str) -> None:
    with pytest.raises(InvalidResponse, match=match):
        _exchanges.exchanges(body, limit=10, source=SRC)


# -- cassettes on the real URLs -------------------------------------------------------------------------


@pytest.fixture
async def harness() -> AsyncIterator[ProviderHarness]:
    async with ProviderHarness(plugin, "coingecko", provider_settings={"plan": "public"}) as h:
        yield h


@pytest.mark.vcr
async def test_social(harness: ProviderHarness) -> None:
    s = await harness.call("social", symbol="BTC")
    assert isinstance(s, Social)
    assert (s.twitter_followers, s.github_stars, s.source.provider, s.source.endpoint) == (
        6585597,
        73168,
        "coingecko",
        BASE,
    )


@pytest.mark.vcr
async def test_exchanges(harness: ProviderHarness) -> None:
    ex = await harness.call("exchanges", limit=3)
    assert isinstance(ex, Exchanges)
    assert [(e.id, e.country, e.year_established) for e in ex.exchanges] == [
        ("binance", "Cayman Islands", 2017),
        ("gdax", "United States", 2012),
        ("kraken", "United States", 2011),
    ]
    assert ex.exchanges[1].volume_24h_btc == Decimal("37134.96748218633")


@pytest.mark.vcr
async def test_social_unknown_coin_is_not_supported() -> None:
    settings = {"plan": "public", "symbols": {"XYZ": "no-such-coin-xyz"}}
    async with ProviderHarness(plugin, "coingecko", provider_settings=settings) as h:
        with pytest.raises(NotSupported, match="coin not found"):
            await h.call("social", symbol="XYZ")


@pytest.mark.vcr
async def test_exchanges_rate_limited(harness: ProviderHarness) -> None:
    with pytest.raises(RateLimited) as info:
        await harness.call("exchanges", limit=100)
    assert info.value.retry_after == 119


async def test_exchanges_asks_one_page_of_at_most_250() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=(FIXTURES / "exchanges_constructed.json").read_bytes())

    async with ProviderHarness(plugin, "coingecko", transport=httpx.MockTransport(handler)) as h:
        ex = await h.call("exchanges", limit=250)
    assert isinstance(ex, Exchanges) and len(ex.exchanges) == 4
    assert (seen[0].path, dict(seen[0].params)) == ("/api/v3/exchanges", {"per_page": "250", "page": "1"})
