"""Provider plugins for the benchmarks: Binance's ``ticker/price`` format under any name.

The scenarios with several providers (A, B, C) need several providers that speak the
same format; :func:`binance_like` builds one per name. It does what a real plugin does
per call: one ``ctx.http.get``, ``resp.json()`` (floats as Decimal), the core's parsing
helpers, a :class:`~coinrelay._models.Price` with ``source=ctx.source()``.
"""

from __future__ import annotations

from typing import Any

from coinrelay import NotSupported, Price, ProviderContext, ProviderInfo, hookimpl
from coinrelay._parsing import field, num


class BinanceLike:
    """A plugin object (pluggy accepts any object with hookimpls) named ``name``."""

    def __init__(self, name: str, *, priority: int = 1) -> None:
        self.name = name
        self.priority = priority

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name=self.name,
            categories=("price",),
            endpoints=("http://127.0.0.1:9",),
            priority=self.priority,
            description="benchmark provider speaking Binance's ticker/price",
        )

    @hookimpl
    async def fetch_price(self, ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
        q = "USDT" if quote == "USD" else quote
        pair = symbol + q
        resp = await ctx.http.get("/api/v3/ticker/price", params={"symbol": pair}, weight=2)
        if resp.status_code == 400:
            raise NotSupported(f"no market {pair}", provider=self.name, endpoint=resp.endpoint)
        if not resp.is_success:
            raise resp.error("unexpected status")
        body: Any = resp.json()
        return Price(
            source=ctx.source(),
            symbol=symbol,
            quote=q,
            requested_quote=quote,
            price=num(field(body, "price", str, self.name), "ticker/price.price", self.name),
        )


def binance_like(name: str, *, priority: int = 1) -> tuple[str, BinanceLike]:
    """``(name, plugin)`` ready for ``Relay(plugins=[...])``."""
    return name, BinanceLike(name, priority=priority)
