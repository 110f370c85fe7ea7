"""The hedged walk: a slow provider gets company after the hedge delay (see :mod:`._hedging`).

The first candidate is asked — in the call's own task (:func:`ask_first`): a call answered
before its hedge delay costs no more than a plain walk; if it has not answered by the hedge
delay (a fixed number of seconds, or its p95 latency), the attempt moves to a task of its own
and the next one is asked too, paid from the hedge budget, and the
slow one takes a breaker strike — so a blackholed provider is found out by its first few
hedges (unless it answered other calls meanwhile: then it is slow for this one, not down).
A hedge due while the relay's own loop was busy (it comes late by more than half
its delay: :meth:`~coinrelay._hedging.HedgePolicy.stalled`) is put off by one more delay
instead: the answer may be sitting unread, and a stall of ours is not the provider's slowness.
The first good answer wins; the others are cancelled and shown as ``cancelled``.
Without hedge budget, the call watches the slow provider's breaker and fails over the moment
other calls open it.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ._inline import Detached, Drive
from ._outcome import Blame, Outcome

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._attempt import AttemptResult
    from ._models import Result
    from ._runtime import ProviderRuntime
    from ._walks import Call, Walker

    #: The attempts of one call running at once, and whom each asks.
    Running: TypeAlias = dict[asyncio.Task[AttemptResult], ProviderRuntime]
    #: An attempt -> when it was asked, when it is hedged, and its provider's success count then.
    HedgeDue: TypeAlias = dict[asyncio.Task[Any], tuple[float, float, int]]


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


def drop_slow_losers(walker: Walker, call: Call, running: Running, hedge_due: HedgeDue) -> None:
    """Cancel the attempts a hedge overtook and count each as slow in its provider's health.

    (Its breaker already had its strike when the hedge delay passed.) They end in the background.
    """
    now = time.monotonic()
    slow = [t for t, (_, due, _) in hedge_due.items() if t in running and now >= due]
    for task in slow:
        task.cancel()
        walker.linger(task)
        rt = running.pop(task)
        waited = now - hedge_due[task][0]
        error = f"no answer after {waited * 1000:.0f} ms; overtaken by a hedge"
        walker.recorder.failed(rt, call.category, Outcome.CANCELLED, Blame.NONE, error, waited, None, call.trail)


class _Solo:
    """The owner of the first attempt's drive (:func:`ask_first`): nobody else waits for it."""

    __slots__ = ()

    waiters: list[Any] = []  # never added to: a cancellation goes into the attempt

    def adopt(self, rest: Awaitable[Any], context: contextvars.Context) -> asyncio.Task[Any]:
        return asyncio.get_running_loop().create_task(_until_end(rest), context=context)

    def abandon(self) -> None:
        return None


_SOLO = _Solo()


async def _until_end(rest: Awaitable[AttemptResult]) -> AttemptResult:
    return await rest


async def walk_hedged(walker: Walker, call: Call) -> Result:
    """The chain walk with hedging.

    The usual call ends here: its first candidate, asked in the call's own task, answers before
    the hedge delay (the attempt's own alarm on the relay's watchdog, no loop timer of its own).
    Otherwise the attempt moves to a task of its own at the delay
    (:meth:`~coinrelay._inline.Drive.detach`, between two of its steps: the request goes on) and
    :func:`_walk_rest` goes on with it running, as if it had been started as one.
    """
    policy = walker.hedge
    assert policy is not None
    policy.budget.earn()
    running: Running = {}
    hedge_due: HedgeDue = {}
    first = walker.next_ready(call) if call.pos + 1 < len(call.order) else None
    if first is None:  # a skip, a probe, or nobody to hedge to: the general walk from the start
        return await _walk_rest(walker, call, running, hedge_due, None, launch_first=True)
    if call.remaining() <= 0 or not walker.pay(call, first):
        return await _walk_rest(walker, call, running, hedge_due, None)  # nothing to run: it ends there
    started = time.monotonic()
    answered = first.health.successes
    due = started + policy.delay(first.category_health.get(call.category))
    drive = Drive(walker.attempt(call, first), _SOLO)
    alarm = walker.runner.watchdog.alarm(due, drive.detach)
    try:
        early = await drive
    except Detached:
        task = drive.task
        running[task] = first
        hedge_due[task] = (started, due, answered)
        call.extra = True  # whatever is asked next while it runs is a hedge
        return await _walk_rest(walker, call, running, hedge_due, due)
    finally:
        alarm.end(False)
    if early.result is not None:
        return early.result
    walker.settle(call, first, early)
    return await _walk_rest(walker, call, running, hedge_due, None, launch_first=True, failover=True)


async def _walk_rest(
    walker: Walker,
    call: Call,
    running: Running,
    hedge_due: HedgeDue,
    hedge_at: float | None,
    *,
    launch_first: bool = False,
    failover: bool = False,
) -> Result:
    """The hedged walk with its attempts as tasks: ``running`` (and when to hedge the newest,
    ``hedge_at``), or, with ``launch_first``, the next candidate started now (a ``failover``
    after the first one failed: hedged at its own delay)."""
    policy = walker.hedge
    assert policy is not None
    category = call.category
    watch: asyncio.Task[Any] | None = None  # wakes us if the provider we wait on gets its breaker opened

    def newest_hedge_at() -> float | None:
        if not running or call.pos >= len(call.order):
            return None
        task, last = next(reversed(running.items()))
        now = time.monotonic()
        due = now + policy.delay(last.category_health.get(category))
        hedge_due[task] = (now, due, last.health.successes)
        return due

    async def fail_over() -> float | None:
        """Everyone asked has failed: ask the next candidate; when it would be hedged."""
        await launch(walker, call, running)
        return newest_hedge_at()

    try:
        if launch_first and failover:
            hedge_at = await fail_over()
        elif launch_first:
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
                now = time.monotonic()
                if hedge_at is None or now < hedge_at:
                    continue
                slow_task, slow = next(reversed(running.items()))
                delay = policy.delay(slow.category_health.get(category))
                if policy.stalled(hedge_at, delay, now):
                    # Our own loop was busy past the delay: no hedge and no strike yet; the
                    # provider gets its delay again, counted from now.
                    hedge_at = now + delay
                    asked, _, answered = hedge_due.get(slow_task, (now, 0.0, slow.health.successes))
                    hedge_due[slow_task] = (asked, hedge_at, answered)
                    continue
                hedge_at = None
                if policy.budget.take():  # hedge: ask the next candidate too
                    entry = hedge_due.get(slow_task)
                    # A strike only when the provider answered nobody meanwhile: one that answers
                    # other calls is slow for this one (a tail), not down.
                    if entry is None or slow.health.successes == entry[2]:
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
                hedge_at = await fail_over()
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
