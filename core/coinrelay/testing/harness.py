"""Call one provider plugin's hooks directly, with a real :class:`ProviderContext`."""

from __future__ import annotations

import time
from typing import Any

import httpx

from .._clock import SYSTEM_CLOCK, Clock
from .._config import ProviderSettings, Settings
from .._context import ProviderContext
from .._models import Result
from .._relay import Relay
from .._requests import validate
from .._runtime import ProviderRuntime
from .._scope import AttemptScope


class ProviderHarness:
    """A relay holding only ``plugin``, whose hooks :meth:`call` invokes one at a time.

    :param plugin: the plugin module (or object) to test.
    :param name: its entry-point name.
    :param transport: an httpx transport (``httpx.MockTransport``), or ``None`` for real
        HTTP (cassettes, loopback servers).
    :param provider_settings: the provider's config section, as a dict.
    :param settings: a whole :class:`Settings` (overrides ``provider_settings``).
    """

    def __init__(
        self,
        plugin: object,
        name: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        provider_settings: dict[str, Any] | None = None,
        settings: Settings | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if settings is None:
            settings = Settings(providers={name: ProviderSettings(**(provider_settings or {}))})
        # Through httpx even with no transport given, so that vcrpy cassettes (which patch
        # httpx's transports) replay.
        self.relay = Relay(
            settings,
            plugins=[(name, plugin)],
            load_entry_points=False,
            transport=transport or httpx.AsyncHTTPTransport(),
            clock=clock,
        )
        if name not in self.relay.providers:
            statuses = {s.name: s for s in self.relay.plugin_statuses}
            st = statuses.get(name)
            raise AssertionError(f"plugin {name!r} did not register as a provider: {st.error if st else 'unknown'}")
        self.name = name

    @property
    def runtime(self) -> ProviderRuntime:
        return self.relay.providers[self.name]

    def context(self, category: str, *, timeout: float = 10.0, hops: int = 0) -> ProviderContext:
        """A ``ctx`` for one direct call of ``fetch_<category>`` (``timeout`` seconds, ``hops`` passed)."""
        return ProviderContext(AttemptScope(self.runtime, category, time.monotonic() + timeout, hops=hops))

    async def call(self, category: str, *, hops: int = 0, **params: Any) -> Result | None:
        """Call ``fetch_<category>`` with validated ``params``; exceptions propagate.

        :param hops: coinrelay deployments the request already passed through (``ctx.hops``).
        """
        fn, argnames = self.runtime.impls[category]
        clean = validate(category, params)
        ctx = self.context(category, hops=hops)
        kwargs = {n: (ctx if n == "ctx" else clean[n]) for n in argnames}
        result: Result | None = await fn(**kwargs)
        return result

    async def aclose(self) -> None:
        await self.relay.aclose()

    async def __aenter__(self) -> ProviderHarness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
