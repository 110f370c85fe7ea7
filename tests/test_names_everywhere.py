"""Names and provider ids are accepted wherever a symbol is, and a cache hit says so (issue 13).

Against the sandbox with the shipped plugins and defaults: ``news?symbol=bitcoin`` was a 404
(only tickers were known); a name that is not a ticker at all ("bitcoin cash") was a 422.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from coinrelay import AmbiguousSymbol, FakeClock, Relay, load_settings
from coinrelay.sandbox import Sandbox
from coinrelay.server import create_app


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def relay(box: Sandbox) -> AsyncIterator[Relay]:
    async with Relay(box.apply(load_settings(use_file=False)), sandbox=True, clock=FakeClock(time.time())) as r:
        yield r


@pytest.mark.parametrize("given", ["bitcoin", "Bitcoin", "BITCOIN", "btc-bitcoin", "btc"])
async def test_a_name_or_a_provider_id_is_the_ticker_it_names(relay: Relay, given: str) -> None:
    price = await relay.price(given)
    assert price.symbol == "BTC"


async def test_news_by_name(relay: Relay) -> None:
    news = await relay.news(symbol="bitcoin", limit=2)
    assert news.symbol == "BTC"


async def test_an_ambiguous_name_is_refused_with_the_candidates_not_guessed(relay: Relay) -> None:
    with pytest.raises(AmbiguousSymbol) as info:
        await relay.price("polygon")
    assert {c.ticker for c in info.value.candidates} == {"MATIC", "POL"}


async def test_the_same_answer_by_ticker_and_by_name_is_one_cache_entry(relay: Relay) -> None:
    first = await relay.price("ETH")
    again = await relay.price("ethereum")
    assert not first.source.cached
    assert again.source.cached and again.price == first.price
    assert again.source.provider == first.source.provider


async def test_over_http(relay: Relay, box: Sandbox) -> None:
    app = create_app(relay, sandbox=box)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://relay.test") as client:
        news = await client.get("/api/v1/news", params={"symbol": "bitcoin", "limit": 1})
        assert news.status_code == 200 and news.json()["symbol"] == "BTC"
        # not a ticker at all: resolved by name (the sandbox's market has no BCH, hence the 404)
        spaced = await client.get("/api/v1/metadata", params={"symbol": "bitcoin cash"})
        assert spaced.status_code == 404 and spaced.json()["what"] == "BCH", spaced.text
        ambiguous = await client.get("/api/v1/price", params={"symbol": "polygon"})
        assert ambiguous.status_code == 422 and ambiguous.json()["param"] == "symbol"
