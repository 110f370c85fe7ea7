"""The relay: the public face of coinrelay for host apps (``async with Relay.from_config() as relay``).

A small facade over the request path, whose parts each have their module:

* :mod:`._flight` — the cache, stale values and single flight in front of the walks;
* :mod:`._walks` (plain), :mod:`._hedged`, :mod:`._consensus` — walking a category's chain,
  each attempt within its share of the call's deadline, half-open providers probed in the
  background;
* :mod:`._attempt` — one provider asked, across its mirrors: an outcome and a blame;
* :mod:`._recorder` — where every outcome is written down, once (breakers, health, stats,
  events, logs);
* :mod:`._assembly` — building the providers and the state backend from the settings.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Self

import httpx

from . import _batch, _names
from ._assembly import build_providers, make_state
from ._attempt import AttemptRunner
from ._batch import PriceBatch
from ._callstats import CALL_STATS, CallStats
from ._categories import ALL
from ._chains import Tier, build_chains
from ._clock import SYSTEM_CLOCK, Clock
from ._config import Settings, load_settings
from ._consensus import walk_consensus
from ._errors import InvalidRequest, RelayClosed
from ._flight import Flights
from ._generated_relay import RelayMethods
from ._hedged import walk_hedged
from ._hedging import HedgePolicy
from ._models import RESULT_TYPES, Result
from ._plugins import make_plugin_manager, notifier
from ._quality import ResultCheck
from ._recorder import Recorder
from ._report import PROBE_PARAMS as PROBE_PARAMS
from ._report import TrafficStats, probe_once, provider_health
from ._requests import cache_key, prepare
from ._retry_budget import RetryBudget
from ._runtime import ProviderRuntime
from ._state.base import StateBackend
from ._transport import Transport, make_transport
from ._walks import Walker

#: The categories being computed up the current ``ctx.fetch`` stack (the loop guard).
_COMPUTING: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("coinrelay_computing", default=())


class Relay(RelayMethods):
    """Crypto market data from a failover chain of provider plugins.

    Use as an async context manager (it owns one shared HTTP connection pool, opened on entry)::

        async with Relay.from_config() as relay:
            price = await relay.price("BTC", "USD")
            print(price.price, price.source.provider)

    :param settings: the configuration (default: :func:`~coinrelay.load_settings`).
    :param clock: time source for breakers, health, pauses and budgets.
    :param state: the state backend (default: in memory, or Redis per ``[state]``).
    :param transport: an httpx transport (``httpx.MockTransport``, vcrpy) to send through httpx instead of aiohttp.
    :param plugins: extra ``(name, plugin)`` pairs registered besides the entry points.
    :param load_entry_points: ``False`` to skip plugin discovery.
    :param sandbox: results are labelled as sandbox data.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        state: StateBackend | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        plugins: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
        sandbox: bool = False,
    ) -> None:
        self.settings = s = settings if settings is not None else load_settings()
        self.clock = clock
        self.sandbox = sandbox
        self.state: StateBackend = state if state is not None else make_state(s, clock)
        self.pm, self.plugin_statuses = make_plugin_manager(
            s, extra_plugins=plugins, load_entry_points=load_entry_points
        )
        #: The shared HTTP connection pool (aiohttp by default; httpx when given an httpx transport).
        self.transport: Transport = make_transport(s.relay.transport, transport)
        self._stats = TrafficStats()
        self._recorder = Recorder([self._stats])
        self._notify_breaker: Any = None
        self.providers: dict[str, ProviderRuntime] = build_providers(
            s,
            self.pm,
            self.plugin_statuses,
            transport=self.transport,
            state=self.state,
            clock=clock,
            fetch=self._fetch_for_plugin,
            owner=self,
            on_breaker_change=self._emit_breaker,
        )
        self._chains: dict[str, list[Tier]] = build_chains(s, self.providers, self.plugin_statuses)
        self._check = ResultCheck(s.quality, clock)
        runner = AttemptRunner(
            recorder=self._recorder,
            state=self.state,
            clock=clock,
            sandbox=sandbox,
            # (without the consensus check's book, every answer is judged alone: one call less)
            check=(self._check if self._check.book is not None else self._check.alone) if self._check.active else None,
        )
        rb = s.retry_budget
        retry = (
            RetryBudget(ratio=rb.ratio, min_per_second=rb.min_per_second, window=rb.window, clock=clock)
            if rb.enabled
            else None
        )
        self._hedged = s.hedging.categories()
        #: Tasks that outlive a call (background probes), cancelled by :meth:`aclose`.
        self._background: set[asyncio.Task[Any]] = set()
        self._walker = Walker(
            chains=self._chains,
            runner=runner,
            recorder=self._recorder,
            state=self.state,
            max_hops=s.relay.max_hops,
            retry=retry,
            hedge=HedgePolicy(s.hedging) if self._hedged else None,
            background=self._background,
        )
        self._flights = Flights(
            state=self.state, settings=s, clock=clock, walk=self._walk, inline=getattr(self.transport, "inline", False)
        )
        self._consensus_default = s.consensus.enabled
        self._max_dev = Decimal(str(s.quality.max_deviation_pct))
        self._started = False
        self._closed = False
        #: Symbols seen -> the ticker they stand for (names and provider ids resolved once).
        self._aliases: dict[str, str] = {}
        #: Relay calls by how they were served (cache hits included): where the callers' load went.
        self._calls = CallStats()
        self.pm.register(self._calls, name=CALL_STATS)
        self._refresh_listeners()

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Self:
        """A relay configured from ``path`` (else ``$COINRELAY_CONFIG``, ``./coinrelay.toml``, defaults)."""
        return cls(load_settings(path), **kwargs)

    # -- listeners ----------------------------------------------------------------------

    def _refresh_listeners(self) -> None:
        pm = self.pm
        self._notify_breaker = notifier(pm, "on_breaker_state_change")
        self._recorder.listen(notifier(pm, "on_request_finished"), notifier(pm, "on_failover"))
        # the relay's own call counts are told directly (no event built for them)
        own = pm.get_plugin(CALL_STATS) is self._calls
        self._flights.calls = self._calls if own else None
        self._flights.notify = notifier(pm, "on_call_finished", skip=CALL_STATS if own else None)

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register an event-listener plugin after construction (metrics, dashboards)."""
        self.pm.register(plugin, name=name)
        self._refresh_listeners()

    def _emit_breaker(self, event: Any) -> None:
        notify = self._notify_breaker
        if notify is not None:
            notify(event)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> Self:
        """Open the HTTP connection pool now (import, TLS context), so no request pays for it.

        Called on ``async with``; ``coinrelay serve`` calls it at start-up. Idempotent.
        """
        self._ensure_open()
        if not self._started:
            self._started = True
            opener = getattr(self.transport, "start", None)
            if opener is not None:
                await opener()
        return self

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def wait_background(self) -> None:
        """Wait until the work started in the background so far has ended.

        That is the half-open probes sent while calls went on down the chain (and the
        stale-while-revalidate refreshes): for tests and orderly shutdowns.
        """
        while True:
            pending = [t for t in (*self._background, *self._flights.refreshes()) if not t.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def _ensure_open(self) -> None:
        if self._closed:
            raise RelayClosed("this Relay is closed (aclose() was called): build a new one")

    async def aclose(self) -> None:
        """Cancel what is in flight, close the connection pool and the state backend. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._started = False  # the next call goes through start(), which refuses it
        await self._flights.close()
        background = list(self._background)
        for task in background:
            task.cancel()
        if background:
            await asyncio.gather(*background, return_exceptions=True)
        await self.transport.aclose()
        await self.state.close()

    # -- introspection -----------------------------------------------------------------------

    def chains(self) -> dict[str, list[list[str]]]:
        """Each category's chain: tiers of provider names."""
        return {c: [[m.name for m in t.members] for t in tiers] for c, tiers in self._chains.items()}

    def plugins(self) -> list[dict[str, Any]]:
        """What ``coinrelay plugins`` prints."""
        return [s.as_dict() for s in self.plugin_statuses]

    # -- the public API: one method per category, ``relay.price(...)``, generated from the category
    # declarations into ``_generated_relay.RelayMethods`` (``make generate``).

    # -- the pipeline ---------------------------------------------------------------

    async def fetch(
        self,
        category: str,
        *,
        hops: int = 0,
        deadline: float | None = None,
        consensus: bool | None = None,
        **params: Any,
    ) -> Result:
        """Fetch ``category`` with ``params`` (the category's parameters).

        :param hops: coinrelay deployments the request already passed through (HTTP API).
        :param deadline: seconds the whole call may take (default ``[relay] deadline``).
        :param consensus: price only: ask several providers and return their median
            (default ``[consensus] enabled``).
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        :raises RelayClosed: the relay was closed.

        A fresh value from the cache is the cached object itself (that is what makes a hit
        cost microseconds): treat results as read-only, or ``model_copy()`` before changing one.
        """
        if not self._started:  # closed, or used without ``async with``: open the pool now, so no
            await self.start()  # provider's latency is billed for aiohttp's import and TLS set-up
        if category not in RESULT_TYPES:
            raise InvalidRequest("category", f"unknown category {category!r}; allowed: {', '.join(ALL)}")
        try:
            clean, key = prepare(category, params)
        except InvalidRequest as exc:
            given = params.get("symbol")
            if exc.param != "symbol" or not isinstance(given, str):
                raise
            # not a ticker ("bitcoin cash"): a name or a provider id, or the caller's 422
            clean, key = prepare(category, {**params, "symbol": self.resolve(given)})
        symbol = clean.get("symbol")
        if symbol is not None:
            ticker = self._aliases.get(symbol)
            if ticker is None:
                ticker = self._alias(symbol)
            if ticker != symbol:  # a name that looks like a ticker ("BITCOIN" -> BTC)
                clean["symbol"] = ticker
                key = cache_key(category, clean)
        if consensus is None:
            consensus = self._consensus_default and category == "price"
        elif consensus:
            if category != "price":
                raise InvalidRequest("consensus", f"only price has a consensus mode, not {category}")
            key += "|consensus"
        return await self._flights.get(key, category, clean, hops, deadline, consensus)

    def _alias(self, symbol: str) -> str:
        """The ticker a well-formed ``symbol`` stands for (itself, or what a name or id names), remembered."""
        ticker = _names.index_for(self).resolve(symbol, "symbol")
        aliases = self._aliases
        if len(aliases) >= 4096:
            aliases.clear()
        aliases[symbol] = ticker
        return ticker

    async def _walk(
        self, category: str, params: dict[str, Any], hops: int, deadline: float | None, consensus: bool
    ) -> Result:
        """One shared fetch's walk down the chain: plain, hedged or consensus."""
        walker = self._walker
        budget = deadline if deadline is not None else self.settings.relay.deadline
        call = walker.start(category, params, hops, budget, RESULT_TYPES[category])
        check = self._check
        if consensus or (check.book is not None and category == "price" and check.needs_references(params)):
            call.check = check.alone  # the walk compares the answers itself
            return await walk_consensus(
                walker,
                call,
                need=self.settings.consensus.min_providers,
                max_dev=self._max_dev,
                book=check.book,
                now=self.clock.monotonic(),
                tolerance=self.settings.quality.quote_tolerance_pct,
            )
        if category in self._hedged:
            return await walk_hedged(walker, call)
        return await walker.walk(call)

    async def _fetch_for_plugin(
        self, caller: str, category: str, hops: int, deadline: float, params: Mapping[str, Any]
    ) -> Result:
        """``ctx.fetch``: another category for a provider computed from it, never in a loop."""
        computing = _COMPUTING.get()
        if category == caller or category in computing:
            chain = " -> ".join((*computing, caller, category))
            raise InvalidRequest("category", f"{caller} cannot be computed from {category}: a loop ({chain})")
        _COMPUTING.set((*computing, caller))
        try:
            return await self.fetch(category, hops=hops, deadline=deadline, **params)
        finally:
            # (set, not reset(token): a fetch that moved to a task of its own runs on in a copy
            # of its caller's context, where the token is not valid: _inline.py)
            _COMPUTING.set(computing)

    # -- health and stats ---------------------------------------------------------------

    async def probe(self, provider: str) -> dict[str, Any]:
        """Call ``provider`` once, bypassing the chain and the cache (``coinrelay health``).

        Uses the provider's first category (in :data:`~coinrelay.CATEGORIES` order, so ``price``
        when it serves it) with the cheap parameters of :data:`PROBE_PARAMS`. The call counts in
        the provider's breaker and health like any other; a provider that is paused, unconfigured
        or whose breaker refuses a call is not called (outcome ``skipped``).

        :return: ``{"provider", "category", "outcome", "endpoint", "latency_ms", "error",
            "attempts"}``; ``outcome`` is an :class:`~coinrelay.Outcome`.
        :raises InvalidRequest: ``provider`` is not a loaded provider.
        """
        self._ensure_open()
        rt = self.providers.get(provider)
        if rt is None:
            raise InvalidRequest("provider", f"unknown provider {provider!r}; loaded: {', '.join(self.providers)}")
        return await probe_once(self._walker, rt, self.settings.relay.deadline)

    async def health(self) -> dict[str, Any]:
        """Per provider and per endpoint: breaker, pause, success rate, latency, counts, last error."""
        if self.state.shared:
            await self.state.flush(force=True)  # fresh cluster-wide counts in status()
        providers = {name: await provider_health(rt, self.state) for name, rt in self.providers.items()}
        return {"state_backend": self.state.status(), "providers": providers}

    def stats(self) -> dict[str, Any]:
        """Per provider and category: attempts (requests, successes, failures, not served, skipped),
        mean latency and share of the answers; under ``calls``, the relay calls per category by how
        they were served (``provider``, ``coalesced``, ``cache``, ``stale``, ``none``)."""
        return {**self._stats.report(), "calls": self._calls.report()}

    # -- names and batches ------------------------------------------------------------------

    def resolve(self, text: str, param: str = "symbol") -> str:
        """The ticker for ``text``: a ticker, a provider id or a name (see :mod:`coinrelay._names`)."""
        return _names.index_for(self).resolve(text, param)

    async def prices(self, symbols: Iterable[str], quote: str = "USD", **kw: Any) -> PriceBatch:
        """The price of each of ``symbols``, each with its own provenance or error (:mod:`coinrelay._batch`)."""
        return await _batch.prices(self, symbols, quote, **kw)
