"""The relay's hot-path shortcuts keep the contracts of what they replace.

* ``requests.prepare`` (remembered ``validate`` + ``cache_key``);
* the attempt deadline (``_scope.Watchdog``: one loop timer for every attempt, in place of
  ``asyncio.timeout``);
* ``Response.json`` with one shared decoder;
* the trail entry and the source's stamp built without pydantic's per-call machinery
  (``_models.trusted_attempt``, ``_models.stamp``);
* the rate budget spent and corrected without awaiting when it is in this process;
* a health window's p95 kept sorted once asked for (the hedge delay reads it every call).
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from coinrelay import (
    AllProvidersFailed,
    InvalidRequest,
    InvalidResponse,
    Price,
    ProviderContext,
    ProviderInfo,
    Relay,
    hookimpl,
)
from coinrelay._config import CacheSettings, ProviderSettings, Settings
from coinrelay._health import HealthWindow, _percentile
from coinrelay._http import Response
from coinrelay._models import Attempt, Source, stamp, trusted_attempt, trusted_source
from coinrelay._outcome import Blame, Outcome
from coinrelay._provider import RateLimit
from coinrelay._requests import cache_key, prepare, validate
from coinrelay._state.memory import MemoryState
from coinrelay._watchdog import Watchdog
from coinrelay.testing import FakeClock


def test_prepare_matches_validate_and_cache_key_and_hands_out_copies() -> None:
    for _ in range(2):  # the second time from the memo
        clean, key = prepare("ohlcv", {"symbol": "btc", "quote": "usd", "limit": 5})
        assert clean == validate("ohlcv", {"symbol": "btc", "quote": "usd", "limit": 5})
        assert key == cache_key("ohlcv", clean)
        clean["symbol"] = "MUTATED"
    assert prepare("ohlcv", {"symbol": "btc", "quote": "usd", "limit": 5})[0]["symbol"] == "BTC"


def test_prepare_never_lets_a_remembered_request_stand_in_for_an_invalid_one() -> None:
    prepare("ohlcv", {"symbol": "BTC", "limit": 1})  # remembered; True == 1 and hashes alike
    with pytest.raises(InvalidRequest) as info:
        prepare("ohlcv", {"symbol": "BTC", "limit": True})
    assert info.value.param == "limit"
    with pytest.raises(InvalidRequest):
        prepare("ohlcv", {"symbol": "BTC", "limit": 1.5})
    with pytest.raises(InvalidRequest):
        prepare("price", {"symbol": ["BTC"]})  # unhashable: validated, named


class _Sleepy:
    """A provider whose fetch awaits something other than ctx.http (so only the call deadline bounds it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = asyncio.Event()

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name="sleepy", categories=("price",), endpoints=("http://127.0.0.1:9",))

    @hookimpl
    async def fetch_price(self, ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
        self.started.set()
        await asyncio.sleep(self.seconds)
        return Price(source=ctx.source(), symbol=symbol, quote=quote, price=Decimal(1))


def _relay(plugin: _Sleepy) -> Relay:
    settings = Settings(providers={"sleepy": ProviderSettings()}, cache=CacheSettings(enabled=False))
    return Relay(settings, plugins=[("sleepy", plugin)], load_entry_points=False)


async def test_the_call_deadline_stops_a_plugin_and_counts_as_its_timeout() -> None:
    async with _relay(_Sleepy(30.0)) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await asyncio.wait_for(relay.fetch("price", symbol="BTC", deadline=0.1), 5.0)
        assert [a.outcome for a in info.value.attempts] == ["timeout"]
        assert relay.providers["sleepy"].breaker.record.consecutive_failures == 1
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_plugin_within_its_deadline_is_not_cancelled() -> None:
    async with _relay(_Sleepy(0.01)) as relay:
        price = await relay.fetch("price", symbol="BTC", deadline=5.0)
    assert price.source.attempts[-1].outcome == "ok"


async def test_cancelling_the_caller_is_a_cancellation_not_a_timeout() -> None:
    plugin = _Sleepy(30.0)
    async with _relay(plugin) as relay:
        call = asyncio.create_task(relay.fetch("price", symbol="BTC", deadline=10.0))
        await asyncio.wait_for(plugin.started.wait(), 5.0)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert relay.providers["sleepy"].breaker.record.consecutive_failures == 0


@pytest.mark.parametrize(
    "body",
    [b'{"p": 1.10}', '{"p": 1.10}'.encode("utf-16"), b'\xef\xbb\xbf{"p": 1.10}'],
    ids=["utf-8", "utf-16", "utf-8 BOM"],
)
def test_response_json_reads_every_json_encoding_with_decimals(body: bytes) -> None:
    resp = Response(status_code=200, headers={}, content=body, url="http://x/p", endpoint="http://x", provider="p")
    value = resp.json()
    assert value == {"p": Decimal("1.10")}
    assert str(value["p"]) == "1.10"


@pytest.mark.parametrize("body", [b'{"p": 1', b"<html>", b"\xff\xfe\x00"])
def test_response_json_turns_a_bad_body_into_invalid_response(body: bytes) -> None:
    resp = Response(status_code=200, headers={}, content=body, url="http://x/p", endpoint="http://x", provider="p")
    with pytest.raises(InvalidResponse) as info:
        resp.json()
    assert "malformed JSON" in info.value.message


@pytest.mark.parametrize(
    "values",
    [
        ("binance", "https://api.binance.com", Outcome.OK, Blame.NONE, None, 0.123),
        ("coincap", None, Outcome.TIMEOUT, Blame.ENDPOINT, "no answer", 5000.0),
    ],
)
def test_a_trusted_attempt_is_the_model_validation_builds(values: tuple) -> None:
    names = ("provider", "endpoint", "outcome", "blame", "error", "latency_ms")
    trusted = trusted_attempt(*values)
    validated = Attempt(**dict(zip(names, values, strict=True)))
    assert trusted == validated
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.model_fields_set == validated.model_fields_set
    assert trusted.model_copy(update={"error": "x"}).error == "x"


@pytest.mark.parametrize("endpoint", ["https://api.binance.com", None])
def test_a_trusted_source_is_the_model_validation_builds(endpoint: str | None) -> None:
    trusted = trusted_source("binance", endpoint)
    validated = Source(provider="binance", endpoint=endpoint)
    validated.fetched_at = trusted.fetched_at  # (the only field that differs: the time each was made)
    assert trusted == validated
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.model_fields_set == {"provider", "endpoint"}
    assert trusted.fetched_at.tzinfo is not None and trusted.attempts == []
    assert trusted.model_fields_set == Source(provider="binance", endpoint=endpoint).model_fields_set


def test_stamp_is_what_assigning_the_fields_does() -> None:
    trail = [trusted_attempt("a", None, Outcome.OK, Blame.NONE, None, 1.0)]
    stamped = Source(provider="x")
    assigned = stamped.model_copy(deep=True)
    stamp(stamped, "a", "https://a.example", trail)
    assigned.provider, assigned.endpoint, assigned.attempts = "a", "https://a.example", trail
    assert stamped == assigned
    assert stamped.model_fields_set == assigned.model_fields_set
    assert stamped.model_dump_json(exclude_unset=True) == assigned.model_dump_json(exclude_unset=True)


async def test_the_watchdog_cancels_only_the_attempts_past_their_deadline() -> None:
    watchdog = Watchdog()
    loop = asyncio.get_running_loop()
    ended: dict[str, bool] = {}

    async def attempt(name: str, seconds: float) -> None:
        timer = watchdog.start(time.monotonic() + seconds)
        try:
            await asyncio.Event().wait()  # never set: only the watchdog ends it
        except asyncio.CancelledError:
            ended[name] = timer.end(True)
            raise

    late = loop.create_task(attempt("late", 60.0))  # armed first, for the far deadline
    # the first moves the timer earlier; the others are found due, or re-armed for, when it fires
    soon = [loop.create_task(attempt(f"soon{i}", 0.01 * (i + 1))) for i in range(3)]
    for task in soon:
        with pytest.raises(asyncio.CancelledError):
            await task
    assert ended == {"soon0": True, "soon1": True, "soon2": True}  # each a timeout, none an outside cancel
    assert not late.done() and list(watchdog.pending) != []
    late.cancel()  # from outside: not the watchdog's
    with pytest.raises(asyncio.CancelledError):
        await late
    assert ended["late"] is False and not watchdog.pending


async def test_the_budget_spent_without_awaiting_is_the_same_budget() -> None:
    rl = RateLimit(limit=10, period=60, aligned=True, usage_header="x-used")
    now_state, awaited_state = MemoryState(FakeClock()), MemoryState(FakeClock())
    for cost in (3, 3, 3, 3):
        assert now_state.spend_now("d", cost, rl) == await awaited_state.spend("d", cost, rl)
    assert now_state.observe_usage_now("d", 9.5, rl)
    await awaited_state.observe_usage("d", 9.5, rl)
    assert await now_state.remaining("d", rl) == await awaited_state.remaining("d", rl)


def test_a_windows_kept_p95_is_the_p95_of_its_window() -> None:
    import random

    rng = random.Random(7)
    window = HealthWindow(window=20)
    assert window.p95() is None
    for i in range(300):  # the window fills, then each success evicts the oldest latency
        window.record_success(rng.choice([0.001, 0.002, rng.random()]))
        if i % 3 == 0:
            window.record_failure("x", rng.random())  # failures keep no latency
        if i >= 4:
            expected = _percentile(sorted(window._latencies), 0.95)
            assert window.p95() == expected
