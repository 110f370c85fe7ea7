"""The remote's JSON -> the core's result models (transform). Pure: no I/O.

A remote coinrelay serialises its results with ``model_dump(mode="json")``: Decimals as
strings, datetimes in ISO 8601, and a ``source`` object naming the remote's provider.
The body is validated by the category's own model (so the value parses exactly, as
``Decimal``), but the result's ``source`` is this hop's: the remote's ``source`` only
gives the remote provider's name (returned, for the log) and its ``stale``, ``age`` and
``sandbox`` flags, which describe the value and are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from coinrelay.plugin import RESULT_TYPES, Result, Source, bad

PROVIDER = "render"


def parse_result(
    category: str, body: Any, requested: Mapping[str, Any], source: Source, provider: str = PROVIDER
) -> tuple[Result, str]:
    """Validate ``body`` as ``category``'s model with ``source`` put in.

    :param requested: the call's parameters; the answer's ``symbol`` must be the one asked for.
    :return: the result and the remote's provider name.
    :raises InvalidResponse: not a JSON object, no valid ``source``, a field the model rejects,
        or an answer about another symbol.
    """
    model = RESULT_TYPES[category]
    if not isinstance(body, dict):
        raise bad(provider, f"{category}: expected a JSON object (a {model.__name__}), got {_kind(body)}")
    raw_source = body.get("source")
    if not isinstance(raw_source, dict):
        raise bad(provider, f"{category}: no 'source' object: not a coinrelay {model.__name__} answer")
    try:
        remote = Source.model_validate(raw_source)
    except ValidationError as exc:
        raise bad(provider, f"{category}: invalid 'source': {_summary(exc)}") from None
    own = source.model_copy(
        update={"stale": remote.stale, "age": remote.age, "sandbox": source.sandbox or remote.sandbox}
    )
    try:
        result = model.model_validate({**body, "source": own})
    except ValidationError as exc:
        raise bad(provider, f"{category}: not a valid {model.__name__}: {_summary(exc)}") from None
    wanted = requested.get("symbol")
    got = getattr(result, "symbol", None)
    if wanted is not None and got != wanted:
        raise bad(provider, f"{category}: asked for symbol {wanted!r}, the answer is about {got!r}")
    return result, remote.provider


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _summary(exc: ValidationError, limit: int = 3) -> str:
    """``field.path: message`` for the first few errors (no input values echoed)."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errors[:limit]]
    more = len(errors) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
