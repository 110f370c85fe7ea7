"""pytest plugin (registered through the ``pytest11`` entry point): coinrelay fixtures.

* ``fake_clock`` — a :class:`~coinrelay._clock.FakeClock`;
* ``upstream`` — a started :class:`~coinrelay.testing.upstream.FakeUpstream`, closed after the test;
* ``upstream_factory`` — call it for more upstreams, all closed after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .._clock import FakeClock
from .upstream import FakeUpstream


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def upstream_factory() -> Iterator[Callable[[], FakeUpstream]]:
    made: list[FakeUpstream] = []

    def make() -> FakeUpstream:
        up = FakeUpstream().start()
        made.append(up)
        return up

    yield make
    for up in made:
        up.close()


@pytest.fixture
def upstream(upstream_factory: Callable[[], FakeUpstream]) -> FakeUpstream:
    return upstream_factory()
