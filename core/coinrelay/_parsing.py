"""Helpers for plugins' ``_parse`` modules: numbers, times and shapes, with clear errors.

Each raises :class:`~coinrelay._errors.InvalidResponse` naming the field and the provider
when a body does not have the shape the provider's API documents — never ``KeyError``.
Bodies read with :meth:`coinrelay._http.Response.json` hold JSON floats as ``Decimal``
already (``parse_float=Decimal``), so no number goes through a binary float.

Every malformed input ends as ``InvalidResponse`` — never ``OverflowError`` (a millisecond
time of ``1e400``), ``decimal`` signals (``1E+999999`` multiplied), ``ValueError`` from a
4,301-digit integer or a non-ASCII digit, or ``TypeError``: numbers are bounded
(:data:`MAX_MAGNITUDE`, :data:`MIN_MAGNITUDE`, 64-bit integers) before anyone computes
with them, and times must fall between 1970 and the year 3000.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import ContextDecorator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from ._errors import InvalidResponse
from ._redact import redact as redact  # the one secret scrubber; re-exported for plugins

T = TypeVar("T")

#: No market value reaches 1e50 (nor, when not zero, falls below 1e-50): beyond is garbage.
#: The bound keeps every later sum or product inside ``decimal``'s default context.
MAX_MAGNITUDE = Decimal("1e50")
MIN_MAGNITUDE = Decimal("1e-50")
#: Integers (ids, ranks, counts, epoch times) fit in 64 bits.
_INT_LIMIT = 2**63
#: Epoch seconds of 3000-01-01: a later time is garbage.
_YEAR_3000 = 32_503_680_000


def _show(value: Any) -> str:
    """A short ``repr`` of an offending value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def bad(provider: str, message: str) -> InvalidResponse:
    """An ``InvalidResponse`` for ``provider``."""
    return InvalidResponse(message, provider=provider)


def rejected(exc: ValidationError, limit: int = 3) -> str:
    """``Model.field.path: message`` for the first errors of ``exc`` (no input value echoed)."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    parts = [
        ".".join([exc.title, *(str(p) for p in e["loc"])]) + ": " + e["msg"].removeprefix("Value error, ")
        for e in errors[:limit]
    ]
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return "; ".join(parts)


class parsing(ContextDecorator):
    """A result model that rejects a value the body gave becomes ``InvalidResponse``.

    The result models refuse what cannot be true (a negative price, a candle whose high is
    below its low, ...) with ``pydantic.ValidationError``; a plugin wraps the code that builds
    results from a body — as a decorator of its parse function, or a ``with`` block — so the
    relay sees the endpoint's bad answer, naming the model and the field::

        @parsing(NAME)
        def parse_price(body: Any, pair: Pair, source: Source) -> Price: ...

    :param provider: the provider named in the error.
    :param what: where in the body (``"klines"``), prefixed to the message when given.
    """

    def __init__(self, provider: str, what: str = "") -> None:
        self.provider = provider
        self.what = what

    def __enter__(self) -> parsing:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, ValidationError):
            raise self._invalid(exc) from None

    def __call__(self, func: Callable[..., T]) -> Callable[..., T]:  # type: ignore[override]
        """As a decorator: the same contract as the ``with`` block, without a context manager
        per call (a parse function runs on every uncached answer)."""

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> T:
            try:
                return func(*args, **kwargs)
            except ValidationError as exc:
                raise self._invalid(exc) from None

        return inner

    def _invalid(self, exc: ValidationError) -> InvalidResponse:
        where = f"{self.what}: " if self.what else ""
        return bad(self.provider, f"{where}impossible value: {rejected(exc)}")


def field(obj: Any, key: str | int, kind: type[T] | tuple[type, ...], provider: str, where: str = "") -> T:
    """``obj[key]`` of a JSON object (``str`` key) or array (``int`` key), checked to be of ``kind``."""
    try:
        if not isinstance(obj, dict | list):
            raise TypeError(obj)
        value = obj[key]  # type: ignore[index]  # a str key of a list: TypeError, as wanted
    except (KeyError, IndexError, TypeError):
        raise bad(provider, f"missing field {_label(where, key)!r} (got {type(obj).__name__})") from None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise bad(provider, f"field {_label(where, key)!r} is {type(value).__name__}, expected {_kind_name(kind)}")
    return value  # type: ignore[return-value]


def _label(where: str, key: str | int) -> str:
    return f"{where}.{key}" if where else str(key)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


def dec(value: Any, label: str, provider: str, *, allow_none: bool = False) -> Decimal | None:
    """A JSON number or numeric string as ``Decimal`` (floats via their shortest repr).

    Rejects booleans, ``""``, ``NaN``/``Infinity`` in any spelling, and magnitudes outside
    [:data:`MIN_MAGNITUDE`, :data:`MAX_MAGNITUDE`) other than zero.
    """
    if value is None:
        if allow_none:
            return None
        raise bad(provider, f"field {label!r} is null, expected a number")
    if isinstance(value, bool):
        raise bad(provider, f"field {label!r} is a boolean, expected a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if not -_INT_LIMIT * _INT_LIMIT < value < _INT_LIMIT * _INT_LIMIT:
            raise bad(provider, f"field {label!r} is an integer of {value.bit_length()} bits, not a plausible number")
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 100 or not text.isascii():
            raise bad(provider, f"field {label!r} is {_show(value)}, not a number")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise bad(provider, f"field {label!r} is {_show(value)}, not a number") from None
    else:
        raise bad(provider, f"field {label!r} is {type(value).__name__}, expected a number")
    if not result.is_finite():
        raise bad(provider, f"field {label!r} is {_show(value)}, not a finite number")
    if result and not MIN_MAGNITUDE <= abs(result) < MAX_MAGNITUDE:
        raise bad(provider, f"field {label!r} is {_show(value)}, not a plausible number")
    return result


def num(value: Any, label: str, provider: str) -> Decimal:
    """Like :func:`dec`, never ``None``."""
    result = dec(value, label, provider)
    assert result is not None
    return result


def integer(value: Any, label: str, provider: str) -> int:
    """An integer given as a JSON number or a string of ASCII digits, within 64 bits."""
    if isinstance(value, bool):
        raise bad(provider, f"field {label!r} is a boolean, expected an integer")
    result: int | None = None
    if isinstance(value, int):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if 0 < len(digits) <= 19 and digits.isascii() and digits.isdigit():
            result = int(text)
    elif (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < 19
        and value == value.to_integral_value()
    ):
        result = int(value)
    if result is None or not -_INT_LIMIT <= result < _INT_LIMIT:
        raise bad(provider, f"field {label!r} is {_show(value)}, expected an integer")
    return result


def from_ms(value: Any, label: str, provider: str) -> datetime:
    """A UTC datetime from epoch milliseconds."""
    ms = integer(value, label, provider)
    if not 0 <= ms < _YEAR_3000 * 1000:
        raise bad(provider, f"field {label!r}: {ms!r} is not a plausible epoch time in milliseconds")
    return _from_seconds(ms / 1000, label, provider)


def from_s(value: Any, label: str, provider: str) -> datetime:
    """A UTC datetime from epoch seconds (number or string)."""
    return _from_seconds(integer(value, label, provider), label, provider)


def _from_seconds(seconds: float, label: str, provider: str) -> datetime:
    if not 0 <= seconds < _YEAR_3000:
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
        if parsed.tzinfo is None:
            raise bad(provider, f"field {label!r} is {_show(value)}: no time zone")
        result = parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time; or 0001-01-01 east of UTC
        raise bad(provider, f"field {label!r} is {_show(value)}, not an RFC 3339 time") from None
    if result.year >= 3000:
        raise bad(provider, f"field {label!r} is {_show(value)}, not a plausible time")
    return result
