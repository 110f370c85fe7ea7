"""Shared fixtures for the coingecko plugin's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coinrelay.testing import cassette_filters

CASSETTES = Path(__file__).parent / "cassettes"

#: Headers and query parameters that can carry a CoinGecko key: never written to a cassette.
SECRET_HEADERS = ("x-cg-demo-api-key", "x-cg-pro-api-key", "authorization")
SECRET_PARAMS = ("x_cg_demo_api_key", "x_cg_pro_api_key")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassette_filters(headers=SECRET_HEADERS, params=SECRET_PARAMS)
