"""The plugin against hand-built cassettes of the real API (real URL, real bodies; see each cassette's header)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import coinrelay_alternativeme as plugin
from coinrelay.plugin import Sentiment
from coinrelay.testing import ProviderHarness


@pytest.mark.vcr
async def test_sentiment_docs_example() -> None:
    async with ProviderHarness(plugin, "alternativeme") as harness:
        result = await harness.call("sentiment", limit=2)
    assert isinstance(result, Sentiment)
    assert (result.value, result.classification, result.time_until_update) == (40, "Fear", 68499)
    assert [p.value for p in result.history] == [40, 47]
    assert result.source.provider == "alternativeme"
    assert result.source.endpoint == "https://api.alternative.me"


@pytest.mark.vcr
async def test_sentiment_recorded_2026() -> None:
    async with ProviderHarness(plugin, "alternativeme") as harness:
        result = await harness.call("sentiment", limit=3)
    assert isinstance(result, Sentiment)
    assert result.timestamp == datetime(2026, 2, 27, tzinfo=UTC)
    assert [(p.value, p.classification) for p in result.history] == [
        (13, "Extreme Fear"),
        (11, "Extreme Fear"),
        (11, "Extreme Fear"),
    ]
