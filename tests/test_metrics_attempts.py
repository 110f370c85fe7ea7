"""``/metrics`` per attempt and per call, with bounded label sets (issue 10 item 4, issue 13 item 6).

The listener is driven with events emitted here (the relay's per-attempt contract: one
``RequestFinished`` per attempt, one ``CallFinished`` per call), plus one loopback test
through a real :class:`~coinrelay.Relay`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coinrelay import Blame, Outcome, Relay
from coinrelay._clock import FakeClock
from coinrelay._config import ProviderSettings, Settings
from coinrelay._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
from coinrelay.server import create_app
from coinrelay.server.metrics import MetricsListener
from coinrelay.testing import FakeUpstream

from .support import price_provider, relay_for, serve_price

A0, A1, B = "http://127.0.0.1:9/a0", "http://127.0.0.1:9/a1", "http://127.0.0.1:9/b"


@pytest.fixture
def relay() -> Relay:
    """Two providers that are never called: the events come from the tests."""
    settings = Settings(
        providers={"a": ProviderSettings(endpoints=[A0, A1]), "b": ProviderSettings(endpoints=[B])},
        chains={"price": ["a", "b"]},
    )
    plugins = [(n, price_provider(n)) for n in ("a", "b")]
    return Relay(settings, plugins=plugins, load_entry_points=False, clock=FakeClock())


def samples(listener: MetricsListener, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """Every sample of ``name`` in the exposition, by its label set."""
    out: dict[frozenset[tuple[str, str]], float] = {}
    for family in text_string_to_metric_families(listener.exposition().decode()):
        for s in family.samples:
            if s.name == name:
                out[frozenset(s.labels.items())] = s.value
    return out


def labels(**kw: str) -> frozenset[tuple[str, str]]:
    return frozenset(kw.items())


def value(listener: MetricsListener, name: str, **labels: str) -> float | None:
    return samples(listener, name).get(frozenset(labels.items()))


def attempt(provider: str, endpoint: str | None, outcome: str, blame: str = Blame.NONE) -> RequestFinished:
    return RequestFinished(provider, endpoint, "price", outcome, 0.01, None if outcome == "ok" else "boom", blame)


def test_every_attempt_is_counted_with_its_endpoint_outcome_and_blame(relay: Relay) -> None:
    m = MetricsListener(relay)
    m.on_request_finished(attempt("a", A0, Outcome.FAILED, Blame.ENDPOINT))
    m.on_request_finished(attempt("a", A1, Outcome.OK))
    m.on_request_finished(attempt("b", None, Outcome.SKIPPED))
    m.on_request_finished(attempt("a", A0, Outcome.FAILED, Blame.ENDPOINT))
    name = "coinrelay_attempts_total"
    common = {"provider": "a", "category": "price"}
    assert value(m, name, **common, endpoint=A0, outcome="failed", blame="endpoint") == 2
    assert value(m, name, **common, endpoint=A1, outcome="ok", blame="none") == 1
    assert value(m, name, provider="b", endpoint="", category="price", outcome="skipped", blame="none") == 1
    # the existing series keep their names and labels
    old = {**common, "endpoint": A0, "outcome": "failed"}
    assert value(m, "coinrelay_provider_requests_total", **old) == 2
    assert value(m, "coinrelay_provider_request_duration_seconds_count", **old) == 2


def test_label_sets_are_bounded_whatever_the_events_say(relay: Relay) -> None:
    m = MetricsListener(relay)
    for i in range(50):  # a plugin choosing a new URL per call, odd outcomes, unknown names
        m.on_request_finished(RequestFinished("a", f"http://127.0.0.1:9/x{i}", "price", "ok", 0.01, None))
        m.on_request_finished(RequestFinished(f"ghost{i}", A0, f"cat{i}", f"weird{i}", 0.01, "x", f"who{i}"))
        m.on_call_finished(CallFinished(f"cat{i}", f"via{i}", None, f"odd{i}", 0.0))
        m.on_failover(FailoverHappened(f"cat{i}", f"ghost{i}", "a", "why"))
        m.on_breaker_state_change(BreakerStateChanged("a", f"http://127.0.0.1:9/x{i}", "closed", "open", "r", None))
    attempts = samples(m, "coinrelay_attempts_total")
    other = "other"
    assert attempts == {
        labels(provider="a", endpoint=other, category="price", outcome="ok", blame="none"): 50,
        labels(provider=other, endpoint=other, category=other, outcome=other, blame=other): 50,
    }
    calls = samples(m, "coinrelay_calls_total")
    assert calls == {frozenset({"category": "other", "served": "other", "outcome": "other"}.items()): 50}
    failovers = samples(m, "coinrelay_failovers_total")
    assert failovers == {frozenset({"category": "other", "from_provider": "other", "to_provider": "a"}.items()): 50}
    transitions = samples(m, "coinrelay_breaker_transitions_total")
    assert transitions == {frozenset({"provider": "a", "endpoint": "other", "state": "open"}.items()): 50}
    endpoints = {dict(labels)["endpoint"] for labels in samples(m, "coinrelay_breaker_state")}
    assert endpoints == {"", A0, A1, B}  # a gauge never gets a catch-all series


def test_calls_are_counted_by_how_they_were_served(relay: Relay) -> None:
    m = MetricsListener(relay)
    m.on_call_finished(CallFinished("price", "provider", "a", Outcome.OK, 0.02))
    for _ in range(99):
        m.on_call_finished(CallFinished("price", "cache", "a", Outcome.OK, 0.000_01))
    m.on_call_finished(CallFinished("price", "coalesced", "a", Outcome.OK, 0.02))
    m.on_call_finished(CallFinished("price", "none", None, Outcome.FAILED, 0.5))
    name = "coinrelay_calls_total"
    assert value(m, name, category="price", served="provider", outcome="ok") == 1
    assert value(m, name, category="price", served="cache", outcome="ok") == 99
    assert value(m, name, category="price", served="coalesced", outcome="ok") == 1
    assert value(m, name, category="price", served="none", outcome="failed") == 1
    assert value(m, "coinrelay_call_duration_seconds_count", category="price", served="cache") == 99
    assert value(m, "coinrelay_call_duration_seconds_bucket", category="price", served="cache", le="0.0001") == 99


async def test_a_mirror_failing_before_the_next_answers_is_a_failed_attempt_in_metrics(
    upstream_factory: Callable[[], FakeUpstream],
) -> None:
    """Through a real relay: mirror 0 refuses connections, mirror 1 answers."""
    bad, good = upstream_factory(), upstream_factory()
    serve_price(good, "100.5")
    bad.down()
    relay = relay_for({"a": [bad, good]})
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        resp = await client.get("/api/v1/price?symbol=BTC")
        assert resp.status_code == 200
        assert resp.json()["source"]["endpoint"] == good.url
        text = (await client.get("/metrics")).text
    await relay.aclose()
    assert _sample(text, "coinrelay_attempts_total", provider="a", endpoint=good.url, outcome="ok") == 1
    failed = {"provider": "a", "endpoint": bad.url, "category": "price", "outcome": "failed", "blame": "endpoint"}
    assert _sample(text, "coinrelay_attempts_total", **failed) == 1
    assert _sample(text, "coinrelay_calls_total", category="price", served="provider", outcome="ok") == 1


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample of ``name`` whose labels include ``labels`` (None if none)."""
    found = []
    for line in text.splitlines():
        if line.startswith(name + "{"):
            got = dict(re.findall(r'(\w+)="([^"]*)"', line[len(name) : line.rindex("}") + 1]))
            if labels.items() <= got.items():
                found.append(float(line.rsplit(" ", 1)[1]))
    assert len(found) <= 1, found
    return found[0] if found else None
