"""What a configuration mistake reads as: where it came from, the key, what is allowed.

The settings models (:mod:`.sections`, :mod:`.settings`) declare what is valid and the value
rules (:mod:`.rules`) refuse the rest; this module turns every problem into one
:class:`~coinrelay._errors.ConfigError`:

* pydantic's validation errors, with a human key path (``chains.price[0]``, never
  ``chains.price.0.str``), the environment variable instead of the file when the value
  came from one, what the key allows and a "did you mean" for near misses (:func:`config_error`);
* ``COINRELAY_*`` variables that name no setting (:func:`unknown_env`) — pydantic-settings
  ignores those silently;
* several problems as one error, the first in its first line (:func:`combined`).

Models are passed in: this module imports none.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .._errors import ConfigError
from .env import ENV_NESTED, ENV_PREFIX, env_origin, env_vars, table_model
from .rules import SECRET_NAME

#: What each pydantic error type allows, in config words.
ALLOWED_HINTS: dict[str, str] = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
#: The allowed value of one member of a union, by the tag pydantic puts in the error location.
_TAG_HINTS: dict[str, str] = {
    "str": "a string",
    "float": "a number",
    "int": "an integer",
    "list[str]": "a list of strings",
}


# -- near misses and unknown variables -------------------------------------------------------------


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The closest of ``options`` to ``word``, when one is close (``difflib``)."""
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return found[0] if found else None


def unknown_env(model: type[BaseModel]) -> list[ConfigError]:
    """``COINRELAY_*`` variables that name no setting: ``COINRELAY_BREAKERS__…`` is a typo, not nothing.

    A variable with ``__`` is a key path, so its first part must be a top-level table; a plain
    ``COINRELAY_X`` is reported only when ``x`` is a near miss of one (other tools may use the prefix).
    """
    tables = [name for name in model.model_fields if name != "source_path"]
    problems = []
    for path, name in sorted(env_vars().items()):
        if path[0] in tables:
            continue
        near = did_you_mean(path[0], tables)
        if len(path) > 1 or near is not None:
            problems.append(
                ConfigError(
                    f"{ENV_PREFIX}{path[0].upper()} is not a settings table",
                    env=name,
                    key=".".join(path),
                    suggestion=None if near is None else ENV_PREFIX + near.upper(),
                    allowed=", ".join(ENV_PREFIX + t.upper() + ENV_NESTED + "…" for t in tables),
                )
            )
    return problems


# -- validation errors -------------------------------------------------------------------------------


def _is_tag(part: Any) -> bool:
    """A union member's tag in an error location (``str``, ``list[str]``, ``function-after[...]``)."""
    return isinstance(part, str) and (part in _TAG_HINTS or ("[" in part and part.endswith("]")))


def key_path(loc: Iterable[Any], where: str | None = None) -> str:
    """A human key path: ``chains.price[0]`` from ``('chains', 'price', 0, 'str')``.

    ``where`` (a check's own context) goes below the location: ``[1][0]`` (a position) or
    ``url`` (a sibling key the check is about).
    """
    out = ""
    for part in (p for p in loc if not _is_tag(p)):
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if where:
        out += where if where.startswith("[") or not out else f".{where}"
    return out


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed in the table where the unknown key ``loc`` was found."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            continue  # a dict key (a provider's name): stay on the value model
        current, _ = table_model(field.annotation)
    if current is None:
        return None
    return [k for k in current.model_fields if k != "source_path"]


def config_error(exc: ValidationError, model: type[BaseModel], file: str | None) -> ConfigError:
    """One :class:`ConfigError` for every problem pydantic found (the first, with the rest in ``more``)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        path = key_path(err.get("loc", ()), ctx.get("where"))
        grouped.setdefault(path, []).append(err)
    problems = [_problem(path, errs, model, file) for path, errs in grouped.items()]
    return combined(problems)


def combined(problems: list[ConfigError]) -> ConfigError:
    """The first problem, carrying the others in ``more`` (one line each in its text)."""
    first, *rest = problems
    if not rest:
        return first
    return ConfigError(
        first.message,
        file=first.file,
        env=first.env,
        key=first.key,
        allowed=first.allowed,
        suggestion=first.suggestion,
        more=rest,
    )


def _problem(path: str, errs: list[Mapping[str, Any]], model: type[BaseModel], file: str | None) -> ConfigError:
    err = errs[0]
    loc = tuple(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    where_ctx, because = ctx.get("where"), ctx.get("because")  # the key at fault; a sibling that made it so
    sibling = str(where_ctx) if where_ctx and not str(where_ctx).startswith("[") else None
    env = env_origin(loc + ((sibling,) if sibling else ()))
    if env is None and because:
        env = env_origin((*loc, str(because)))
    where: dict[str, Any] = {"file": None if env else file, "env": env, "key": path or None}
    etype = err.get("type", "")
    if etype == "extra_forbidden":
        keys = allowed_keys(model, loc) or []
        name = str(loc[-1])
        return ConfigError("unknown key", allowed=", ".join(keys) or None, suggestion=did_you_mean(name, keys), **where)
    if etype == "chain":
        return ConfigError(str(ctx["message"]), **where)
    hints = []
    for e in errs:
        tag = next((p for p in reversed(tuple(e.get("loc", ()))) if _is_tag(p)), None)
        hint = _hint(e)
        if tag in _TAG_HINTS and hint is None:
            hint = _TAG_HINTS[str(tag)]
        if hint and hint not in hints:
            hints.append(hint)
    allowed = " or ".join(hints) or None
    msg = str(err.get("msg", "invalid value"))
    if allowed is not None:  # pydantic's words name Python types ("instance of ProviderSettings")
        secret = any(isinstance(p, str) and SECRET_NAME.search(p) for p in loc)
        got = ctx.get("got") or _described(err.get("input"))  # "got": the value a model-level check refused
        msg = "got a value of the wrong type (not shown: a secret)" if secret else f"got {got}"
    elif etype == "value_error" and msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return ConfigError(msg, allowed=allowed, **where)


def _described(value: Any) -> str:
    """A config value in TOML words; a short string is quoted (a long one may be a secret)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 20 else f"a string of {len(value)} characters"
    if isinstance(value, list):
        return "a list"
    return "a table" if isinstance(value, Mapping) else type(value).__name__


def _hint(err: Mapping[str, Any]) -> str | None:
    etype = err.get("type", "")
    ctx = err.get("ctx") or {}
    if etype == "literal_error":
        return str(ctx.get("expected"))
    if etype in ALLOWED_HINTS:
        return ALLOWED_HINTS[etype]
    bounds = [f"{_BOUNDS[k]} {v}" for k, v in ctx.items() if k in _BOUNDS]
    return ", ".join(bounds) or None
