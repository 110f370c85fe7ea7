"""``social`` from ``/data/social/coin/latest``: parsing, the key requirement, the coin id lookup,
cassettes on the real URLs (tests/cassettes/test_social; bodies in fixtures/SOURCES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import coinrelay_cryptocompare as plugin
from coinrelay.plugin import InvalidResponse, NotConfigured, NotSupported, Social, Source
from coinrelay.testing import ProviderHarness
from coinrelay_cryptocompare import _social

FIXTURES = Path(__file__).parent / "fixtures"
SRC = Source(provider="cryptocompare", endpoint="https://min-api.cryptocompare.com")
KEY = {"api_key": "test-key"}


def test_parse_constructed_body(load_fixture: Callable[[str], Any]) -> None:
    s = _social.social(
        load_fixture("social_coin_latest_constructed.json"), symbol="BTC", fsym="BTC", coin=1182, source=SRC
    )
    assert (s.followers, s.twitter_followers, s.reddit_subscribers, s.reddit_active_users) == (
        6585597,
        6585597,
        6852000,
        11921,
    )
    assert (s.reddit_posts_per_day, s.reddit_comments_per_day) == (Decimal("202.08"), Decimal("3899.7"))
    assert s.facebook_likes == 131000
    # the repository with the most stars is the main one
    assert (s.github_stars, s.github_forks, s.github_subscribers) == (73168, 36426, 3967)
    assert s.extra == {
        "cryptocompare_coin_id": 1182,
        "points": 7263620,
        "cryptocompare_followers": 99418,
        "cryptocompare_page_views": 53000000,
        "twitter_statuses": 32000,
        "repository": "https://github.com/bitcoin/bitcoin",
    }
    assert s.sentiment_score is None and s.mentions is None  # not published by CryptoCompare


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"Response": "Success"}, "missing field 'Data'"),
        ({"Data": {}}, "empty Data"),
        ({"Data": {"General": {"Name": "ETH"}}}, "the answer is about 'ETH'"),
        ({"Data": {"Twitter": []}}, "'Data.Twitter' is list"),
        ({"Data": {"Twitter": {"followers": "many"}}}, "Twitter.followers"),
        ({"Data": {"CodeRepository": {"List": {"stars": 1}}}}, "not an array"),
    ],
)
def test_wrong_shapes_are_invalid(body: object, match: str) -> None:
    with pytest.raises(InvalidResponse, match=match):
        _social.social(body, symbol="BTC", fsym="BTC", coin=1182, source=SRC)


def test_coin_id_from_coinlist(load_fixture: Callable[[str], Any]) -> None:
    assert _social.parse_coin_id(load_fixture("coinlist_fsym_doge_constructed.json"), "DOGE", "cryptocompare") == 4432
    with pytest.raises(NotSupported, match="no coin XYZ"):
        _social.parse_coin_id({"Data": {}}, "XYZ", "cryptocompare")


async def test_without_a_key_nothing_is_sent() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    async with ProviderHarness(plugin, "cryptocompare", transport=httpx.MockTransport(handler)) as h:
        with pytest.raises(NotConfigured, match=r"social needs providers.cryptocompare.api_key"):
            await h.call("social", symbol="BTC")
    assert sent == []


async def test_keyless_error_body_is_not_configured_for_every_category() -> None:
    """The "needs a key" reply, wherever it comes from, skips the provider instead of striking its breaker."""
    body = (FIXTURES / "error_key_required.json").read_bytes()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    async with ProviderHarness(plugin, "cryptocompare", transport=transport) as h:
        with pytest.raises(NotConfigured, match="valid auth key or api key"):
            await h.call("price", symbol="BTC", quote="USD")


@pytest.mark.vcr
async def test_social() -> None:
    async with ProviderHarness(plugin, "cryptocompare", provider_settings=KEY) as h:
        s = await h.call("social", symbol="BTC")
    assert isinstance(s, Social)
    assert (s.twitter_followers, s.github_stars, s.source.provider) == (6585597, 73168, "cryptocompare")


@pytest.mark.vcr
async def test_refused_key_is_not_configured() -> None:
    async with ProviderHarness(plugin, "cryptocompare", provider_settings={"api_key": "revoked-key"}) as h:
        with pytest.raises(NotConfigured, match=r"set providers\.cryptocompare\.api_key"):
            await h.call("social", symbol="BTC")


@pytest.mark.vcr
async def test_coin_id_lookup() -> None:
    async with ProviderHarness(plugin, "cryptocompare", provider_settings=KEY) as h:
        s = await h.call("social", symbol="DOGE")
        again = await h.call("social", symbol="DOGE")  # the id is remembered: one coinlist request
    assert isinstance(s, Social) and isinstance(again, Social)
    assert s.extra["cryptocompare_coin_id"] == 4432
