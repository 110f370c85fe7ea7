"""Shared fixtures for the coinpaprika plugin's tests."""

from __future__ import annotations

from typing import Any

import pytest

from coinrelay.testing import cassette_filters

#: Headers that can carry a CoinPaprika key: never written to a cassette.
SECRET_HEADERS = ("authorization",)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassette_filters(headers=SECRET_HEADERS)
