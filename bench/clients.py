"""Raw async HTTP clients side by side on the benchmark upstream (the fast-transport evaluation).

Usage::

    .venv/bin/python bench/clients.py [--quick] [--only aiohttp,pyreqwest,...]

Each client does what a transport does per call — one keep-alive GET of Binance's
``/api/v3/ticker/price?symbol=...`` against the loopback upstream of ``bench/upstream.py``,
the whole body read — plus ``json.loads(parse_float=Decimal)``. Measured, interleaved in
rounds with raw aiohttp: sequential median latency and calls/s at 32 concurrent (each loop
on its own symbol). Clients that are not installed are skipped (``pip install pyreqwest httpr
rnet primp impit aiosonic curl_cffi`` to compare them all); none of them is a dependency of
coinrelay except the one ``coinrelay[fast]`` installs. docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PRICE_PATH, concurrent, machine, parse_body, sequential, upstreams

Get = Callable[[dict[str, str]], Awaitable[bytes]]
Close = Callable[[], Awaitable[Any]]


async def _aiohttp(url: str) -> tuple[Get, Close]:
    import aiohttp

    session = aiohttp.ClientSession()

    async def get(params: dict[str, str]) -> bytes:
        async with session.get(url, params=params) as resp:
            return await resp.read()

    return get, session.close


async def _httpx(url: str) -> tuple[Get, Close]:
    import httpx

    client = httpx.AsyncClient()

    async def get(params: dict[str, str]) -> bytes:
        return (await client.get(url, params=params)).content

    return get, client.aclose


async def _pyreqwest(url: str) -> tuple[Get, Close]:
    from pyreqwest.client import ClientBuilder

    client = ClientBuilder().follow_redirects(False).build()
    timeout = timedelta(seconds=5)

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url).query(params).timeout(timeout).build().send()
        return bytes(await resp.bytes())

    return get, client.close


async def _httpr(url: str) -> tuple[Get, Close]:
    import httpr

    client = httpr.AsyncClient(timeout=5, follow_redirects=False)

    async def get(params: dict[str, str]) -> bytes:
        return bytes((await client.get(url, params=params)).content)

    return get, client.aclose


async def _rnet(url: str) -> tuple[Get, Close]:
    import rnet

    client = rnet.Client(allow_redirects=False)

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url, query=list(params.items()), timeout=5)
        return bytes(await resp.bytes())

    async def close() -> None:
        return None

    return get, close


async def _primp(url: str) -> tuple[Get, Close]:
    import primp

    client = primp.AsyncClient(timeout=5, follow_redirects=False)

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url, params=params)
        return bytes(resp.content)

    async def close() -> None:
        return None

    return get, close


async def _impit(url: str) -> tuple[Get, Close]:
    import impit

    client = impit.AsyncClient(timeout=5, follow_redirects=False)

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url + "?" + urlencode(params))
        return bytes(resp.content)

    async def close() -> None:
        return None

    return get, close


async def _wreq(url: str) -> tuple[Get, Close]:
    import wreq

    client = wreq.Client(allow_redirects=False)
    timeout = timedelta(seconds=5)

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url, query=list(params.items()), timeout=timeout)
        return bytes(await resp.bytes())

    async def close() -> None:
        return None

    return get, close


async def _pyqwest(url: str) -> tuple[Get, Close]:
    import pyqwest

    transport = pyqwest.HTTPTransport(timeout=5.0, tls_include_system_certs=True)
    client = pyqwest.Client(transport)

    async def get(params: dict[str, str]) -> bytes:
        return bytes((await client.get(url, params=params)).content)

    async def close() -> None:
        return None

    return get, close


async def _foghttp(url: str) -> tuple[Get, Close]:
    import foghttp

    client = foghttp.AsyncClient()

    async def get(params: dict[str, str]) -> bytes:
        return bytes((await client.get(url, params=params)).content)

    async def close() -> None:
        await client.aclose()

    return get, close


async def _aiosonic(url: str) -> tuple[Get, Close]:
    import aiosonic

    client = aiosonic.HTTPClient()

    async def get(params: dict[str, str]) -> bytes:
        resp = await client.get(url, params=params)
        return bytes(await resp.content())

    async def close() -> None:
        await client.connector.cleanup()

    return get, close


async def _curl_cffi(url: str) -> tuple[Get, Close]:
    from curl_cffi.requests import AsyncSession

    session = AsyncSession(timeout=5, allow_redirects=False)

    async def get(params: dict[str, str]) -> bytes:
        return bytes((await session.get(url, params=params)).content)

    return get, session.close


CLIENTS: dict[str, tuple[str, Callable[[str], Awaitable[tuple[Get, Close]]]]] = {
    "aiohttp": ("aiohttp", _aiohttp),
    "httpx": ("httpx", _httpx),
    "pyreqwest": ("pyreqwest", _pyreqwest),
    "httpr": ("httpr", _httpr),
    "rnet": ("rnet", _rnet),
    "primp": ("primp", _primp),
    "wreq": ("wreq", _wreq),
    "pyqwest": ("pyqwest", _pyqwest),
    "foghttp": ("foghttp", _foghttp),
    "impit": ("impit", _impit),
    "aiosonic": ("aiosonic", _aiosonic),
    "curl_cffi": ("curl_cffi", _curl_cffi),
}


async def compare(names: list[str], *, rounds: int, calls: int, seconds: float) -> list[tuple[str, float, float]]:
    """``(client, sequential p50 s, calls/s at 32 concurrent)`` per client, medians over ``rounds``."""
    with upstreams("ok") as up:
        url = up.base() + PRICE_PATH
        opened: dict[str, tuple[Get, Close]] = {}
        for name in names:
            opened[name] = await CLIENTS[name][1](url)
        try:

            def maker(get: Get) -> Callable[[str], Callable[[], Awaitable[Any]]]:
                def make(sym: str) -> Callable[[], Awaitable[Any]]:
                    params = {"symbol": sym + "USDT"}

                    async def call() -> Any:
                        return parse_body(await get(params))

                    return call

                return make

            makers = {name: maker(get) for name, (get, _) in opened.items()}
            for make in makers.values():
                await sequential(make("BTC"), 50)
            lat: dict[str, list[float]] = {n: [] for n in makers}
            thr: dict[str, list[float]] = {n: [] for n in makers}
            order = list(makers)
            for r in range(rounds):
                turn = order[r % len(order) :] + order[: r % len(order)]
                for name in turn:
                    got, _ = await sequential(makers[name]("BTC"), calls)
                    lat[name] += got
                for name in turn:
                    thr[name].append(await concurrent(makers[name], 32, seconds))
        finally:
            for _, close in opened.values():
                await close()
    return [(n, median(lat[n]), median(thr[n])) for n in makers]


def _client_sockets(port: int) -> list[str]:
    """TCP states (hex, ``/proc/net/tcp``) of the sockets whose remote port is ``port``: the client ends."""
    states = []
    with open("/proc/net/tcp") as fh:
        next(fh)
        for line in fh:
            parts = line.split()
            if int(parts[2].split(":")[1], 16) == port:
                states.append(parts[3])
    return states


async def cancel_probe(names: list[str]) -> list[tuple[str, str]]:
    """Whether cancelling a request stuck on a blackholed server closes its connection (timeout 5 s).

    ``closed`` when, 0.3 s after ``task.cancel()``, no socket to the server is ESTABLISHED
    any more; ``kept`` when the client goes on waiting in the background (until its timeout).
    """
    from coinrelay.testing import FakeUpstream, Fault

    out = []
    for name in names:
        with FakeUpstream() as up:
            up.fault = Fault("blackhole")
            get, close = await CLIENTS[name][1](up.url + PRICE_PATH)
            task = asyncio.ensure_future(get({"symbol": "BTCUSDT"}))
            await asyncio.sleep(0.3)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0.3)
            out.append((name, "kept" if "01" in _client_sockets(up.port) else "closed"))
            await close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(CLIENTS))
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    parser.add_argument("--cancel", action="store_true", help="probe what cancelling a request does instead")
    args = parser.parse_args(argv)
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    names = ["aiohttp"] + [n for n in wanted if n != "aiohttp" and importlib.util.find_spec(CLIENTS[n][0])]
    skipped = [n for n in wanted if n not in names]
    if args.cancel:
        print("| client | cancelled request's connection |\n|---|---|")
        for name, verdict in asyncio.run(cancel_probe(names)):
            print(f"| {name} | {verdict} |")
        return 0
    info = machine()
    print(f"raw clients — {info['cpu']}, {info['cores']} cores, Python {info['python']}, load {info['load']}")
    rounds, calls, seconds = (1, 50, 0.2) if args.quick else (4, 500, 1.0)
    coro = compare(names, rounds=rounds, calls=calls, seconds=seconds)
    if args.uvloop:
        import uvloop

        rows = uvloop.run(coro)
    else:
        rows = asyncio.run(coro)
    base_p50, base_rps = rows[0][1], rows[0][2]
    print("| client | sequential p50 | vs aiohttp | calls/s at 32 concurrent | vs aiohttp |")
    print("|---|---|---|---|---|")
    for name, p50, rps in rows:
        print(f"| {name} | {p50 * 1e6:.0f} µs | {p50 / base_p50:.2f}× | {rps:,.0f} | {rps / base_rps:.2f}× |")
    if skipped:
        print(f"not installed: {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
