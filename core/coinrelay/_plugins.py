"""Plugin discovery and the plugin manager factory.

Plugins are modules registered under the ``coinrelay.plugins`` entry-point group.
:func:`make_plugin_manager` builds a fresh manager each time (there is no module-global
one). Providers disabled in config are blocked *before* entry points load, so a
disabled (even broken) plugin is never imported; ``COINRELAY_LOAD_PLUGINS`` (comma
separated, empty = none) narrows loading further. A plugin that fails to import is
reported with its error and skipped, or raises under ``[plugins] strict = true``.
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
from ._config import LOAD_PLUGINS_ENV, Settings
from ._errors import PluginLoadError

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

    by_name = {s.name: s for s in statuses}
    for name, plugin in pm.list_name_plugin():
        st = by_name.get(name)
        if st is None or plugin is None:
            continue
        st.hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        st.categories = sorted(h[len("fetch_") :] for h in st.hooks if h.startswith("fetch_"))
    return pm, statuses


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


def notifier(pm: pluggy.PluginManager, hook: str) -> Callable[[object], None] | None:
    """A function that calls every listener of event ``hook``, logging (never raising) errors.

    Returns ``None`` when no plugin listens, so the hot path can skip building the event.
    """
    caller = getattr(pm.hook, hook)
    impls = [(impl.plugin_name, impl.function) for impl in caller.get_hookimpls()]
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
