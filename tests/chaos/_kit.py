"""Shared kit for the resilience tests and the chaos suite.

In-test provider plugins speak a tiny JSON format to :class:`~coinrelay.testing.FakeUpstream`
servers on 127.0.0.1::

    GET /price?symbol=BTC&quote=USD  ->  {"price": "123.45", "ts": 1700000000}   (ts optional)

404 means "symbol not served". Nothing here touches the network beyond loopback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from coinrelay import NotSupported, Price, ProviderInfo, RateLimit, Relay, hookimpl
from coinrelay._clock import SYSTEM_CLOCK, Clock
from coinrelay._config import CacheSettings, ProviderSettings, Settings
from coinrelay._parsing import field, from_s, num, parsing
from coinrelay.testing import FakeUpstream, Reply
from coinrelay.testing.upstream import Request


def price_plugin(name: str, *, rate_limit: RateLimit | None = None, hook: Callable[[], None] | None = None) -> Any:
    """A provider plugin module named ``name`` serving ``price`` from ``/price``.

    :param rate_limit: its declared budget.
    :param hook: called at the start of every fetch (a plugin bug when it raises).
    """
    mod = types.ModuleType(f"chaos_provider_{name}")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(
            name=name, categories=("price",), endpoints=("http://127.0.0.1:9",), priority=10, rate_limit=rate_limit
        )

    @hookimpl
    async def fetch_price(ctx: Any, symbol: str, quote: str) -> Price | None:
        if hook is not None:
            hook()
        resp = await ctx.http.get("/price", params={"symbol": symbol, "quote": quote})
        if resp.status_code == 404:
            raise NotSupported(f"{symbol}/{quote} not listed", provider=ctx.name, endpoint=resp.endpoint)
        if resp.status_code != 200:
            raise resp.error("unexpected status")
        body = resp.json()
        if not isinstance(body, dict):
            raise resp.error("expected a JSON object")
        if "error" in body:
            raise resp.error(f"error body: {body['error']}")
        ts = body.get("ts")
        with parsing(ctx.name, "price"):
            return Price(
                symbol=symbol,
                quote=quote,
                price=num(field(body, "price", str, ctx.name), "price", ctx.name),
                timestamp=from_s(ts, "ts", ctx.name) if ts is not None else None,
                source=ctx.source(),
            )

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_price = fetch_price  # type: ignore[attr-defined]
    return mod


def serve(
    up: FakeUpstream, value: str, *, ts: float | None = None, known: tuple[str, ...] = ("BTC", "ETH")
) -> Callable[[Request], Reply]:
    """Make ``up`` answer ``/price`` with ``value`` for ``known`` symbols, 404 otherwise; returns the handler."""

    def handler(req: Request) -> Reply:
        if req.query.get("symbol") in known:
            body: dict[str, Any] = {"price": value}
            if ts is not None:
                body["ts"] = ts
            return Reply.json(body)
        return Reply.json({"error": "unknown symbol"}, status=404)

    up.route("/price", handler)
    return handler


class LimitedHandler:
    """A provider that enforces its own limit: 429 once more than ``limit`` requests arrive in ``period`` s."""

    def __init__(self, value: str, limit: int, period: float) -> None:
        self.value = value
        self.limit = limit
        self.period = period
        self.times: list[float] = []
        self.rejected = 0
        self._lock = threading.Lock()

    def __call__(self, req: Request) -> Reply:
        now = time.monotonic()
        with self._lock:
            self.times = [t for t in self.times if t > now - self.period]
            if len(self.times) >= self.limit:
                self.rejected += 1
                return Reply.json({"error": "too many requests"}, status=429, headers={"retry-after": "1"})
            self.times.append(now)
        return Reply.json({"price": self.value})


#: The timeout of a provider whose timing is not what a test is about: a loaded 2-core machine
#: (load average 8-14) never reaches it, yet a provider that really hangs still ends the test.
ROOMY = 10.0


def make_relay(
    upstreams: dict[str, FakeUpstream],
    chain: list[Any] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    timeout: float = 2.0,
    timeouts: dict[str, float] | None = None,
    cache: bool | CacheSettings = False,
    plugins: dict[str, Any] | None = None,
    provider_extra: dict[str, dict[str, Any]] | None = None,
    **settings: Any,
) -> Relay:
    """A relay over in-test plugins, one per upstream (``name -> FakeUpstream``).

    :param timeout: every provider's timeout, but for those named in ``timeouts``.
    """
    providers = {
        name: ProviderSettings(
            endpoints=[up.url], timeout=(timeouts or {}).get(name, timeout), **(provider_extra or {}).get(name, {})
        )
        for name, up in upstreams.items()
    }
    s = Settings(providers=providers, chains={"price": chain or list(upstreams)}, **settings)
    if isinstance(cache, CacheSettings):
        s.cache = cache
    else:
        s.cache.enabled = cache
    mods = plugins or {}
    pl = [(name, mods.get(name) or price_plugin(name)) for name in upstreams]
    return Relay(s, plugins=pl, load_entry_points=False, clock=clock)


#: Seconds a test waits for something that happens at once on an idle machine (a task ending,
#: a server seeing a connection closed) before it calls it a leak.
PATIENCE = 10.0


async def settle(baseline: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks still alive beyond ``baseline``, once they had :data:`PATIENCE` seconds to end."""
    deadline = time.monotonic() + PATIENCE
    while True:
        extra = {t for t in asyncio.all_tasks() if t not in baseline and not t.done()}
        if not extra or time.monotonic() > deadline:
            return extra
        await asyncio.sleep(0.01)


class Gate:
    """A route that holds every request until :meth:`open`, then answers as ``inner`` does.

    ``first`` resolves (to the request) when the first request is held: a test orders itself
    on it instead of sleeping. Usable from any thread; awaited on the upstream's own loop.
    """

    def __init__(self, inner: Callable[[Request], Reply]) -> None:
        self.inner = inner
        self.first: concurrent.futures.Future[Request] = concurrent.futures.Future()
        self._open: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._lock = threading.Lock()

    async def __call__(self, req: Request) -> Reply:
        with self._lock:
            if not self.first.done():
                self.first.set_result(req)
        await asyncio.wrap_future(self._open)
        return self.inner(req)

    def open(self) -> None:
        if not self._open.done():  # (cancelled when the upstream closed first: a failed test)
            self._open.set_result(None)
