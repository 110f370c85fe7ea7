"""Scenario 1, overhead: what a relay call costs over the user's own client loop, on each transport.

Four relays, cache off, one loopback upstream speaking Binance's ``ticker/price``:

* **synthetic** — ``bench/providers.py``'s Binance-format plugin, no rate budget, one endpoint,
  default settings otherwise: the relay's own machinery alone;
* **binance** — what users run: the shipped ``coinrelay_binance`` plugin with its default
  weight budget (spent before and corrected from ``x-mbx-used-weight-1m`` after every
  call), loaded from its entry point by ``Relay.from_config`` with the shipped defaults
  (three mirrors, breakers, quality checks), only ``[cache] enabled = false`` and the
  endpoints set (``bench/shipped.py``);

each on aiohttp (the default of a plain install) and on the fast transport
(``coinrelay[fast]``), against raw aiohttp and raw httpx (``GET`` + ``json.loads(...,
parse_float=Decimal)``) and the fast transport's own client used raw (the floor), all in
the same interleaved rounds.
"""

from __future__ import annotations

from statistics import median
from typing import Any

import aiohttp
import httpx
from clients import CLIENTS
from common import (
    PRICE_PATH,
    Call,
    Make,
    Row,
    Size,
    concurrent,
    make_relay,
    parse_body,
    percentile,
    sequential,
    upstreams,
    us,
)
from shipped import fresh_minute, shipped_relay

from coinrelay import AllProvidersFailed
from coinrelay._transport import auto_transport

#: Targets from issue 14: on aiohttp the first step (≤ +60 µs, ≥ 0.75×), on the fast
#: transport a relay faster than the user's own aiohttp loop (≤ +0 µs, ≥ 1.0×).
TARGETS = {"aiohttp": (60e-6, 0.75)}
FAST_TARGET = (0.0, 1.0)


#: Fast transports to measure besides the one ``"auto"`` picks (``run.py --fast a,b``).
EXTRA_FAST: list[str] = []
#: Also measure the binance relay with ``[hedging] price = true`` (``run.py --hedging``).
HEDGED = False


def fast_transports() -> list[str]:
    """The fast transport ``coinrelay[fast]`` installs (what ``"auto"`` picks), then :data:`EXTRA_FAST`."""
    kind = auto_transport()
    return ([] if kind == "aiohttp" else [kind]) + [k for k in EXTRA_FAST if k != kind]


async def overhead(size: Size, label: str = "1") -> list[Row]:
    """Each relay (cache off) vs the same GET + parse with raw aiohttp and raw httpx, in one run."""
    fasts = fast_transports()
    transports = ["aiohttp", *fasts]
    with upstreams("ok", "ok", "ok") as up:
        url = up.base() + PRICE_PATH
        relays: dict[str, Any] = {}
        budgeted: set[str] = set()
        for t in transports:
            relays[f"synthetic · {t}"] = make_relay({"a": up.base()}, transport=t)
            for hedged in (False, True) if HEDGED else (False,):
                name = f"binance · {t}" + (" · hedging on" if hedged else "")
                relay, _ = shipped_relay(
                    binance=[up.base(i) for i in range(3)], transport=t, cache=False, hedging=hedged
                )
                relays[name] = relay
                budgeted.add(name)
        session = aiohttp.ClientSession()
        client = httpx.AsyncClient()
        raw_fast = {fast: await CLIENTS[fast][1](url) for fast in fasts}

        failed: dict[str, int] = dict.fromkeys(relays, 0)

        def via_relay(name: str, relay: Any) -> Make:
            def make(sym: str) -> Call:
                async def call() -> Any:
                    try:
                        return (await relay.price(sym, "USD")).price
                    except AllProvidersFailed:  # counted, shown (a relay that fails is no faster)
                        failed[name] += 1
                        return None

                return call

            return make

        def raw_aiohttp(sym: str) -> Call:
            params = {"symbol": sym + "USDT"}

            async def call() -> Any:
                async with session.get(url, params=params) as resp:
                    return parse_body(await resp.read())

            return call

        def raw_httpx(sym: str) -> Call:
            params = {"symbol": sym + "USDT"}

            async def call() -> Any:
                return parse_body((await client.get(url, params=params)).content)

            return call

        makers: dict[str, Make] = {name: via_relay(name, r) for name, r in relays.items()}
        makers["aiohttp"] = raw_aiohttp
        makers["httpx"] = raw_httpx

        def raw_client(get: Any) -> Make:
            def make(sym: str) -> Call:
                params = {"symbol": sym + "USDT"}

                async def call() -> Any:
                    return parse_body(await get(params))

                return call

            return make

        for fast, (get, _) in raw_fast.items():
            makers[f"raw {fast}"] = raw_client(get)

        def turn(r: int) -> list[str]:
            names = list(makers)
            k = r % len(names)
            return names[k:] + names[:k]

        def fresh_budget(name: str) -> None:
            if name in budgeted:
                fresh_minute(relays[name])

        lat: dict[str, list[float]] = {k: [] for k in makers}
        cpu: dict[str, list[float]] = {k: [] for k in makers}
        thr: dict[str, list[float]] = {k: [] for k in makers}
        try:
            for name, make in makers.items():  # warm up connections and code paths
                fresh_budget(name)
                await sequential(make("BTC"), 50)
            for r in range(size.seq_rounds):
                for name in turn(r):
                    fresh_budget(name)
                    got, per_call = await sequential(makers[name]("BTC"), size.seq_calls)
                    lat[name] += got
                    cpu[name].append(per_call)
            for r in range(size.conc_rounds):
                for name in turn(r):
                    fresh_budget(name)
                    thr[name].append(await concurrent(makers[name], 32, size.conc_seconds, size.conc_cap))
        finally:
            await session.close()
            await client.aclose()
            for _, close in raw_fast.values():
                await close()
            for relay in relays.values():
                await relay.aclose()
    p50 = {k: median(v) for k, v in lat.items()}
    p99 = {k: percentile(v, 0.99) for k, v in lat.items()}
    cpus = {k: median(v) for k, v in cpu.items()}
    rps = {k: median(v) for k, v in thr.items()}
    rows: list[Row] = []
    for name in relays:
        rows += _rows(f"{label}. overhead · {name}", name, p50, p99, cpus, rps)
        if failed[name] or "hedging" in name:
            rows.append(Row(f"{label}. overhead · {name}", "calls that failed (AllProvidersFailed)", f"{failed[name]}"))
    for fast in fasts:
        floor = f"raw {fast}"
        s = f"{label}. overhead · {floor} (no relay)"
        rows.append(
            Row(
                s,
                "median latency, sequential (vs aiohttp)",
                us(p50[floor]),
                us(p50["aiohttp"]),
                f"{(p50[floor] - p50['aiohttp']) * 1e6:+.0f} µs",
            )
        )
        rows.append(
            Row(
                s,
                "calls/s at 32 concurrent (vs aiohttp)",
                f"{rps[floor]:,.0f}",
                f"{rps['aiohttp']:,.0f}",
                f"{rps[floor] / rps['aiohttp']:.2f}×",
            )
        )
    return rows


def _rows(
    s: str, name: str, p50: dict[str, float], p99: dict[str, float], cpus: dict[str, float], rps: dict[str, float]
) -> list[Row]:
    transport = name.split(" · ")[1]  # (relay · transport[ · variant])
    added_max, ratio_min = TARGETS.get(transport, FAST_TARGET)
    added = p50[name] - p50["aiohttp"]
    return [
        Row(
            s,
            "median latency, sequential (vs aiohttp)",
            us(p50[name]),
            us(p50["aiohttp"]),
            f"{added * 1e6:+.0f} µs",
            f"≤ {added_max * 1e6:+.0f} µs",
            added <= added_max,
        ),
        Row(
            s,
            "median latency, sequential (vs httpx)",
            us(p50[name]),
            us(p50["httpx"]),
            f"{p50[name] / p50['httpx']:.2f}×",
        ),
        Row(
            s,
            "client CPU per call (vs aiohttp)",
            us(cpus[name]),
            us(cpus["aiohttp"]),
            f"{(cpus[name] - cpus['aiohttp']) * 1e6:+.0f} µs",
        ),
        Row(
            s,
            "p99 latency, sequential (vs aiohttp)",
            us(p99[name]),
            us(p99["aiohttp"]),
            f"{p99[name] / p99['aiohttp']:.2f}×",
        ),
        Row(
            s,
            "calls/s at 32 concurrent (vs aiohttp)",
            f"{rps[name]:,.0f}",
            f"{rps['aiohttp']:,.0f}",
            f"{rps[name] / rps['aiohttp']:.2f}×",
            f"≥ {ratio_min:.2f}×",
            rps[name] >= ratio_min * rps["aiohttp"],
        ),
        Row(
            s,
            "calls/s at 32 concurrent (vs httpx)",
            f"{rps[name]:,.0f}",
            f"{rps['httpx']:,.0f}",
            f"{rps[name] / rps['httpx']:.2f}×",
            "> 1×",
            rps[name] > rps["httpx"],
        ),
    ]
