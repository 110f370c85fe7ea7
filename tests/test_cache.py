"""The result cache: per-category TTL, stale-if-error, stale-while-revalidate."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from coinrelay import AllProvidersFailed
from coinrelay._clock import FakeClock
from coinrelay._config import CacheSettings, Settings, load_settings
from coinrelay._errors import ConfigError
from coinrelay.testing import Fault

from .chaos._kit import make_relay, serve


def _cached(ttl: float = 2.0, max_stale: float = 60.0, swr: bool = False) -> CacheSettings:
    return CacheSettings(ttl={"price": ttl}, max_stale={"price": max_stale}, stale_while_revalidate=swr)


async def test_fresh_value_is_served_from_cache_until_the_ttl(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    clock = FakeClock()
    async with make_relay({"a": a}, clock=clock, cache=_cached(ttl=2.0)) as relay:
        first = await relay.price("BTC")
        clock.advance(1.9)
        again = await relay.price("btc")  # normalised: the same key
        assert a.count() == 1
        assert again.price == first.price and not again.source.stale
        clock.advance(0.2)
        await relay.price("BTC")
    assert a.count() == 2


async def test_stale_if_error_flags_stale_with_age_until_max_stale(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "100")
    serve(b, "101")
    clock = FakeClock()
    async with make_relay({"a": a, "b": b}, clock=clock, cache=_cached(ttl=2.0, max_stale=60.0)) as relay:
        good = await relay.price("BTC")
        assert good.price == Decimal("100") and not good.source.stale
        a.down()
        b.down()
        for step in (5.0, 20.0, 30.0):  # ages 5, 25, 55: all within ttl + max_stale
            clock.advance(step)
            stale = await relay.price("BTC")
            assert stale.price == Decimal("100")
            assert stale.source.stale is True
            assert stale.source.age == pytest.approx(clock.time() - 1_700_000_000.0)
            assert stale.source.provider == "a"
            assert {x.outcome for x in stale.source.attempts} >= {"failed"} or any(
                x.outcome == "skipped" for x in stale.source.attempts
            )
        clock.advance(8.0)  # age 63 > 2 + 60
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC")
    # the cached value itself was never mutated
    assert good.source.stale is False


async def test_cache_disabled_always_goes_upstream_and_never_serves_stale(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    async with make_relay({"a": a}, cache=False) as relay:
        for _ in range(3):
            await relay.price("BTC")
        assert a.count() == 3
        a.down()
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC")


async def test_stale_while_revalidate_answers_at_once_and_refreshes_once(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    clock = FakeClock()
    async with make_relay({"a": a}, clock=clock, cache=_cached(ttl=2.0, max_stale=60.0, swr=True)) as relay:
        await relay.price("BTC")
        serve(a, "105")
        a.fault = Fault("delay", delay=0.3)
        clock.advance(3.0)
        answers = await asyncio.gather(*(relay.price("BTC") for _ in range(20)))
        assert all(p.price == Decimal("100") and p.source.stale for p in answers)
        assert answers[0].source.age == pytest.approx(3.0)
        # one background refresh for the key, whatever the number of callers
        await relay.wait_background()
        assert a.count() == 2
        fresh = await relay.price("BTC")
        assert fresh.price == Decimal("105") and not fresh.source.stale
        assert a.count() == 2


async def test_stale_while_revalidate_refresh_failure_keeps_serving_stale(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    clock = FakeClock()
    async with make_relay({"a": a}, clock=clock, cache=_cached(ttl=2.0, max_stale=10.0, swr=True)) as relay:
        await relay.price("BTC")
        a.down()
        clock.advance(5.0)
        assert (await relay.price("BTC")).source.stale
        await relay.wait_background()
        assert (await relay.price("BTC")).source.stale
        clock.advance(10.0)
        with pytest.raises(AllProvidersFailed):
            await relay.price("BTC")


def test_cache_keys_are_validated(tmp_path) -> None:
    cfg = tmp_path / "coinrelay.toml"
    cfg.write_text("[cache.ttl]\nprice = 1.5\n[cache.max_stale]\nprice = 30\n[cache]\nstale_while_revalidate = true\n")
    s = load_settings(cfg)
    assert (s.ttl("price"), s.max_stale("price"), s.cache.stale_while_revalidate) == (1.5, 30.0, True)
    cfg.write_text("[cache.ttl]\npricee = 1.5\n")
    with pytest.raises(ConfigError, match="pricee"):
        load_settings(cfg)
    cfg.write_text("[cache]\nstale_while_revalidat = true\n")
    with pytest.raises(ConfigError, match="stale_while_revalidat"):
        load_settings(cfg)
    assert Settings().ttl("price") > 0
