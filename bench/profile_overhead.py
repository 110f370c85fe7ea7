"""Where an uncached relay.price() spends its CPU: cProfile over loopback calls, grouped.

``python bench/profile_overhead.py [CALLS]`` prints each group's share of the profiled
time (cProfile inflates every Python call alike, so the shares, not the absolute numbers,
are the result). Groups: the HTTP client (aiohttp, yarl, multidict), the event loop,
JSON, model validation (pydantic), health bookkeeping (health windows, breakers, retry
budget, stats), routing (validation of the request, single flight, the chain walk,
deadline, quality check), hook dispatch (context, ``ctx.http``, runtime) and the plugin.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import make_relay, upstreams

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model validation (pydantic)", ("pydantic", "models.py", "validate_python")),
    ("health bookkeeping", ("health.py", "breaker.py", "retry_budget.py", "_count", "memory.py", "clock.py")),
    ("hook dispatch (ctx, ctx.http, runtime)", ("context.py", "coinrelay/http.py", "runtime.py", "transport.py")),
    ("routing (request, single flight, walk, deadline)", ("relay.py", "requests.py", "quality.py", "symbols.py")),
    ("plugin (parse)", ("providers.py", "parsing.py")),
    ("JSON", ("json/",)),
    ("HTTP client (aiohttp, yarl, multidict)", ("aiohttp", "yarl", "multidict", "propcache", "socket")),
    ("event loop (asyncio, selectors)", ("asyncio", "selectors", "events.py", "_contextvars", "epoll")),
)


def group_of(where: str) -> str:
    for name, keys in GROUPS:
        if any(k in where for k in keys):
            return name
    return "builtins (len, dict.get, isinstance...) called by all of the above"


async def profile(calls: int) -> dict[str, float]:
    with upstreams("ok") as up:
        async with make_relay({"a": up.base()}) as relay:
            for _ in range(500):
                await relay.price("BTC", "USD")
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(calls):
                await relay.price("BTC", "USD")
            prof.disable()
    stats = pstats.Stats(prof)
    out: dict[str, float] = {}
    for (file, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        g = group_of(f"{file}:{func}")
        out[g] = out.get(g, 0.0) + tottime
    return out


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    out = asyncio.run(profile(calls))
    total = sum(out.values())
    print(f"uncached relay.price() over loopback, {calls} calls, cProfile tottime by group:")
    for name, t in sorted(out.items(), key=lambda kv: -kv[1]):
        print(f"  {name:50s} {t / total:6.1%}")


if __name__ == "__main__":
    main()
