"""A bounded HTTP load generator (used when ``wrk`` is not installed), run in its own process.

``python bench/loadgen.py URL SECONDS CONNECTIONS`` keeps ``CONNECTIONS`` requests in
flight over keep-alive connections for ``SECONDS`` and prints one JSON line:
``{"rps": ..., "p50": ..., "p99": ..., "errors": ...}`` (latencies in seconds).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def run(url: str, seconds: float, conns: int) -> dict[str, float]:
    lat: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=connector) as session:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                async with session.get(url) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                lat.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        spent = time.perf_counter() - started
    lat.sort()
    return {
        "rps": len(lat) / spent,
        "p50": lat[len(lat) // 2] if lat else 0.0,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0,
        "errors": errors,
    }


def main() -> None:
    url, seconds, conns = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asyncio.run(run(url, seconds, conns))), flush=True)


if __name__ == "__main__":
    main()
