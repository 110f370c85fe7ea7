"""Shared fixtures of the Binance plugin's tests: fixture bodies, settings and cassette filtering."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coinrelay.testing import cassette_filters, read_json

FIXTURES = Path(__file__).parent / "fixtures"


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes("depth_docs.json")``: a fixture file's exact bytes."""
    return _raw


@pytest.fixture
def fixture_json() -> Callable[[str], Any]:
    """``fixture_json("depth_docs.json")``: a fixture decoded as ``Response.json()`` does (floats as Decimal)."""
    return lambda name: read_json(FIXTURES / name)


@pytest.fixture
def exchange_info_body() -> dict[str, Any]:
    """A whole ``exchangeInfo?symbol=BTCUSDT`` body assembled from recorded testnet fragments (fixtures/README.md)."""
    return {
        "timezone": "UTC",
        "serverTime": json.loads(_raw("time_testnet_recorded.json"))["serverTime"],
        "rateLimits": json.loads(_raw("exchangeinfo_ratelimits_testnet_recorded.json")),
        "exchangeFilters": [],
        "symbols": [json.loads(_raw("exchangeinfo_symbols_element_btcusdt_testnet_recorded.json"))],
    }


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Binance's public market data needs no key; filter the signed-endpoint credentials anyway."""
    return cassette_filters(headers=["x-mbx-apikey"], params=["signature"])
