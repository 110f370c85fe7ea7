"""Configuration: ``coinrelay.toml`` plus ``COINRELAY_*`` environment overrides.

Found via an explicit path (``--config``), ``COINRELAY_CONFIG``, or ``./coinrelay.toml``;
the shipped defaults (:data:`DEFAULT_CONFIG_PATH`) apply under whatever the file sets.
Environment variables override both, with ``__`` between levels::

    COINRELAY_PROVIDERS__COINGECKO__API_KEY=...   # providers.coingecko.api_key
    COINRELAY_STATE__BACKEND=redis

Every error names the file, the key and what is allowed (:class:`~coinrelay._errors.ConfigError`).

The package, by what each module holds:

* :mod:`.sections` — one settings model per table (``[breaker]``, ``[providers.<name>]``, ``[cache]``...);
* :mod:`.settings` — :class:`Settings`, the whole file: the tables, ``[chains]``, lookups, the masked dump;
* :mod:`.load` — finding and reading the file, merging it over the defaults, :func:`load_settings`;
* :mod:`.env` — ``COINRELAY_*`` variables: read as settings, traced back from a key;
* :mod:`.rules` — the value rules the models run: strict booleans, whole secrets, chain shape;
* :mod:`.messages` — what a mistake reads as: key paths, what is allowed, "did you mean";
* :mod:`.plugins` — the config against the installed plugins: provider names and options.

Everything the rest of coinrelay uses is importable from here; the modules import each other,
never this package, so importing any of them alone works.
"""

from __future__ import annotations

from .env import CONFIG_ENV, LOAD_PLUGINS_ENV
from .load import DEFAULT_CONFIG_PATH, find_config, load_settings
from .plugins import check_plugin_names, check_provider_options
from .sections import (
    BreakerSettings,
    CacheSettings,
    ConsensusSettings,
    HedgingSettings,
    PluginSettings,
    ProviderSettings,
    QualitySettings,
    RateLimitSettings,
    RelaySettings,
    RetryBudgetSettings,
    ServerSettings,
    StateSettings,
)
from .settings import MASK, Chain, Settings, Tier

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_PATH",
    "LOAD_PLUGINS_ENV",
    "MASK",
    "BreakerSettings",
    "CacheSettings",
    "Chain",
    "ConsensusSettings",
    "HedgingSettings",
    "PluginSettings",
    "ProviderSettings",
    "QualitySettings",
    "RateLimitSettings",
    "RelaySettings",
    "RetryBudgetSettings",
    "ServerSettings",
    "Settings",
    "StateSettings",
    "Tier",
    "check_plugin_names",
    "check_provider_options",
    "find_config",
    "load_settings",
]
