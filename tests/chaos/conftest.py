"""Every test under tests/chaos/ carries the ``chaos`` marker, and garbage is collected after
each one, so that a leaked socket or transport is reported (a ResourceWarning is an error
here) against the test that leaked it, not a later one."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/chaos/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.chaos)


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    yield
    gc.collect()
