"""Walking a category's chain for one call: who is asked, in what order, with how much time.

Every walk (plain, hedged, consensus — :mod:`._consensus`) takes its candidates the same way,
through :meth:`Walker.next`: tier by tier, health-weighted inside a tier, skipping a provider
that is unconfigured, past the hop limit, paused, whose breaker is open or all of whose
endpoints are. Each attempt gets a **share of what remains of the call's deadline**: what
remains divided among the candidates still able to answer, so a provider that hangs can never
starve a later one. A provider whose breaker is half-open is probed **in the background**: the
call goes on down the chain meanwhile and takes the probe's answer only if it is first or
nobody else answers, so no caller waits on a probe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._attempt import AttemptResult, AttemptRunner
from ._breaker import CLOSED, HALF_OPEN, CircuitBreaker
from ._call import Call as Call
from ._errors import AllProvidersFailed, SymbolNotFound
from ._models import Attempt, Result
from ._outcome import Blame, Outcome
from ._requests import describe

if TYPE_CHECKING:
    from ._chains import Tier
    from ._hedging import HedgePolicy
    from ._recorder import Recorder
    from ._retry_budget import RetryBudget
    from ._runtime import ProviderRuntime
    from ._state.base import StateBackend
    from ._state.memory import MemoryState

RETRY_SPENT = "retry budget exhausted: failing fast instead of adding load"


class Walker:
    """Takes candidates, shares time and runs attempts for every walk of one relay."""

    def __init__(
        self,
        *,
        chains: dict[str, list[Tier]],
        runner: AttemptRunner,
        recorder: Recorder,
        state: StateBackend,
        max_hops: int,
        retry: RetryBudget | None,
        hedge: HedgePolicy | None,
        background: set[asyncio.Task[Any]],
    ) -> None:
        self.chains = chains
        self.runner = runner
        self.recorder = recorder
        self.state = state
        self.max_hops = max_hops
        self.retry = retry
        self.hedge = hedge
        #: Tasks that outlive a call (background probes); the relay cancels them on close.
        self.background = background
        self._memory: MemoryState | None = None
        from ._state.memory import MemoryState

        if isinstance(state, MemoryState):
            self._memory = state
        #: Each category's candidates when no tier has two members to balance (then the order
        #: never changes): computed once, shared by every call (never changed in place).
        self._fixed: dict[str, list[ProviderRuntime]] = {
            category: [m for tier in tiers for m in tier.members]
            for category, tiers in chains.items()
            if all(len(tier.members) == 1 for tier in tiers)
        }

    def candidates(self, category: str) -> list[ProviderRuntime]:
        return [rt for tier in self.chains.get(category) or [] for rt in tier.order()]

    def start(self, category: str, params: Mapping[str, Any], hops: int, budget: float, expected: type[Result]) -> Call:
        order = self._fixed.get(category)
        if order is None:
            order = self.candidates(category)
        if not order:
            raise AllProvidersFailed(category, [], reason=f"no provider serves {category} (chain is empty)")
        return Call(category, params, hops, budget, order, expected)

    # -- choosing the next candidate -------------------------------------------------------

    def next_ready(self, call: Call) -> ProviderRuntime | None:
        """The next candidate, taken, when it can be asked with nothing to ask anyone first (state in
        this process, breaker closed, no pause, an endpoint open, not a relay); else ``None``
        (nothing taken: :meth:`next` decides)."""
        order = call.order
        pos = call.pos
        if pos >= len(order):
            return None
        rt = order[pos]
        memory = self._memory
        if (
            memory is not None
            and rt.configured_reason is None
            and rt.breaker.record.state == CLOSED
            and not rt.relays
            and not memory.has_pause(rt.name)
            and rt.endpoint_available()
        ):
            call.pos = pos + 1
            return rt
        return None

    async def next(self, call: Call) -> tuple[ProviderRuntime, bool] | None:
        """The next provider to ask and whether it is a half-open probe; skips are recorded."""
        order = call.order
        while call.pos < len(order):
            ready = self.next_ready(call)
            if ready is not None:
                return ready, False  # the hot path: nothing to ask anyone
            rt = order[call.pos]
            call.pos += 1
            verdict = await self._check(rt, call)
            if verdict is None:
                continue
            return rt, verdict
        return None

    async def _check(self, rt: ProviderRuntime, call: Call) -> bool | None:
        """``None`` (skipped: recorded), ``False`` (ask it) or ``True`` (ask it as a probe)."""
        verdict = await self._availability(rt, call)
        if verdict is None and rt.configured_reason is None and not (rt.relays and call.hops >= self.max_hops):
            call.might_serve = True  # skipped while it might serve it: no 404 then
        return verdict

    async def _availability(self, rt: ProviderRuntime, call: Call) -> bool | None:
        category = call.category
        if rt.configured_reason is not None:
            self.recorder.skipped(rt, category, Outcome.SKIPPED, f"not configured: {rt.configured_reason}", call.trail)
            return None
        if rt.relays and call.hops >= self.max_hops:
            reason = (
                f"hop limit reached: this request already passed through {call.hops} coinrelay deployment(s) "
                f"and relay.max_hops is {self.max_hops} (loop guard)"
            )
            self.recorder.skipped(rt, category, Outcome.SKIPPED, reason, call.trail)
            return None
        # from here on, a skip says nothing about the symbol: the provider might serve it
        state = self.state
        pause = await state.get_pause(rt.name)
        if pause is not None:
            until = datetime.fromtimestamp(pause.until, UTC).isoformat(timespec="seconds")
            self.recorder.skipped(
                rt, category, Outcome.SKIPPED, f"paused until {until} ({pause.kind}: {pause.reason})", call.trail
            )
            return None
        if state.shared:
            await state.sync_breaker(rt.breaker)
        br = rt.breaker
        if br.record.state != CLOSED and not br.is_available():
            self.recorder.skipped(rt, category, Outcome.SKIPPED, _breaker_reason(br), call.trail)
            return None
        # (before the provider's probe slot is taken: a probe with no endpoint to send it to
        # would "fail" without a request, and double the backoff for nothing)
        if not rt.endpoint_available():
            self.recorder.skipped(rt, category, Outcome.SKIPPED, "every endpoint's breaker is open", call.trail)
            return None
        if br.record.state == CLOSED:
            return False
        if not br.allow():
            self.recorder.skipped(rt, category, Outcome.SKIPPED, _breaker_reason(br), call.trail)
            return None
        if state.shared and not await state.acquire_probe(br.key, br.policy.probe_timeout):
            br.release_probe()
            self.recorder.skipped(
                rt, category, Outcome.SKIPPED, "breaker half-open: another replica is probing", call.trail
            )
            return None
        return br.record.state == HALF_OPEN

    def share(self, call: Call, rt: ProviderRuntime) -> float:
        """The monotonic deadline of ``rt``'s attempt: its share of what remains of the call."""
        left = 1
        hops = call.hops
        max_hops = self.max_hops
        for other in call.order[call.pos :]:
            if other.configured_reason is not None or (other.relays and hops >= max_hops):
                continue
            br = other.breaker
            if br.record.state == CLOSED or br.is_available():
                left += 1
        now = time.monotonic()
        remaining = call.deadline - now
        return now + (remaining / left if left > 1 else remaining)

    def pay(self, call: Call, rt: ProviderRuntime) -> bool:
        """Charge the attempt to the retry budget; ``False`` (recorded) when a failover is refused."""
        retry = self.retry
        if retry is None:
            return True
        if not call.extra:
            if not call.sent:
                call.sent = True
                retry.first_attempt()
            return True
        if retry.try_extra():
            return True
        rt.breaker.release_probe()
        self.recorder.skipped(rt, call.category, Outcome.SKIPPED, RETRY_SPENT, call.trail)
        call.reason = RETRY_SPENT
        return False

    def announce(self, call: Call, rt: ProviderRuntime) -> None:
        """A failover event when another provider was asked before ``rt``."""
        previous = call.previous
        if previous is not None:
            self.recorder.failover(call.category, previous[0], rt.name, previous[1])

    def settle(self, call: Call, rt: ProviderRuntime, res: AttemptResult) -> None:
        """Learn from an attempt that gave no result."""
        outcome = res.outcome
        if not (
            outcome is Outcome.UNSUPPORTED
            or outcome is Outcome.NOT_FOUND
            or outcome is Outcome.SKIPPED
            or (outcome is Outcome.RATE_LIMITED and res.blame is Blame.NONE)
        ):
            call.extra = True  # a real failure: asking another provider is extra load
        if res.might_serve:
            call.might_serve = True
        elif outcome is Outcome.UNSUPPORTED or outcome is Outcome.NOT_FOUND:
            call.not_served = True
        call.previous = (rt.name, f"{res.outcome}: {res.error}" if res.error else str(res.outcome))

    def deadline_reached(self, call: Call) -> AllProvidersFailed:
        call.reason = f"deadline of {call.budget:g}s reached"
        return AllProvidersFailed(call.category, call.trail, reason=call.reason)

    def final_error(self, call: Call) -> Exception:
        """``SymbolNotFound`` when every provider that could answer said it does not serve it.

        A provider that failed, or was skipped while it might serve it (breaker open, paused,
        over budget), makes it ``AllProvidersFailed``: nobody can say the symbol is unknown.
        """
        if not call.might_serve and call.not_served and call.reason is None:
            return SymbolNotFound(call.category, describe(call.category, call.params), call.trail)
        return AllProvidersFailed(call.category, call.trail, reason=call.reason)

    def attempt(
        self, call: Call, rt: ProviderRuntime, trail: list[Attempt] | None = None
    ) -> Coroutine[Any, Any, AttemptResult]:
        """Ask ``rt`` within its share of the call (a coroutine, to await or to run as a task)."""
        run = self.runner.run(
            rt, call.category, call.params, self.share(call, rt), call.hops, call.trail if trail is None else trail,
            call.expected, call.check,
        )  # fmt: skip
        return self._flushed(run) if self.state.shared else run

    async def _flushed(self, run: Awaitable[AttemptResult]) -> AttemptResult:
        res = await run
        await self.state.flush()  # breaker transitions reach the other replicas now
        return res

    # -- background probes ------------------------------------------------------------------------

    def linger(self, task: asyncio.Task[Any]) -> None:
        """Let ``task`` end in the background, among the relay's (``aclose`` cancels and waits for them)."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def probe(self, call: Call, rt: ProviderRuntime) -> None:
        """Ask a half-open ``rt`` in the background; the call goes on down the chain meanwhile."""
        trail: list[Attempt] = []
        task = asyncio.get_running_loop().create_task(self.attempt(call, rt, trail))
        self.linger(task)
        call.probes.append((task, trail))
        self.recorder.skipped(
            rt, call.category, Outcome.SKIPPED, "breaker half-open: probing it in the background", call.trail
        )

    def probe_answer(self, call: Call) -> Result | None:
        """A background probe of this call that has already answered well, else ``None``."""
        for task, trail in call.probes:
            if task.done() and not task.cancelled():
                res = task.result()
                if res.result is not None:
                    call.trail.extend(trail)
                    res.result.source.attempts = call.trail
                    return res.result
        return None

    async def await_probes(self, call: Call) -> Result | None:
        """Nobody else answered: wait (within the deadline) for this call's probes."""
        pending = [t for t, _ in call.probes if not t.done()]
        while pending:
            remaining = call.remaining()
            if remaining <= 0:
                break
            done, _ = await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break
            pending = [t for t in pending if not t.done()]
            found = self.probe_answer(call)
            if found is not None:
                return found
        found = self.probe_answer(call)
        if found is None and call.probes:
            call.might_serve = True
        return found

    # -- the plain walk -------------------------------------------------------------------------------

    async def walk(self, call: Call) -> Result:
        """Ask one provider at a time, in chain order, each within its share of the deadline."""
        while True:
            if call.probes:
                found = self.probe_answer(call)
                if found is not None:
                    return found
            rt = self.next_ready(call)
            probing = False
            if rt is None:
                nxt = await self.next(call)
                if nxt is None:
                    break
                rt, probing = nxt
            if call.remaining() <= 0:
                rt.breaker.release_probe()
                raise self.deadline_reached(call)
            if not self.pay(call, rt):
                break
            if call.previous is not None:
                self.announce(call, rt)
            if probing and call.pos < len(call.order):
                self.probe(call, rt)
                continue
            res = await self.attempt(call, rt)
            if res.result is not None:
                return res.result
            self.settle(call, rt, res)
        found = await self.await_probes(call) if call.probes else None
        if found is not None:
            return found
        if call.remaining() <= 0 and call.reason is None:
            raise self.deadline_reached(call)
        raise self.final_error(call)


def _breaker_reason(br: CircuitBreaker) -> str:
    retry = br.retry_at()
    when = datetime.fromtimestamp(retry, UTC).isoformat(timespec="seconds") if retry else "a probe ends"
    return f"breaker {br.state} until {when} ({br.record.reason})"
