"""The hedged walk: a slow provider gets company after the hedge delay (see :mod:`._hedging`).

The first candidate is asked; if it has not answered by the hedge delay (a fixed number of
seconds, or its p95 latency), the next one is asked too, paid from the hedge budget, and the
slow one takes a breaker strike — so a blackholed provider is found out by its first few
hedges. The first good answer wins; the others are cancelled and shown as ``cancelled``.
Without hedge budget, the call watches the slow provider's breaker and fails over the moment
other calls open it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ._outcome import Blame, Outcome

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._attempt import AttemptResult
    from ._models import Result
    from ._runtime import ProviderRuntime
    from ._walks import Call, Walker

    #: The attempts of one call running at once, and whom each asks.
    Running: TypeAlias = dict[asyncio.Task[AttemptResult], ProviderRuntime]


async def launch(walker: Walker, call: Call, running: Running) -> bool:
    """Start the next candidate as a task; ``False`` when nobody is left to ask."""
    while True:
        nxt = await walker.next(call)
        if nxt is None:
            return False
        rt, probing = nxt
        if call.remaining() <= 0:
            rt.breaker.release_probe()
            return False
        if not walker.pay(call, rt):
            call.pos = len(call.order)
            return False
        walker.announce(call, rt)
        if probing and call.pos < len(call.order):
            walker.probe(call, rt)
            continue
        task = asyncio.get_running_loop().create_task(walker.attempt(call, rt))
        running[task] = rt
        call.extra = True  # whatever is asked next while this runs is a hedge
        return True


def cancel_all(walker: Walker, call: Call, running: Running, why: str, outcome: Outcome) -> None:
    """Cancel the attempts still running (losers of a hedge, or the deadline), each noted in the trail.

    They end in the background (:meth:`~coinrelay._walks.Walker.linger`): the answer is not held
    up by their connections closing, one loop turn or more each while a burst of calls fails over.
    """
    if not running:
        return
    for task in running:
        task.cancel()
        walker.linger(task)
    for rt in running.values():
        walker.recorder.skipped(rt, call.category, outcome, why, call.trail)
    running.clear()


def drop_slow_losers(
    walker: Walker, call: Call, running: Running, hedge_due: dict[asyncio.Task[Any], tuple[float, float]]
) -> None:
    """Cancel the attempts a hedge overtook and count each as slow in its provider's health.

    (Its breaker already had its strike when the hedge delay passed.) They end in the background.
    """
    now = time.monotonic()
    slow = [t for t, (_, due) in hedge_due.items() if t in running and now >= due]
    for task in slow:
        task.cancel()
        walker.linger(task)
        rt = running.pop(task)
        waited = now - hedge_due[task][0]
        error = f"no answer after {waited * 1000:.0f} ms; overtaken by a hedge"
        walker.recorder.failed(rt, call.category, Outcome.CANCELLED, Blame.NONE, error, waited, None, call.trail)


async def walk_hedged(walker: Walker, call: Call) -> Result:
    """The chain walk with hedging."""
    policy = walker.hedge
    assert policy is not None
    category = call.category
    running: Running = {}
    #: When each running attempt started and when it would be hedged (a loser past it counts as slow).
    hedge_due: dict[asyncio.Task[Any], tuple[float, float]] = {}
    watch: asyncio.Task[Any] | None = None  # wakes us if the provider we wait on gets its breaker opened
    policy.budget.earn()

    def newest_hedge_at() -> float | None:
        if not running or call.pos >= len(call.order):
            return None
        task, last = next(reversed(running.items()))
        now = time.monotonic()
        due = now + policy.delay(last.category_health.get(category))
        hedge_due[task] = (now, due)
        return due

    try:
        await launch(walker, call, running)
        hedge_at = newest_hedge_at()
        while running:
            found = walker.probe_answer(call) if call.probes else None
            if found is not None:
                cancel_all(walker, call, running, "a probe answered first", Outcome.CANCELLED)
                return found
            wait_until = call.deadline if hedge_at is None else min(hedge_at, call.deadline)
            waiting: set[asyncio.Task[Any]] = set(running) if watch is None else {*running, watch}
            done, _ = await asyncio.wait(
                waiting, timeout=max(wait_until - time.monotonic(), 0.0), return_when=asyncio.FIRST_COMPLETED
            )
            if watch is not None and watch in done:
                # The provider we kept waiting on was declared down meanwhile (others saw it lose
                # hedges or fail): ask the next candidate now, as a failover.
                done.discard(watch)
                watch = None
                await launch(walker, call, running)
                hedge_at = newest_hedge_at()
            if not done:
                if time.monotonic() >= call.deadline:
                    cancel_all(walker, call, running, "call deadline reached", Outcome.TIMEOUT)
                    raise walker.deadline_reached(call)
                if hedge_at is None or time.monotonic() < hedge_at:
                    continue
                hedge_at = None
                slow = next(reversed(running.values()))
                if policy.budget.take():  # hedge: ask the next candidate too
                    walker.recorder.hedge_strike(slow, category)
                    await launch(walker, call, running)
                    hedge_at = newest_hedge_at()
                elif watch is None and call.pos < len(call.order):
                    if not slow.breaker.is_available():  # declared down already (other calls' hedges)
                        await launch(walker, call, running)  # fail over now: no loop turn to find it out
                        hedge_at = newest_hedge_at()
                    else:
                        watch = asyncio.get_running_loop().create_task(slow.opened_signal().wait())
                continue
            for task in done:
                rt = running.pop(task)
                hedge_due.pop(task, None)
                res: AttemptResult = task.result()
                if res.result is not None:
                    drop_slow_losers(walker, call, running, hedge_due)
                    cancel_all(walker, call, running, "another provider answered first", Outcome.CANCELLED)
                    return res.result
                walker.settle(call, rt, res)
            if not running:  # everyone asked has failed: fail over
                await launch(walker, call, running)
                hedge_at = None
                if running and call.pos < len(call.order):
                    last = next(reversed(running.values()))
                    hedge_at = time.monotonic() + policy.delay(last.category_health.get(category))
        found = await walker.await_probes(call) if call.probes else None
        if found is not None:
            return found
        if call.remaining() <= 0 and call.reason is None:
            raise walker.deadline_reached(call)
        raise walker.final_error(call)
    finally:
        if watch is not None:
            watch.cancel()
        cancel_all(walker, call, running, "another provider answered first", Outcome.CANCELLED)
