"""Shared fixtures for the coingecko plugin's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CASSETTES = Path(__file__).parent / "cassettes"

#: Headers and query parameters that can carry a CoinGecko key: never written to a cassette.
SECRET_HEADERS = ("x-cg-demo-api-key", "x-cg-pro-api-key", "authorization")
SECRET_PARAMS = ("x_cg_demo_api_key", "x_cg_pro_api_key")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [(h, "REDACTED") for h in SECRET_HEADERS],
        "filter_query_parameters": [(p, "REDACTED") for p in SECRET_PARAMS],
        "decode_compressed_response": True,
    }
