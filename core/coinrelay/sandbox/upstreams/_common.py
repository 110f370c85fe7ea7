"""Helpers shared by the sandbox's provider handlers."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from ...testing.upstream import Reply


@cache
def _raw(provider: str, name: str) -> Any:
    return json.loads(resources.files("coinrelay.sandbox.bodies").joinpath(provider, name).read_text("utf-8"))


def body(provider: str, name: str) -> Any:
    """A fresh copy of the recorded body ``bodies/<provider>/<name>``."""
    return copy.deepcopy(_raw(provider, name))


def ok(data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply.json(data, headers=headers)


def error(data: Any, status: int) -> Reply:
    return Reply.json(data, status=status)


def ms(t: float) -> int:
    return int(t * 1000)


def int_param(value: str | None, default: int, lo: int, hi: int) -> int:
    """A query parameter as an int clamped to ``lo..hi`` (``default`` when absent or bad)."""
    try:
        n = int(value) if value not in (None, "") else default
    except ValueError:
        n = default
    return max(lo, min(hi, n))
