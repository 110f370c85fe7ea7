"""Helpers for plugins' ``_parse`` modules: numbers, times and shapes, with clear errors.

Each raises :class:`~coinrelay._errors.InvalidResponse` naming the field and the provider
when a body does not have the shape the provider's API documents — never ``KeyError``.
Bodies read with :meth:`coinrelay._http.Response.json` hold JSON floats as ``Decimal``
already (``parse_float=Decimal``), so no number goes through a binary float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from ._errors import InvalidResponse
from ._redact import redact as redact  # the one secret scrubber; re-exported for plugins

T = TypeVar("T")


def bad(provider: str, message: str) -> InvalidResponse:
    """An ``InvalidResponse`` for ``provider``."""
    return InvalidResponse(message, provider=provider)


def field(obj: Any, key: str | int, kind: type[T] | tuple[type, ...], provider: str, where: str = "") -> T:
    """``obj[key]``, checked to be of ``kind``."""
    label = f"{where}.{key}" if where else str(key)
    try:
        value = obj[key]
    except (KeyError, IndexError, TypeError):
        raise bad(provider, f"missing field {label!r} (got {type(obj).__name__})") from None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise bad(provider, f"field {label!r} is {type(value).__name__}, expected {_kind_name(kind)}")
    return value  # type: ignore[return-value]


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


def dec(value: Any, label: str, provider: str, *, allow_none: bool = False) -> Decimal | None:
    """A JSON number or numeric string as ``Decimal`` (floats via their shortest repr)."""
    if value is None:
        if allow_none:
            return None
        raise bad(provider, f"field {label!r} is null, expected a number")
    if isinstance(value, bool):
        raise bad(provider, f"field {label!r} is a boolean, expected a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise bad(provider, f"field {label!r} is {value[:40]!r}, not a number") from None
    else:
        raise bad(provider, f"field {label!r} is {type(value).__name__}, expected a number")
    if not result.is_finite():
        raise bad(provider, f"field {label!r} is {value!r}, not a finite number")
    return result


def num(value: Any, label: str, provider: str) -> Decimal:
    """Like :func:`dec`, never ``None``."""
    result = dec(value, label, provider)
    assert result is not None
    return result


def integer(value: Any, label: str, provider: str) -> int:
    """An integer given as a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise bad(provider, f"field {label!r} is a boolean, expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise bad(provider, f"field {label!r} is {value!r}, expected an integer")


def from_ms(value: Any, label: str, provider: str) -> datetime:
    """A UTC datetime from epoch milliseconds."""
    ms = integer(value, label, provider)
    return _from_seconds(ms / 1000, label, provider)


def from_s(value: Any, label: str, provider: str) -> datetime:
    """A UTC datetime from epoch seconds (number or string)."""
    return _from_seconds(integer(value, label, provider), label, provider)


def _from_seconds(seconds: float, label: str, provider: str) -> datetime:
    if not 0 <= seconds < 32_503_680_000:  # year 3000
        raise bad(provider, f"field {label!r}: {seconds!r} is not a plausible epoch time")
    return datetime.fromtimestamp(seconds, UTC)


def from_iso(value: Any, label: str, provider: str) -> datetime:
    """A UTC datetime from an RFC 3339 / ISO 8601 string (``Z`` or an offset required)."""
    if not isinstance(value, str):
        raise bad(provider, f"field {label!r} is {type(value).__name__}, expected an RFC 3339 time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad(provider, f"field {label!r} is {value[:40]!r}, not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise bad(provider, f"field {label!r} is {value!r}: no time zone")
    return parsed.astimezone(UTC)
