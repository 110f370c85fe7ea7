"""Where breaker, health, pause, quota and cache state lives (see :mod:`.base`)."""

from __future__ import annotations

from .base import CacheEntry, Pause, StateBackend
from .memory import MemoryState

__all__ = ["CacheEntry", "MemoryState", "Pause", "StateBackend"]
