"""The consensus walk: a price from several providers at once, their median.

``[consensus] min_providers`` agreeing answers are needed. Quotes are never mixed silently:
answers are compared only within one equivalence group of quotes (:mod:`._quotes`: USD, USDT,
USDC, ... are one group), with ``[quality] quote_tolerance_pct`` allowed on top of
``max_deviation_pct`` between different quotes of a group, and the result says which quotes
its median combined (``Price.quotes``; ``quote`` is then the group). Answers off the largest
agreeing group are ``invalid``, blamed on the endpoint that sent them; more providers are asked
until enough agree or the chain is exhausted.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

from ._hedged import cancel_all, launch
from ._models import Price, Source
from ._outcome import Outcome
from ._quality import PriceBook, deviation_pct, median
from ._quotes import DEFAULT_TOLERANCE_PCT, combined, tolerance_pct
from ._quotes import group as quote_group

if TYPE_CHECKING:
    from ._hedged import Running
    from ._models import Result
    from ._runtime import ProviderRuntime
    from ._walks import Call, Walker

Answer = tuple["ProviderRuntime", Price]


def agreeing(answers: list[Answer], limit: Decimal, tolerance: float = DEFAULT_TOLERANCE_PCT) -> list[Answer]:
    """The largest group of answers within ``limit`` percent of each other's median, one quote group only.

    Between two different quotes of one group, ``tolerance`` percent more is allowed; quotes of
    different groups are never compared (a USD price and a EUR price do not agree or disagree).
    """
    best: list[Answer] = []
    for bucket in _by_quote_group(answers).values():
        for _, anchor in bucket:
            group = [a for a in bucket if _close(a[1], anchor, limit, tolerance)]
            if len(group) > len(best):
                med = median(p.price for _, p in group)
                group = [a for a in group if _within(a[1], med, anchor.quote, limit, tolerance)]
                if len(group) > len(best):
                    best = group
    return best


def _by_quote_group(answers: list[Answer]) -> dict[str, list[Answer]]:
    out: dict[str, list[Answer]] = {}
    for answer in answers:
        out.setdefault(quote_group(answer[1].quote), []).append(answer)
    return out


def _close(a: Price, b: Price, limit: Decimal, tolerance: float) -> bool:
    extra = tolerance_pct(a.quote, b.quote, tolerance)
    return extra is not None and deviation_pct(a.price, b.price) <= limit + extra


def _within(p: Price, med: Decimal, quote: str, limit: Decimal, tolerance: float) -> bool:
    extra = tolerance_pct(p.quote, quote, tolerance)
    return extra is not None and deviation_pct(p.price, med) <= limit + extra


async def walk_consensus(
    walker: Walker,
    call: Call,
    *,
    need: int,
    max_dev: Decimal,
    book: PriceBook | None,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE_PCT,
) -> Result:
    """Ask providers in parallel until ``need`` of them agree; return their median price."""
    running: Running = {}
    answers: list[Answer] = []
    good: list[Answer] = []
    try:
        while True:
            good = agreeing(answers, max_dev, tolerance)
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
        cancel_all(walker, call, running, "consensus reached without it", Outcome.CANCELLED)
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
    closest = min(good, key=lambda g: abs(g[1].price - med))[1]
    chosen_group = quote_group(closest.quote)
    for rt, p in answers:
        # (an answer in another quote group is not wrong, only not comparable: nobody's fault)
        if id(p) in chosen or quote_group(p.quote) != chosen_group:
            continue
        if p.source.endpoint is not None and p.source.endpoint in rt.endpoints:
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
    stamps = [p.timestamp for _, p in good if p.timestamp is not None]
    quotes = combined(p.quote for _, p in good)  # one group by construction
    quote = quotes[0] if len(quotes) == 1 else quote_group(quotes[0])
    asked = call.params.get("quote")
    return Price(
        symbol=closest.symbol,
        quote=quote,
        requested_quote=asked if asked != quote else None,
        quotes=quotes,
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
