"""Shared pieces of the benchmarks: loopback upstream processes, relays, statistics, rows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from providers import binance_like

from coinrelay import Relay
from coinrelay._config import CacheSettings, HedgingSettings, ProviderSettings, RelaySettings, Settings

Call = Callable[[], Awaitable[Any]]
Make = Callable[[str], Call]
HERE = Path(__file__).resolve().parent
#: The Binance pair every scenario asks for (``BTC`` in ``USD``, served in ``USDT``).
PAIR = "BTCUSDT"
PRICE_PATH = "/api/v3/ticker/price"


@dataclass(slots=True)
class Row:
    """One line of the result table; ``ratio`` is coinrelay ÷ baseline, ``met`` ``None`` = no target."""

    scenario: str
    measure: str
    coinrelay: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def parse_body(body: bytes) -> Decimal:
    """What every baseline does with a body: JSON (floats as Decimal, as coinrelay) and the price."""
    return Decimal(json.loads(body, parse_float=Decimal)["price"])


def symbols(n: int) -> list[str]:
    """``n`` distinct tickers (distinct so that concurrent calls are never coalesced)."""
    return [f"C{i:03d}" for i in range(n)]


async def sequential(fn: Call, n: int) -> tuple[list[float], float]:
    """Latencies of ``n`` calls one after the other, and the process CPU per call (all threads)."""
    lat = []
    cpu = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        lat.append(time.perf_counter() - t)
    return lat, (time.process_time() - cpu) / n


async def concurrent(make: Make, workers: int, seconds: float, cap: int | None = None) -> float:
    """Calls per second with ``workers`` loops, each on its own symbol, for ``seconds`` or ``cap`` calls."""
    done = 0
    limit = cap if cap is not None else 1 << 62
    stop = time.perf_counter() + seconds

    async def worker(sym: str) -> None:
        nonlocal done
        fn = make(sym)
        while done < limit and time.perf_counter() < stop:
            done += 1
            await fn()

    started = time.perf_counter()
    await asyncio.gather(*(worker(s) for s in symbols(workers)))
    return done / (time.perf_counter() - started)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` by nearest rank; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


@dataclass(frozen=True, slots=True)
class Size:
    """How much work each scenario does."""

    seq_rounds: int = 8
    seq_calls: int = 500
    conc_rounds: int = 4
    conc_seconds: float = 1.0
    cache_calls: int = 200_000
    blackhole_calls: int = 1_000
    slow_seconds: float = 10.0
    coalesce_calls: int = 1_000
    memory_calls: int = 100_000
    server_seconds: float = 5.0
    server_rounds: int = 2
    #: Calls per concurrent round of scenario 1, at most: under the 2,700 ``ticker/price``
    #: calls one Binance minute allows (see ``shipped.fresh_minute``).
    conc_cap: int = 2_400
    #: Scenario 8: how long the callers run, when "after detection" starts, how long
    #: calls still in flight at the end may finish.
    defaults_seconds: float = 40.0
    defaults_split: float = 10.0
    defaults_grace: float = 16.0


FULL = Size()
QUICK = Size(
    seq_rounds=2,
    seq_calls=40,
    conc_rounds=1,
    conc_seconds=0.2,
    cache_calls=5_000,
    blackhole_calls=60,
    slow_seconds=0.6,
    coalesce_calls=100,
    memory_calls=1_500,
    server_seconds=1.0,
    server_rounds=1,
    conc_cap=300,
    defaults_seconds=2.0,
    defaults_split=1.0,
    defaults_grace=0.5,
)


class Upstreams:
    """A separate process serving one loopback port per mode (see ``bench/upstream.py``)."""

    def __init__(self, *modes: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "upstream.py"), *modes],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the upstream process did not start")
        self.ports: list[int] = json.loads(line)["ports"]

    def base(self, i: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def count(self, i: int = 0, *, reset: bool = False) -> int:
        """Requests the ``i``-th port served (``reset``: and set it to 0)."""
        url = self.base(i) + ("/__reset" if reset else "/__count")
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(json.loads(resp.read())["count"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def upstreams(*modes: str) -> Iterator[Upstreams]:
    up = Upstreams(*modes)
    try:
        yield up
    finally:
        up.close()


def make_relay(
    bases: dict[str, str],
    *,
    chain: list[Any] | None = None,
    cache: bool = False,
    timeout: float = 5.0,
    hedging: dict[str, Any] | None = None,
    transport: str = "aiohttp",
    **settings: Any,
) -> Relay:
    """A relay over :func:`~providers.binance_like` providers named after ``bases`` (name → base URL).

    ``chain`` is the price chain (default: every provider in one tier, in order given);
    ``transport`` the ``[relay] transport``.
    """
    providers = {name: ProviderSettings(endpoints=[base], timeout=timeout) for name, base in bases.items()}
    s = Settings(
        providers=providers,
        chains={"price": chain if chain is not None else [list(bases)]},
        cache=CacheSettings(enabled=cache, ttl={"price": 3600.0}),
        hedging=HedgingSettings(**(hedging or {})),
        relay=RelaySettings(deadline=30.0, transport=transport),
        **settings,
    )
    return Relay(s, plugins=[binance_like(n) for n in bases], load_entry_points=False)


def rss_mb() -> float:
    """This process's resident set size in MB (from ``/proc/self/status``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def machine() -> dict[str, str]:
    """CPU model, cores, Python version (for the record in docs/benchmarks.md)."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
