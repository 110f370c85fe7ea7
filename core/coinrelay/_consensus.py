"""The consensus walk: a price from several providers at once, their median.

``[consensus] min_providers`` agreeing answers are needed. Answers off the largest agreeing
group by more than ``[quality] max_deviation_pct`` are ``invalid``, blamed on the endpoint that
sent them; more providers are asked until enough agree or the chain is exhausted.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

from ._hedged import cancel_all, launch
from ._models import Price, Source
from ._outcome import Outcome
from ._quality import PriceBook, deviation_pct, median

if TYPE_CHECKING:
    from ._hedged import Running
    from ._models import Result
    from ._runtime import ProviderRuntime
    from ._walks import Call, Walker

Answer = tuple["ProviderRuntime", Price]


def agreeing(answers: list[Answer], limit: Decimal) -> list[Answer]:
    """The largest group of answers within ``limit`` percent of each other's median."""
    best: list[Answer] = []
    for _, anchor in answers:
        group = [a for a in answers if deviation_pct(a[1].price, anchor.price) <= limit]
        if len(group) > len(best):
            med = median(p.price for _, p in group)
            group = [a for a in group if deviation_pct(a[1].price, med) <= limit]
            if len(group) > len(best):
                best = group
    return best


async def walk_consensus(
    walker: Walker, call: Call, *, need: int, max_dev: Decimal, book: PriceBook | None, now: float
) -> Result:
    """Ask providers in parallel until ``need`` of them agree; return their median price."""
    running: Running = {}
    answers: list[Answer] = []
    good: list[Answer] = []
    try:
        while True:
            good = agreeing(answers, max_dev)
            if len(good) >= need:
                break
            while len(running) + len(good) < need and call.pos < len(call.order):
                if not await launch(walker, call, running):
                    break
            if not running:
                break
            done, _ = await asyncio.wait(
                running, timeout=max(call.remaining(), 0.0), return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                break
            for task in done:
                rt = running.pop(task)
                res = task.result()
                if isinstance(res.result, Price):
                    answers.append((rt, res.result))
                else:
                    walker.settle(call, rt, res)
    finally:
        await cancel_all(walker, call, running, "consensus reached without it", Outcome.CANCELLED)
    if len(good) < need:
        if not answers:
            raise walker.final_error(call)
        from ._errors import AllProvidersFailed

        raise AllProvidersFailed(
            call.category, call.trail, reason=f"consensus needs {need} agreeing providers, got {len(good)}"
        )
    prices = [p.price for _, p in good]
    med = median(prices)
    chosen = {id(p) for _, p in good}
    for rt, p in answers:
        if id(p) not in chosen and p.source.endpoint is not None and p.source.endpoint in rt.endpoints:
            dev = deviation_pct(p.price, med)
            error = (
                f"price {p.price} is {dev:.2f}% off the consensus median {med} of {len(good)} "
                f"providers (max {max_dev}%)"
            )
            ep = rt.endpoint_state(p.source.endpoint)
            walker.recorder.endpoint_failed(rt, call.category, ep, Outcome.INVALID, error, 0.0, call.trail)
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
            attempts=call.trail,
        ),
    )
