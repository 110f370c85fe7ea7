"""In-test provider plugins speaking a tiny JSON format to loopback FakeUpstream servers.

``GET /price?symbol=BTC&quote=USD`` -> ``{"price": "123.45"}``; 404 means "not served".
"""

from __future__ import annotations

import types
from typing import Any

from coinrelay import NotSupported, Price, ProviderInfo, Relay, hookimpl
from coinrelay._clock import SYSTEM_CLOCK, Clock
from coinrelay._config import ProviderSettings, Settings
from coinrelay._parsing import field, num
from coinrelay.testing import FakeUpstream, Reply


def price_provider(name: str, priority: int = 10) -> types.ModuleType:
    """A plugin module serving ``price`` from ``/price``."""
    mod = types.ModuleType(f"test_provider_{name}")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name=name, categories=("price",), endpoints=("http://127.0.0.1:9",), priority=priority)

    @hookimpl
    async def fetch_price(ctx: Any, symbol: str, quote: str) -> Price | None:
        resp = await ctx.http.get("/price", params={"symbol": symbol, "quote": quote})
        if resp.status_code == 404:
            raise NotSupported(f"{symbol}/{quote} not listed", provider=ctx.name, endpoint=resp.endpoint)
        body = resp.json()
        return Price(
            symbol=symbol,
            quote=quote,
            price=num(field(body, "price", str, ctx.name), "price", ctx.name),
            source=ctx.source(),
        )

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_price = fetch_price  # type: ignore[attr-defined]
    return mod


def serve_price(up: FakeUpstream, value: str, known: tuple[str, ...] = ("BTC", "ETH")) -> None:
    """Make ``up`` answer ``/price`` with ``value`` for ``known`` symbols, 404 otherwise."""

    def handler(req: Any) -> Reply:
        if req.query.get("symbol") in known:
            return Reply.json({"price": value})
        return Reply.json({"error": "unknown symbol"}, status=404)

    up.route("/price", handler)


def relay_for(
    upstreams: dict[str, list[FakeUpstream]],
    chain: list[Any] | None = None,
    *,
    cache: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    timeout: float = 2.0,
    **settings_kw: Any,
) -> Relay:
    """A relay whose providers (``name -> its upstreams, as mirrors``) are in-test plugins."""
    providers = {n: ProviderSettings(endpoints=[u.url for u in ups], timeout=timeout) for n, ups in upstreams.items()}
    s = Settings(providers=providers, chains={"price": chain or list(upstreams)}, **settings_kw)
    s.cache.enabled = cache
    plugins = [(name, price_provider(name)) for name in upstreams]
    return Relay(s, plugins=plugins, load_entry_points=False, clock=clock)
