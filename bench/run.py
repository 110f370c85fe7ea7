"""coinrelay's benchmarks: what the relay costs and what it saves, side by side with baselines.

Usage (``make bench``)::

    .venv/bin/python bench/run.py [--quick] [--only 1,2,...] [--no-uvloop] [--json FILE] [--hedging]

Starts its own loopback upstreams (separate processes), runs each scenario against
coinrelay and against its baseline in the same run, and prints one table; ratios are
coinrelay ÷ baseline. Scenarios: 1 overhead (cache off, vs raw aiohttp and raw httpx: a
synthetic plugin and the shipped binance plugin with the shipped defaults, on aiohttp and on
the fast transport when ``coinrelay[fast]`` is installed), 2 cache hit, 3 HTTP server vs bare
FastAPI, 4 blackholed first provider (hedging vs a naive loop), 5 slow provider,
6 coalescing, 7 memory, 8 blackhole with defaults (Binance's mirrors blackholed, shipped
config). With uvloop installed (``pip install 'coinrelay[fast]'``) scenarios 1 and 2 run
again on it (rows ``1u``, ``2u``).
The full run takes under five minutes; ``--quick`` (the smoke test) a few seconds. No
network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import defaults as defaults_module
import overhead as overhead_module
from common import FULL, QUICK, Row, Size, machine
from defaults import blackhole_defaults
from overhead import overhead
from scenarios import blackhole, cache_hit, coalescing, memory, slow_provider
from server_bench import server

Scenario = Callable[[Size, str], Coroutine[Any, Any, list[Row]]]

ASYNC: dict[str, Scenario] = {
    "1": overhead,
    "2": cache_hit,
    "4": blackhole,
    "5": slow_provider,
    "6": coalescing,
    "7": memory,
    "8": blackhole_defaults,
}
ORDER = ("1", "2", "3", "4", "5", "6", "7", "8")


def _uvloop_run() -> Callable[[Coroutine[Any, Any, list[Row]]], list[Row]] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.run  # type: ignore[no-any-return]


def render(rows: list[Row]) -> str:
    """The table: one line per row, columns aligned; the last column says whether the target is met."""
    head = ("scenario", "measure", "coinrelay", "baseline", "ratio", "target", "met")
    cells = [head] + [
        (
            r.scenario,
            r.measure,
            r.coinrelay,
            r.baseline,
            r.ratio,
            r.target,
            "" if r.met is None else ("yes" if r.met else "NO"),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # Each relay here names its transport; an override from the environment (the test suite
    # sets one) would silently measure another.
    os.environ.pop("COINRELAY_RELAY__TRANSPORT", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts (smoke test), a few seconds")
    parser.add_argument("--only", default=",".join(ORDER), help="comma-separated scenario numbers (default: all)")
    parser.add_argument("--no-uvloop", action="store_true", help="skip the uvloop rows (1u, 2u)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument("--fast", default="", help="scenario 1: also measure these transports (comma-separated)")
    parser.add_argument("--transport", help='scenario 8 on this transport (default: what "auto" picks)')
    parser.add_argument(
        "--hedging",
        action="store_true",
        help="scenarios 1 and 8 also with [hedging] price = true (the binance relay; rows '… · hedging on')",
    )
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    overhead_module.EXTRA_FAST[:] = [k.strip() for k in args.fast.split(",") if k.strip()]
    defaults_module.TRANSPORT = args.transport
    defaults_module.HEDGING = overhead_module.HEDGED = args.hedging
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in ORDER]
    if unknown:
        parser.error(f"unknown scenario {unknown[0]!r}; allowed: {', '.join(ORDER)}")
    info = machine()
    print(
        f"coinrelay bench — {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"load {info['load']}, {info['when']}{' (quick)' if args.quick else ''}",
        flush=True,
    )
    rows: list[Row] = []
    started = time.perf_counter()
    for sid in ORDER:
        if sid not in only:
            continue
        t = time.perf_counter()
        rows += server(size, sid) if sid == "3" else asyncio.run(ASYNC[sid](size, sid))
        print(f"  scenario {sid} done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    uv = None if args.no_uvloop else _uvloop_run()
    for sid in ("1", "2"):
        if uv is not None and sid in only:
            t = time.perf_counter()
            rows += uv(ASYNC[sid](size, sid + "u"))
            print(f"  scenario {sid}u (uvloop) done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    print(render(rows))
    met = [r for r in rows if r.met is not None]
    print(f"targets met: {sum(bool(r.met) for r in met)}/{len(met)}; total {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": [asdict(r) for r in rows]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
