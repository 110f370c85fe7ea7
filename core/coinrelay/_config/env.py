"""``COINRELAY_*`` environment variables: read as settings, and traced back from a key.

A variable names a key path with ``__`` between levels
(``COINRELAY_PROVIDERS__COINGECKO__API_KEY`` is ``providers.coingecko.api_key``).
Environment variables are text: :class:`EnvSource` turns their ``true``/``false`` into
booleans for the strict boolean fields, so ``COINRELAY_PROVIDERS__X__ENABLED=false`` keeps
working while TOML's ``enabled = "no"`` is refused. :func:`env_origin` answers the other way
round: which variable set a key, so an error names the variable instead of the file.
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterable
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_settings import EnvSettingsSource

from .rules import bool_fields, extras_are_bools

ENV_PREFIX = "COINRELAY_"
ENV_NESTED = "__"
CONFIG_ENV = "COINRELAY_CONFIG"
LOAD_PLUGINS_ENV = "COINRELAY_LOAD_PLUGINS"
#: ``COINRELAY_*`` variables that are not settings (never reported as unknown).
OTHER_ENV = frozenset({CONFIG_ENV, LOAD_PLUGINS_ENV, "COINRELAY_DEBUG"})

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


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
        inner, keyed = table_model(field.annotation)
        if inner is None:
            continue
        if keyed:
            for sub in value.values():
                if isinstance(sub, dict):
                    _env_bools(inner, sub)
        else:
            _env_bools(inner, value)


def table_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The table model behind ``annotation`` and whether it is keyed (``dict[str, Model]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is dict and len(args) == 2:
        inner, _ = table_model(args[1])
        return inner, True
    if origin in (Union, types.UnionType):
        for arg in args:
            inner, keyed = table_model(arg)
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
