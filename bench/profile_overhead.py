"""Where an uncached relay.price() spends its CPU: cProfile over loopback calls, grouped.

``python bench/profile_overhead.py [--plugin synthetic|binance] [--transport aiohttp|wreq|instant]
[--calls N] [--top N] [--hedging]``

* ``--plugin``: the synthetic Binance-format plugin of scenario 1, or the shipped
  ``coinrelay_binance`` with the shipped defaults (``bench/shipped.py``), cache off.
* ``--transport``: a real transport over a loopback upstream, or ``instant`` — a transport
  that hands back Binance's recorded answer at once, without I/O or an event-loop turn:
  what is left is the relay's own work (and the plugin's) per call.

Prints the wall time per call without the profiler, then each group's share of the
profiled time (cProfile inflates every Python call alike: read the shares, not the
absolute numbers) and the ``--top`` functions by own time, in µs per relay call.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import make_relay, upstreams
from shipped import fresh_minute, shipped_relay

import coinrelay._relay
from coinrelay._transport import RawResponse, make_transport

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model validation (pydantic)", ("pydantic", "_models.py", "validate_python")),
    (
        "health bookkeeping (recorder, health, breakers, stats, state)",
        ("_health.py", "_breaker.py", "_retry_budget.py", "_recorder.py", "_callstats.py", "_count", "_state/"),
    ),
    ("clock readings", ("_clock.py", "shipped.py")),
    ("rate budget (spend, usage header)", ("_ratelimit.py",)),
    (
        "hook dispatch (ctx, ctx.http, scope, runtime, transport adapter)",
        ("_context.py", "_http.py", "_runtime.py", "_scope.py", "_transport/", "_response.py"),
    ),
    (
        "routing (request, single flight, walk, attempt, checks)",
        (
            "_relay.py",
            "_methods.py",
            "_requests.py",
            "_params.py",
            "_flight.py",
            "_walks.py",
            "_hedged.py",
            "_attempt.py",
            "_quality.py",
            "_consensus.py",
            "_invariants.py",
            "_symbols.py",
            "_assembly.py",
            "_market.py",
        ),
    ),
    ("events and outcomes", ("_events.py", "_outcome.py", "_report.py")),
    ("plugin (parse)", ("providers.py", "_parsing.py", "coinrelay_binance")),
    ("JSON", ("json/",)),
    ("HTTP client (aiohttp, yarl, multidict, wreq)", ("aiohttp", "yarl", "multidict", "propcache", "socket", "wreq")),
    ("event loop (asyncio, selectors)", ("asyncio", "selectors", "events.py", "_contextvars", "epoll")),
)

#: Binance's answer as the bench upstream sends it (``bench/upstream.py``).
_HEADERS = {
    "content-type": "application/json;charset=UTF-8",
    "x-mbx-used-weight": "2",
    "x-mbx-used-weight-1m": "2",
}


class InstantTransport:
    """Answers every GET at once with Binance's ticker/price body for the asked symbol."""

    name = "instant"
    #: No timeout of its own: a relay call's fetch runs in the caller's task, as on aiohttp and wreq.
    inline = True

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse:
        symbol = (params or {}).get("symbol", "BTCUSDT")
        body = b'{"symbol":"%s","price":"65861.66000000"}' % symbol.encode()
        return RawResponse(200, _HEADERS, body, url)

    async def aclose(self) -> None:
        return None


def group_of(where: str) -> str:
    for name, keys in GROUPS:
        if any(k in where for k in keys):
            return name
    return "builtins (len, dict.get, isinstance...) called by all of the above"


def _relay(plugin: str, transport: str, base: str, hedging: bool = False) -> tuple[Any, bool]:
    real = "aiohttp" if transport == "instant" else transport
    if transport == "instant":
        coinrelay._relay.make_transport = lambda kind, httpx_transport=None: InstantTransport()  # type: ignore[assignment]
    try:
        if plugin == "synthetic":
            return make_relay({"a": base}, transport=real), False
        relay, _ = shipped_relay(binance=[base], transport=real, cache=False, hedging=hedging)
        return relay, True
    finally:
        coinrelay._relay.make_transport = make_transport  # type: ignore[assignment]


async def profile(plugin: str, transport: str, calls: int, hedging: bool = False) -> tuple[float, pstats.Stats]:
    with upstreams("ok") as up:
        relay, budgeted = _relay(plugin, transport, up.base(), hedging)
        async with relay:
            for _ in range(500):
                await relay.price("BTC", "USD")
            per_call = []
            for _ in range(3):
                if budgeted:
                    fresh_minute(relay)  # Binance's budget: a fresh minute for each batch
                t = time.perf_counter()
                for _ in range(min(calls, 2000)):
                    await relay.price("BTC", "USD")
                per_call.append((time.perf_counter() - t) / min(calls, 2000))
            prof = cProfile.Profile()
            done = 0
            while done < calls:
                if budgeted:
                    fresh_minute(relay)
                n = min(2000, calls - done)
                prof.enable()
                for _ in range(n):
                    await relay.price("BTC", "USD")
                prof.disable()
                done += n
    return min(per_call), pstats.Stats(prof)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plugin", choices=("synthetic", "binance"), default="synthetic")
    parser.add_argument("--transport", choices=("aiohttp", "wreq", "instant"), default="aiohttp")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--hedging", action="store_true", help="binance: with [hedging] price = true")
    parser.add_argument("--top", type=int, default=0, help="also list the N functions with the most own time")
    args = parser.parse_args(argv)
    per_call, stats = asyncio.run(profile(args.plugin, args.transport, args.calls, args.hedging))
    groups: dict[str, float] = {}
    rows = []
    for (file, line, func), (_cc, nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        g = group_of(f"{file}:{func}")
        groups[g] = groups.get(g, 0.0) + tottime
        rows.append((tottime, nc, f"{Path(file).name}:{line}({func})"))
    total = sum(groups.values())
    print(
        f"uncached relay.price(), {args.plugin} plugin, {args.transport} transport: "
        f"{per_call * 1e6:.1f} µs per call (wall, best of 3 × {min(args.calls, 2000)}, no profiler)"
    )
    print(f"cProfile, {args.calls} calls, own time by group:")
    for name, t in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {name:50s} {t / total:6.1%}")
    if args.top:
        print(f"top {args.top} functions by own time (profiled µs per relay call, calls per relay call):")
        for tottime, nc, where in sorted(rows, reverse=True)[: args.top]:
            print(f"  {tottime / args.calls * 1e6:7.2f} µs  {nc / args.calls:5.1f}×  {where}")


if __name__ == "__main__":
    main()
