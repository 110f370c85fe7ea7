"""Added latency per call of the Redis state backend vs the in-memory one, in the same run.

Starts its own ``redis-server`` on a free loopback port and a loopback FakeUpstream serving
``/price``; then, for each backend, times sequential ``relay.price`` calls through one
in-test provider with a rate budget (so every call reads the pause, syncs the breaker,
spends the budget and shares transitions):

* ``uncached`` — cache off: the whole path, one upstream request per call;
* ``cached`` — cache on, every call a fresh hit (one cache read, no upstream request).

Usage: ``.venv/bin/python bench/redis_overhead.py [--calls 2000]``. Prints a table of
per-call latency (mean, p50, p99, in ms) and the Redis backend's added mean latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import price_provider

from coinrelay import Relay
from coinrelay._config import ProviderSettings, RateLimitSettings, Settings, StateSettings
from coinrelay.testing import FakeUpstream, Reply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="coinrelay-bench-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0", workdir
        except OSError:
            pass
        time.sleep(0.02)
    proc.kill()
    sys.exit("redis-server did not answer PING")


def relay(backend: str, url: str | None, upstream: str, cache: bool) -> Relay:
    settings = Settings(
        providers={
            "fake": ProviderSettings(
                endpoints=[upstream], rate_limit=RateLimitSettings(limit=1_000_000, period=60.0, aligned=True)
            )
        },
        chains={"price": ["fake"]},
        state=StateSettings(backend=backend, url=url, prefix=f"bench{os.getpid()}"),  # type: ignore[arg-type]
    )
    settings.cache.enabled = cache
    settings.cache.ttl = {"price": 3600.0}
    return Relay(settings, plugins=[("fake", price_provider("fake"))], load_entry_points=False)


async def timed(r: Relay, calls: int) -> list[float]:
    for _ in range(50):  # warm up: connections, scripts loaded
        await r.price("BTC", "USD")
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        await r.price("BTC", "USD")
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(name: str, ms: list[float]) -> dict[str, Any]:
    ms = sorted(ms)
    return {"case": name, "mean": statistics.fmean(ms), "p50": ms[len(ms) // 2], "p99": ms[int(len(ms) * 0.99)]}


async def main(calls: int) -> None:
    proc, url, workdir = start_redis()
    rows = []
    try:
        with FakeUpstream() as up:
            up.route("/price", Reply.json({"price": "64000.5"}))
            for cache in (False, True):
                for backend in ("memory", "redis"):
                    async with relay(backend, url if backend == "redis" else None, up.url, cache) as r:
                        rows.append(row(f"{'cached' if cache else 'uncached'} {backend}", await timed(r, calls)))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, redis-server {redis_version}"
    )
    print(f"calls per case: {calls} (sequential, after 50 warm-up calls)\n")
    print(f"{'case':<18} {'mean ms':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for x in rows:
        print(f"{x['case']:<18} {x['mean']:>9.3f} {x['p50']:>9.3f} {x['p99']:>9.3f}")
    by = {x["case"]: x for x in rows}
    print()
    for case in ("uncached", "cached"):
        added = by[f"{case} redis"]["mean"] - by[f"{case} memory"]["mean"]
        print(f"added by redis, {case}: {added:+.3f} ms per call (mean)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    asyncio.run(main(parser.parse_args().calls))
