"""Property: whatever a provider's endpoint sends, the relay returns a plausible value or refuses.

For every plugin and category (:mod:`.cases`), hypothesis draws mutations of the real bodies —
one or two places changed (:data:`coinrelay.testing.mutations.KINDS`: dropped, null, wrong
type, ``""``, ``"NaN"``, ``"-1"``, ``"0"``, ``1e400``, ``"Infinity"``, a time moved, another
coin's or quote's identity, huge, reversed or repeated lists) or the whole body replaced
(empty, HTML 200, truncated, 100,000 deep, in-band errors) — serves them from a loopback
upstream and calls a :class:`~coinrelay.Relay` holding that one provider. The oracle
(:func:`coinrelay.testing.oracle.judge`): no wrong value returned as success (the core's
invariants, ``check()``, and the result models' validation), no foreign exception out of a plugin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coinrelay.testing.mutations import KINDS, apply, decode, encode, label, paths, whole_mutations
from coinrelay.testing.oracle import Bench

from .cases import CASES, Case


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _bodies(case: Case) -> dict[str, bytes]:
    return dict(case.bodies) if not isinstance(case.bodies, bytes) else {"": case.bodies}


def _mutate(data: st.DataObject, doc: Any, places: int) -> tuple[Any, list[str]]:
    """``doc`` with ``places`` places changed (each drawn path and kind); the labels of the changes."""
    done: list[str] = []
    for _ in range(places):
        where = paths(doc)
        if not where:
            break
        path = data.draw(st.sampled_from(where), label="path")
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        changed = apply(doc, path, kind)
        if changed is not None:
            doc = changed
            done.append(f"{label(path)}: {kind}")
    return doc, done


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_no_wrong_value_and_no_foreign_exception(case: Case, loop: asyncio.AbstractEventLoop) -> None:
    real = _bodies(case)
    docs = {key: decode(content) for key, content in real.items()}
    whole = {key: list(whole_mutations(content, case.errors)) for key, content in real.items()}
    bench = Bench([(case.name, case.plugin)], case.settings)
    outcomes: dict[str, int] = {}

    @settings(settings.get_profile("coinrelay-fuzz"))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(real)), label="body")
        if data.draw(st.integers(0, 3), label="shape") == 0:
            mutation = data.draw(st.sampled_from(whole[key]), label="whole")
            body, what = mutation.body, [mutation.label]
        else:
            doc, what = _mutate(data, docs[key], data.draw(st.integers(1, 2), label="places"))
            body = encode(doc)
        served = body if key == "" else {**real, key: body}
        try:
            verdict = loop.run_until_complete(bench.serve(case.category, case.params, served))
        except AssertionError as exc:
            raise AssertionError(f"{case.id}: mutation {what} of body {key or '<the body>'}: {exc}") from None
        outcome = "ok" if verdict.outcome == "ok" else verdict.outcome.rsplit(",", 1)[-1]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    try:
        run()
    finally:
        loop.run_until_complete(bench.aclose())
    # the examples reach both sides: plausible values served, impossible ones refused
    assert outcomes.get("ok", 0) > 0, outcomes
    assert sum(n for outcome, n in outcomes.items() if outcome != "ok") > 0, outcomes
