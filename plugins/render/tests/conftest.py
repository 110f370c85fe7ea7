"""Fixtures for the render plugin's tests: remote coinrelay answers and a loopback remote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coinrelay.testing import read_json

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """``load_fixture("price")``: the remote's body, decoded as ``Response.json`` does (floats as Decimal)."""

    return lambda category: read_json(FIXTURES / f"{category}.json")


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes("price")``: the remote's body as sent on the wire."""

    def read(category: str) -> bytes:
        return (FIXTURES / f"{category}.json").read_bytes()

    return read
