"""Fixtures for the alternativeme plugin's tests: JSON fixtures and the vcrpy config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coinrelay.testing import cassette_filters, read_json

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """``load_fixture("x.json")``: a fixture body decoded as ``Response.json`` does (floats as Decimal)."""
    return lambda name: read_json(FIXTURES / name)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """No key is used by this provider; the usual credential carriers are filtered anyway."""
    return cassette_filters()
