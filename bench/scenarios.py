"""The benchmark scenarios: each runs coinrelay and its baseline in the same run, returns rows.

Every scenario is bounded in request count and time; ``Size`` scales them (``--quick``
for the smoke test). Timings are medians over interleaved rounds (coinrelay, then the
baselines, then again), so the noise of a shared machine falls on both sides alike.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from statistics import median
from typing import Any

import aiohttp
from common import PAIR, PRICE_PATH, Row, Size, make_relay, ms, parse_body, percentile, rss_mb, symbols, upstreams

from coinrelay import AllProvidersFailed, SymbolNotFound

Call = Callable[[], Awaitable[Any]]


# -- 2. cache hit ---------------------------------------------------------------------


async def cache_hit(size: Size, label: str = "2") -> list[Row]:
    """relay.price() answered from the in-process cache, one caller, one core."""
    with upstreams("ok") as up:
        async with make_relay({"a": up.base()}, cache=True) as relay:
            await relay.price("BTC", "USD")
            n = size.cache_calls
            best = 0.0
            for _ in range(3):
                t = time.perf_counter()
                for _ in range(n):
                    await relay.price("BTC", "USD")
                best = max(best, n / (time.perf_counter() - t))
            upstream_calls = up.count()
    return [
        Row(
            f"{label}. cache hit",
            "relay.price() from cache, calls/s (best of 3)",
            f"{best:,.0f}",
            "",
            "",
            "≥ 100,000",
            best >= 100_000,
        ),
        Row(
            f"{label}. cache hit",
            "upstream calls for all of them",
            str(upstream_calls),
            "",
            "",
            "1",
            upstream_calls == 1,
        ),
    ]


# -- 4. blackholed first provider ------------------------------------------------------


async def _load(
    calls: int, concurrency: int, fn: Callable[[int], Awaitable[Any]], by_index: dict[int, float] | None = None
) -> tuple[list[float], int]:
    """``calls`` calls of ``fn(i)``, ``concurrency`` at a time: latencies of successes, failures.

    ``by_index`` (if given) also gets each successful call's latency under its index.
    """
    lat: list[float] = []
    failures = 0
    next_i = 0

    async def worker() -> None:
        nonlocal next_i, failures
        while next_i < calls:
            i = next_i
            next_i += 1
            t = time.perf_counter()
            try:
                await fn(i)
            except Exception:
                failures += 1
            else:
                spent = time.perf_counter() - t
                lat.append(spent)
                if by_index is not None:
                    by_index[i] = spent

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lat, failures


async def blackhole(size: Size, label: str = "4") -> list[Row]:
    """A (never answers), B, C healthy: hedged coinrelay vs a naive try-each loop, same timeouts."""
    timeout, hedge = 0.5, 0.05
    calls, conc = size.blackhole_calls, 50
    syms = symbols(conc)
    with upstreams("blackhole", "ok", "ok") as up:
        bases = {"a": up.base(0), "b": up.base(1), "c": up.base(2)}
        async with aiohttp.ClientSession() as session:

            async def direct_b(i: int) -> Decimal:
                params = {"symbol": syms[i % conc] + "USDT"}
                async with session.get(bases["b"] + PRICE_PATH, params=params) as resp:
                    return parse_body(await resp.read())

            b_lat, _ = await _load(calls, conc, direct_b)
            ct = aiohttp.ClientTimeout(total=timeout)

            async def naive(i: int) -> Decimal:
                params = {"symbol": syms[i % conc] + "USDT"}
                for base in bases.values():
                    try:
                        async with session.get(base + PRICE_PATH, params=params, timeout=ct) as resp:
                            if resp.status == 200:
                                return parse_body(await resp.read())
                    except (TimeoutError, aiohttp.ClientError):
                        continue
                raise RuntimeError("every provider failed")

            naive_lat, naive_fail = await _load(calls, conc, naive)
        up.count(0, reset=True)  # count only coinrelay's requests to A from here
        relay = make_relay(bases, chain=["a", ["b", "c"]], timeout=timeout, hedging={"price": True, "delay": hedge})
        async with relay:

            async def hedged(i: int) -> Any:
                return await relay.price(syms[i % conc], "USD")

            by_index: dict[int, float] = {}
            lat, fail = await _load(calls, conc, hedged, by_index)
            a_requests = up.count(0)
    p99, b99, n99 = percentile(lat, 0.99), percentile(b_lat, 0.99), percentile(naive_lat, 0.99)
    first = 2 * conc  # the first two waves, before A's breaker has seen a timeout
    steady = [v for i, v in by_index.items() if i >= first]
    slow = sum(v > 0.25 for v in lat)
    limit = hedge + b99 + 0.005
    s = f"{label}. blackholed first provider"
    return [
        Row(
            s,
            f"failures of {calls} calls at {conc} concurrent (vs naive loop)",
            str(fail),
            str(naive_fail),
            "",
            "0",
            fail == 0,
        ),
        Row(
            s,
            "p99 latency (vs naive try-each loop)",
            ms(p99),
            ms(n99),
            f"{p99 / n99:.2f}×",
            f"≤ hedge {hedge * 1e3:.0f} ms + B p99 {ms(b99)} + 5 ms = {ms(limit)}",
            p99 <= limit,
        ),
        Row(
            s,
            "median latency (vs naive try-each loop)",
            ms(median(lat) if lat else 0.0),
            ms(median(naive_lat) if naive_lat else 0.0),
        ),
        Row(
            s,
            f"p99 after the first {first} calls; calls over 250 ms; requests sent to A",
            f"{ms(percentile(steady, 0.99))}; {slow}; {a_requests}",
            f"{ms(percentile(naive_lat[first:], 0.99))}; {sum(v > 0.25 for v in naive_lat)}; {calls}",
        ),
    ]


# -- 5. slow provider --------------------------------------------------------------------


async def _steady(relay: Any, seconds: float, conc: int) -> list[float]:
    syms = symbols(conc)
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(sym: str) -> None:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await relay.price(sym, "USD")
            lat.append(time.perf_counter() - t)

    await asyncio.gather(*(worker(s) for s in syms))
    return lat


async def slow_provider(size: Size, label: str = "5") -> list[Row]:
    """One of three providers in one tier answers 300 ms late: its share, and the fleet p99."""
    conc = 16
    with upstreams("ok", "ok", "ok") as up:
        async with make_relay({"a": up.base(0), "b": up.base(1), "c": up.base(2)}) as relay:
            healthy = await _steady(relay, min(3.0, size.slow_seconds), conc)
    with upstreams("delay:300", "ok", "ok") as up:
        async with make_relay({"a": up.base(0), "b": up.base(1), "c": up.base(2)}) as relay:
            lat = await _steady(relay, size.slow_seconds, conc)
            counts = [up.count(i) for i in range(3)]
    share = counts[0] / max(1, sum(counts))
    p99, h99 = percentile(lat, 0.99), percentile(healthy, 0.99)
    s = f"{label}. slow provider (+300 ms)"
    return [
        Row(
            s,
            f"its share of upstream requests after {size.slow_seconds:g} s",
            f"{share:.1%}",
            "",
            "",
            "≤ 10 %",
            share <= 0.10,
        ),
        Row(s, "fleet p99 (vs all healthy)", ms(p99), ms(h99), f"{p99 / h99:.2f}×", "≤ 1.2×", p99 <= 1.2 * h99),
    ]


# -- 6. coalescing ------------------------------------------------------------------------


async def coalescing(size: Size, label: str = "6") -> list[Row]:
    """``coalesce_calls`` concurrent identical calls: upstream requests and p99, vs raw aiohttp."""
    n = size.coalesce_calls
    with upstreams("delay:20") as up:
        url = up.base() + PRICE_PATH

        async def timed(coro: Awaitable[Any]) -> float:
            t = time.perf_counter()
            await coro
            return time.perf_counter() - t

        async with make_relay({"a": up.base()}) as relay:
            await relay.price("ETH", "USD")  # connection warm
            up.count(reset=True)
            lat = await asyncio.gather(*(timed(relay.price("BTC", "USD")) for _ in range(n)))
            relay_calls = up.count(reset=True)
        conn = aiohttp.TCPConnector(limit=n)
        async with aiohttp.ClientSession(connector=conn) as session:

            async def raw() -> Decimal:
                async with session.get(url, params={"symbol": PAIR}) as resp:
                    return parse_body(await resp.read())

            raw_lat = await asyncio.gather(*(timed(raw()) for _ in range(n)))
            raw_calls = up.count()
    s = f"{label}. coalescing"
    return [
        Row(
            s,
            f"upstream requests for {n} identical concurrent calls (vs raw aiohttp)",
            str(relay_calls),
            str(raw_calls),
            "",
            "1",
            relay_calls == 1,
        ),
        Row(
            s,
            "p99 latency (vs raw aiohttp)",
            ms(percentile(lat, 0.99)),
            ms(percentile(raw_lat, 0.99)),
            f"{percentile(lat, 0.99) / percentile(raw_lat, 0.99):.2f}×",
        ),
    ]


# -- 7. memory ---------------------------------------------------------------------------------


def _mixed(i: int) -> str:
    """The ``i``-th symbol of the mixed load: 2.5 % 503s, 2.5 % garbage bodies, 5 % unknown, 500 good pairs."""
    k = i % 40
    if k == 0:
        return f"ERR{i % 50}"
    if k == 1:
        return f"BAD{i % 50}"
    if k in (2, 3):
        return f"NOPE{i % 50}"
    return f"C{i % 500:03d}"


async def memory(size: Size, label: str = "7") -> list[Row]:
    """RSS after ``memory_calls`` mixed calls with faults vs after 1,000 (cache off, two providers)."""
    conc = 32
    ok = 0
    with upstreams("faults", "faults") as up:
        async with make_relay({"a": up.base(0), "b": up.base(1)}) as relay:

            async def call(i: int) -> None:
                nonlocal ok
                try:
                    await relay.price(_mixed(i), "USD")
                    ok += 1
                except (AllProvidersFailed, SymbolNotFound):
                    pass

            await _load(1_000, conc, call)
            gc.collect()
            early = rss_mb()
            ok = 0
            t = time.perf_counter()
            await _load(size.memory_calls, conc, call)
            spent = time.perf_counter() - t
            gc.collect()
            late = rss_mb()
            tasks = len(asyncio.all_tasks()) - 1
            inflight = len(relay._flights.inflight)
            upstream = up.count(0) + up.count(1)
    growth = late - early
    s = f"{label}. memory"
    return [
        Row(
            s,
            f"RSS growth, {size.memory_calls:,} mixed calls vs 1,000",
            f"{growth:+.1f} MB",
            f"{early:.1f} MB at 1,000",
            "",
            "≤ 10 MB",
            growth <= 10.0,
        ),
        Row(
            s, "tasks and flights left pending", f"{tasks} / {inflight}", "", "", "0 / 0", tasks == 0 and inflight == 0
        ),
        Row(
            s,
            "answered calls; upstream requests, calls/s",
            f"{ok / size.memory_calls:.1%}",
            f"{upstream:,}, {size.memory_calls / spent:,.0f}/s",
        ),
    ]
