"""Injected time. Breakers, backoff, health and rate limits read a :class:`Clock`."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Two readings: monotonic seconds for intervals, wall seconds for display and windows."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clock (its readings are the ``time`` module's own functions: no call in between)."""

    __slots__ = ()

    monotonic = staticmethod(time.monotonic)
    time = staticmethod(time.time)


class FakeClock:
    """A clock the tests drive with :meth:`advance`. Both readings move together."""

    __slots__ = ("_mono", "_wall")

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 1000.0

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._mono += seconds
        self._wall += seconds


SYSTEM_CLOCK = SystemClock()
