"""Loading the configuration: the shipped defaults, then the file, then the environment.

The file is found via an explicit path (``--config``), ``$COINRELAY_CONFIG`` or
``./coinrelay.toml`` (:func:`find_config`) and merged over :data:`DEFAULT_CONFIG_PATH`, table by
table (a category's chain is replaced whole); ``COINRELAY_*`` variables override both
(:mod:`.env`). :func:`load_settings` reports every problem it finds at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._errors import ConfigError
from .env import CONFIG_ENV, EnvSource, env_origin
from .messages import combined, config_error, unknown_env
from .settings import Settings

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]

#: The shipped defaults, under whatever the file sets.
DEFAULT_CONFIG_PATH = Path(__file__).parent.parent / "default_config.toml"


def find_config(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use: ``path``, ``$COINRELAY_CONFIG``, ``./coinrelay.toml``, or ``None``."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("config file not found", file=str(p))
        return p
    env = os.environ.get(CONFIG_ENV)
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"config file named by {CONFIG_ENV} not found", file=str(p))
        return p
    local = Path.cwd() / "coinrelay.toml"
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} (offset {exc.start}); "
            "TOML files are UTF-8 (re-save the file as UTF-8)",
            file=str(path),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from exc


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "chains":
            out[key] = _merge(out[key], value)
        elif key == "chains" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def load_settings(path: str | os.PathLike[str] | None = None, *, use_file: bool = True) -> Settings:
    """Read the defaults, then the config file (if any), then the environment.

    :param path: explicit config file; else ``$COINRELAY_CONFIG``, else ``./coinrelay.toml``.
    :param use_file: ``False`` ignores any config file (defaults and environment only).
    :raises ConfigError: naming the file or the environment variable, the key and what is
        allowed — every problem found, the first in the message's first line.
    """
    data = _read_toml(DEFAULT_CONFIG_PATH)
    found = find_config(path) if use_file else None
    file = str(found) if found else None
    user_chains: set[str] = set()
    if found is not None:
        user = _read_toml(found)
        chains = user.get("chains")
        if isinstance(chains, dict):
            user_chains = set(chains)
        data = _merge(data, user)
    problems = unknown_env(Settings)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems.append(config_error(exc, Settings, file or str(DEFAULT_CONFIG_PATH)))
        raise combined(problems) from exc
    if problems:
        raise combined(problems)
    env_chains = EnvSource(Settings)().get("chains")
    if isinstance(env_chains, dict):
        user_chains |= set(env_chains)
    settings.source_path = file
    settings._strict_chains = user_chains
    disabled = disabled_in_chains(settings, user_chains)
    if disabled:
        raise combined(disabled)
    return settings


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
