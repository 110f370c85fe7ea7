"""The relay: routes each request through its category's failover chain.

For one call (:meth:`Relay.fetch`, or the per-category methods ``relay.price(...)``):

1. validate the parameters (:mod:`coinrelay._requests`);
2. serve a fresh cached value, or join an identical call already in flight;
3. walk the chain tier by tier; inside a tier, providers are ordered by smooth weighted
   round-robin on their health (success rate and latency EWMA); a provider whose breaker
   is open, who is paused (Retry-After, ban, geo-block) or unconfigured is skipped;
4. classify each failure (:mod:`coinrelay._errors`): unsupported → next provider, no
   penalty; rate limited / forbidden → pause the provider, next; transient → breaker
   failure, next;
5. return the first good result with ``source`` (provider, endpoint, trail), or raise
   :class:`~coinrelay._errors.SymbolNotFound` / :class:`~coinrelay._errors.AllProvidersFailed`
   — unless a stale cached value within ``max_stale`` can be served instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self, TypeVar

import httpx

from ._breaker import CLOSED
from ._categories import ALL, FieldView
from ._chains import Tier, build_chains
from ._clock import SYSTEM_CLOCK, Clock
from ._config import ProviderSettings, Settings, load_settings
from ._context import ProviderContext
from ._errors import (
    AllProvidersFailed,
    BadData,
    ConfigError,
    Forbidden,
    InvalidRequest,
    InvalidResponse,
    NotConfigured,
    NotSupported,
    ProviderError,
    RateLimited,
    SymbolNotFound,
    UpstreamTimeout,
)
from ._events import CallFinished, FailoverHappened, RequestFinished
from ._generated import RelayMethods
from ._hedging import HedgePolicy
from ._models import RESULT_TYPES, Attempt, Price, Result, Source
from ._outcome import Outcome
from ._plugins import load_providers, make_plugin_manager, notifier
from ._provider import ProviderInfo
from ._quality import PriceBook, deviation_pct, median, problem
from ._report import TrafficStats, provider_health
from ._requests import describe, prepare, validate
from ._retry_budget import RetryBudget
from ._runtime import ProviderRuntime
from ._state.base import CacheEntry, Pause, StateBackend
from ._state.memory import MemoryState
from ._transport import Transport, make_transport

log = logging.getLogger("coinrelay.relay")

R = TypeVar("R", bound=Result)

#: How the trail marks a provider skipped for lacking endpoints or credentials (neutral for not-found).
_UNCONFIGURED = "not configured: "
#: Pause applied on HTTP 429 without a Retry-After header (seconds).
DEFAULT_RATE_LIMIT_PAUSE = 60.0
#: Pause applied on HTTP 418 (IP ban) without a Retry-After header.
DEFAULT_BAN_PAUSE = 120.0
#: Pause applied on HTTP 451 (restricted location): long, it will not change soon.
GEO_BLOCK_PAUSE = 3600.0
#: Pause applied on HTTP 403 (firewall).
FORBIDDEN_PAUSE = 600.0
#: Internal outcome of a provider call refused by coinrelay's own rate budget (nothing sent).
_LOCAL_BUDGET = "local_budget"
_RETRY_SPENT = "retry budget exhausted: failing fast instead of adding load"


class _Flight:
    """One upstream fetch shared by every identical concurrent call (single flight).

    The fetch runs in its own task; each caller waits on a future of its own, which the
    task resolves in its last step (one event-loop iteration sooner than ``asyncio.shield``
    would), so one caller's cancellation never cancels the fetch for the others. When the
    last waiter leaves, the fetch is cancelled — unless it is a background refresh (``keep``).
    """

    __slots__ = ("keep", "task", "waiters")

    def __init__(self, keep: bool) -> None:
        self.task: asyncio.Task[None] | None = None
        self.waiters: list[asyncio.Future[Result]] = []
        self.keep = keep


class _Deadline:
    """Cancels the running task at a call's deadline: ``asyncio.timeout`` for the hot path.

    Same contract at a fraction of the cost (no context manager, no state machine): when
    ``call_deadline`` (``time.monotonic()``) passes, the task is cancelled, and :meth:`end`
    says whether a ``CancelledError`` is this deadline's doing (raise ``TimeoutError``) or
    came from elsewhere (let it propagate).
    """

    __slots__ = ("_cancelling", "_handle", "_task", "expired")

    def __init__(self, call_deadline: float) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        self._task = task
        self._cancelling = task.cancelling()
        self.expired = False
        self._handle = loop.call_at(loop.time() + (call_deadline - time.monotonic()), self._expire)

    def _expire(self) -> None:
        self.expired = True
        self._task.cancel()

    def end(self, cancelled: bool) -> bool:
        """Stop the timer; ``True`` when ``cancelled`` (a ``CancelledError`` is leaving) is the deadline's."""
        self._handle.cancel()
        if not self.expired:
            return False
        return self._task.uncancel() <= self._cancelling and cancelled


#: Cheap parameters :meth:`Relay.probe` uses per category (the rest are the defaults): each spec's ``probe``.
PROBE_PARAMS: Mapping[str, Mapping[str, Any]] = FieldView("probe")


class Relay(RelayMethods):
    """Crypto market data from a failover chain of provider plugins.

    Use as an async context manager (it owns one shared HTTP connection pool)::

        async with Relay.from_config() as relay:
            price = await relay.price("BTC", "USD")
            print(price.price, price.source.provider)

    :param settings: the configuration (default: :func:`~coinrelay._config.load_settings`).
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
        self.settings = settings if settings is not None else load_settings()
        self.clock = clock
        self.sandbox = sandbox
        self.state: StateBackend = state if state is not None else _make_state(self.settings, clock)
        #: The in-process state, for the hot path's synchronous checks (``None`` when shared/other).
        self._memory: MemoryState | None = self.state if isinstance(self.state, MemoryState) else None
        self.pm, self.plugin_statuses = make_plugin_manager(
            self.settings, extra_plugins=plugins, load_entry_points=load_entry_points
        )
        #: The shared HTTP connection pool (aiohttp by default; httpx when given an httpx transport).
        self.transport: Transport = make_transport(self.settings.relay.transport, transport)
        self._refresh_listeners()
        self.providers: dict[str, ProviderRuntime] = {}
        self._build_providers()
        self._chains: dict[str, list[Tier]] = build_chains(self.settings, self.providers, self.plugin_statuses)
        self._inflight: dict[str, _Flight] = {}
        self._stats = TrafficStats()
        self._closed = False
        self._build_resilience()

    def _build_resilience(self) -> None:
        """Hedging, quality checks, consensus and the retry budget, from settings (see docs/resilience.md)."""
        s = self.settings
        self._swr = s.cache.enabled and s.cache.stale_while_revalidate
        hedged = s.hedging.categories()
        self._hedge: HedgePolicy | None = HedgePolicy(s.hedging) if hedged else None
        self._hedged = hedged
        rb = s.retry_budget
        self._retry: RetryBudget | None = (
            RetryBudget(ratio=rb.ratio, min_per_second=rb.min_per_second, window=rb.window, clock=self.clock)
            if rb.enabled
            else None
        )
        q = s.quality
        self._quality_on = q.enabled
        self._max_age: dict[str, float] = dict(q.max_age)
        self._checked = q.enabled or bool(q.max_age) or q.consensus_check
        self._book: PriceBook | None = PriceBook(q.reference_age) if q.consensus_check else None
        self._max_dev = Decimal(str(q.max_deviation_pct))
        self._consensus_default = s.consensus.enabled

    # -- construction --------------------------------------------------------

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Self:
        """A relay configured from ``path`` (else ``$COINRELAY_CONFIG``, ``./coinrelay.toml``, defaults)."""
        return cls(load_settings(path), **kwargs)

    def _refresh_listeners(self) -> None:
        self._notify_breaker = notifier(self.pm, "on_breaker_state_change")
        self._notify_request = notifier(self.pm, "on_request_finished")
        self._notify_failover = notifier(self.pm, "on_failover")
        self._notify_call = notifier(self.pm, "on_call_finished")

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register an event-listener plugin after construction (metrics, dashboards)."""
        self.pm.register(plugin, name=name)
        self._refresh_listeners()

    def _emit_breaker(self, event: Any) -> None:
        notify = self._notify_breaker
        if notify is not None:
            notify(event)

    def _build_providers(self) -> None:
        settings = self.settings
        for plugin in load_providers(self.pm, self.plugin_statuses):
            name, info = plugin.name, plugin.info
            psettings = settings.provider(name)
            self._check_options(name, info, psettings)
            self.providers[name] = ProviderRuntime(
                info=info,
                settings=psettings,
                breaker_settings=settings.breaker_for(name),
                impls=plugin.impls,
                transport=self.transport,
                state=self.state,
                clock=self.clock,
                relay=self,
                on_breaker_change=self._emit_breaker,
            )
        for name in settings.providers:
            if name not in self.providers and not any(s.name == name for s in self.plugin_statuses):
                log.warning("config names provider %r, which is not installed", name)

    def _check_options(self, name: str, info: ProviderInfo, psettings: ProviderSettings) -> None:
        options = info.extra.get("options", ())
        allowed = set(info.credentials) | (set(options) if isinstance(options, (list, tuple, set)) else set())
        unknown = sorted(set(psettings.options()) - allowed)
        if unknown:
            core = "enabled, priority, endpoints, timeout, api_key, breaker, rate_limit, symbols, quotes"
            extra = ", ".join(sorted(allowed))
            raise ConfigError(
                "unknown key",
                file=self.settings.source_path,
                key=f"providers.{name}.{unknown[0]}",
                allowed=core + (f", {extra}" if extra else ""),
            )

    # -- lifecycle -------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        flights = list(self._inflight.values())
        tasks = [f.task for f in flights if f.task is not None]
        for task in tasks:
            task.cancel()
        for flight in flights:  # a task cancelled before its first step resolves nobody
            for waiter in flight.waiters:
                waiter.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.transport.aclose()
        await self.state.close()

    # -- introspection -----------------------------------------------------------

    def chains(self) -> dict[str, list[list[str]]]:
        """Each category's chain: tiers of provider names."""
        return {c: [[m.name for m in t.members] for t in tiers] for c, tiers in self._chains.items()}

    def plugins(self) -> list[dict[str, Any]]:
        """What ``coinrelay plugins`` prints."""
        return [s.as_dict() for s in self.plugin_statuses]

    # -- the public API: one method per category, ``relay.price(...)``, generated from the category
    # declarations into ``_generated.RelayMethods`` (``make generate``).

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
        """Fetch ``category`` with ``params`` (the category's parameters, see :mod:`coinrelay._requests`).

        :param hops: coinrelay deployments the request already passed through (HTTP API).
        :param deadline: seconds the whole call may take (default ``[relay] deadline``).
        :param consensus: price only: ask several providers and return their median
            (default ``[consensus] enabled``).
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.

        A fresh value from the cache is the cached object itself (that is what makes a hit
        cost microseconds): treat results as read-only, or ``model_copy()`` before changing one.
        """
        if category not in RESULT_TYPES:
            raise InvalidRequest("category", f"unknown category {category!r}; allowed: {', '.join(ALL)}")
        clean, key = prepare(category, params)
        if consensus is None:
            consensus = self._consensus_default and category == "price"
        elif consensus:
            if category != "price":
                raise InvalidRequest("consensus", f"only price has a consensus mode, not {category}")
            key += "|consensus"
        settings = self.settings
        entry: CacheEntry | None = None
        if settings.cache.enabled:
            entry = await self.state.cache_get(key)
            if entry is not None:
                age = self.clock.time() - entry.stored_at
                ttl = settings.ttl(category)
                if age < ttl:
                    if self._notify_call is not None:
                        self._call_done(category, "cache", entry.value, None, 0.0)
                    return entry.value  # type: ignore[no-any-return]
                if self._swr and age <= ttl + settings.max_stale(category):
                    # stale-while-revalidate: answer now, refresh in the background (one per key)
                    if key not in self._inflight:
                        self._start_flight(key, category, clean, hops, deadline, consensus, entry, keep=True)
                    stale = _stale_copy(entry, age, ())
                    if self._notify_call is not None:
                        self._call_done(category, "stale", stale, None, 0.0)
                    return stale
        flight = self._inflight.get(key)
        served = "coalesced"
        if flight is None:
            served = "provider"
            flight = self._start_flight(key, category, clean, hops, deadline, consensus, entry, keep=False)
        waiter: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        flight.waiters.append(waiter)
        if self._notify_call is None:
            try:
                return await waiter
            except asyncio.CancelledError:
                self._leave(key, flight, waiter)
                raise
        started = time.perf_counter()
        try:
            result = await waiter
        except asyncio.CancelledError:
            self._leave(key, flight, waiter)
            raise
        except Exception as exc:
            self._call_done(category, "none", None, exc, time.perf_counter() - started)
            raise
        self._call_done(
            category, "stale" if result.source.stale else served, result, None, time.perf_counter() - started
        )
        return result

    def _call_done(
        self, category: str, served: str, result: Result | None, exc: Exception | None, latency: float
    ) -> None:
        """Tell ``on_call_finished`` listeners how one call was served (or why it failed)."""
        notify = self._notify_call
        if notify is None:
            return
        if result is not None:
            notify(CallFinished(category, served, result.source.provider, Outcome.OK, latency))
            return
        outcome = Outcome.NOT_FOUND if isinstance(exc, SymbolNotFound) else Outcome.FAILED
        notify(CallFinished(category, served, None, outcome, latency))

    def _leave(self, key: str, flight: _Flight, waiter: asyncio.Future[Result]) -> None:
        """A waiter was cancelled: stop the fetch if nobody else waits for it."""
        waiters = flight.waiters
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # answered just as we were cancelled: nobody reads it
        waiters.remove(waiter)
        task = flight.task
        if task is not None and not task.done() and not waiters and not flight.keep:
            task.cancel()  # the last waiter left: nobody needs the answer
            if self._inflight.get(key) is flight:
                del self._inflight[key]  # a new caller starts afresh, not on a cancelled fetch

    def _start_flight(
        self,
        key: str,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
        *,
        keep: bool,
    ) -> _Flight:
        flight = self._inflight[key] = _Flight(keep)
        flight.task = asyncio.get_running_loop().create_task(
            self._land(key, flight, category, params, hops, deadline, consensus, entry)
        )
        return flight

    async def _land(
        self,
        key: str,
        flight: _Flight,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
    ) -> None:
        """Run a flight's fetch (:meth:`_fly`), then resolve every waiter's future in the same step.

        The task itself never fails (a background refresh may have no waiter to read the
        error); it ends cancelled when cancelled, and so do the waiters still there.
        """
        try:
            result = await self._fly(key, category, params, hops, deadline, consensus, entry)
        except asyncio.CancelledError:
            for waiter in flight.waiters:
                waiter.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter, who raises it
            for waiter in flight.waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
        else:
            for waiter in flight.waiters:
                if not waiter.done():
                    waiter.set_result(result)
        finally:
            if self._inflight.get(key) is flight:
                del self._inflight[key]

    async def _fly(
        self,
        key: str,
        category: str,
        params: dict[str, Any],
        hops: int,
        deadline: float | None,
        consensus: bool,
        entry: CacheEntry | None,
    ) -> Result:
        """One shared fetch: walk the chain, cache the answer, or fall back to a stale value."""
        try:
            if consensus or (self._book is not None and category == "price" and self._needs_references(params)):
                result = await self._walk_consensus(category, params, hops, deadline)
            elif category in self._hedged:
                result = await self._walk_hedged(category, params, hops, deadline)
            else:
                result = await self._walk(category, params, hops, deadline)
        except AllProvidersFailed as exc:
            if self.settings.cache.enabled:
                latest = await self.state.cache_get(key)
                stale = self._stale(category, latest if latest is not None else entry, exc)
                if stale is not None:
                    return stale
            raise
        settings = self.settings
        if settings.cache.enabled:
            keep = settings.ttl(category) + settings.max_stale(category)
            if keep > 0:
                await self.state.cache_set(key, CacheEntry(result, self.clock.time()), keep)
        return result

    def _stale(self, category: str, entry: CacheEntry | None, exc: Exception) -> Result | None:
        if entry is None or not isinstance(exc, AllProvidersFailed):
            return None
        age = self.clock.time() - entry.stored_at
        if age > self.settings.ttl(category) + self.settings.max_stale(category):
            return None
        return _stale_copy(entry, age, exc.attempts)

    def _ready(self, rt: ProviderRuntime) -> bool:
        """``rt`` may be called with nothing to ask (in-memory state, no pause, breaker closed).

        The synchronous fast path of :meth:`_skip_reason`, which answers every other case.
        """
        memory = self._memory
        return (
            memory is not None
            and rt.configured_reason is None
            and rt.breaker.record.state == CLOSED
            and not memory.has_pause(rt.name)
        )

    async def _skip_reason(self, rt: ProviderRuntime) -> str | None:
        if rt.configured_reason is not None:
            return f"{_UNCONFIGURED}{rt.configured_reason}"
        state = self.state
        pause = await state.get_pause(rt.name)
        if pause is not None:
            until = datetime.fromtimestamp(pause.until, UTC).isoformat(timespec="seconds")
            return f"paused until {until} ({pause.kind}: {pause.reason})"
        if state.shared:
            await state.sync_breaker(rt.breaker)
        br = rt.breaker
        if br.record.state != CLOSED:
            if not br.allow():
                retry = br.retry_at()
                when = datetime.fromtimestamp(retry, UTC).isoformat(timespec="seconds") if retry else "a probe ends"
                return f"breaker {br.state} until {when} ({br.record.reason})"
            if state.shared and not await state.acquire_probe(br.key, br.policy.probe_timeout):
                br.release_probe()
                return "breaker half-open: another replica is probing"
        return None

    async def _walk(self, category: str, params: dict[str, Any], hops: int, deadline: float | None) -> Result:
        tiers = self._chains.get(category) or []
        if not tiers:
            raise AllProvidersFailed(category, [], reason=f"no provider serves {category} (chain is empty)")
        budget = deadline if deadline is not None else self.settings.relay.deadline
        call_deadline = time.monotonic() + budget
        attempts: list[Attempt] = []
        any_failure = False
        previous: tuple[str, str] | None = None
        expected = RESULT_TYPES[category]
        retry = self._retry
        sent = False
        for tier in tiers:
            for rt in tier.order():
                reason = None if self._ready(rt) else await self._skip_reason(rt)
                if reason is not None:
                    attempts.append(Attempt(provider=rt.name, outcome="skipped", error=reason))
                    continue
                if time.monotonic() >= call_deadline:
                    rt.breaker.release_probe()
                    attempts.append(Attempt(provider=rt.name, outcome="timeout", error="call deadline reached"))
                    raise AllProvidersFailed(category, attempts, reason=f"deadline of {budget:g}s reached")
                if retry is not None:
                    if not any_failure:
                        if not sent:
                            retry.first_attempt()
                    elif not retry.try_extra():
                        rt.breaker.release_probe()
                        attempts.append(Attempt(provider=rt.name, outcome="skipped", error=_RETRY_SPENT))
                        raise AllProvidersFailed(category, attempts, reason=_RETRY_SPENT)
                sent = True
                if previous is not None and self._notify_failover is not None:
                    self._notify_failover(FailoverHappened(category, previous[0], rt.name, previous[1]))
                result, outcome, error = await self._call(rt, category, params, call_deadline, hops, attempts)
                if self.state.shared:
                    await self.state.flush()  # breaker transitions reach the other replicas now
                if result is not None:
                    if not isinstance(result, expected):
                        error = f"plugin returned {type(result).__name__}, expected {expected.__name__}"
                        self._record_failure(rt, category, InvalidResponse(error, provider=rt.name), attempts, 0.0)
                        any_failure = True
                        previous = (rt.name, f"invalid: {error}")
                        continue
                    return result
                if outcome == "timeout":
                    raise AllProvidersFailed(category, attempts, reason=f"deadline of {budget:g}s reached")
                if outcome != "unsupported" and outcome != _LOCAL_BUDGET:
                    any_failure = True
                previous = (rt.name, f"{outcome}: {error}" if error else outcome)
        raise self._final_error(category, params, attempts, any_failure)

    def _check(self, rt: ProviderRuntime, category: str, result: Result) -> str | None:
        """The data-quality problem of ``result`` (see :mod:`coinrelay._quality`), else ``None``."""
        max_age = self._max_age.get(category)
        if self._quality_on or max_age is not None:
            found = problem(result, self.clock.time(), max_age)
            if found is not None:
                return found
        book = self._book
        if book is not None and isinstance(result, Price):
            now = self.clock.monotonic()
            refs = book.references(result.symbol, result.quote, now, exclude=rt.name)
            if refs:
                med = median(refs)
                dev = deviation_pct(result.price, med)
                if dev > self._max_dev:
                    return (
                        f"price {result.price} is {dev:.2f}% off the median {med} of {len(refs)} other "
                        f"provider(s) (max {self._max_dev}%)"
                    )
                book.record(result.symbol, result.quote, rt.name, result.price, now)
        return None

    def _needs_references(self, params: Mapping[str, Any]) -> bool:
        """Consensus check: too few recent prices of this pair to judge one answer alone?"""
        book = self._book
        assert book is not None
        return len(book.references(params["symbol"], params["quote"], self.clock.monotonic())) < 2

    def _candidates(self, category: str) -> list[ProviderRuntime]:
        return [rt for tier in self._chains.get(category) or [] for rt in tier.order()]

    async def _launch(
        self,
        order: list[ProviderRuntime],
        pos: int,
        category: str,
        params: Mapping[str, Any],
        call_deadline: float,
        hops: int,
        attempts: list[Attempt],
        running: dict[asyncio.Task[Any], ProviderRuntime],
        extra: bool,
    ) -> int:
        """Start the next available candidate from ``order[pos:]`` as a task; returns the new ``pos``.

        ``extra`` marks a failover or hedge, paid from the retry budget. ``pos`` is
        ``len(order)`` when nothing is left to start.
        """
        while pos < len(order):
            rt = order[pos]
            pos += 1
            reason = None if self._ready(rt) else await self._skip_reason(rt)
            if reason is not None:
                attempts.append(Attempt(provider=rt.name, outcome="skipped", error=reason))
                continue
            retry = self._retry
            if retry is not None:
                if not extra:
                    retry.first_attempt()
                elif not retry.try_extra():
                    rt.breaker.release_probe()
                    attempts.append(Attempt(provider=rt.name, outcome="skipped", error=_RETRY_SPENT))
                    return len(order)
            task = asyncio.get_running_loop().create_task(
                self._call(rt, category, params, call_deadline, hops, attempts)
            )
            running[task] = rt
            return pos
        return pos

    @staticmethod
    async def _cancel_all(running: dict[asyncio.Task[Any], ProviderRuntime], attempts: list[Attempt]) -> None:
        """Cancel the calls still running (losers of a hedge, or the caller left) and wait for them."""
        if not running:
            return
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for rt in running.values():
            attempts.append(Attempt(provider=rt.name, outcome="cancelled", error="another provider answered first"))
        running.clear()

    def _final_error(
        self,
        category: str,
        params: Mapping[str, Any],
        attempts: list[Attempt],
        any_failure: bool,
        reason: str | None = None,
    ) -> Exception:
        """``SymbolNotFound`` when the providers that could answer all said they do not serve it.

        A provider that failed, or was skipped while it might serve it (breaker open, paused,
        over budget), makes it ``AllProvidersFailed``: nobody can say the symbol is unknown.
        Mirror failures inside a provider that then answered "unsupported" do not count.
        """
        if (
            not any_failure
            and reason is None
            and any(a.outcome == "unsupported" for a in attempts)
            and not any(
                a.outcome == "rate_limited"
                or (a.outcome == "skipped" and not (a.error or "").startswith(_UNCONFIGURED))
                for a in attempts
            )
        ):
            return SymbolNotFound(category, describe(category, params), attempts)
        return AllProvidersFailed(category, attempts, reason=reason)

    async def _walk_hedged(self, category: str, params: dict[str, Any], hops: int, deadline: float | None) -> Result:
        """The chain walk with hedging: a slow provider gets company after the hedge delay."""
        policy = self._hedge
        assert policy is not None
        order = self._candidates(category)
        if not order:
            raise AllProvidersFailed(category, [], reason=f"no provider serves {category} (chain is empty)")
        budget = deadline if deadline is not None else self.settings.relay.deadline
        call_deadline = time.monotonic() + budget
        attempts: list[Attempt] = []
        running: dict[asyncio.Task[Any], ProviderRuntime] = {}
        #: When each running call started and when it would be hedged (a loser past it counts as slow).
        hedge_due: dict[asyncio.Task[Any], tuple[float, float]] = {}
        watch: asyncio.Task[Any] | None = None  # wakes us if the provider we wait on gets its breaker opened
        expected = RESULT_TYPES[category]
        any_failure = False
        policy.budget.earn()

        def newest_hedge_at() -> float | None:
            if not running or pos >= len(order):
                return None
            task, last = next(reversed(running.items()))
            now = time.monotonic()
            due = now + policy.delay(last.category_health.get(category))
            hedge_due[task] = (now, due)
            return due

        try:
            pos = await self._launch(order, 0, category, params, call_deadline, hops, attempts, running, False)
            hedge_at = newest_hedge_at()
            while running:
                now = time.monotonic()
                wait_until = call_deadline if hedge_at is None else min(hedge_at, call_deadline)
                waiting: set[asyncio.Task[Any]] = set(running) if watch is None else {*running, watch}
                done, _ = await asyncio.wait(
                    waiting, timeout=max(wait_until - now, 0.0), return_when=asyncio.FIRST_COMPLETED
                )
                if watch is not None and watch in done:
                    # The provider we kept waiting on was declared down meanwhile (others saw it
                    # lose hedges or fail): ask the next candidate now, as a failover.
                    done.discard(watch)
                    watch = None
                    pos = await self._launch(order, pos, category, params, call_deadline, hops, attempts, running, True)
                    hedge_at = newest_hedge_at()
                if not done:
                    if time.monotonic() >= call_deadline:
                        for rt in running.values():
                            attempts.append(Attempt(provider=rt.name, outcome="timeout", error="call deadline reached"))
                        for task in running:
                            task.cancel()
                        await asyncio.gather(*running, return_exceptions=True)
                        running.clear()
                        raise AllProvidersFailed(category, attempts, reason=f"deadline of {budget:g}s reached")
                    if hedge_at is None or time.monotonic() < hedge_at:
                        continue
                    hedge_at = None
                    slow = next(reversed(running.values()))
                    if policy.budget.take():  # hedge: ask the next candidate too
                        # A hedge fired: no answer by the delay is a strike against the provider's
                        # breaker, so a blackholed provider is found out by the first few hedges
                        # rather than by its timeout (a later success resets the count).
                        slow.breaker.record_failure(f"no answer within the hedge delay ({category})")
                        pos = await self._launch(
                            order, pos, category, params, call_deadline, hops, attempts, running, True
                        )
                        hedge_at = newest_hedge_at()
                    elif watch is None and pos < len(order):
                        if not slow.breaker.is_available():
                            watch = asyncio.get_running_loop().create_task(asyncio.sleep(0))  # already open
                        else:
                            watch = asyncio.get_running_loop().create_task(slow.opened_signal().wait())
                    continue
                for task in done:
                    rt = running.pop(task)
                    hedge_due.pop(task, None)
                    result, outcome, _error = task.result()
                    if result is not None:
                        if isinstance(result, expected):
                            await self._drop_slow_losers(running, hedge_due, category, attempts)
                            await self._cancel_all(running, attempts)
                            return result
                        error = f"plugin returned {type(result).__name__}, expected {expected.__name__}"
                        self._record_failure(rt, category, InvalidResponse(error, provider=rt.name), attempts, 0.0)
                        any_failure = True
                    elif outcome != "unsupported" and outcome != _LOCAL_BUDGET:
                        any_failure = True
                if not running:  # everyone asked has failed: fail over
                    pos = await self._launch(
                        order, pos, category, params, call_deadline, hops, attempts, running, any_failure
                    )
                    hedge_at = None
                    if running and pos < len(order):
                        last = next(reversed(running.values()))
                        hedge_at = time.monotonic() + policy.delay(last.category_health.get(category))
            spent = any(a.error == _RETRY_SPENT for a in attempts)
            raise self._final_error(category, params, attempts, any_failure, _RETRY_SPENT if spent else None)
        finally:
            if watch is not None:
                watch.cancel()
            await self._cancel_all(running, attempts)

    async def _drop_slow_losers(
        self,
        running: dict[asyncio.Task[Any], ProviderRuntime],
        hedge_due: dict[asyncio.Task[Any], tuple[float, float]],
        category: str,
        attempts: list[Attempt],
    ) -> None:
        """Cancel the calls a hedge overtook and record each in its provider's health.

        (Its breaker already had its strike when the hedge delay passed.)
        """
        now = time.monotonic()
        slow = [t for t, (_, due) in hedge_due.items() if t in running and now >= due]
        for task in slow:
            task.cancel()
        if not slow:
            return
        await asyncio.gather(*slow, return_exceptions=True)
        for task in slow:
            rt = running.pop(task)
            waited = now - hedge_due[task][0]
            err = UpstreamTimeout(f"no answer after {waited * 1000:.0f} ms; overtaken by a hedge", provider=rt.name)
            self._record_failure(rt, category, err, attempts, waited, outcome="cancelled", breaker=False)

    async def _walk_consensus(self, category: str, params: dict[str, Any], hops: int, deadline: float | None) -> Result:
        """Price from ``[consensus] min_providers`` agreeing providers: their median, with spread and names.

        Answers off the largest agreeing group by more than ``[quality] max_deviation_pct``
        are :class:`~coinrelay._errors.BadData` (breaker failure); more providers are asked
        until enough agree or the chain is exhausted.
        """
        need = self.settings.consensus.min_providers
        order = self._candidates(category)
        budget = deadline if deadline is not None else self.settings.relay.deadline
        call_deadline = time.monotonic() + budget
        attempts: list[Attempt] = []
        running: dict[asyncio.Task[Any], ProviderRuntime] = {}
        answers: list[tuple[ProviderRuntime, Price]] = []
        any_failure = False
        pos = 0
        good: list[tuple[ProviderRuntime, Price]] = []
        try:
            while True:
                good = self._agreeing(answers)
                if len(good) >= need:
                    break
                while len(running) + len(good) < need and pos < len(order):
                    pos = await self._launch(
                        order, pos, category, params, call_deadline, hops, attempts, running, any_failure
                    )
                if not running:
                    break
                remaining = call_deadline - time.monotonic()
                done, _ = await asyncio.wait(running, timeout=max(remaining, 0.0), return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    break
                for task in done:
                    rt = running.pop(task)
                    result, outcome, _error = task.result()
                    if isinstance(result, Price):
                        answers.append((rt, result))
                    elif outcome != "unsupported" and outcome != _LOCAL_BUDGET:
                        any_failure = True
        finally:
            await self._cancel_all(running, attempts)
        if len(good) < need:
            if not answers:
                raise self._final_error(category, params, attempts, any_failure)
            raise AllProvidersFailed(
                category, attempts, reason=f"consensus needs {need} agreeing providers, got {len(good)}"
            )
        prices = [p.price for _, p in good]
        med = median(prices)
        chosen = {id(p) for _, p in good}
        for rt, p in answers:
            if id(p) not in chosen:
                dev = deviation_pct(p.price, med)
                err = BadData(
                    f"price {p.price} is {dev:.2f}% off the consensus median {med} of {len(good)} "
                    f"providers (max {self._max_dev}%)",
                    provider=rt.name,
                    endpoint=p.source.endpoint,
                )
                self._record_failure(rt, category, err, attempts, 0.0, endpoint=p.source.endpoint)
        now = self.clock.monotonic()
        book = self._book
        if book is not None:
            for rt, p in good:
                book.record(p.symbol, p.quote, rt.name, p.price, now)
        closest = min(good, key=lambda g: abs(g[1].price - med))[1]
        stamps = [p.timestamp for _, p in good if p.timestamp is not None]
        return Price(
            symbol=closest.symbol,
            quote=closest.quote,
            requested_quote=closest.requested_quote,
            price=med,
            timestamp=max(stamps) if stamps else None,
            spread=max(prices) - min(prices),
            providers=[rt.name for rt, _ in good],
            source=Source(
                provider=closest.source.provider,
                endpoint=closest.source.endpoint,
                sandbox=closest.source.sandbox,
                attempts=attempts,
            ),
        )

    def _agreeing(self, answers: list[tuple[ProviderRuntime, Price]]) -> list[tuple[ProviderRuntime, Price]]:
        """The largest group of answers within ``max_deviation_pct`` of each other's median."""
        best: list[tuple[ProviderRuntime, Price]] = []
        limit = self._max_dev
        for _, anchor in answers:
            group = [a for a in answers if deviation_pct(a[1].price, anchor.price) <= limit]
            if len(group) > len(best):
                med = median(p.price for _, p in group)
                group = [a for a in group if deviation_pct(a[1].price, med) <= limit]
                if len(group) > len(best):
                    best = group
        return best

    async def _call(
        self,
        rt: ProviderRuntime,
        category: str,
        params: Mapping[str, Any],
        call_deadline: float,
        hops: int,
        attempts: list[Attempt],
    ) -> tuple[Result | None, str, str | None]:
        """Call one provider. Returns ``(result, outcome, error)``; never raises but cancellation."""
        fn, argnames = rt.impls[category]
        ctx = ProviderContext(rt, category, call_deadline, hops=hops, sandbox=self.sandbox)
        kwargs = {n: (ctx if n == "ctx" else params[n]) for n in argnames}
        started = time.perf_counter()
        deadline = _Deadline(call_deadline)
        try:
            try:
                result = await fn(**kwargs)
            except BaseException as exc:
                if deadline.end(isinstance(exc, asyncio.CancelledError)):
                    raise TimeoutError from None
                if rt.secrets and isinstance(exc, ProviderError):
                    exc.message = rt.scrub(exc.message)  # no credential reaches a trail, a log or a pause
                raise
            deadline.end(False)
        except NotSupported as exc:
            rt.breaker.release_probe()
            return self._no_penalty(rt, category, ctx, attempts, "unsupported", exc.message, started)
        except NotConfigured as exc:
            rt.breaker.release_probe()
            return self._no_penalty(rt, category, ctx, attempts, "skipped", f"{_UNCONFIGURED}{exc.message}", started)
        except RateLimited as exc:
            rt.breaker.release_probe()
            if exc.local:  # our own budget: nothing was sent, route elsewhere, no pause
                self._no_penalty(rt, category, ctx, attempts, "rate_limited", exc.message, started)
                return None, _LOCAL_BUDGET, exc.message
            default = DEFAULT_BAN_PAUSE if exc.banned else DEFAULT_RATE_LIMIT_PAUSE
            wait = exc.retry_after if exc.retry_after is not None else default
            kind = "banned" if exc.banned else "rate_limited"
            await self.state.set_pause(rt.name, Pause(self.clock.time() + wait, exc.message, kind))
            return self._no_penalty(rt, category, ctx, attempts, "rate_limited", exc.message, started)
        except Forbidden as exc:
            rt.breaker.release_probe()
            wait = GEO_BLOCK_PAUSE if exc.status == 451 else FORBIDDEN_PAUSE
            await self.state.set_pause(rt.name, Pause(self.clock.time() + wait, exc.message, "forbidden"))
            return self._no_penalty(rt, category, ctx, attempts, "forbidden", exc.message, started)
        except ProviderError as exc:
            latency = time.perf_counter() - started
            attempts.extend(ctx.attempts)
            self._record_failure(rt, category, exc, attempts, latency, endpoint=exc.endpoint or ctx.last_endpoint)
            return None, exc.outcome, exc.message
        except TimeoutError:
            latency = time.perf_counter() - started
            attempts.extend(ctx.attempts)
            err = ProviderError("no answer before the call deadline", provider=rt.name)
            self._record_failure(rt, category, err, attempts, latency, endpoint=ctx.last_endpoint, outcome="timeout")
            return None, "timeout", err.message
        except asyncio.CancelledError:
            rt.breaker.release_probe()
            raise
        except Exception as exc:
            latency = time.perf_counter() - started
            text = rt.scrub(f"plugin error {type(exc).__name__}: {exc}")
            log.error("provider %r failed in fetch_%s: %s", rt.name, category, text)
            log.debug("traceback of that error", exc_info=not rt.secrets)
            attempts.extend(ctx.attempts)
            err = InvalidResponse(text, provider=rt.name)
            self._record_failure(rt, category, err, attempts, latency, endpoint=ctx.last_endpoint)
            return None, "failed", err.message
        latency = time.perf_counter() - started
        if result is None:
            rt.breaker.release_probe()
            return self._no_penalty(rt, category, ctx, attempts, "unsupported", "symbol not served", started)
        if self._checked:
            found = self._check(rt, category, result)
            if found is not None:
                bad = BadData(found, provider=rt.name, endpoint=ctx.last_endpoint)
                attempts.extend(ctx.attempts)
                self._record_failure(rt, category, bad, attempts, latency, endpoint=ctx.last_endpoint)
                return None, bad.outcome, bad.message
        # success
        rt.breaker.record_success()
        rt.health.record_success(latency)
        ch = rt.category_health.get(category)
        if ch is not None:
            ch.record_success(latency)
        self._stats.record(rt.name, category, True, latency)
        endpoint = ctx.last_endpoint or result.source.endpoint
        if ctx.attempts:
            attempts.extend(a for a in ctx.attempts if a.outcome != "ok")
        attempts.append(Attempt(provider=rt.name, endpoint=endpoint, outcome="ok", latency_ms=round(latency * 1000, 3)))
        src = result.source
        src.provider = rt.name
        src.endpoint = endpoint
        src.attempts = attempts
        if self.sandbox:
            src.sandbox = True
        if self._notify_request is not None:
            self._notify_request(RequestFinished(rt.name, endpoint, category, "ok", latency, None))
        return result, "ok", None

    def _no_penalty(
        self,
        rt: ProviderRuntime,
        category: str,
        ctx: ProviderContext,
        attempts: list[Attempt],
        outcome: str,
        error: str,
        started: float,
    ) -> tuple[None, str, str]:
        latency = time.perf_counter() - started
        attempts.extend(ctx.attempts)
        attempts.append(
            Attempt(
                provider=rt.name,
                endpoint=ctx.last_endpoint,
                outcome=outcome,
                error=error,
                latency_ms=round(latency * 1000, 3),
            )
        )
        if self._notify_request is not None:
            self._notify_request(RequestFinished(rt.name, ctx.last_endpoint, category, outcome, latency, error))
        return None, outcome, error

    def _record_failure(
        self,
        rt: ProviderRuntime,
        category: str,
        err: ProviderError,
        attempts: list[Attempt],
        latency: float,
        *,
        endpoint: str | None = None,
        outcome: str | None = None,
        breaker: bool = True,
    ) -> None:
        outcome = outcome or err.outcome
        if breaker:
            rt.breaker.record_failure(err.message)
        rt.health.record_failure(err.message, latency)
        ch = rt.category_health.get(category)
        if ch is not None:
            ch.record_failure(err.message, latency)
        self._stats.record(rt.name, category, False, latency)
        last = attempts[-1] if attempts else None
        if last is None or last.provider != rt.name or last.error != err.message:
            # (an endpoint-level attempt with the same error already tells the story)
            attempts.append(
                Attempt(
                    provider=rt.name,
                    endpoint=endpoint,
                    outcome=outcome,
                    error=err.message,
                    latency_ms=round(latency * 1000, 3),
                )
            )
        if self._notify_request is not None:
            self._notify_request(RequestFinished(rt.name, endpoint, category, outcome, latency, err.message))

    # -- health and stats ---------------------------------------------------------------

    async def probe(self, provider: str) -> dict[str, Any]:
        """Call ``provider`` once, bypassing the chain and the cache (``coinrelay health``).

        Uses the provider's first category (in :data:`~coinrelay._categories.ALL` order, so
        ``price`` when it serves it) with the cheap parameters of :data:`PROBE_PARAMS`. The call
        counts in the provider's breaker and health like any other; a provider that is paused,
        unconfigured or whose breaker refuses a call is not called (outcome ``skipped``).

        :return: ``{"provider", "category", "outcome", "endpoint", "latency_ms", "error",
            "attempts"}``; ``outcome`` is an :class:`~coinrelay._models.Attempt` outcome.
        :raises InvalidRequest: ``provider`` is not a loaded provider.
        """
        from ._errors import InvalidRequest

        rt = self.providers.get(provider)
        if rt is None:
            raise InvalidRequest("provider", f"unknown provider {provider!r}; loaded: {', '.join(self.providers)}")
        category = next(c for c in ALL if c in rt.impls) if rt.impls else None
        out: dict[str, Any] = {
            "provider": provider,
            "category": category,
            "outcome": "skipped",
            "endpoint": None,
            "latency_ms": None,
            "error": None,
            "attempts": [],
        }
        if category is None:
            out["error"] = "serves no category"
            return out
        reason = await self._skip_reason(rt)
        if reason is not None:
            out["error"] = reason
            return out
        params = validate(category, PROBE_PARAMS.get(category, {}))
        attempts: list[Attempt] = []
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.relay.deadline
        result, outcome, error = await self._call(rt, category, params, deadline, 0, attempts)
        mine = [a for a in attempts if a.provider == provider]
        last = mine[-1] if mine else None
        out.update(
            outcome=outcome,
            error=error,
            attempts=[a.model_dump(mode="json") for a in attempts],
            endpoint=result.source.endpoint if result is not None else (last.endpoint if last else None),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        return out

    async def health(self) -> dict[str, Any]:
        """Per provider and per endpoint: breaker, pause, success rate, latency, counts, last error."""
        if self.state.shared:
            await self.state.flush(force=True)  # fresh cluster-wide counts in status()
        providers = {name: await provider_health(rt, self.state) for name, rt in self.providers.items()}
        return {"state_backend": self.state.status(), "providers": providers}

    def stats(self) -> dict[str, Any]:
        """Requests, successes, failures, mean latency and share of traffic per provider and category."""
        return self._stats.report()


def _stale_copy(entry: CacheEntry, age: float, attempts: Iterable[Attempt]) -> Result:
    """A copy of a cached value flagged ``source.stale`` with its ``source.age`` (seconds)."""
    value: Result = entry.value.model_copy(deep=True)
    value.source.stale = True
    value.source.age = round(age, 3)
    value.source.attempts = list(attempts) + value.source.attempts
    return value


def _make_state(settings: Settings, clock: Clock) -> StateBackend:
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
