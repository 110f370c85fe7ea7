"""Error paths: provider error bodies, malformed JSON, 429 with Retry-After through the core."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import coinrelay_alternativeme as plugin
from coinrelay import ProviderSettings, Relay, Settings
from coinrelay.plugin import AllProvidersFailed, InvalidResponse, RateLimited, UpstreamServerError
from coinrelay.testing import FakeUpstream, Fault, ProviderHarness, Reply

FIXTURES = Path(__file__).parent / "fixtures"
DOCS_BODY = (FIXTURES / "fng_limit2_docs.json").read_bytes()
# No public example of a non-null metadata.error exists: this body is the documented envelope
# (fixtures/fng_limit2_docs.json) with "data" emptied and "metadata.error" set.
ERROR_BODY = {"name": "Fear and Greed Index", "data": [], "metadata": {"error": "Invalid limit parameter"}}


def harness_for(handler: httpx.MockTransport) -> ProviderHarness:
    return ProviderHarness(plugin, "alternativeme", transport=handler)


async def test_metadata_error_in_http_200() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=ERROR_BODY))
    async with harness_for(transport) as harness:
        with pytest.raises(InvalidResponse, match=r"metadata\.error: Invalid limit parameter"):
            await harness.call("sentiment", limit=2)


async def test_metadata_error_with_error_status() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=ERROR_BODY))
    async with harness_for(transport) as harness:
        with pytest.raises(InvalidResponse, match=r"refused the request: Invalid limit parameter \(HTTP 400"):
            await harness.call("sentiment", limit=2)


async def test_not_found_html_names_status() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(404, text="<html>Not Found</html>"))
    async with harness_for(transport) as harness:
        with pytest.raises(InvalidResponse, match="HTTP 404"):
            await harness.call("sentiment", limit=2)


async def test_truncated_json() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=DOCS_BODY[: len(DOCS_BODY) // 2]))
    async with harness_for(transport) as harness:
        with pytest.raises(InvalidResponse, match="malformed JSON"):
            await harness.call("sentiment", limit=2)


async def test_request_carries_limit_and_format(upstream: FakeUpstream) -> None:
    upstream.route("/fng/", Reply.raw(DOCS_BODY))
    async with ProviderHarness(plugin, "alternativeme", provider_settings={"endpoints": [upstream.url]}) as harness:
        result = await harness.call("sentiment", limit=2)
    assert result is not None
    assert upstream.requests[-1].query == {"limit": "2", "format": "json"}


async def test_429_retry_after_through_the_core(upstream: FakeUpstream) -> None:
    upstream.route("/fng/", Reply.raw(DOCS_BODY))
    upstream.fault = Fault("rate_limit", retry_after="120", body=b'{"error":"slow down"}')
    async with ProviderHarness(plugin, "alternativeme", provider_settings={"endpoints": [upstream.url]}) as harness:
        with pytest.raises(RateLimited) as info:
            await harness.call("sentiment", limit=2)
    assert info.value.retry_after == 120
    assert info.value.provider == "alternativeme"


async def test_429_pauses_the_provider_in_the_relay(upstream: FakeUpstream) -> None:
    upstream.route("/fng/", Reply.raw(DOCS_BODY))
    upstream.fault = Fault("rate_limit", retry_after="300")
    settings = Settings(providers={"alternativeme": ProviderSettings(endpoints=[upstream.url])})
    async with Relay(settings, plugins=[("alternativeme", plugin)], load_entry_points=False) as relay:
        with pytest.raises(AllProvidersFailed) as first:
            await relay.sentiment(limit=2)
        assert [a.outcome for a in first.value.attempts] == ["rate_limited"]
        upstream.fault = None
        with pytest.raises(AllProvidersFailed):
            await relay.sentiment(limit=2)
    assert upstream.count("/fng/") == 1  # the second call never reached the paused provider


async def test_server_error_is_transient(upstream: FakeUpstream) -> None:
    upstream.fault = Fault("status", status=503)
    async with ProviderHarness(plugin, "alternativeme", provider_settings={"endpoints": [upstream.url]}) as harness:
        with pytest.raises(UpstreamServerError, match="HTTP 503"):
            await harness.call("sentiment", limit=2)


def test_no_credentials_in_cassettes() -> None:
    cassettes = sorted((Path(__file__).parent / "cassettes").rglob("*.yaml"))
    assert cassettes, "no cassettes found"
    for path in cassettes:
        text = path.read_text().lower()
        for needle in ("authorization", "apikey", "api_key", "bearer ", "x-api-key"):
            assert needle not in text, f"{path.name} contains {needle!r}"
    json.loads(DOCS_BODY)  # the fixture the error bodies derive from is valid JSON
