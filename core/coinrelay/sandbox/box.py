"""The sandbox: the loopback upstreams the installed plugins offer, with faults. It knows no provider."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr

from .._config import ProviderSettings, Settings, StateSettings, load_settings
from .._fakes import SandboxUpstream
from .._plugins import BUILTIN_PLUGINS, hook_function, make_plugin_manager
from ..testing.upstream import FakeUpstream, Fault

if TYPE_CHECKING:
    from .._relay import Relay

log = logging.getLogger("coinrelay.sandbox")

#: What replaces a real credential the user configured (a real one never reaches a sandbox upstream).
DUMMY_CREDENTIAL = "sandbox-dummy-key"


class SandboxError(ValueError):
    """A bad sandbox request: unknown provider, fault kind or mirror."""


class Sandbox:
    """The installed plugins' fake APIs on 127.0.0.1, each in its provider's real format, with faults.

    ::

        box = Sandbox().start()
        relay = Relay(box.apply(settings), sandbox=True)
        box.inject("binance", "down")       # connection refused on every Binance mirror
        box.clear("binance")
        box.close()

    Every plugin implementing the ``sandbox_upstream`` hook offers a
    :class:`~coinrelay.plugin.SandboxUpstream`; the sandbox starts one
    :class:`~coinrelay.testing.FakeUpstream` per mirror of each with its handler.

    Fault kinds (:attr:`KINDS`): ``down`` (connection refused), ``slow`` (``delay`` seconds,
    default 2, before each answer), ``500`` (``status``, default 500), ``429`` (with
    ``Retry-After: retry_after``, default 30, and the provider's own 429 body), ``garbage``
    (HTTP 200 with an HTML body). ``mirror=<index>`` limits a fault to one endpoint.

    :param providers: imitate only these (default: every provider whose plugin offers an upstream).
    :param plugins: ``(name, module_or_object)`` plugins registered directly, as for
        :class:`~coinrelay.Relay` (tests, host apps embedding a provider).
    :param load_entry_points: ``False`` looks only at ``plugins`` (and the built-ins).
    :raises SandboxError: a name in ``providers`` offers no sandbox upstream.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("down", "slow", "500", "429", "garbage")

    def __init__(
        self,
        providers: tuple[str, ...] | list[str] | None = None,
        *,
        plugins: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> None:
        self._plugins = list(plugins)
        self._load_entry_points = load_entry_points
        offers, self._credential_keys = self._discover()
        names = tuple(providers) if providers is not None else tuple(offers)
        unknown = [n for n in names if n not in offers]
        if unknown:
            available = ", ".join(offers) or "none: no installed plugin implements sandbox_upstream"
            raise SandboxError(f"no sandbox upstream for {unknown}; available: {available}")
        self.providers = names
        #: The upstream each sandboxed provider's plugin offered.
        self.offers: dict[str, SandboxUpstream] = {n: offers[n] for n in names}
        self.upstreams: dict[str, list[FakeUpstream]] = {}
        self._faults: dict[str, dict[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._started = False

    def _discover(self) -> tuple[dict[str, SandboxUpstream], dict[str, tuple[str, ...]]]:
        """Ask every plugin for its upstream (by plugin name, sorted) and its credential keys."""
        pm, _ = make_plugin_manager(Settings(), extra_plugins=self._plugins, load_entry_points=self._load_entry_points)
        offers: dict[str, SandboxUpstream] = {}
        keys: dict[str, tuple[str, ...]] = {}
        for impl in pm.hook.sandbox_upstream.get_hookimpls():
            name = impl.plugin_name
            try:
                offer = impl.function(**({"sandbox": self} if "sandbox" in impl.argnames else {}))
            except Exception:
                log.exception("plugin %r: sandbox_upstream raised; %s is left out of the sandbox", name, name)
                continue
            if offer is None:
                continue
            if not isinstance(offer, SandboxUpstream):
                log.error("plugin %r: sandbox_upstream returned %s, not a SandboxUpstream; left out", name, type(offer))
                continue
            offers[name] = offer
            info = hook_function(pm, "provider_info", name)
            keys[name] = tuple(info[0]().credentials) if info is not None else ()
        return dict(sorted(offers.items())), keys

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start every upstream (idempotent); returns ``self``."""
        if self._started:
            return self
        try:
            for name in self.providers:
                offer = self.offers[name]
                ups: list[FakeUpstream] = []
                self.upstreams[name] = ups
                for _ in range(offer.mirrors):
                    up = FakeUpstream()
                    up.default = offer.handler
                    if offer.on_close is not None:
                        up.on_close.append(offer.on_close)
                    ups.append(up.start())
        except BaseException:
            self.close()
            raise
        self._started = True
        return self

    def close(self) -> None:
        """Stop every upstream."""
        for ups in self.upstreams.values():
            for up in ups:
                up.close()
        self.upstreams.clear()
        self._faults.clear()
        self._started = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuration -------------------------------------------------------------

    def endpoints(self, provider: str) -> list[str]:
        """The loopback base URLs of ``provider`` (with the real API's path prefix)."""
        prefix = self.offers[provider].prefix if provider in self.offers else ""
        return [up.url + prefix for up in self._ups(provider)]

    def apply(self, settings: Settings, *, exclude: Iterable[str] = ()) -> Settings:
        """``settings`` with every sandboxed provider pointed at its loopback upstreams.

        A provider's credentials become the dummy values its upstream asks for; a real one
        in ``settings`` is replaced by ``"sandbox-dummy-key"``, so it never reaches a sandbox upstream.
        Its other settings (timeout, options, enabled) stay. Only the sandboxed providers
        and the built-in plugins (which do no I/O) load: nothing can reach the network.

        :param exclude: sandboxed providers to block as well (render's inner relay leaves
            render out).
        """
        if not self._started:
            raise SandboxError("start() the sandbox before apply()")
        left_out = set(exclude)
        names = [n for n in self.providers if n not in left_out]
        providers = dict(settings.providers)
        for name in names:
            providers[name] = self._sandboxed(name, settings.provider(name))
        out = settings.model_copy(
            update={
                "providers": providers,
                "plugins": settings.plugins.model_copy(update={"load": [*names, *BUILTIN_PLUGINS]}),
            }
        )
        out.source_path = settings.source_path
        out._strict_chains = settings.strict_chains
        return out

    def _sandboxed(self, name: str, current: ProviderSettings) -> ProviderSettings:
        data = current.model_dump(exclude={"api_key"})
        data["endpoints"] = self.endpoints(name)
        dummies = self.offers[name].credentials
        for key in dict.fromkeys(("api_key", *self._credential_keys.get(name, ()), *dummies)):
            configured = current.api_key if key == "api_key" else data.get(key)
            value = dummies.get(key, DUMMY_CREDENTIAL if configured else None)
            if key == "api_key":
                data[key] = SecretStr(value) if value else None
            elif value:
                data[key] = value
            else:
                data.pop(key, None)
        return ProviderSettings(**data)

    def relay(self, *, exclude: Iterable[str] = ()) -> Relay:
        """A new relay on this started sandbox: what a second coinrelay deployment would serve.

        Default settings with chains by priority (so every sandboxed provider serves, a new
        plugin's too), in-memory state, results labelled sandbox, the sandbox's plugins
        less ``exclude``. ``render``'s sandbox upstream is this relay's HTTP app with
        ``exclude=("render",)`` (it would forward to itself). The caller closes it
        (``await relay.aclose()``).
        """
        from .._relay import Relay

        left_out = set(exclude)
        settings = self.apply(load_settings(use_file=False), exclude=left_out)
        settings = settings.model_copy(update={"state": StateSettings(), "chains": {}})
        plugins = [(n, p) for n, p in self._plugins if n not in left_out]
        return Relay(settings, plugins=plugins, load_entry_points=self._load_entry_points, sandbox=True)

    # -- faults ----------------------------------------------------------------------

    def _ups(self, provider: str) -> list[FakeUpstream]:
        if provider not in self.providers:
            raise SandboxError(f"no sandbox upstream {provider!r}; available: {', '.join(self.providers)}")
        ups = self.upstreams.get(provider)
        if ups is None:
            raise SandboxError("the sandbox is not started")
        return ups

    def inject(self, provider: str, kind: str, *, mirror: int | None = None, **opts: Any) -> None:
        """Make ``provider``'s upstream(s) misbehave until :meth:`clear`.

        :param provider: a sandboxed provider.
        :param kind: one of :attr:`KINDS`.
        :param mirror: only this endpoint (index into :meth:`endpoints`); default all.
        :param opts: ``delay`` (slow), ``status`` (500), ``retry_after`` (429).
        :raises SandboxError: unknown provider, kind or mirror.
        """
        ups = self._ups(provider)
        if kind not in self.KINDS:
            raise SandboxError(f"unknown fault kind {kind!r}; allowed: {', '.join(self.KINDS)}")
        if mirror is not None and not 0 <= mirror < len(ups):
            raise SandboxError(f"{provider} has mirrors 0..{len(ups) - 1}, not {mirror}")
        targets = range(len(ups)) if mirror is None else [mirror]
        with self._lock:
            for i in targets:
                up = ups[i]
                up.up()
                up.fault = None
                detail: dict[str, Any] = {"kind": kind}
                if kind == "down":
                    up.down()
                elif kind == "slow":
                    detail["delay"] = float(opts.get("delay", 2.0))
                    up.fault = Fault("delay", delay=detail["delay"])
                elif kind == "500":
                    detail["status"] = int(opts.get("status", 500))
                    up.fault = Fault("status", status=detail["status"])
                elif kind == "429":
                    detail["retry_after"] = int(opts.get("retry_after", 30))
                    body = self.offers[provider].rate_limit_body
                    up.fault = Fault("rate_limit", status=429, retry_after=str(detail["retry_after"]), body=body)
                else:
                    up.fault = Fault("garbage")
                self._faults.setdefault(provider, {})[i] = detail

    def clear(self, provider: str | None = None) -> None:
        """Remove the faults of ``provider`` (default: of every provider)."""
        names = [provider] if provider is not None else list(self.providers)
        with self._lock:
            for name in names:
                for up in self._ups(name):
                    up.fault = None
                    up.up()
                self._faults.pop(name, None)

    def faults(self) -> dict[str, list[dict[str, Any]]]:
        """The faults in force: provider -> one entry per affected endpoint (``endpoint``, ``kind``, options)."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for name, by_mirror in self._faults.items():
                urls = self.endpoints(name)
                out[name] = [{"endpoint": urls[i], "mirror": i, **d} for i, d in sorted(by_mirror.items())]
        return out
