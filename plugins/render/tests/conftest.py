"""Fixtures for the render plugin's tests: remote coinrelay answers and a loopback remote."""

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
    """``load_fixture("price")``: the remote's body, decoded as ``Response.json`` does (floats as Decimal)."""

    def load(category: str) -> Any:
        return json.loads((FIXTURES / f"{category}.json").read_bytes(), parse_float=Decimal)

    return load


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes("price")``: the remote's body as sent on the wire."""

    def read(category: str) -> bytes:
        return (FIXTURES / f"{category}.json").read_bytes()

    return read
