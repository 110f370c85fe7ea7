"""Shared pieces of the benchmarks: loopback upstream processes, relays, statistics, rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers import binance_like

from coinrelay import Relay
from coinrelay._config import CacheSettings, HedgingSettings, ProviderSettings, RelaySettings, Settings

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
    **settings: Any,
) -> Relay:
    """A relay over :func:`~providers.binance_like` providers named after ``bases`` (name → base URL).

    ``chain`` is the price chain (default: every provider in one tier, in order given).
    """
    providers = {name: ProviderSettings(endpoints=[base], timeout=timeout) for name, base in bases.items()}
    s = Settings(
        providers=providers,
        chains={"price": chain if chain is not None else [list(bases)]},
        cache=CacheSettings(enabled=cache, ttl={"price": 3600.0}),
        hedging=HedgingSettings(**(hedging or {})),
        relay=RelaySettings(deadline=30.0),
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
