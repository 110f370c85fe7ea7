"""The sync facade: the same relay, driven from plain (non-async) code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinrelay import AllProvidersFailed, SyncRelay
from coinrelay._config import ProviderSettings, Settings
from coinrelay.testing import FakeUpstream

from .support import price_provider, serve_price


def make(a: FakeUpstream, b: FakeUpstream) -> SyncRelay:
    settings = Settings(
        providers={"a": ProviderSettings(endpoints=[a.url]), "b": ProviderSettings(endpoints=[b.url])},
        chains={"price": ["a", "b"]},
    )
    settings.cache.enabled = False
    return SyncRelay(
        settings=settings, plugins=[("a", price_provider("a")), ("b", price_provider("b"))], load_entry_points=False
    )


def test_sync_relay_answers_fails_over_and_reports(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "10.5")
    serve_price(b, "11.25")
    with make(a, b) as relay:
        assert relay.price("BTC").price == Decimal("10.5")
        a.down()
        price = relay.fetch("price", symbol="ETH", quote="USD")
        assert (price.source.provider, price.price) == ("b", Decimal("11.25"))
        assert [x.provider for x in price.source.attempts] == ["a", "b"]
        health = relay.health()
        assert health["providers"]["a"]["health"]["failures"] == 1
        assert relay.stats()["providers"]["b"]["successes"] == 1
        b.down()
        with pytest.raises(AllProvidersFailed):
            relay.price("BTC")


def test_sync_relay_refuses_calls_after_close(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    relay = make(a, b)
    relay.close()
    relay.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        relay.price("BTC")
