"""One attempt: one provider asked for one category, across its mirrors, within its time share.

:meth:`AttemptRunner.run` calls the plugin's fetch hook and turns whatever comes back into an
:class:`AttemptResult` — an :class:`~coinrelay.Outcome` and a :class:`~coinrelay.Blame` decided
from the *type* of what happened, never from a message:

=================================================  ===========  ========  ===========================
what happened                                      outcome      blame     then
=================================================  ===========  ========  ===========================
a result that passes the checks                    ok           none      returned
``None`` / ``NotSupported``                        unsupported  none      next provider, no penalty
``NotFound``; ``SymbolNotFound`` from ``ctx.fetch`` not_found   caller    next provider, no penalty
garbage, an error in HTTP 200, an impossible       invalid      endpoint  the same provider's next
value (``InvalidResponse``, a model error, a                              mirror, in this attempt
failed check)
every endpoint tried failed (or the only one)      the last     provider  breaker strike, next provider
the attempt's time share ran out                   timeout      endpoint  the waited-on endpoint struck
``RateLimited`` (429/418), ``Forbidden`` (403/451)  rate_limited provider  provider paused, next
                                                   / forbidden
own budget spent, no endpoint open,                rate_limited none      next provider, no penalty
``NotConfigured``                                  / skipped
``AllProvidersFailed`` from ``ctx.fetch``          failed       none      next provider, no strike
a plugin bug (any other exception)                 failed       provider  logged with its traceback
=================================================  ===========  ========  ===========================
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._context import ProviderContext
from ._errors import (
    AllProvidersFailed,
    Forbidden,
    InvalidRequest,
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
    SymbolNotFound,
)
from ._http import EndpointsUnavailable
from ._models import Result, stamp
from ._outcome import Blame, Outcome
from ._parsing import rejected
from ._scope import AttemptScope
from ._state.base import Pause
from ._watchdog import Watchdog

if TYPE_CHECKING:
    from ._clock import Clock
    from ._models import Attempt
    from ._recorder import Recorder
    from ._runtime import ProviderRuntime
    from ._state.base import StateBackend

log = logging.getLogger("coinrelay.relay")

#: Pause applied on HTTP 429 without a Retry-After header (seconds).
DEFAULT_RATE_LIMIT_PAUSE = 60.0
#: Pause applied on HTTP 418 (IP ban) without a Retry-After header.
DEFAULT_BAN_PAUSE = 120.0
#: Pause applied on HTTP 451 (restricted location): long, it will not change soon.
GEO_BLOCK_PAUSE = 3600.0
#: Pause applied on HTTP 403 (firewall).
FORBIDDEN_PAUSE = 600.0
#: The attempt's own timer fires this long after its share ends, so that the transport's
#: per-endpoint timeout (which ends with the share at the latest) is what reports a timeout.
TIMER_GRACE = 0.05

#: ``check(runtime, category, params, result)`` -> what is wrong with a result, else ``None``.
Check = Callable[["ProviderRuntime", str, Mapping[str, Any], Result], "str | None"]


@dataclass(slots=True)
class AttemptResult:
    """What one attempt gave.

    :param might_serve: the provider may well serve what was asked (it failed, or was not
        asked); ``False`` when it said it does not (so a 404 is still possible).
    """

    result: Result | None
    outcome: Outcome
    blame: Blame
    error: str | None
    might_serve: bool


class AttemptRunner:
    """Runs attempts and records each outcome once (through the :class:`~._recorder.Recorder`)."""

    __slots__ = ("check", "clock", "recorder", "sandbox", "state", "watchdog")

    def __init__(
        self, *, recorder: Recorder, state: StateBackend, clock: Clock, sandbox: bool, check: Check | None
    ) -> None:
        self.recorder = recorder
        self.state = state
        self.clock = clock
        self.sandbox = sandbox
        self.check = check
        #: Ends an attempt that outlives its share (one loop timer for every attempt in flight).
        self.watchdog = Watchdog()

    async def run(
        self,
        rt: ProviderRuntime,
        category: str,
        params: Mapping[str, Any],
        deadline: float,
        hops: int,
        trail: list[Attempt],
        expected: type[Result],
        check: Check | None = None,
    ) -> AttemptResult:
        """Ask ``rt`` once (its mirrors included) until ``deadline``; never raises but cancellation.

        :param check: what the result must pass (default: the runner's ``check``).
        """
        fn, argnames = rt.impls[category]
        started = time.perf_counter()
        excluded: set[str] = set()
        first_entry = len(trail)
        while True:
            scope = AttemptScope(rt, category, deadline, hops, self.sandbox, excluded, self.recorder, trail)
            kwargs = {n: (ProviderContext(scope) if n == "ctx" else params[n]) for n in argnames}
            timer = self.watchdog.start(deadline + TIMER_GRACE)
            try:
                try:
                    result = await fn(**kwargs)
                except BaseException as exc:
                    if timer.end(isinstance(exc, asyncio.CancelledError)):
                        raise TimeoutError from None
                    raise
                timer.end(False)
            except asyncio.CancelledError:
                self._abandon(rt, scope)
                raise
            except TimeoutError:
                return self._timed_out(rt, category, scope, started, trail, first_entry)
            except InvalidResponse as exc:
                if self._mirror_failed(rt, category, scope, exc.endpoint, exc.message, trail):
                    continue
                return self._provider_failed(
                    rt, category, scope, Outcome.INVALID, exc.message, started, trail, first_entry
                )
            except ValidationError as exc:
                error = f"impossible value in the answer: {_first_error(exc)}"
                if self._mirror_failed(rt, category, scope, None, error, trail):
                    continue
                return self._provider_failed(rt, category, scope, Outcome.INVALID, error, started, trail, first_entry)
            except ProviderError as exc:
                return await self._provider_error(rt, category, scope, exc, started, trail, first_entry)
            except SymbolNotFound as exc:
                return self._uncharged(rt, category, scope, Outcome.NOT_FOUND, Blame.CALLER, str(exc), started, trail)
            except AllProvidersFailed as exc:
                error = f"what it is computed from failed: {exc}"
                return self._uncharged(rt, category, scope, Outcome.FAILED, Blame.NONE, error, started, trail)
            except InvalidRequest as exc:
                error = f"refused a request it made: {exc}"
                return self._uncharged(rt, category, scope, Outcome.UNSUPPORTED, Blame.NONE, error, started, trail)
            except Exception as exc:  # noqa: BLE001 - a plugin bug: reported and charged, never raised
                return self._plugin_bug(rt, category, scope, exc, started, trail)
            if result is None:
                return self._uncharged(
                    rt, category, scope, Outcome.UNSUPPORTED, Blame.NONE, "not served", started, trail
                )
            if not isinstance(result, expected):
                bug = TypeError(f"fetch_{category} returned {type(result).__name__}, not {expected.__name__}")
                return self._plugin_bug(rt, category, scope, bug, started, trail)
            if check is None:
                check = self.check
            if check is not None:
                problem = check(rt, category, params, result)
                if problem is not None:
                    if self._mirror_failed(rt, category, scope, None, problem, trail):
                        continue
                    return self._provider_failed(
                        rt, category, scope, Outcome.INVALID, problem, started, trail, first_entry
                    )
            return self._succeeded(rt, category, scope, result, started, trail)

    # -- outcomes ----------------------------------------------------------------------------

    def _succeeded(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        result: Result,
        started: float,
        trail: list[Attempt],
    ) -> AttemptResult:
        latency = time.perf_counter() - started
        endpoint = scope.last_endpoint
        src = result.source
        if endpoint is not None:
            ep = rt.endpoint_state(endpoint)
            self.recorder.succeeded(rt, category, ep, scope.last_elapsed, latency, trail)
            stamp(src, rt.name, ep.label, trail)
        else:
            self.recorder.succeeded(rt, category, None, 0.0, latency, trail, src.endpoint)
            src.provider = rt.name  # the plugin's own endpoint (if any) stays as it set it
            src.attempts = trail
        if self.sandbox:
            src.sandbox = True
        return AttemptResult(result, Outcome.OK, Blame.NONE, None, True)

    def _uncharged(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        outcome: Outcome,
        blame: Blame,
        error: str,
        started: float,
        trail: list[Attempt],
    ) -> AttemptResult:
        """An answer that costs nobody anything (not served, not found, a dependency failed)."""
        endpoint = scope.last_endpoint
        if endpoint is not None and outcome in (Outcome.UNSUPPORTED, Outcome.NOT_FOUND):
            self.recorder.endpoint_answered(rt.endpoint_state(endpoint), scope.last_elapsed)
        else:
            _release_endpoint(rt, endpoint)
        latency = time.perf_counter() - started
        self.recorder.no_penalty(rt, category, outcome, blame, error, latency, endpoint, trail)
        serves = outcome not in (Outcome.UNSUPPORTED, Outcome.NOT_FOUND)
        return AttemptResult(None, outcome, blame, rt.scrub(error), serves)

    async def _provider_error(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        exc: ProviderError,
        started: float,
        trail: list[Attempt],
        first_entry: int,
    ) -> AttemptResult:
        if isinstance(exc, NotFound):
            return self._uncharged(rt, category, scope, Outcome.NOT_FOUND, Blame.CALLER, exc.message, started, trail)
        if isinstance(exc, NotSupported):
            return self._uncharged(rt, category, scope, Outcome.UNSUPPORTED, Blame.NONE, exc.message, started, trail)
        if isinstance(exc, NotConfigured):  # it cannot serve anything as configured: neutral for a 404
            res = self._uncharged(rt, category, scope, Outcome.SKIPPED, Blame.NONE, exc.message, started, trail)
            res.might_serve = False
            return res
        if isinstance(exc, EndpointsUnavailable):
            return self._uncharged(rt, category, scope, Outcome.SKIPPED, Blame.NONE, exc.message, started, trail)
        if isinstance(exc, RateLimited) and exc.local:  # our own budget: nothing was sent
            return self._uncharged(rt, category, scope, Outcome.RATE_LIMITED, Blame.NONE, exc.message, started, trail)
        if isinstance(exc, RateLimited | Forbidden):
            await self._pause(rt, exc)
            _release_endpoint(rt, scope.last_endpoint)
            latency = time.perf_counter() - started
            outcome = Outcome.RATE_LIMITED if isinstance(exc, RateLimited) else Outcome.FORBIDDEN
            self.recorder.no_penalty(rt, category, outcome, Blame.PROVIDER, exc.message, latency, exc.endpoint, trail)
            return AttemptResult(None, outcome, Blame.PROVIDER, rt.scrub(exc.message), True)
        # A transient error out of ctx.http: every endpoint it tried failed (each already charged).
        outcome = exc.outcome if exc.outcome in (Outcome.TIMEOUT, Outcome.FAILED) else Outcome.FAILED
        return self._provider_failed(rt, category, scope, outcome, exc.message, started, trail, first_entry)

    async def _pause(self, rt: ProviderRuntime, exc: RateLimited | Forbidden) -> None:
        if isinstance(exc, RateLimited):
            default = DEFAULT_BAN_PAUSE if exc.banned else DEFAULT_RATE_LIMIT_PAUSE
            wait = exc.retry_after if exc.retry_after is not None else default
            kind = "banned" if exc.banned else "rate_limited"
        else:
            wait = GEO_BLOCK_PAUSE if exc.status == 451 else FORBIDDEN_PAUSE
            kind = "forbidden"
        reason = rt.scrub(exc.message)
        log.warning("provider %s paused for %.0fs (%s: %s)", rt.name, wait, kind, reason)
        await self.state.set_pause(rt.name, Pause(self.clock.time() + wait, reason, kind))

    def _mirror_failed(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        endpoint: str | None,
        error: str,
        trail: list[Attempt],
    ) -> bool:
        """An endpoint's answer was unusable: charge that endpoint; ``True`` to try the next mirror now."""
        base = endpoint or scope.last_endpoint
        if base is None or base not in rt.endpoints:
            return False  # no endpoint to blame (a local provider): the provider answers for it
        self.recorder.endpoint_failed(
            rt, category, rt.endpoint_state(base), Outcome.INVALID, error, scope.last_elapsed, trail
        )
        scope.excluded.add(base)
        return scope.remaining() > 0 and _untried(rt, scope.excluded)

    def _provider_failed(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        outcome: Outcome,
        error: str,
        started: float,
        trail: list[Attempt],
        first_entry: int,
    ) -> AttemptResult:
        """No usable answer. The provider is to blame when no endpoint of it was left to try."""
        blame = Blame.ENDPOINT if _untried(rt, scope.excluded) else Blame.PROVIDER
        tried = len(scope.excluded)
        if blame is Blame.PROVIDER and tried > 1:
            error = f"every endpoint failed ({tried} tried); last: {error}"
        latency = time.perf_counter() - started
        # the attempt's last endpoint failure, when there is one, carries the provider's verdict
        fold = len(trail) > first_entry and trail[-1].provider == rt.name and trail[-1].endpoint is not None
        self.recorder.failed(rt, category, outcome, blame, error, latency, None, trail, fold=fold)
        return AttemptResult(None, outcome, blame, rt.scrub(error), True)

    def _timed_out(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        started: float,
        trail: list[Attempt],
        first_entry: int,
    ) -> AttemptResult:
        waited = scope.pending_endpoint
        error = "no answer within the provider's share of the call's deadline"
        if waited is None:  # the plugin itself never finished: nothing else to blame
            latency = time.perf_counter() - started
            self.recorder.failed(rt, category, Outcome.TIMEOUT, Blame.PROVIDER, error, latency, None, trail)
            return AttemptResult(None, Outcome.TIMEOUT, Blame.PROVIDER, error, True)
        self.recorder.endpoint_failed(
            rt, category, rt.endpoint_state(waited), Outcome.TIMEOUT, error, time.perf_counter() - started, trail
        )
        scope.excluded.add(waited)
        return self._provider_failed(rt, category, scope, Outcome.TIMEOUT, error, started, trail, first_entry)

    def _plugin_bug(
        self,
        rt: ProviderRuntime,
        category: str,
        scope: AttemptScope,
        exc: Exception,
        started: float,
        trail: list[Attempt],
    ) -> AttemptResult:
        text = rt.scrub(f"plugin error {type(exc).__name__}: {exc}")
        where = "".join(traceback.format_exception(exc))
        log.error("provider %r failed in fetch_%s: %s\n%s", rt.name, category, text, rt.scrub(where))
        _release_endpoint(rt, scope.last_endpoint)
        latency = time.perf_counter() - started
        self.recorder.failed(rt, category, Outcome.FAILED, Blame.PROVIDER, text, latency, scope.last_endpoint, trail)
        return AttemptResult(None, Outcome.FAILED, Blame.PROVIDER, text, True)

    @staticmethod
    def _abandon(rt: ProviderRuntime, scope: AttemptScope) -> None:
        """Cancelled from outside (the caller left, a hedge won): give back every probe slot."""
        rt.breaker.release_probe()
        _release_endpoint(rt, scope.pending_endpoint)


def _untried(rt: ProviderRuntime, excluded: set[str]) -> bool:
    """Is an endpoint of ``rt`` left that did not fail in this attempt and whose breaker lets a call?"""
    return any(b not in excluded and rt.endpoint_state(b).breaker.is_available() for b in rt.endpoints)


def _release_endpoint(rt: ProviderRuntime, endpoint: str | None) -> None:
    if endpoint is not None and endpoint in rt.endpoints:
        rt.endpoint_state(endpoint).breaker.release_probe()


def _first_error(exc: ValidationError) -> str:
    return rejected(exc, limit=1)
