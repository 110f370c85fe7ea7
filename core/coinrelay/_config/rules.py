"""The value rules the settings models run: strict booleans, whole secrets, chain shape, categories.

Each rule raises what pydantic turns into a validation error (``PydanticCustomError`` or
``ValueError``); :mod:`.messages` then words it for a person. The rules take plain values
and models, so this module imports no settings model.
"""

from __future__ import annotations

import functools
import re
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from .._categories import ALL
from .._redact import MIN_SECRET

# -- booleans --------------------------------------------------------------------------------------


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args == [bool]
    return False


@functools.cache
def bool_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold a boolean (``bool`` or ``bool | None``)."""
    return frozenset(name for name, f in model.model_fields.items() if _is_bool(f.annotation))


@functools.cache
def extras_are_bools(model: type[BaseModel]) -> bool:
    """Whether ``model``'s extra keys are declared booleans (``__pydantic_extra__: dict[str, bool]``)."""
    try:
        extra = get_type_hints(model).get("__pydantic_extra__")
    except (NameError, TypeError):  # pragma: no cover - an annotation that cannot be resolved
        return False
    return get_origin(extra) is dict and _is_bool(get_args(extra)[1])


def not_a_bool(value: Any, where: str | None = None) -> PydanticCustomError:
    """The error for a non-boolean where ``true``/``false`` is expected (``where``: the extra key)."""
    ctx: dict[str, Any] = {"got": repr(value)}
    if where is not None:
        ctx["where"] = where
    return PydanticCustomError("bool_type", "expected true or false, got {got}", ctx)


# -- secrets ----------------------------------------------------------------------------------------

#: Key names that hold secrets (their values are never shown).
SECRET_NAME = re.compile(r"key|secret|token|passw|passphrase", re.IGNORECASE)


def short_secret(secret: str) -> str | None:
    """Why ``secret`` is refused (shorter than :data:`~coinrelay._redact.MIN_SECRET` characters), else ``None``."""
    if len(secret) >= MIN_SECRET:
        return None
    return (
        f"a secret of {len(secret)} character(s) is refused: give the whole key (at least {MIN_SECRET} "
        "characters); a value this short cannot be masked in messages without mangling ordinary words"
    )


def check_secret_length(secret: str) -> None:
    """Refuse a secret shorter than :data:`~coinrelay._redact.MIN_SECRET` characters (a model validator)."""
    why = short_secret(secret)
    if why is not None:
        raise PydanticCustomError("secret_too_short", "{why}", {"why": why})


# -- categories --------------------------------------------------------------------------------------


def check_category(key: str) -> None:
    """Refuse a table key that names no registered category."""
    if key not in ALL:
        raise ValueError(f"unknown category {key!r}; allowed: {', '.join(ALL)}")


def seconds_by_category(value: dict[str, float], *, zero: bool) -> dict[str, float]:
    """A ``{category: seconds}`` table (``[cache.ttl]``, ``[quality.max_age]``): known categories,
    seconds ``>= 0`` (``zero``) or ``> 0``; the first bad key in file order is the one reported."""
    for key, seconds in value.items():
        check_category(key)
        if seconds < 0 or (seconds == 0 and not zero):
            raise ValueError(f"{key}: seconds must be {'>=' if zero else '>'} 0")
    return value


# -- chains ----------------------------------------------------------------------------------------


def check_chain(tiers: Any) -> Any:
    """One chain's shape: a non-empty list of provider names or tiers (lists of names), each name once.

    :raises PydanticCustomError: a ``chain`` error whose ``where`` context is the position in the
        chain (``[1][0]``), so the message names the exact entry.
    """
    if not isinstance(tiers, list):
        return tiers  # pydantic says "a list"
    if not tiers:
        _chain_error(
            "",
            "an empty chain serves nothing; leave the category out of [chains] to use every provider "
            "that serves it (by priority), or name the providers",
        )
    seen: dict[str, str] = {}
    for i, entry in enumerate(tiers):
        names = entry if isinstance(entry, list) else [entry]
        if isinstance(entry, list) and not entry:
            _chain_error(f"[{i}]", "an empty tier [] (a tier lists one or more provider names)")
        for j, name in enumerate(names):
            where = f"[{i}][{j}]" if isinstance(entry, list) else f"[{i}]"
            if not isinstance(name, str) or not name:
                what = "a list of names" if isinstance(entry, list) else "a provider name or a tier (a list of names)"
                _chain_error(where, f"{name!r} is not a provider name; expected {what}")
            if name in seen:
                first = seen[name]
                _chain_error(where, f"names {name!r} twice (first at {first}); a provider appears once in a chain")
            seen[name] = where
    return tiers


def _chain_error(where: str, message: str) -> None:
    raise PydanticCustomError("chain", "{message}", {"message": message, "where": where})
