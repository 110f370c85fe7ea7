"""Shared fixtures for the coinpaprika plugin's tests."""

from __future__ import annotations

from typing import Any

import pytest

#: Headers that can carry a CoinPaprika key: never written to a cassette.
SECRET_HEADERS = ("authorization",)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [(h, "REDACTED") for h in SECRET_HEADERS],
        "decode_compressed_response": True,
    }
