"""Every test under tests/chaos/ carries the ``chaos`` marker."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/chaos/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.chaos)
