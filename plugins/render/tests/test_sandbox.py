"""render's sandbox upstream: a second, in-process coinrelay answering as a render remote.

The remote serves from the other providers' sandbox upstreams; here that is ``tiny``, a
minimal provider with its own fake defined below (this plugin's tests run with only the
core installed, so no other plugin is at hand).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

import coinrelay_render as plugin
from coinrelay.plugin import Price, ProviderContext, ProviderInfo, Reply, Request, SandboxUpstream, hookimpl
from coinrelay.sandbox import Sandbox
from coinrelay.testing import check_sandbox_upstream


class Tiny:
    """A price provider whose fake answers ``GET /price?symbol=X`` with ``{"price": "123.5"}``."""

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name="tiny", categories=("price",), endpoints=("https://tiny.example",))

    @hookimpl
    async def fetch_price(self, ctx: ProviderContext, symbol: str, quote: str) -> Price | None:
        resp = await ctx.http.get("/price", params={"symbol": symbol})
        value = Decimal(str(resp.json()["price"]))
        return Price(source=ctx.source(), symbol=symbol, quote=quote, requested_quote=quote, price=value)

    @hookimpl
    def sandbox_upstream(self) -> SandboxUpstream:
        def handler(req: Request) -> Reply:
            return Reply.json({"price": "123.5", "symbol": req.query.get("symbol")})

        return SandboxUpstream(handler=handler)


async def test_render_serves_the_inner_coinrelay_s_answer() -> None:
    results = await check_sandbox_upstream(plugin, "render", categories=("price",), others=[("tiny", Tiny())])
    price = results["price"]
    assert isinstance(price, Price)
    assert price.price == Decimal("123.5")  # tiny's value, through the inner relay's HTTP API, exactly


def test_the_remote_speaks_coinrelay_s_http_api_and_forwards_the_hop_count() -> None:
    with Sandbox(plugins=[("render", plugin), ("tiny", Tiny())], load_entry_points=False) as box:
        [base] = box.endpoints("render")
        with httpx.Client(trust_env=False, timeout=10) as http:
            ok = http.get(
                base + "/api/v1/price", params={"symbol": "BTC", "quote": "USD"}, headers={"x-coinrelay-hops": "1"}
            )
            missing = http.get(base + "/api/v1/volume", params={"symbol": "BTC"})
    body: dict[str, Any] = ok.json()
    assert ok.status_code == 200, body
    assert body["source"]["provider"] == "tiny"  # the inner relay left render out: no loop
    assert body["source"]["sandbox"] is True
    assert missing.status_code in (404, 503)  # no inner provider serves volume: coinrelay's own error
    assert missing.json()["error"] in ("symbol_not_found", "all_providers_failed")
