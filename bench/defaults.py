"""Scenario 8, blackhole with defaults: Binance's three mirrors accept and never answer, CoinCap is healthy.

The relay is what ``Relay.from_config`` builds from the shipped defaults (``bench/shipped.py``):
chain ``price = ["binance", "coincap", "coingecko", "render"]``, per-provider timeout 5 s,
call deadline 15 s, breakers, cache on (price TTL 2 s), no hedging — no timeout, deadline,
hedging or cache key set. Four callers ask ``price("BTC", "USD")`` for ``defaults_seconds``
(40 s), each starting a call every 100 ms (at once when the previous took longer): a host
app polling one price from four workers. With the cache on, most calls are answered from
it; the calls that find the entry expired wait for the chain, and the pacing keeps those
above 1 % of the calls, so the p99 shows what a refresh costs.

Measured: failed calls (and why), p50/p99 of all calls and of the calls started after the
first ``defaults_split`` (10 s: detection should be over by then), requests each upstream
got. Issue 10's target for the rebuilt request path: 0 failures, p99 after 10 s ≤ 250 ms.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from statistics import median

from common import Row, Size, ms, percentile, upstreams
from shipped import shipped_relay

PACE = 0.1
CALLERS = 4
#: ``[relay] transport`` for this scenario (``run.py --transport``); ``None``: the default, ``auto``.
TRANSPORT: str | None = None
#: Also run it with ``[hedging] price = true`` (``run.py --hedging``): rows ``… · hedging on``.
HEDGING = False


async def blackhole_defaults(size: Size, label: str = "8") -> list[Row]:
    """The scenario as shipped (no hedging), then with price hedging on when :data:`HEDGING`."""
    rows = await _blackhole_defaults(size, label, hedging=False)
    if HEDGING:
        rows += await _blackhole_defaults(size, label, hedging=True)
    return rows


async def _blackhole_defaults(size: Size, label: str, *, hedging: bool) -> list[Row]:
    """Four paced callers for ``defaults_seconds`` against Binance blackholed, CoinCap healthy."""
    seconds, split = size.defaults_seconds, size.defaults_split
    calls: list[tuple[float, float, str | None]] = []  # (started, latency, error kind)
    with upstreams("blackhole", "blackhole", "blackhole", "coincap") as up:
        mirrors = [up.base(i) for i in range(3)]
        relay, _ = shipped_relay(binance=mirrors, coincap=up.base(3) + "/v3", transport=TRANSPORT, hedging=hedging)
        transport = relay.transport.name
        async with relay:
            t0 = time.perf_counter()
            stop = t0 + seconds

            async def caller() -> None:
                while True:
                    started = time.perf_counter()
                    if started >= stop:
                        return
                    error = None
                    try:
                        await relay.price("BTC", "USD")
                    except asyncio.CancelledError:
                        calls.append((started - t0, time.perf_counter() - started, "unfinished"))
                        raise
                    except Exception as exc:
                        error = type(exc).__name__
                    calls.append((started - t0, time.perf_counter() - started, error))
                    await asyncio.sleep(max(0.0, started + PACE - time.perf_counter()))

            tasks = [asyncio.create_task(caller()) for _ in range(CALLERS)]
            await asyncio.wait(tasks, timeout=seconds + size.defaults_grace)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        requests = [up.count(i) for i in range(4)]
    lat = [c[1] for c in calls]
    late = [c[1] for c in calls if c[0] >= split]
    failed = Counter(c[2] for c in calls if c[2] is not None)
    late_failed = sum(1 for c in calls if c[2] is not None and c[0] >= split)
    p99_late = percentile(late, 0.99)
    after = f"{ms(median(late))} / {ms(p99_late)}; {late_failed}" if late else "no call started after it"
    s = f"{label}. blackhole with defaults · {transport}" + (" · hedging on" if hedging else "")
    return [
        Row(
            s,
            f"failed of {len(calls):,} calls ({CALLERS} callers, {seconds:g} s, one call per {PACE * 1e3:.0f} ms each)",
            f"{sum(failed.values())}"
            + (f" ({', '.join(f'{n} {k}' for k, n in failed.most_common())})" if failed else ""),
            "",
            "",
            "0",
            not failed,
        ),
        Row(s, "p50 / p99, all calls", f"{ms(median(lat) if lat else 0.0)} / {ms(percentile(lat, 0.99))}"),
        Row(
            s,
            f"p50 / p99 of calls started after {split:g} s; their failures",
            after,
            "",
            "",
            "p99 ≤ 250 ms, 0 failed",
            (p99_late <= 0.25 and late_failed == 0) if late else None,
        ),
        Row(
            s,
            "requests to Binance's mirrors 1, 2, 3; to CoinCap",
            f"{requests[0]}, {requests[1]}, {requests[2]}; {requests[3]}",
        ),
    ]


def _failures(failed: Counter[str]) -> str:
    total = sum(failed.values())
    return f"{total} ({', '.join(f'{n} {k}' for k, n in failed.most_common())})" if total else "0"
