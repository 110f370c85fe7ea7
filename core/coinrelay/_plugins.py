"""Plugin discovery, the plugin manager factory, and what each plugin provides.

Plugins are modules registered under the ``coinrelay.plugins`` entry-point group.
:func:`make_plugin_manager` builds a fresh manager each time (there is no module-global
one). Providers disabled in config are blocked *before* entry points load, so a
disabled (even broken) plugin is never imported; ``COINRELAY_LOAD_PLUGINS`` (comma
separated, empty = none) narrows loading further. A plugin that fails to import is
reported with its error and skipped, or raises under ``[plugins] strict = true``. Once
every plugin is known, a ``[providers.<name>]`` table or a load-filter name that matches
none is a :class:`~coinrelay._errors.ConfigError` (with "did you mean").

:func:`load_providers` asks each loaded plugin for its ``provider_info`` and its fetch hooks,
recording what it declares (or why it failed) in its :class:`PluginStatus`: the relay builds
its providers from it, and :func:`plugin_report` (``coinrelay plugins``) reads the plugin
manager alone with it, with no transport, no state backend and no relay.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from ._config import LOAD_PLUGINS_ENV, Settings, check_plugin_names
from ._errors import PluginLoadError
from ._provider import ProviderInfo

log = logging.getLogger("coinrelay.plugins")

#: Plugins that ship inside the core and are registered unless disabled.
BUILTIN_PLUGINS: dict[str, str] = {"technical": "coinrelay._technical", "forecast": "coinrelay._forecast"}


@dataclass(slots=True)
class PluginStatus:
    """What ``coinrelay plugins`` reports for one plugin."""

    name: str
    status: str  # loaded | blocked | failed
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "categories": self.categories,
            "hooks": self.hooks,
            "error": self.error,
        }


def load_filter() -> set[str] | None:
    """Names allowed by ``COINRELAY_LOAD_PLUGINS`` (``None`` when unset)."""
    raw = os.environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)


def make_plugin_manager(
    settings: Settings | None = None,
    *,
    extra_plugins: Iterable[tuple[str, object]] = (),
    load_entry_points: bool = True,
) -> tuple[pluggy.PluginManager, list[PluginStatus]]:
    """A new plugin manager with the hook specs, the enabled plugins and the built-ins.

    :param settings: decides which providers are disabled and whether loading is strict.
    :param extra_plugins: ``(name, module_or_object)`` pairs registered directly (tests,
        host apps embedding a provider).
    :param load_entry_points: ``False`` skips discovery (only built-ins and extras).
    :return: the manager and the status of every plugin seen.
    """
    settings = settings or Settings()
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    statuses: list[PluginStatus] = []

    only = load_filter()
    only_env = only is not None
    if only is None and settings.plugins.load is not None:
        only = set(settings.plugins.load)

    def blocked(name: str) -> bool:
        if not settings.provider(name).enabled:
            return True
        return only is not None and name not in only

    seen: set[str] = set()
    if load_entry_points:
        for ep in _entry_points():
            if ep.name in seen:
                continue
            seen.add(ep.name)
            dist = getattr(ep, "dist", None)
            status = PluginStatus(
                name=ep.name,
                status="blocked",
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
                module=ep.value,
            )
            statuses.append(status)
            if blocked(ep.name):
                pm.set_blocked(ep.name)  # never imported
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:
                status.status = "failed"
                status.error = f"{type(exc).__name__}: {exc}"
                if settings.plugins.strict:
                    raise PluginLoadError(f"plugin {ep.name!r} ({ep.value}) failed to load: {status.error}") from exc
                log.warning("plugin %r (%s) failed to load and is skipped: %s", ep.name, ep.value, status.error)
                continue
            status.status = "loaded"

    for name, modpath in BUILTIN_PLUGINS.items():
        if name in seen:
            continue
        seen.add(name)
        status = PluginStatus(
            name=name, status="blocked", distribution="coinrelay", version=_core_version(), module=modpath
        )
        statuses.append(status)
        if blocked(name):
            pm.set_blocked(name)
            continue
        module = importlib.import_module(modpath)
        pm.register(module, name=name)
        status.status = "loaded"

    for name, obj in extra_plugins:
        pm.register(obj, name=name)
        statuses.append(PluginStatus(name=name, status="loaded", module=_describe(obj)))

    if load_entry_points:  # every name is known: a typo in the config is an error, not a warning
        check_plugin_names(settings, seen | {s.name for s in statuses}, only, only_env)
    by_name = {s.name: s for s in statuses}
    for name, plugin in pm.list_name_plugin():
        st = by_name.get(name)
        if st is None or plugin is None:
            continue
        st.hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        st.categories = sorted(h[len("fetch_") :] for h in st.hooks if h.startswith("fetch_"))
    return pm, statuses


@dataclass(slots=True)
class ProviderPlugin:
    """A loaded plugin that describes a provider: its ``provider_info`` and its fetch hooks.

    :param name: the plugin's (entry-point) name, which is the provider's name.
    :param info: what ``provider_info()`` returned.
    :param impls: per declared category, the ``fetch_<category>`` function and its argument names.
    """

    name: str
    info: ProviderInfo
    impls: dict[str, tuple[Callable[..., Any], tuple[str, ...]]]


def load_providers(pm: pluggy.PluginManager, statuses: list[PluginStatus]) -> list[ProviderPlugin]:
    """The providers among ``pm``'s plugins, in registration order; ``statuses`` updated to match.

    Calls each plugin's ``provider_info`` once (no I/O by contract). Sets each provider's
    status ``categories`` to those it declares; a plugin whose ``provider_info`` raises, or
    that declares a category without its fetch hook, is marked ``failed`` with the reason
    (the first is left out; the second keeps the categories it does implement).
    """
    by_name = {st.name: st for st in statuses}
    found: list[ProviderPlugin] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        info_impl = hook_function(pm, "provider_info", name)
        if info_impl is None:
            continue  # a listener-only plugin
        st = by_name.get(name)
        try:
            info = info_impl[0]()
        except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
            _failed(st, name, f"provider_info raised {type(exc).__name__}: {exc}")
            continue
        if info.name != name:
            log.warning("plugin %r describes itself as %r; using the entry-point name", name, info.name)
        impls = {}
        for category in info.categories:
            impl = hook_function(pm, f"fetch_{category}", name)
            if impl is None:
                _failed(st, name, f"declares category {category!r} but has no fetch_{category} hook")
                continue
            impls[category] = impl
        if st is not None:  # what it declares, not every fetch_* function it happens to define
            st.categories = sorted(info.categories)
        found.append(ProviderPlugin(name, info, impls))
    return found


def _failed(status: PluginStatus | None, name: str, error: str) -> None:
    log.warning("plugin %r: %s", name, error)
    if status is not None:
        status.status = "failed"
        status.error = error


def plugin_report(settings: Settings | None = None) -> list[dict[str, Any]]:
    """What ``coinrelay plugins`` prints: every plugin seen, with its status, categories and hooks.

    Reads the plugin manager alone (:func:`make_plugin_manager`, :func:`load_providers`):
    nothing is connected, no state backend (Redis) is contacted.
    """
    pm, statuses = make_plugin_manager(settings)
    load_providers(pm, statuses)
    return [st.as_dict() for st in statuses]


def _describe(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return type(obj).__qualname__


def _core_version() -> str | None:
    try:
        return importlib.metadata.version("coinrelay")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return None


def hook_function(
    pm: pluggy.PluginManager, hook: str, plugin_name: str
) -> tuple[Callable[..., Any], tuple[str, ...]] | None:
    """The implementation of ``hook`` by plugin ``plugin_name`` and its argument names."""
    caller = getattr(pm.hook, hook, None)
    if caller is None:
        return None
    for impl in caller.get_hookimpls():
        if impl.plugin_name == plugin_name:
            return impl.function, tuple(impl.argnames)
    return None


def notifier(pm: pluggy.PluginManager, hook: str, *, skip: str | None = None) -> Callable[[object], None] | None:
    """A function that calls every listener of event ``hook``, logging (never raising) errors.

    Returns ``None`` when no plugin listens, so the hot path can skip building the event.

    :param skip: a plugin name left out (one the caller tells directly).
    """
    caller = getattr(pm.hook, hook)
    impls = [(impl.plugin_name, impl.function) for impl in caller.get_hookimpls() if impl.plugin_name != skip]
    if not impls:
        return None
    lg = logging.getLogger("coinrelay.events")

    def notify(event: object) -> None:
        for name, fn in impls:
            try:
                fn(event)
            except Exception:  # noqa: BLE001 - a listener never fails a data call
                lg.exception("listener %r of %s raised; ignored", name, hook)

    return notify
