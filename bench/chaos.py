"""Chaos bench: run fault scenarios against loopback servers and print a table.

Plain script, no assertions on timing: it reports, per scenario, the upstream requests
sent, failed calls and call latency (p50/p99). Run from the repository root::

    .venv/bin/python bench/chaos.py [--calls 500] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coinrelay._config import BreakerSettings, ConsensusSettings, HedgingSettings, QualitySettings
from coinrelay.testing import FakeUpstream, Fault, Reply
from tests.chaos._kit import make_relay, serve

SYMBOLS = tuple(f"S{i}" for i in range(50))


def _spiky(req: Any, rng: random.Random = random.Random(1)) -> Reply:
    return Reply.json({"price": "100"}, delay=0.5 if rng.random() < 0.1 else 0.002)


SCENARIOS: dict[str, dict[str, Any]] = {
    "healthy": {},
    "refused": {"down": True},
    "blackhole": {"fault": Fault("blackhole")},
    "reset": {"fault": Fault("reset")},
    "trickle": {"fault": Fault("trickle", delay=0.2)},
    "http-503": {"fault": Fault("status", status=503)},
    "http-429": {"fault": Fault("rate_limit", status=429, retry_after="30")},
    "malformed-json": {"fault": Fault("garbage")},
    "latency-spikes": {"route": _spiky},
    "latency-spikes+hedging": {
        "route": _spiky,
        "hedging": HedgingSettings(price=True, delay="p95", fallback_delay=0.05, budget=0.2),
    },
    "wrong-price+consensus-check": {"wrong": True},
    "flapping": {"flap": True},
}


async def run(name: str, spec: dict[str, Any], calls: int, concurrency: int) -> tuple[str, int, int, float, float]:
    ups = {n: FakeUpstream().start() for n in ("a", "b", "c")}
    for up in ups.values():
        serve(up, "100", known=SYMBOLS)
    a = ups["a"]
    if spec.get("down"):
        a.down()
    if "fault" in spec:
        a.fault = spec["fault"]
    if "route" in spec:
        a.route("/price", spec["route"])
    kw: dict[str, Any] = {}
    if "hedging" in spec:
        kw["hedging"] = spec["hedging"]
    if spec.get("wrong"):
        serve(a, "150", known=SYMBOLS)
        kw["quality"] = QualitySettings(consensus_check=True, max_deviation_pct=2.0)
        kw["consensus"] = ConsensusSettings(min_providers=2)
    stop = threading.Event()
    flapper = None
    if spec.get("flap"):

        def flap() -> None:
            while not stop.is_set():
                a.down()
                stop.wait(0.2)
                a.up()
                stop.wait(0.2)

        flapper = threading.Thread(target=flap, daemon=True)
        flapper.start()
    relay = make_relay(ups, ["a", "b", "c"], timeout=0.3, breaker=BreakerSettings(recovery_timeout=1.0), **kw)
    latencies: list[float] = []
    failures = 0
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        nonlocal failures
        async with sem:
            started = time.perf_counter()
            try:
                await relay.price(SYMBOLS[i % len(SYMBOLS)])
            except Exception:
                failures += 1
            latencies.append(time.perf_counter() - started)

    try:
        async with relay:
            await asyncio.gather(*(one(i) for i in range(calls)))
    finally:
        stop.set()
        if flapper is not None:
            flapper.join()
        sent = sum(up.count() for up in ups.values())
        for up in ups.values():
            up.close()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return name, sent, failures, p50, p99


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    print(
        f"{args.calls} calls per scenario, {args.concurrency} concurrent, chain a -> b -> c, fault on a, "
        "cache off, timeout 0.3 s"
    )
    print(f"{'scenario':30} {'requests':>9} {'failures':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for name, spec in SCENARIOS.items():
        row = await run(name, spec, args.calls, args.concurrency)
        print(f"{row[0]:30} {row[1]:>9} {row[2]:>9} {row[3]:>9.1f} {row[4]:>9.1f}")


if __name__ == "__main__":
    asyncio.run(main())
