"""The context object a fetch hook receives as ``ctx``.

One per provider attempt (cheap: a few slots). It gives the plugin:

* ``ctx.http`` — :class:`~coinrelay._http.EndpointClient` bound to this provider's
  endpoints and this attempt's share of the call's deadline;
* ``ctx.settings`` — the provider's own config section (``ctx.option(key)`` for
  plugin-specific keys, ``ctx.secret(key)`` for credentials);
* ``ctx.symbols`` — :class:`~coinrelay.plugin.SymbolMapper` with the config overrides;
* ``ctx.source()`` — the :class:`~coinrelay.plugin.Source` to put on a result;
* ``ctx.memo(key, ttl, factory)`` — a per-provider cache for slow lookups;
* ``ctx.fetch(category, **params)`` — another category through the relay's own chain, for
  providers computed from other data (``technical``, ``prediction``);
* ``ctx.hops`` / ``ctx.next_hops`` — for a provider that is another coinrelay deployment.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._http import EndpointClient
from ._models import Attempt, Result, Source, trusted_source

if TYPE_CHECKING:
    from ._clock import Clock
    from ._config import ProviderSettings
    from ._provider import ProviderInfo
    from ._runtime import ProviderRuntime
    from ._scope import AttemptScope
    from ._symbols import SymbolMapper


class ProviderContext:
    """What a plugin may use during one fetch."""

    __slots__ = ("_http", "_scope", "attempts")

    def __init__(self, scope: AttemptScope) -> None:
        self._scope = scope
        self._http: EndpointClient | None = None
        #: Kept for plugins written against 0.1 (always empty: the core keeps the trail).
        self.attempts: list[Attempt] = []

    @property
    def runtime(self) -> ProviderRuntime:
        return self._scope.runtime

    @property
    def name(self) -> str:
        """The provider's name."""
        return self._scope.runtime.name

    @property
    def category(self) -> str:
        """The category being fetched."""
        return self._scope.category

    @property
    def info(self) -> ProviderInfo:
        return self._scope.runtime.info

    @property
    def settings(self) -> ProviderSettings:
        return self._scope.runtime.settings

    @property
    def symbols(self) -> SymbolMapper:
        return self._scope.runtime.symbols

    @property
    def clock(self) -> Clock:
        return self._scope.runtime.clock

    @property
    def deadline(self) -> float:
        """Monotonic time by which this attempt must finish."""
        return self._scope.deadline

    @property
    def hops(self) -> int:
        """How many coinrelay deployments this request has already passed through."""
        return self._scope.hops

    @property
    def next_hops(self) -> int:
        """The hop count to send to another coinrelay deployment (``x-coinrelay-hops``).

        The core already refused to call a provider declared with ``relays=True`` when this
        would exceed ``[relay] max_hops``: a plugin only forwards the number.
        """
        return self._scope.hops + 1

    @property
    def sandbox(self) -> bool:
        return self._scope.sandbox

    @property
    def last_endpoint(self) -> str | None:
        """The base URL of the endpoint that answered last."""
        return self._scope.last_endpoint

    @property
    def relay(self) -> Any:
        """Deprecated since 0.2: use :meth:`fetch` (the whole relay is not part of the plugin API)."""
        warnings.warn(
            "ctx.relay is deprecated: use await ctx.fetch(category, **params)", DeprecationWarning, stacklevel=2
        )
        return self._scope.runtime.owner

    @property
    def http(self) -> EndpointClient:
        h = self._http
        if h is None:
            h = self._http = EndpointClient(self._scope)
        return h

    def remaining(self) -> float:
        """Seconds left of this attempt's share of the call's deadline.

        Deadlines are real monotonic time, not the injected clock: a ``FakeClock`` must not
        make every call look past its deadline.
        """
        return self._scope.remaining()

    def option(self, key: str, default: Any = None) -> Any:
        """A plugin-specific key of ``[providers.<name>]``."""
        return self._scope.runtime.options.get(key, default)

    def secret(self, key: str = "api_key") -> str | None:
        """A credential from config (``api_key`` or a key named in ``credentials``)."""
        return self._scope.runtime.secrets.get(key)

    def source(self, endpoint: str | None = None) -> Source:
        """The :class:`Source` for a result built from this call."""
        scope = self._scope
        chosen = endpoint or scope.last_endpoint
        if chosen is None or type(chosen) is str:
            return trusted_source(scope.runtime.name, chosen)
        return Source(provider=scope.runtime.name, endpoint=chosen)  # (validated: refuses what is not a URL)

    async def fetch(self, category: str, **params: Any) -> Result:
        """Another category's result through the relay's chain (with its cache, breakers, failover).

        For providers computed from other data: ``technical`` asks
        ``await ctx.fetch("ohlcv", symbol=symbol, quote=quote, interval=interval, limit=limit)``.
        The call shares this attempt's deadline and hop count, and the core refuses a loop (a
        category that, through its providers, asks for itself). Let its errors propagate: the
        core knows what they mean for this provider (:class:`~coinrelay.plugin.SymbolNotFound`
        -> not found, :class:`~coinrelay.plugin.AllProvidersFailed` -> failed, charged to
        nobody: this provider did nothing wrong).

        :raises InvalidRequest: a bad parameter.
        :raises SymbolNotFound: no provider of ``category`` serves it.
        :raises AllProvidersFailed: every provider of ``category`` failed.
        """
        scope = self._scope
        result: Result = await scope.runtime.fetch(
            scope.category, category, scope.hops, max(scope.remaining(), 0.001), params
        )
        return result

    async def memo(self, key: str, ttl: float, factory: Callable[[], Awaitable[Any]]) -> Any:
        """``factory()``'s value, cached for ``ttl`` seconds per provider; concurrent calls share one."""
        return await self._scope.runtime.memo(key, ttl, factory)
