"""Data quality as health: empty, stale or off-consensus answers are the provider's failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from coinrelay import OHLCV, AllProvidersFailed, Candle, Level, OrderBook, Price, Source, hookimpl
from coinrelay._clock import FakeClock
from coinrelay._config import ConsensusSettings, QualitySettings, load_settings
from coinrelay._errors import ConfigError, InvalidRequest
from coinrelay._quality import PriceBook, deviation_pct, median, problem

from .chaos._kit import PATIENCE, ROOMY, Gate, make_relay, serve

NOW = 1_700_000_000.0
SRC = Source(provider="x")


def _price(value: str, age: float | None = None) -> Price:
    ts = None if age is None else datetime.fromtimestamp(NOW - age, UTC)
    return Price(symbol="BTC", quote="USD", price=Decimal(value), timestamp=ts, source=SRC)


def test_problem_finds_empty_and_non_positive_answers() -> None:
    assert problem(_price("1.5"), NOW, None) is None
    # the Price model refuses such prices; problem() still judges a result built without validation
    zero = Price.model_construct(symbol="BTC", quote="USD", price=Decimal(0), source=SRC)
    assert "not positive" in (problem(zero, NOW, None) or "")
    assert "not positive" in (problem(zero.model_copy(update={"price": Decimal(-3)}), NOW, None) or "")
    empty = OHLCV(symbol="BTC", quote="USD", interval="1h", candles=[], source=SRC)
    assert problem(empty, NOW, None) == "no candles"
    book = OrderBook(symbol="BTC", quote="USD", bids=[], asks=[], source=SRC)
    assert problem(book, NOW, None) == "order book with no levels"
    one_side = OrderBook(
        symbol="BTC", quote="USD", bids=[Level(price=Decimal(1), quantity=Decimal(1))], asks=[], source=SRC
    )
    assert problem(one_side, NOW, None) is None


def test_problem_finds_stale_timestamps_only_with_a_bound() -> None:
    assert problem(_price("1", age=600), NOW, None) is None
    assert problem(_price("1", age=50), NOW, 60.0) is None
    assert "stale data" in (problem(_price("1", age=600), NOW, 60.0) or "")
    assert problem(_price("1"), NOW, 60.0) is None  # no timestamp: nothing to judge
    old = datetime.fromtimestamp(NOW - 7200, UTC)
    candles = [
        Candle(
            open_time=old,
            open=Decimal(1),
            high=Decimal(1),
            low=Decimal(1),
            close=Decimal(1),
            close_time=old + timedelta(hours=1),
        )
    ]
    ohlcv = OHLCV(symbol="BTC", quote="USD", interval="1h", candles=candles, source=SRC)
    assert "3600s old" in (problem(ohlcv, NOW, 1800.0) or "")


def test_median_deviation_and_price_book() -> None:
    assert median([Decimal(3), Decimal(1), Decimal(2)]) == 2
    assert median([Decimal(1), Decimal(2)]) == Decimal("1.5")
    with pytest.raises(ValueError):
        median([])
    assert deviation_pct(Decimal(105), Decimal(100)) == 5
    book = PriceBook(max_age=30.0)
    book.record("BTC", "USD", "a", Decimal(100), now=0.0)
    book.record("BTC", "USD", "b", Decimal(101), now=10.0)
    assert book.references("BTC", "USD", now=20.0, exclude="a") == [(Decimal(101), "USD")]
    assert book.references("BTC", "USD", now=35.0) == [(Decimal(101), "USD")]  # a's reference expired
    assert book.references("ETH", "USD", now=0.0) == []
    # kept per quote group, each with its own quote: USDT answers compare with USD ones, EUR never
    book.record("BTC", "USDT", "c", Decimal(102), now=10.0)
    assert book.references("BTC", "USDC", now=20.0, exclude="a") == [(Decimal(101), "USD"), (Decimal(102), "USDT")]
    assert book.references("BTC", "EUR", now=20.0) == []


async def test_non_positive_price_is_bad_data_and_the_next_provider_answers(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    serve(a, "0")
    serve(b, "101")
    async with make_relay({"a": a, "b": b}) as relay:
        price = await relay.price("BTC")
    assert price.price == Decimal("101")
    assert price.source.attempts[0].provider == "a"
    assert price.source.attempts[0].outcome == "invalid"
    assert "Price.price: Input should be greater than 0" in (price.source.attempts[0].error or "")
    assert relay.providers["a"].breaker.record.consecutive_failures == 1


async def test_stale_provider_timestamp_fails_the_provider(upstream_factory) -> None:
    a, b = upstream_factory(), upstream_factory()
    clock = FakeClock()
    serve(a, "100", ts=clock.time() - 3600)
    serve(b, "101", ts=clock.time() - 5)
    async with make_relay({"a": a, "b": b}, clock=clock, quality=QualitySettings(max_age={"price": 60})) as relay:
        price = await relay.price("BTC")
        health = await relay.health()
    assert price.source.provider == "b"
    assert "stale data" in (health["providers"]["a"]["health"]["last_error"] or "")


async def test_consensus_mode_returns_the_median_with_spread_and_providers(upstream_factory) -> None:
    ups = {n: upstream_factory() for n in ("a", "b", "c")}
    serve(ups["a"], "100")
    serve(ups["b"], "102")
    serve(ups["c"], "101")
    async with make_relay(ups, consensus=ConsensusSettings(min_providers=3)) as relay:
        plain = await relay.price("BTC")
        price = await relay.price("BTC", "USD", consensus=True)
        with pytest.raises(InvalidRequest, match="consensus"):
            await relay.fetch("volume", symbol="BTC", consensus=True)
    assert plain.price == Decimal("100") and plain.providers is None
    assert price.price == Decimal("101")
    assert price.spread == Decimal("2")
    assert sorted(price.providers or []) == ["a", "b", "c"]
    assert price.source.provider == "c"  # the answer closest to the median


async def test_consensus_rejects_a_wrong_price_and_asks_another_provider(upstream_factory) -> None:
    ups = {n: upstream_factory() for n in ("a", "b", "c")}
    serve(ups["a"], "150")  # wrong by 50%
    serve(ups["b"], "100")
    serve(ups["c"], "100.5")
    async with make_relay(ups, ["a", "b", "c"], consensus=ConsensusSettings(enabled=True, min_providers=2)) as relay:
        price = await relay.price("BTC")
        health = await relay.health()
    assert price.price == Decimal("100.25")
    assert sorted(price.providers or []) == ["b", "c"]
    # a wrong answer is blamed on the endpoint that sent it (its breaker, its health)
    [endpoint] = health["providers"]["a"]["endpoints"]
    assert "off the consensus median" in (endpoint["health"]["last_error"] or "")
    assert endpoint["breaker"]["consecutive_failures"] == 1
    assert any(a.provider == "a" and a.outcome == "invalid" and a.blame == "endpoint" for a in price.source.attempts)


async def test_consensus_without_enough_agreeing_providers_fails(upstream_factory) -> None:
    ups = {n: upstream_factory() for n in ("a", "b")}
    serve(ups["a"], "150")
    serve(ups["b"], "100")
    async with make_relay(ups, consensus=ConsensusSettings(enabled=True, min_providers=2)) as relay:
        with pytest.raises(AllProvidersFailed, match="consensus needs 2 agreeing providers, got 1"):
            await relay.price("BTC")


async def test_consensus_check_rejects_a_price_off_the_others_median(upstream_factory) -> None:
    ups = {n: upstream_factory() for n in ("a", "b", "c")}
    serve(ups["a"], "100")
    serve(ups["b"], "100.4")
    serve(ups["c"], "100.2")
    quality = QualitySettings(consensus_check=True, max_deviation_pct=2.0)
    async with make_relay(ups, ["a", "b", "c"], quality=quality, consensus=ConsensusSettings(min_providers=3)) as relay:
        first = await relay.price("BTC")  # no references yet: escalates to a consensus call
        assert sorted(first.providers or []) == ["a", "b", "c"]
        before = {n: up.count() for n, up in ups.items()}
        second = await relay.price("BTC")  # references known: one provider, checked
        assert second.source.provider == "a" and second.providers is None
        assert sum(up.count() for up in ups.values()) == sum(before.values()) + 1
        serve(ups["a"], "90")  # a goes wrong
        third = await relay.price("BTC")
    assert third.source.provider == "b"
    assert third.source.attempts[0].outcome == "invalid"
    assert "off the median" in (third.source.attempts[0].error or "")


async def test_a_wrong_price_answering_first_never_becomes_a_reference(upstream_factory) -> None:
    """The consensus check's first call for a pair asks b and c at once; c (wrong) answers while b
    is still on its way. c, judged against nothing, must not become the reference b and d are
    then judged by: the consensus compares the answers, and records the agreeing ones.
    On an idle machine b answers first; the test makes c first, as a loaded machine can."""
    ups = {n: upstream_factory() for n in ("b", "c", "d")}
    gate = Gate(serve(ups["b"], "100"))
    ups["b"].route("/price", gate)  # b's answer is held until c's was judged
    serve(ups["c"], "250")
    serve(ups["d"], "100.1")
    judged = asyncio.Event()

    class Listener:
        @hookimpl
        def on_request_finished(self, event: Any) -> None:
            if event.provider == "c":
                judged.set()

    quality = QualitySettings(consensus_check=True, max_deviation_pct=2.0)
    relay = make_relay(ups, ["b", "c", "d"], timeout=ROOMY, quality=quality)
    relay.register(Listener(), name="listener")
    async with relay:
        call = asyncio.create_task(relay.price("BTC"))
        try:
            await asyncio.wait_for(judged.wait(), PATIENCE)
        finally:
            gate.open()
        price = await call
        refs = relay._check.book.references("BTC", "USD", relay.clock.monotonic())
    assert price.price == Decimal("100.05") and sorted(price.providers or []) == ["b", "d"]
    assert sorted(p for p, _ in refs) == [Decimal("100"), Decimal("100.1")]


def test_quality_keys_are_validated(tmp_path) -> None:
    cfg = tmp_path / "coinrelay.toml"
    cfg.write_text(
        "[quality]\nconsensus_check = true\nmax_deviation_pct = 1.5\n[quality.max_age]\nprice = 120\n"
        "[consensus]\nenabled = true\nmin_providers = 3\n"
    )
    s = load_settings(cfg)
    assert s.quality.max_age == {"price": 120.0} and s.consensus.min_providers == 3
    for bad, key in [
        ("[quality]\nmax_deviation = 1\n", "max_deviation"),
        ("[quality.max_age]\nprize = 1\n", "quality.max_age"),
        ("[consensus]\nmin_providers = 1\n", "min_providers"),
        ("[consensus]\nquorum = 2\n", "quorum"),
    ]:
        cfg.write_text(bad)
        with pytest.raises(ConfigError, match=key):
            load_settings(cfg)


# -- quote equivalence (issue 11): USD, USDT, USDC compare as one currency, never silently -----


def _usdt_plugin(name: str):
    """An in-test provider that serves a USD request in USDT, as Binance does (declared)."""
    import types

    from coinrelay import ProviderInfo, hookimpl
    from coinrelay.plugin import field, num

    mod = types.ModuleType(f"usdt_{name}")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name=name, categories=("price",), endpoints=("http://127.0.0.1:9",))

    @hookimpl
    async def fetch_price(ctx, symbol: str, quote: str) -> Price:
        body = (await ctx.http.get("/price", params={"symbol": symbol})).json()
        used = "USDT" if quote == "USD" else quote
        value = num(field(body, "price", str, name), "price", name)
        return Price(symbol=symbol, quote=used, requested_quote=quote, price=value, source=ctx.source())

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_price = fetch_price  # type: ignore[attr-defined]
    return mod


async def test_consensus_combines_equivalent_quotes_and_says_so(upstream_factory) -> None:
    ups = {n: upstream_factory() for n in ("a", "b")}
    serve(ups["a"], "100.2")  # USDT
    serve(ups["b"], "100")  # USD
    consensus = ConsensusSettings(enabled=True, min_providers=2)
    async with make_relay(ups, ["a", "b"], consensus=consensus, plugins={"a": _usdt_plugin("a")}) as relay:
        price = await relay.price("BTC", "USD")
    assert price.price == Decimal("100.1")
    assert (price.quote, price.quotes, price.requested_quote) == ("USD", ["USD", "USDT"], None)
    assert sorted(price.providers or []) == ["a", "b"]


async def test_the_consensus_check_compares_a_usdt_price_with_usd_ones(upstream_factory) -> None:
    # The case: references were kept per (symbol, quote), so Binance's USDT answer was
    # never compared with the others' USD ones, and a price of 1.00 was served on every call.
    ups = {n: upstream_factory() for n in ("a", "b", "c")}
    serve(ups["a"], "1.00")  # USDT, wrong
    serve(ups["b"], "100")
    serve(ups["c"], "100.3")
    quality = QualitySettings(consensus_check=True, max_deviation_pct=2.0)
    plugins = {"a": _usdt_plugin("a")}
    async with make_relay(
        ups, ["a", "b", "c"], quality=quality, plugins=plugins, consensus=ConsensusSettings(min_providers=2)
    ) as relay:
        first = await relay.price("BTC")  # no references: a consensus call, a is the odd one out
        assert first.quote == "USD" and "a" not in (first.providers or [])
        second = await relay.price("BTC")  # references known: a is asked alone, and refused
    assert second.source.provider == "b"
    refused = second.source.attempts[0]
    # a single-mirror provider: the mirror that sent it is struck, and, no mirror being left, the provider
    assert (refused.provider, refused.outcome, refused.blame) == ("a", "invalid", "provider")
    assert "USD quotes" in (refused.error or "")
