"""Fixtures for the coincap plugin's tests: JSON fixtures and the vcrpy config."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """``load_fixture("x.json")``: a fixture body decoded as ``Response.json`` does (floats as Decimal)."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)

    return load


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """The required key travels as "Authorization: Bearer" (some clients use ?apiKey=): filter both."""
    return {
        "filter_headers": ["authorization", "x-api-key"],
        "filter_query_parameters": ["api_key", "apiKey"],
        "decode_compressed_response": True,
    }
