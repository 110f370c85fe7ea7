"""The sandbox: one loopback upstream per provider, in that provider's real format, with faults."""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any, ClassVar

from pydantic import SecretStr

from .._config import ProviderSettings, Settings
from .._plugins import BUILTIN_PLUGINS
from ..testing.upstream import FakeUpstream, Fault
from .upstreams import alternativeme, binance, coincap, coingecko, coinpaprika, cryptocompare

#: The providers the sandbox imitates, and the handler module of each.
UPSTREAMS: dict[str, ModuleType] = {
    "binance": binance,
    "coingecko": coingecko,
    "coincap": coincap,
    "cryptocompare": cryptocompare,
    "coinpaprika": coinpaprika,
    "alternativeme": alternativeme,
}
#: Loopback endpoints per provider (Binance gets mirrors, like api/api-gcp/data-api).
MIRRORS: dict[str, int] = {"binance": 3}
#: Dummy credentials for providers that need a key to work at all.
DUMMY_KEYS: dict[str, str] = {"coincap": "sandbox"}
#: Plugins built into the core that never do I/O and may stay loaded.
BUILTIN = tuple(BUILTIN_PLUGINS)


class SandboxError(ValueError):
    """A bad sandbox request: unknown provider, fault kind or mirror."""


class Sandbox:
    """Fake providers on 127.0.0.1 that answer in each provider's real format.

    ::

        box = Sandbox().start()
        relay = Relay(box.apply(settings), sandbox=True)
        box.inject("binance", "down")       # connection refused on every Binance mirror
        box.clear("binance")
        box.close()

    Fault kinds (:attr:`KINDS`): ``down`` (connection refused), ``slow`` (``delay`` seconds,
    default 2, before each answer), ``500`` (``status``, default 500), ``429`` (with
    ``Retry-After: retry_after``, default 30, and the provider's own 429 body), ``garbage``
    (HTTP 200 with an HTML body). ``mirror=<index>`` limits a fault to one endpoint.

    :param providers: imitate only these (default: all of :data:`UPSTREAMS`).
    """

    KINDS: ClassVar[tuple[str, ...]] = ("down", "slow", "500", "429", "garbage")

    def __init__(self, providers: tuple[str, ...] | list[str] | None = None) -> None:
        names = tuple(providers) if providers is not None else tuple(UPSTREAMS)
        unknown = [n for n in names if n not in UPSTREAMS]
        if unknown:
            raise SandboxError(f"no sandbox upstream for {unknown}; available: {', '.join(UPSTREAMS)}")
        self.providers = names
        self.upstreams: dict[str, list[FakeUpstream]] = {}
        self._faults: dict[str, dict[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._started = False

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start every upstream (idempotent); returns ``self``."""
        if self._started:
            return self
        try:
            for name in self.providers:
                module = UPSTREAMS[name]
                ups: list[FakeUpstream] = []
                self.upstreams[name] = ups
                for _ in range(MIRRORS.get(name, 1)):
                    up = FakeUpstream()
                    up.default = module.handle
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
        module = UPSTREAMS[provider]
        return [up.url + module.PREFIX for up in self._ups(provider)]

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with every sandboxed provider pointed at its loopback upstream.

        Real credentials are replaced by a dummy ``sandbox`` key (also set where a provider
        cannot work without one), and
        only the sandboxed providers and the built-in ones load: nothing can reach the
        network.
        """
        if not self._started:
            raise SandboxError("start() the sandbox before apply()")
        providers = dict(settings.providers)
        for name in self.providers:
            current = settings.provider(name)
            data = current.model_dump(exclude={"api_key"})
            extra = current.options()
            data.update(extra)
            data["endpoints"] = self.endpoints(name)
            # A real key never travels to a sandbox upstream; a dummy one keeps keyed plans working.
            needs_key = name in DUMMY_KEYS or current.api_key is not None
            data["api_key"] = SecretStr(DUMMY_KEYS.get(name, "sandbox")) if needs_key else None
            providers[name] = ProviderSettings(**data)
        load = [*self.providers, *BUILTIN]
        out = settings.model_copy(
            update={
                "providers": providers,
                "plugins": settings.plugins.model_copy(update={"load": load}),
            }
        )
        out.source_path = settings.source_path
        out._strict_chains = settings.strict_chains
        return out

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
        module = UPSTREAMS[provider]
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
                    up.fault = Fault(
                        "rate_limit", status=429, retry_after=str(detail["retry_after"]), body=module.RATE_LIMIT_BODY
                    )
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
