"""Offline parsing of Alternative.me bodies (fixtures copied from ../shared, see fixtures/SOURCES.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from coinrelay.plugin import InvalidResponse, Source
from coinrelay_alternativeme._parse import parse_fng

SRC = Source(provider="alternativeme", endpoint="https://api.alternative.me")


def test_docs_example(load_fixture: Callable[[str], Any]) -> None:
    result = parse_fng(load_fixture("fng_limit2_docs.json"), 2, SRC)
    assert result.value == 40
    assert result.classification == "Fear"
    assert result.timestamp == datetime(2019, 2, 26, 5, 0, tzinfo=UTC)
    assert result.time_until_update == 68499
    assert [(p.value, p.classification) for p in result.history] == [(40, "Fear"), (47, "Neutral")]
    assert result.history[1].timestamp == datetime(2019, 2, 25, 5, 0, tzinfo=UTC)
    assert result.source.provider == "alternativeme"


def test_recorded_2026(load_fixture: Callable[[str], Any]) -> None:
    result = parse_fng(load_fixture("fng_limit3_recorded_2026.json"), 3, SRC)
    assert (result.value, result.classification) == (13, "Extreme Fear")
    assert result.timestamp == datetime(2026, 2, 27, 0, 0, tzinfo=UTC)
    assert result.time_until_update == 60068
    assert [p.value for p in result.history] == [13, 11, 11]
    assert [p.timestamp.day for p in result.history] == [27, 26, 25]


def test_history_cut_to_limit(load_fixture: Callable[[str], Any]) -> None:
    result = parse_fng(load_fixture("fng_limit3_recorded_2026.json"), 1, SRC)
    assert len(result.history) == 1
    assert result.history[0].timestamp == result.timestamp


def test_time_until_update_absent_is_none(load_fixture: Callable[[str], Any]) -> None:
    body = load_fixture("fng_limit2_docs.json")
    del body["data"][0]["time_until_update"]
    assert parse_fng(body, 2, SRC).time_until_update is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b["data"][0].update(value="101"), "outside the index range"),
        (lambda b: b["data"][0].update(value="forty"), "expected an integer"),
        (lambda b: b["data"][0].update(value_classification="Panic"), "value_classification"),
        (lambda b: b["data"][1].update(timestamp="1551243600"), "not newest first"),
        (lambda b: b["data"][0].update(timestamp="soon"), "timestamp"),
        (lambda b: b["data"][0].update(time_until_update="-5"), "negative"),
        (lambda b: b["data"][1].pop("value_classification"), "data[1].value_classification"),
        (lambda b: b.update(data=[]), "empty"),
        (lambda b: b.update(data={"value": "40"}), "'data'"),
        (lambda b: b.update(metadata="oops"), "metadata"),
        (lambda b: b["metadata"].update(error="Something went wrong"), "Something went wrong"),
    ],
)
def test_bad_bodies_raise_invalid_response(
    load_fixture: Callable[[str], Any], mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    body = load_fixture("fng_limit2_docs.json")
    mutate(body)
    with pytest.raises(InvalidResponse, match=re.escape(message)) as info:
        parse_fng(body, 2, SRC)
    assert info.value.provider == "alternativeme"
