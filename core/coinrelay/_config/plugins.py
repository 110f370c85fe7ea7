"""The config against the installed plugins: provider names, and each provider's own options.

Which names and options are valid is known only once the plugins are: these checks run when
the relay (or ``coinrelay plugins``) has them, after :func:`~coinrelay._config.load_settings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._errors import ConfigError
from .env import LOAD_PLUGINS_ENV, env_origin
from .messages import combined, did_you_mean
from .rules import short_secret
from .sections import ProviderSettings

if TYPE_CHECKING:
    from .._provider import ProviderInfo
    from .settings import Settings


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


def check_provider_options(settings: Settings, name: str, info: ProviderInfo) -> None:
    """``[providers.<name>]`` against what plugin ``name`` declares (``info``).

    Called by the relay for each loaded provider, before its runtime is built. The core keys
    are :class:`ProviderSettings`' fields; the plugin adds its ``credentials`` and its
    ``extra["options"]``.

    :raises ConfigError: every problem found: an unknown key (with "did you mean"), a
        credential shorter than :data:`~coinrelay._redact.MIN_SECRET` characters, a
        ``rate_limit`` without ``limit`` for a plugin that declares no budget.
    """
    options = info.extra.get("options", ())
    secret_keys = set(info.credentials)
    allowed = sorted(secret_keys | set(options if isinstance(options, (list, tuple, set, frozenset)) else ()))
    keys = list(ProviderSettings.model_fields) + allowed
    psettings = settings.provider(name)
    given = psettings.options()

    def problem(key: str, message: str, **kw: Any) -> ConfigError:
        where = ("providers", name, *key.split("."))
        return ConfigError(message, file=settings.source_path, env=env_origin(where), key=".".join(where), **kw)

    problems = [
        problem(key, "unknown key", allowed=", ".join(keys), suggestion=did_you_mean(key, keys))
        for key in sorted(set(given) - set(allowed))
    ]
    for key in sorted(secret_keys & set(given)):
        value = given[key]
        why = short_secret(value) if isinstance(value, str) and value else None
        if why is not None:
            problems.append(problem(key, why))
    over = psettings.rate_limit
    if over is not None and over.limit is None and info.rate_limit is None:
        problems.append(
            problem(
                "rate_limit.limit",
                f"provider {name!r} declares no rate limit: set 'limit' (and 'period') to give it one",
            )
        )
    if problems:
        raise combined(problems)
