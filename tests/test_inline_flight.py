"""Single flight run in the first caller's task (``_inline.Drive``), and what a task of its own gave.

The walk of an uncached call runs in its caller's task; identical calls meanwhile wait on
futures. Pinned here: a timeout inside the fetch is the fetch's (never its caller leaving),
a first caller leaving moves the fetch — request, timeouts and all — to a task of its own,
the last one leaving cancels it, and closing the relay cancels it wherever it runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any

import pytest

from coinrelay._config import RelaySettings
from coinrelay._inline import Drive, cancel_within, running
from coinrelay.testing import FakeUpstream, Fault

from .chaos._kit import make_relay, price_plugin, serve, settle


async def _until(condition: Any) -> None:
    """Wait (by polling the loop, not by a set delay) until ``condition()`` holds."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


def _two_mirrors(first: FakeUpstream, second: FakeUpstream, timeout: float) -> Any:
    relay = make_relay({"a": first}, timeout=timeout)
    relay.providers["a"].endpoints[:] = [first.url, second.url]
    return relay


@pytest.mark.parametrize(("transport", "inline"), [("aiohttp", True), ("wreq", True), ("httpx", False)])
async def test_an_uncached_call_runs_its_walk_in_the_callers_task(upstream_factory, transport, inline) -> None:
    """…unless the transport's timeouts cancel the running task themselves (httpx: anyio's scopes)."""
    a = upstream_factory()
    serve(a, "100")
    seen: list[asyncio.Task[Any] | None] = []
    plugin = price_plugin("a", hook=lambda: seen.append(asyncio.current_task()))
    relay = make_relay({"a": a}, plugins={"a": plugin}, relay=RelaySettings(transport=transport))
    async with relay:
        caller = asyncio.current_task()
        price = await relay.price("BTC")
    assert price.price == Decimal("100")
    assert (seen == [caller]) is inline


async def test_a_timeout_inside_the_fetch_is_the_fetchs_even_when_others_wait(upstream_factory) -> None:
    hole, good = upstream_factory(), upstream_factory()
    hole.fault = Fault("blackhole")
    serve(good, "7")
    async with _two_mirrors(hole, good, timeout=0.3) as relay:
        first = asyncio.create_task(relay.price("BTC"))
        await _until(lambda: hole.count("/price") == 1)
        others = [asyncio.create_task(relay.price("BTC")) for _ in range(3)]
        prices = await asyncio.gather(first, *others)  # the first caller too: its mirror's timeout is no cancel
    assert [p.price for p in prices] == [Decimal("7")] * 4
    assert [(t.endpoint, t.outcome) for t in prices[0].source.attempts] == [(hole.url, "timeout"), (good.url, "ok")]
    assert (hole.count("/price"), good.count("/price")) == (1, 1)


async def test_the_first_caller_leaving_moves_the_fetch_with_its_timeouts(upstream_factory) -> None:
    hole, good = upstream_factory(), upstream_factory()
    hole.fault = Fault("blackhole")
    serve(good, "7")
    async with _two_mirrors(hole, good, timeout=0.3) as relay:
        baseline = set(asyncio.all_tasks())
        first = asyncio.create_task(relay.price("BTC"))
        await _until(lambda: hole.count("/price") == 1)
        others = [asyncio.create_task(relay.price("BTC")) for _ in range(3)]
        await asyncio.sleep(0)  # the others are waiting
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        prices = await asyncio.gather(*others)  # the moved fetch's mirror timeout fired, in its new task
        assert await settle(baseline | {first, *others}) == set()
    assert [p.price for p in prices] == [Decimal("7")] * 3
    assert [t.outcome for t in prices[0].source.attempts] == ["timeout", "ok"]
    assert (hole.count("/price"), good.count("/price")) == (1, 1)


async def test_the_last_caller_leaving_cancels_the_moved_fetch(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    a.fault = Fault("blackhole")
    async with make_relay({"a": a}, timeout=30.0) as relay:
        baseline = set(asyncio.all_tasks())
        first = asyncio.create_task(relay.price("BTC"))
        await _until(lambda: a.count("/price") == 1)
        second = asyncio.create_task(relay.price("BTC"))
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert relay._flights.inflight  # moved, not ended
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        assert await settle(baseline) == set()
        assert not relay._flights.inflight
        assert relay.providers["a"].breaker.record.consecutive_failures == 0


async def test_closing_the_relay_cancels_an_inline_fetch(upstream_factory) -> None:
    a = upstream_factory()
    serve(a, "100")
    a.fault = Fault("blackhole")
    relay = make_relay({"a": a}, timeout=30.0)
    await relay.start()
    baseline = set(asyncio.all_tasks())
    call = asyncio.create_task(relay.price("BTC"))
    joiner = asyncio.create_task(relay.price("BTC"))
    await _until(lambda: a.count("/price") == 1)
    await relay.aclose()
    for task in (call, joiner):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await settle(baseline) == set()


# -- the drive itself -----------------------------------------------------------------------------


class _Owner:
    def __init__(self) -> None:
        self.waiters: list[Any] = []
        self.adopted: list[asyncio.Task[Any]] = []
        self.abandoned = 0

    def adopt(self, rest: Awaitable[Any], context: contextvars.Context) -> asyncio.Task[Any]:
        async def run() -> Any:
            return await rest

        task = asyncio.get_running_loop().create_task(run(), context=context)
        self.adopted.append(task)
        return task

    def abandon(self) -> None:
        self.abandoned += 1


async def test_a_drive_hands_over_results_errors_and_bare_yields() -> None:
    loop = asyncio.get_running_loop()

    async def work(fut: asyncio.Future[int]) -> int:
        await asyncio.sleep(0)  # a bare yield
        return await fut

    fut: asyncio.Future[int] = loop.create_future()
    loop.call_soon(fut.set_result, 5)
    assert await Drive(work(fut), _Owner()) == 5

    failing: asyncio.Future[int] = loop.create_future()
    loop.call_soon(failing.set_exception, KeyError("x"))
    with pytest.raises(KeyError):
        await Drive(work(failing), _Owner())


async def test_a_drive_cancelled_alone_cancels_its_coroutine_and_tells_the_owner() -> None:
    owner = _Owner()
    cleaned: list[str] = []

    async def work() -> None:
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            cleaned.append("yes")

    task = asyncio.create_task(_await(Drive(work(), owner)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["yes"] and owner.abandoned == 1 and not owner.adopted


async def test_a_drive_cancelled_from_within_stays_while_others_wait() -> None:
    owner = _Owner()
    owner.waiters.append(object())

    async def work() -> str:
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()  # type: ignore[union-attr]  # (a timer's, handled)
            return "timed out, went on"
        return "never"

    task = asyncio.create_task(_await(Drive(work(), owner)))
    await asyncio.sleep(0)
    cancel_within(task)
    assert await task == "timed out, went on"
    assert not owner.adopted and owner.abandoned == 0


async def test_a_drive_cancelled_while_others_wait_moves_and_keeps_its_context() -> None:
    owner = _Owner()
    owner.waiters.append(object())
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def work() -> tuple[int, str, asyncio.Task[Any] | None]:
        var.set("set in the fetch")
        value = await fut
        return value, var.get(), asyncio.current_task()

    task = asyncio.create_task(_await(Drive(work(), owner)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(owner.adopted) == 1 and not fut.cancelled()  # the future it waits on was not touched
    fut.set_result(3)
    moved = owner.adopted[0]
    assert await moved == (3, "set in the fetch", moved)


async def _await(aw: Awaitable[Any]) -> Any:
    return await aw


async def test_a_drive_inside_a_drive_moves_alone_when_only_its_own_callers_wait() -> None:
    """A computed provider's ``ctx.fetch`` inside a walk: its caller leaves, the inner fetch's others stay."""
    outer_owner, inner_owner = _Owner(), _Owner()
    inner_owner.waiters.append(object())
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    outer_saw: list[str] = []

    async def inner() -> int:
        return await fut

    async def outer() -> int:
        try:
            return await Drive(inner(), inner_owner)
        except asyncio.CancelledError:
            outer_saw.append("cancelled")
            raise

    task = asyncio.create_task(_await(Drive(outer(), outer_owner)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outer_saw == ["cancelled"] and outer_owner.abandoned == 1 and not outer_owner.adopted
    assert len(inner_owner.adopted) == 1 and not fut.cancelled()
    fut.set_result(9)
    assert await inner_owner.adopted[0] == 9


async def test_a_detached_drive_goes_on_in_its_task_and_its_awaiter_learns_it() -> None:
    """What a hedged call's first attempt does at its hedge delay (``Drive.detach``)."""
    from coinrelay._inline import Detached

    owner = _Owner()
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def work() -> tuple[int, asyncio.Task[Any] | None]:
        return await fut, asyncio.current_task()

    drive = Drive(work(), owner)
    asyncio.get_running_loop().call_soon(drive.detach)
    with pytest.raises(Detached):
        await drive
    assert drive.task is owner.adopted[0] and not fut.done()
    fut.set_result(4)
    assert await drive.task == (4, drive.task)
    drive.detach()  # moved already: nothing more to move
    assert len(owner.adopted) == 1


def test_drives_stepped_in_two_threads_at_once_each_see_their_own() -> None:
    """Each thread runs its own loop (``SyncRelay`` runs one beside the host's): a drive's step
    in one thread must neither see nor undo another thread's. Ordered with events: B's step
    starts, A's step starts, B's step ends, then A — still in its step — asks which drive runs."""
    b_in_step, a_in_step, b_left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    async def step_b() -> None:
        b_in_step.set()
        assert a_in_step.wait(10)
        seen["b"] = running(asyncio.current_task())  # type: ignore[arg-type]

    async def in_b() -> None:
        drive = Drive(step_b(), _Owner())
        seen["b_drive"] = drive
        await drive

    def thread_b() -> None:
        asyncio.run(in_b())
        b_left.set()

    async def step_a() -> None:
        a_in_step.set()
        assert b_left.wait(10)  # B's step has ended meanwhile (and restored its own state)
        seen["a"] = running(asyncio.current_task())  # type: ignore[arg-type]

    async def in_a() -> None:
        drive = Drive(step_a(), _Owner())
        seen["a_drive"] = drive
        await drive
        seen["after"] = running(asyncio.current_task())  # type: ignore[arg-type]

    other = threading.Thread(target=thread_b)
    other.start()
    assert b_in_step.wait(10)
    asyncio.run(in_a())
    other.join(10)
    assert seen["b"] is seen["b_drive"]
    assert seen["a"] is seen["a_drive"]
    assert seen["after"] is None
