"""A provider as the relay runs it: its info, settings, endpoints, breakers and budget.

One :class:`ProviderRuntime` per loaded provider, built once when the relay starts; the
hot path reads precomputed fields only (no plugin-manager lookups, no config parsing).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ._breaker import CLOSED, BreakerPolicy, BreakerRecord, CircuitBreaker
from ._clock import Clock
from ._config import BreakerSettings, ProviderSettings
from ._errors import ConfigError, RateLimited
from ._events import BreakerStateChanged
from ._health import HealthWindow
from ._parsing import redact
from ._provider import ProviderInfo, RateLimit
from ._redact import shown
from ._state.base import StateBackend
from ._symbols import SymbolMapper
from ._transport import DEFAULT_HEADERS, Transport

log = logging.getLogger("coinrelay.relay")

HookFn = Callable[..., Awaitable[Any]]
#: ``fetch(caller_category, category, hops, deadline_seconds, params)``: another category
#: through the relay's chain, for ``ctx.fetch``.
FetchFn = Callable[[str, str, int, float, Mapping[str, Any]], Awaitable[Any]]


def breaker_policy(settings: BreakerSettings) -> BreakerPolicy:
    return BreakerPolicy(**settings.model_dump())


def effective_rate_limit(info: ProviderInfo, settings: ProviderSettings) -> RateLimit | None:
    """The plugin's declared budget with the config's ``rate_limit`` keys laid over it."""
    over = settings.rate_limit
    declared = info.rate_limit
    if over is None:
        return declared
    changes = over.model_dump(exclude_none=True)
    if declared is None:
        if "limit" not in changes:
            raise ConfigError(
                f"provider {info.name!r} declares no rate limit: set 'limit' (and 'period') to give it one",
                key=f"providers.{info.name}.rate_limit.limit",
            )
        return RateLimit(**{"period": 60.0, **changes})
    return dataclasses.replace(declared, **changes)


class EndpointState:
    """One endpoint (mirror) of a provider: its breaker and health."""

    __slots__ = ("base", "breaker", "health", "label")

    def __init__(self, base: str, breaker: CircuitBreaker, health: HealthWindow) -> None:
        self.base = base
        self.breaker = breaker
        self.health = health
        #: The endpoint as shown anywhere (trail, health, logs): its password masked.
        self.label = shown(base)

    def failed(self, error: str, latency: float) -> None:
        """Charge a failure to this endpoint's health and breaker (no trail: nobody keeps one)."""
        self.health.record_failure(error, latency)
        self.breaker.record_failure(error)


class ProviderRuntime:
    """Everything the router and ``ctx`` need about one provider, precomputed."""

    def __init__(
        self,
        *,
        info: ProviderInfo,
        settings: ProviderSettings,
        breaker_settings: BreakerSettings,
        impls: dict[str, tuple[HookFn, tuple[str, ...]]],
        transport: Transport,
        state: StateBackend,
        clock: Clock,
        fetch: FetchFn,
        owner: object = None,
        on_breaker_change: Callable[[BreakerStateChanged], None] | None,
    ) -> None:
        self.name = info.name
        self.info = info
        self.settings = settings
        #: The plugin-specific keys of ``[providers.<name>]`` (``ctx.option``), read once.
        self.options: dict[str, Any] = settings.options()
        self.impls = impls
        self.transport = transport
        self.state = state
        self.clock = clock
        #: ``ctx.fetch``'s door into the relay (a function, not the relay: the plugin API stays narrow).
        self.fetch = fetch
        #: The relay, for the deprecated ``ctx.relay`` only.
        self.owner = owner
        #: Another coinrelay deployment: skipped past ``[relay] max_hops`` (the loop guard).
        self.relays = bool(info.relays)
        self.priority = settings.priority if settings.priority is not None else info.priority
        self.endpoints: list[str] = (
            list(settings.endpoints) if settings.endpoints is not None else [e.rstrip("/") for e in info.endpoints]
        )
        self.timeout = settings.timeout
        self.policy = breaker_policy(breaker_settings)
        self._on_breaker_change = on_breaker_change
        self._opened: asyncio.Event | None = None
        self.breaker = state.breaker(f"{self.name}", self.policy, self._listener(None))
        self.health = state.health(f"{self.name}")
        self.category_health: dict[str, HealthWindow] = {c: state.health(f"{self.name}|{c}") for c in impls}
        self._endpoints: dict[str, EndpointState] = {}
        self._mirror_bases: list[str] = []
        self._mirrors: list[EndpointState] = []
        self.mirrors()
        self.rate_limit: RateLimit | None = effective_rate_limit(info, settings)
        #: The quota domain: one budget shared by every endpoint of the provider.
        self.domain = f"{self.name}"
        self.symbols = SymbolMapper(settings.symbols, settings.quotes)
        self.default_headers: dict[str, str] = DEFAULT_HEADERS
        self.secrets: dict[str, str] = {}
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        if api_key:
            self.secrets["api_key"] = api_key
        for key in info.credentials:
            value = self.options.get(key)
            if isinstance(value, str) and value:
                self.secrets[key] = value
        self.configured_reason: str | None = None
        if not self.endpoints and not info.extra.get("local"):  # a local provider (technical) needs none
            self.configured_reason = f"no endpoints configured (set providers.{self.name}.endpoints)"
        elif info.requires_credentials and not self.secrets:
            needed = ", ".join(info.credentials) or "api_key"
            self.configured_reason = f"needs credentials ({needed}) in providers.{self.name}"
        self._memo: dict[str, tuple[Any, float]] = {}
        self._memo_inflight: dict[str, asyncio.Future[Any]] = {}

    # -- endpoints -----------------------------------------------------------

    def endpoint_state(self, base: str) -> EndpointState:
        ep = self._endpoints.get(base)
        if ep is None:
            key = f"{self.name}@{base}"
            ep = self._endpoints[base] = EndpointState(
                base, self.state.breaker(key, self.policy, self._listener(base)), self.state.health(key)
            )
        return ep

    def mirrors(self) -> list[EndpointState]:
        """The configured endpoints' states, in order: what ``ctx.http`` walks when a plugin names none.

        Built once (and again if :attr:`endpoints` was changed in place).
        """
        if self._mirror_bases != self.endpoints:
            self._mirror_bases = list(self.endpoints)
            self._mirrors = [self.endpoint_state(base) for base in self.endpoints]
        return self._mirrors

    def endpoint_available(self) -> bool:
        """Could a call reach one of the configured endpoints now (an endpoint breaker lets it)?"""
        mirrors = self.mirrors()
        if not mirrors:
            return True  # a local provider (technical), or unconfigured (reported elsewhere)
        for ep in mirrors:
            br = ep.breaker
            if br.record.state == CLOSED or br.is_available():
                return True
        return False

    def endpoint_states(self) -> list[EndpointState]:
        """Every endpoint used so far: the configured ones, then any a plugin chose per call."""
        return list(self._endpoints.values())

    def _listener(self, endpoint: str | None) -> Callable[[str, str, BreakerRecord], None]:
        name = self.name
        label = shown(endpoint)  # (a password in a base URL is for the request only)

        def on_change(old: str, new: str, rec: BreakerRecord) -> None:
            until = datetime.fromtimestamp(rec.open_until, UTC) if new == "open" else None
            if endpoint is None and new == "open" and self._opened is not None:
                self._opened.set()  # wake calls still waiting on this provider (hedged walk)
                self._opened = None
            log.log(
                logging.WARNING if new == "open" else logging.INFO,
                "breaker %s%s: %s -> %s (%s)",
                name,
                f"@{label}" if label else "",
                old,
                new,
                rec.reason,
            )
            notify = self._on_breaker_change
            if notify is not None:
                notify(
                    BreakerStateChanged(provider=name, endpoint=label, old=old, new=new, reason=rec.reason, until=until)
                )

        return on_change

    def scrub(self, text: str) -> str:
        """``text`` with this provider's credentials (plain or URL-encoded) replaced by ``***``."""
        return redact(text, self.secrets.values())

    def opened_signal(self) -> asyncio.Event:
        """An event set the next time this provider's breaker opens."""
        if self._opened is None:
            self._opened = asyncio.Event()
        return self._opened

    # -- budget ----------------------------------------------------------------

    def over_budget(self, wait: float, endpoint: str) -> RateLimited:
        """What ``ctx.http`` raises when the provider's own budget refuses a request (nothing was sent)."""
        rl = self.rate_limit
        assert rl is not None
        return RateLimited(
            f"own rate budget spent ({rl.effective_limit} {rl.unit} per {rl.period:g}s); next in {wait:.2f}s",
            provider=self.name,
            endpoint=endpoint,
            retry_after=wait,
            local=True,
        )

    # -- memo (for plugins' slow lookups such as CoinGecko's /coins/list) --------

    async def memo(self, key: str, ttl: float, factory: Callable[[], Awaitable[Any]]) -> Any:
        now = self.clock.monotonic()
        hit = self._memo.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        inflight = self._memo_inflight.get(key)
        if inflight is not None:
            return await asyncio.shield(inflight)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._memo_inflight[key] = fut
        try:
            value = await factory()
        except BaseException as exc:
            if not fut.done():
                fut.set_exception(exc)
                fut.exception()  # mark retrieved
            raise
        else:
            self._memo[key] = (value, self.clock.monotonic() + ttl)
            if not fut.done():
                fut.set_result(value)
            return value
        finally:
            self._memo_inflight.pop(key, None)


def usage(headers: Mapping[str, str], name: str) -> float | None:
    """The units a provider's usage header says are spent, ``None`` when absent or not a number."""
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
