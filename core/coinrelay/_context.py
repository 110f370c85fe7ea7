"""The context object a fetch hook receives as ``ctx``.

One per provider call (cheap: a few slots). It gives the plugin:

* ``ctx.http`` — :class:`~coinrelay._http.EndpointClient` bound to this provider's
  endpoints and this call's deadline;
* ``ctx.settings`` — the provider's own config section (``ctx.option(key)`` for
  plugin-specific keys, ``ctx.secret(key)`` for credentials);
* ``ctx.symbols`` — :class:`~coinrelay._symbols.SymbolMapper` with the config overrides;
* ``ctx.source()`` — the :class:`~coinrelay._models.Source` to put on a result;
* ``ctx.memo(key, ttl, factory)`` — a per-provider cache for slow lookups;
* ``ctx.fetch(category, **params)`` — another category through the relay's own chain, for
  providers computed from other data (``technical``, ``prediction``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._clock import Clock
from ._config import ProviderSettings
from ._http import EndpointClient
from ._models import Attempt, Result, Source
from ._provider import ProviderInfo
from ._symbols import SymbolMapper

if TYPE_CHECKING:
    from ._relay import Relay
    from ._runtime import ProviderRuntime


class ProviderContext:
    """What a plugin may use during one fetch."""

    __slots__ = ("_http", "attempts", "category", "deadline", "hops", "last_endpoint", "runtime", "sandbox")

    def __init__(
        self,
        runtime: ProviderRuntime,
        category: str,
        deadline: float,
        *,
        hops: int = 0,
        sandbox: bool = False,
    ) -> None:
        self.runtime = runtime
        self.category = category
        #: Monotonic time by which the whole call must finish.
        self.deadline = deadline
        #: Endpoint-level attempts made during this provider call (mirror failovers).
        self.attempts: list[Attempt] = []
        #: The base URL of the endpoint that answered last.
        self.last_endpoint: str | None = None
        #: How many coinrelay deployments this request has already passed through.
        self.hops = hops
        self.sandbox = sandbox
        self._http: EndpointClient | None = None

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def info(self) -> ProviderInfo:
        return self.runtime.info

    @property
    def settings(self) -> ProviderSettings:
        return self.runtime.settings

    @property
    def symbols(self) -> SymbolMapper:
        return self.runtime.symbols

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def relay(self) -> Relay:
        return self.runtime.relay

    @property
    def http(self) -> EndpointClient:
        h = self._http
        if h is None:
            h = self._http = EndpointClient(self)
        return h

    def remaining(self) -> float:
        """Seconds left before the call's deadline.

        Deadlines are real monotonic time (the relay enforces them with ``asyncio.timeout``),
        so this reads ``time.monotonic()``, not the injected clock: a ``FakeClock`` must not
        make every call look past its deadline.
        """
        return self.deadline - time.monotonic()

    def option(self, key: str, default: Any = None) -> Any:
        """A plugin-specific key of ``[providers.<name>]``."""
        return self.runtime.settings.options().get(key, default)

    def secret(self, key: str = "api_key") -> str | None:
        """A credential from config (``api_key`` or a key named in ``credentials``)."""
        return self.runtime.secrets.get(key)

    def source(self, endpoint: str | None = None) -> Source:
        """The :class:`Source` for a result built from this call."""
        return Source(provider=self.runtime.name, endpoint=endpoint or self.last_endpoint)

    async def fetch(self, category: str, **params: Any) -> Result:
        """Another category's result through the relay's chain (with its cache, breakers, failover).

        For providers computed from other data: ``technical`` asks
        ``await ctx.fetch("ohlcv", symbol=symbol, quote=quote, interval=interval, limit=limit)``.
        The call shares this call's deadline and hop count. Let its errors propagate: the core
        knows what they mean for this provider (:class:`~coinrelay.SymbolNotFound` -> not found,
        :class:`~coinrelay.AllProvidersFailed` -> failed without a breaker strike of its own).

        :raises InvalidRequest: a bad parameter.
        :raises SymbolNotFound: no provider of ``category`` serves it.
        :raises AllProvidersFailed: every provider of ``category`` failed.
        """
        return await self.runtime.relay.fetch(category, hops=self.hops, deadline=max(self.remaining(), 0.001), **params)

    async def memo(self, key: str, ttl: float, factory: Callable[[], Awaitable[Any]]) -> Any:
        """``factory()``'s value, cached for ``ttl`` seconds per provider; concurrent calls share one."""
        return await self.runtime.memo(key, ttl, factory)
