"""Blame goes to the right party, and time budgets keep every tier reachable (issue 10).

The shipped plugins against the sandbox's loopback upstreams, which speak each provider's
real format, with the shipped default configuration (no timeout, deadline or hedging key set;
the cache off where a test needs every call to walk the chain):

* a blackholed first provider (Binance's three mirrors accept and never answer) costs no call:
  its share of the deadline leaves time for CoinCap, and once its breaker opens no caller
  waits on it again — not even on its half-open probe, which runs in the background;
* one bad mirror (garbage, or an error in an HTTP 200) is that mirror's fault: the provider's
  other mirrors answer, its breaker opens, the provider's stays closed;
* a caller's mistake (a bogus quote, an unknown symbol) is a 404/422, never a 503, opens no
  breaker, and the next good call is served by the first provider without failover.

Nothing here measures time: the figures (p50/p99 before and after detection) are in
``bench/`` (scenario 8) and docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from coinrelay import FakeClock, Relay, SymbolNotFound, load_settings
from coinrelay.sandbox import Sandbox
from coinrelay.server import create_app
from coinrelay.testing import Fault

CALLERS = 4
#: Binance's mirrors in the sandbox: accept, then answer after an hour.
BLACKHOLE = 3600.0


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def relay(box: Sandbox) -> AsyncIterator[Relay]:
    """A relay with the shipped defaults on the sandbox, the cache off, breakers on a test clock."""
    box.clear()
    settings = box.apply(load_settings(use_file=False))
    settings.cache.enabled = False
    # Breakers and pauses read this clock (frozen at the real time: the sandbox's answers carry
    # real timestamps); call deadlines are real monotonic time, as in production.
    async with Relay(settings, sandbox=True, clock=FakeClock(time.time())) as r:
        yield r
    box.clear()


def breaker(relay: Relay, provider: str, endpoint: int | None = None) -> str:
    rt = relay.providers[provider]
    br = rt.breaker if endpoint is None else rt.endpoint_state(rt.endpoints[endpoint]).breaker
    return br.record.state


def binance_steps(price: Any) -> list[tuple[str, str]]:
    return [(str(a.outcome), a.error or "") for a in price.source.attempts if a.provider == "binance"]


async def test_a_blackholed_first_provider_costs_no_call_and_no_wait_once_found(relay: Relay, box: Sandbox) -> None:
    box.inject("binance", "slow", delay=BLACKHOLE)
    answers: list[Any] = []
    after_detection: list[Any] = []
    failures: list[BaseException] = []

    async def caller(i: int) -> None:
        symbol = ("BTC", "ETH", "SOL", "XRP")[i]  # one each: no call joins another's flight
        while True:
            detected = breaker(relay, "binance") == "open"
            try:
                price = await relay.price(symbol)
            except Exception as exc:  # a failed call is what this test forbids
                failures.append(exc)
                return
            (after_detection if detected else answers).append(price)
            if len(after_detection) >= 20 * CALLERS:
                return

    await asyncio.gather(*(caller(i) for i in range(CALLERS)))
    assert failures == []
    # The first wave: Binance took its share of the deadline, split over its mirrors, each
    # mirror's timeout its own; CoinCap then answered in the same call.
    first = answers[0]
    assert first.source.provider == "coincap"
    assert [o for o, _ in binance_steps(first)] == ["timeout", "timeout", "timeout"]
    assert first.source.attempts[2].blame == "provider"  # every endpoint failed: the provider's
    # Detection: the provider's breaker and every mirror's opened.
    assert breaker(relay, "binance") == "open"
    assert [breaker(relay, "binance", i) for i in range(3)] == ["open", "open", "open"]
    # After it, no call waits on Binance: it is skipped, and the next provider answers at once
    # (CoinCap, until its own rate budget says CoinGecko).
    assert len(after_detection) >= 20 * CALLERS
    for price in after_detection:
        assert price.source.provider in ("coincap", "coingecko")
        assert [o for o, _ in binance_steps(price)] == ["skipped"]


async def test_a_half_open_probe_runs_in_the_background_and_stalls_nobody(relay: Relay, box: Sandbox) -> None:
    box.inject("binance", "slow", delay=BLACKHOLE)
    await asyncio.gather(*(relay.price(s) for s in ("BTC", "ETH", "SOL")))  # one wave: detection, as above
    assert breaker(relay, "binance") == "open"
    clock = relay.clock
    assert isinstance(clock, FakeClock)
    clock.advance(5.0 * 1.1 + 0.01)  # the recovery timeout, jitter included: probes are due
    first, *others = await asyncio.gather(*(relay.price(s) for s in ("BTC", "ETH", "SOL", "XRP")))
    # One caller sent the probe and went on down the chain; the others skipped Binance.
    probing = [p for p in (first, *others) if any("in the background" in e for _, e in binance_steps(p))]
    assert len(probing) == 1
    for price in (first, *others):
        assert price.source.provider in ("coincap", "coingecko")
        assert [o for o, _ in binance_steps(price)] == ["skipped"]
    # Every answer came while the probe still hangs on the blackholed mirror.
    pending = [t for t in relay._background if not t.done()]
    assert len(pending) == 1
    await relay.wait_background()  # the probe ends with its share of the deadline...
    assert breaker(relay, "binance") == "open"  # ...and re-opens the breaker, backoff doubled
    assert relay.providers["binance"].breaker.record.recovery == pytest.approx(10.0)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault("garbage"), id="html-in-200"),
        pytest.param(
            Fault("status", status=200, body=b'{"code":-1000,"msg":"An unknown error occurred while processing."}'),
            id="error-body-in-200",
        ),
    ],
)
async def test_one_bad_mirror_is_that_mirrors_fault(relay: Relay, box: Sandbox, fault: Fault) -> None:
    box.upstreams["binance"][0].fault = fault
    answers = []
    for i in range(200):
        answers.append(await relay.price(("BTC", "ETH")[i % 2]))  # never a failed call
    from_binance = [p for p in answers if p.source.provider == "binance"]
    assert len(from_binance) >= 0.95 * len(answers)
    mirrors = box.endpoints("binance")
    assert {p.source.endpoint for p in from_binance} <= set(mirrors[1:])
    assert breaker(relay, "binance") == "closed"
    assert breaker(relay, "binance", 0) == "open"
    first_bad = answers[0].source.attempts[0]
    assert (first_bad.endpoint, first_bad.outcome, first_bad.blame) == (mirrors[0], "invalid", "endpoint")


async def test_a_callers_mistake_is_a_404_opens_no_breaker_and_costs_no_failover(relay: Relay) -> None:
    for _ in range(5):
        for symbol, quote in (("BTC", "AAA"), ("NOSUCHCOIN", "USD")):
            with pytest.raises(SymbolNotFound) as info:
                await relay.price(symbol, quote)
            assert {a.outcome for a in info.value.attempts} <= {"not_found", "unsupported"}
    every = [
        br.record.state
        for rt in relay.providers.values()
        for br in (rt.breaker, *(ep.breaker for ep in rt.endpoint_states()))
    ]
    assert set(every) == {"closed"}
    good = await relay.price("BTC")
    assert good.source.provider == "binance"
    assert [(a.provider, a.outcome) for a in good.source.attempts] == [("binance", "ok")]


async def test_over_http_a_callers_mistake_is_never_a_503(relay: Relay, box: Sandbox) -> None:
    app = create_app(relay, sandbox=box)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://relay.test") as client:
        for _ in range(3):
            assert (await client.get("/api/v1/price", params={"symbol": "BTC", "quote": "AAA"})).status_code == 404
            assert (await client.get("/api/v1/price", params={"symbol": "NOSUCHCOIN"})).status_code == 404
            assert (await client.get("/api/v1/price", params={"symbol": "BTC", "quote": "A A"})).status_code == 422
        good = await client.get("/api/v1/price", params={"symbol": "BTC"})
    assert good.status_code == 200
    assert [a["provider"] for a in good.json()["source"]["attempts"]] == ["binance"]
