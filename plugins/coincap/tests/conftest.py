"""Fixtures for the coincap plugin's tests: JSON fixtures and the vcrpy config."""

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
    """The required key travels as "Authorization: Bearer" (some clients use ?apiKey=): both filtered."""
    return cassette_filters()
