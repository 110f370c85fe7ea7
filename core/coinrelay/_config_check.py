"""What a configuration mistake reads as: where it came from, the key, what is allowed.

:mod:`coinrelay._config` declares the settings; this module turns everything that can be
wrong with them into :class:`~coinrelay._errors.ConfigError`:

* pydantic's validation errors, with a human key path (``chains.price[0]``, never
  ``chains.price.0.str``), the environment variable instead of the file when the value
  came from one, what the key allows and a "did you mean" for near misses (:func:`config_error`);
* ``COINRELAY_*`` variables that name no setting (:func:`unknown_env`) — pydantic-settings
  ignores those silently;
* the chain rules shared by the model and the loader (:func:`check_chain`), short secrets
  (:func:`check_secret_length`).

Environment variables are text: :class:`EnvSource` turns their ``true``/``false`` into
booleans for the strict boolean fields, so ``COINRELAY_PROVIDERS__X__ENABLED=false`` keeps
working while TOML's ``enabled = "no"`` is refused.

This module imports nothing from :mod:`coinrelay._config` (which imports it): models are
passed in.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_settings import EnvSettingsSource

from ._errors import ConfigError
from ._redact import MIN_SECRET

if TYPE_CHECKING:
    from ._config import Settings

ENV_PREFIX = "COINRELAY_"
ENV_NESTED = "__"
CONFIG_ENV = "COINRELAY_CONFIG"
LOAD_PLUGINS_ENV = "COINRELAY_LOAD_PLUGINS"
#: ``COINRELAY_*`` variables that are not settings (never reported as unknown).
OTHER_ENV = frozenset({CONFIG_ENV, LOAD_PLUGINS_ENV, "COINRELAY_DEBUG"})

#: Key names that hold secrets (their values are never shown).
SECRET_NAME = re.compile(r"key|secret|token|passw|passphrase", re.IGNORECASE)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

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


# -- booleans and secrets ----------------------------------------------------------------------


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


def short_secret(secret: str) -> str | None:
    """Why ``secret`` is refused (shorter than :data:`~coinrelay._redact.MIN_SECRET` characters), else ``None``."""
    if len(secret) >= MIN_SECRET:
        return None
    return (
        f"a secret of {len(secret)} character(s) is refused: give the whole key (at least {MIN_SECRET} "
        "characters); a value this short cannot be masked in messages without mangling ordinary words"
    )


@functools.cache
def extras_are_bools(model: type[BaseModel]) -> bool:
    """Whether ``model``'s extra keys are declared booleans (``__pydantic_extra__: dict[str, bool]``)."""
    try:
        extra = get_type_hints(model).get("__pydantic_extra__")
    except (NameError, TypeError):  # pragma: no cover - an annotation that cannot be resolved
        return False
    return get_origin(extra) is dict and _is_bool(get_args(extra)[1])


def check_secret_length(secret: str) -> None:
    """Refuse a secret shorter than :data:`~coinrelay._redact.MIN_SECRET` characters (a model validator)."""
    why = short_secret(secret)
    if why is not None:
        raise PydanticCustomError("secret_too_short", "{why}", {"why": why})


# -- chains --------------------------------------------------------------------------------------


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


# -- environment ---------------------------------------------------------------------------------


class EnvSource(EnvSettingsSource):
    """``COINRELAY_*`` variables, with ``true``/``false``/``1``/``0``/``yes``/``no``/``on``/``off``
    turned into booleans where the setting is a boolean (text is all an environment holds)."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        _env_bools(self.settings_cls, data)
        return data


def _env_bools(model: type[BaseModel], data: dict[str, Any]) -> None:
    flags = bool_fields(model)
    extras = extras_are_bools(model)
    for key, value in data.items():
        if (key in flags or (extras and key not in model.model_fields)) and isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE or low in _FALSE:
                data[key] = low in _TRUE
            continue
        field = model.model_fields.get(key)
        if field is None or not isinstance(value, dict):
            continue
        inner, keyed = _section(field.annotation)
        if inner is None:
            continue
        if keyed:
            for sub in value.values():
                if isinstance(sub, dict):
                    _env_bools(inner, sub)
        else:
            _env_bools(inner, value)


def _section(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The table model behind ``annotation`` and whether it is keyed (``dict[str, Model]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is dict and len(args) == 2:
        inner, _ = _section(args[1])
        return inner, True
    if origin in (Union, types.UnionType):
        for arg in args:
            inner, keyed = _section(arg)
            if inner is not None:
                return inner, keyed
    return None, False


def env_vars() -> dict[tuple[str, ...], str]:
    """Every settings variable in the environment: its lower-case key path -> its name."""
    found: dict[tuple[str, ...], str] = {}
    for name in os.environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in OTHER_ENV:
            continue
        found[tuple(p.lower() for p in name[len(ENV_PREFIX) :].split(ENV_NESTED))] = name
    return found


def env_origin(path: Iterable[str | int]) -> str | None:
    """The environment variable that set the key at ``path`` (or a table above it), else ``None``."""
    parts = tuple(str(p).lower() for p in path if not isinstance(p, int))
    found = env_vars()
    for n in range(len(parts), 0, -1):
        name = found.get(parts[:n])
        if name is not None:
            return name
    return None


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


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The closest of ``options`` to ``word``, when one is close (``difflib``)."""
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return found[0] if found else None


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
        current, _ = _section(field.annotation)
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


# -- names the config uses -------------------------------------------------------------------------


def disabled_in_chains(settings: Settings, categories: Iterable[str]) -> list[ConfigError]:
    """A provider disabled in config named in the user's own chain: an error, never a silent drop."""
    problems = []
    for category in sorted(categories):
        for i, entry in enumerate(settings.chains.get(category, [])):
            for name in entry if isinstance(entry, list) else [entry]:
                if settings.provider(name).enabled:
                    continue
                by = env_origin(("providers", name, "enabled"))
                problems.append(
                    ConfigError(
                        f"names {name!r}, which is disabled (providers.{name}.enabled = false"
                        + (f", set by {by}" if by else "")
                        + "); remove it from the chain or enable it",
                        file=settings.source_path,
                        env=env_origin(("chains", category)),
                        key=f"chains.{category}[{i}]",
                    )
                )
    return problems


def check_plugin_names(settings: Settings, known: Iterable[str], only: Iterable[str] | None, only_env: bool) -> None:
    """Provider names in the config against the plugins there are: a typo is an error, not a warning.

    :param known: every plugin name seen (entry points, built-ins, registered extras).
    :param only: the load filter (``COINRELAY_LOAD_PLUGINS`` or ``[plugins] load``), if any.
    :param only_env: the filter came from ``COINRELAY_LOAD_PLUGINS``.
    :raises ConfigError: a ``[providers.<name>]`` table or a load-filter name that is no plugin.
    """
    names = sorted(set(known))
    allowed = ", ".join(names) or "none installed"
    problems = []
    for name in sorted(set(settings.providers) - set(names)):
        problems.append(
            ConfigError(
                "unknown provider: no installed plugin has this name",
                file=settings.source_path,
                env=env_origin(("providers", name)),
                key=f"providers.{name}",
                allowed=allowed,
                suggestion=did_you_mean(name, names),
            )
        )
    for name in sorted(set(only or ()) - set(names)):
        problems.append(
            ConfigError(
                f"{name!r} is no installed plugin (the others would be blocked)",
                file=None if only_env else settings.source_path,
                env=LOAD_PLUGINS_ENV if only_env else None,
                key=None if only_env else "plugins.load",
                allowed=allowed,
                suggestion=did_you_mean(name, names),
            )
        )
    if problems:
        raise combined(problems)
