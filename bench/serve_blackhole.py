"""A blackholed first provider through ``coinrelay serve``, with the shipped default keys (issue 10).

Starts ``coinrelay serve --sandbox --port 0`` as a separate process (the shipped defaults: no
timeout, deadline or hedging key set; the cache on), blackholes Binance's three mirrors through
the sandbox fault API (they accept connections and answer after 60 s, longer than any share of the deadline), then runs
``--callers`` concurrent HTTP clients asking ``/api/v1/price`` for ``--seconds`` and prints:
the non-200 answers, p50/p99 overall, before and after ``--detect`` seconds.

    .venv/bin/python bench/serve_blackhole.py               # 4 callers, 40 s
    .venv/bin/python bench/serve_blackhole.py --seconds 15  # shorter
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

import httpx

SYMBOLS = ("BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "LINK", "LTC")


def start_server() -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COINRELAY_")}
    cmd = [sys.executable, "-c", "from coinrelay.cli import main; main()", "serve", "--sandbox", "--port", "0"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    url: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                url.append(found.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not url:
        proc.kill()
        raise SystemExit("the server did not start:\n" + "".join(lines))
    return proc, url[0], lines


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(url: str, callers: int, seconds: float, detect: float) -> None:
    start = time.monotonic()
    samples: list[tuple[float, float, int, str]] = []  # (started, seconds, status, symbol)

    async def caller(i: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            n = 0
            while time.monotonic() - start < seconds:
                t0 = time.monotonic()
                symbol = SYMBOLS[(i + n) % len(SYMBOLS)]
                resp = await client.get("/api/v1/price", params={"symbol": symbol})
                samples.append((t0 - start, time.monotonic() - t0, resp.status_code, symbol))
                n += 1

    async with httpx.AsyncClient(base_url=url) as client:
        resp = await client.post("/api/sandbox/faults/binance", json={"kind": "slow", "delay": 60})
        resp.raise_for_status()
    await asyncio.gather(*(caller(i) for i in range(callers)))
    bad = [s for s in samples if s[2] != 200]
    before = [d * 1000 for t, d, _, _ in samples if t < detect]
    after = [d * 1000 for t, d, _, _ in samples if t >= detect]
    every = before + after
    print(f"calls {len(samples)}, non-200 {len(bad)} {sorted({s[2] for s in bad})}")
    print(f"all:              p50 {pct(every, 0.5):8.1f} ms   p99 {pct(every, 0.99):8.1f} ms")
    print(f"first {detect:g} s:   n={len(before):5d} p50 {pct(before, 0.5):8.1f} ms   p99 {pct(before, 0.99):8.1f} ms")
    print(f"after {detect:g} s:   n={len(after):5d} p50 {pct(after, 0.5):8.1f} ms   p99 {pct(after, 0.99):8.1f} ms")
    if after:
        print(f"after, mean {statistics.fmean(after):.1f} ms, max {max(after):.1f} ms")
    slow = sorted(s for s in samples if s[1] > 0.25)
    print(f"calls over 250 ms: {len(slow)}")
    for t, d, status, symbol in slow[:20]:
        print(f"  started at {t:5.1f} s: {symbol} took {d * 1000:.0f} ms ({status})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--detect", type=float, default=10.0, help="split before/after at this second")
    parser.add_argument("--log", type=int, default=20, help="server log lines to show (breakers, failovers)")
    args = parser.parse_args()
    proc, url, lines = start_server()
    try:
        asyncio.run(run(url, args.callers, args.seconds, args.detect))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    shown = [line.rstrip() for line in lines if "breaker" in line or "failover" in line]
    print(f"server log, breaker transitions and failovers ({len(shown)}; first {args.log}):")
    print("\n".join(f"  {line}" for line in shown[: args.log]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
