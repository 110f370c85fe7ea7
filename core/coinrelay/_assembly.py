"""Building a relay's parts from its settings: the state backend and one runtime per provider."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._config import ProviderSettings, Settings, check_provider_options
from ._errors import ConfigError
from ._plugins import PluginStatus, load_providers
from ._provider import ProviderInfo
from ._runtime import FetchFn, ProviderRuntime
from ._state.memory import MemoryState

if TYPE_CHECKING:
    import pluggy

    from ._clock import Clock
    from ._events import BreakerStateChanged
    from ._state.base import StateBackend
    from ._transport import Transport

log = logging.getLogger("coinrelay.relay")


def make_state(settings: Settings, clock: Clock) -> StateBackend:
    """The state backend ``[state]`` asks for: in memory, or Redis (the ``redis`` extra)."""
    if settings.state.backend == "memory":
        return MemoryState(clock, max_cache_entries=settings.cache.max_entries)
    try:
        from ._state.redis import RedisState
    except ImportError as exc:
        raise ConfigError(
            f"the redis backend needs the 'redis' extra (pip install 'coinrelay[redis]'): {exc}",
            file=settings.source_path,
            key="state.backend",
            allowed="memory, redis",
        ) from exc
    return RedisState(settings.state, clock, max_cache_entries=settings.cache.max_entries)


def build_providers(
    settings: Settings,
    pm: pluggy.PluginManager,
    statuses: list[PluginStatus],
    *,
    transport: Transport,
    state: StateBackend,
    clock: Clock,
    fetch: FetchFn,
    owner: object,
    on_breaker_change: Callable[[BreakerStateChanged], None],
) -> dict[str, ProviderRuntime]:
    """One :class:`ProviderRuntime` per loaded provider plugin (listener-only plugins have none).

    A plugin whose ``provider_info`` raises is marked ``failed`` in ``statuses`` and left out;
    one that declares a category without its fetch hook keeps the others (see
    :func:`~._plugins.load_providers`). Never fatal.
    """
    providers: dict[str, ProviderRuntime] = {}
    for plugin in load_providers(pm, statuses):
        name, info = plugin.name, plugin.info
        psettings = settings.provider(name)
        check_options(settings, name, info, psettings)
        providers[name] = ProviderRuntime(
            info=info,
            settings=psettings,
            breaker_settings=settings.breaker_for(name),
            impls=plugin.impls,
            transport=transport,
            state=state,
            clock=clock,
            fetch=fetch,
            owner=owner,
            on_breaker_change=on_breaker_change,
        )
    for name in settings.providers:
        if name not in providers and not any(s.name == name for s in statuses):
            log.warning("config names provider %r, which is not installed", name)
    return providers


def check_options(settings: Settings, name: str, info: ProviderInfo, psettings: ProviderSettings) -> None:
    """Refuse what ``[providers.<name>]`` gets wrong against the plugin (see :func:`check_provider_options`)."""
    check_provider_options(settings, name, info)
