"""CPU instructions per uncached relay.price() call, counted by valgrind: a figure the load cannot move.

``python bench/instructions.py [--calls 300,1300]``

Timings on a shared 2-core machine move by ±30 % from run to run; instruction counts repeat
to ~0.1 %. For each client below this runs the same script twice under
``valgrind --tool=cachegrind --cache-sim=no`` — once making the smaller number of calls,
once the larger — and prints the difference divided by the difference in calls, so start-up,
imports and warm-up cancel out:

* ``raw aiohttp``: ``session.get`` + ``json.loads(parse_float=Decimal)`` on the loopback
  upstream (scenario 1's baseline);
* ``relay · aiohttp``: the shipped binance plugin, shipped defaults, cache off, on the same upstream;
* ``relay · instant``: the same relay over a transport that answers at once with Binance's
  recorded body (``profile_overhead.InstantTransport``): the relay's and the plugin's own work.

The upstream runs in its own process, not under valgrind. Needs ``valgrind`` (Debian package).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CLIENTS = ("raw aiohttp", "relay · aiohttp", "relay · instant")


async def _run(client: str, calls: int) -> None:
    """Make ``calls`` calls (after 200 unmeasured ones: connections, caches, JIT-free warm-up)."""
    import aiohttp
    from common import PRICE_PATH, parse_body, upstreams
    from profile_overhead import _relay
    from shipped import fresh_minute

    with upstreams("ok") as up:
        if client == "raw aiohttp":
            url, params = up.base() + PRICE_PATH, {"symbol": "BTCUSDT"}
            async with aiohttp.ClientSession() as session:
                for _ in range(200 + calls):
                    async with session.get(url, params=params) as resp:
                        parse_body(await resp.read())
            return
        relay, _ = _relay("binance", client.split(" · ")[1], up.base())
        async with relay:
            for i in range(200 + calls):
                if i % 2000 == 0:
                    fresh_minute(relay)  # Binance's budget: a fresh minute now and then
                await relay.price("BTC", "USD")


def _count(client: str, calls: int) -> int:
    """Instructions of one child run (the parent process's total, from cachegrind's summary)."""
    cmd = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        client,
        str(calls),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    found = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", default="300,1300", help="the two call counts (comma-separated)")
    parser.add_argument("--child", nargs=2, metavar=("CLIENT", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_run(args.child[0], int(args.child[1])))
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench/instructions.py needs valgrind (Debian: apt-get install valgrind)")
    low, high = (int(n) for n in args.calls.split(","))
    per_call = {}
    for client in CLIENTS:
        per_call[client] = (_count(client, high) - _count(client, low)) / (high - low)
        print(f"{client:18} {per_call[client] / 1000:7.0f}k instructions per call", flush=True)
    relay, raw = per_call["relay · aiohttp"], per_call["raw aiohttp"]
    print(f"relay on aiohttp over raw aiohttp: +{(relay - raw) / 1000:.0f}k ({relay / raw:.2f} ×)")


if __name__ == "__main__":
    main()
