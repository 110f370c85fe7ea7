"""relay.prices([...]) and GET /api/v1/prices: each symbol answered with its own provenance or error."""

from __future__ import annotations

import asyncio
import types
from decimal import Decimal
from typing import Any

import httpx
import pytest

from coinrelay import (
    AllProvidersFailed,
    InvalidRequest,
    Price,
    ProviderInfo,
    Relay,
    SymbolNotFound,
    _batch,
    hookimpl,
)
from coinrelay._batch import MAX_SYMBOLS, call_error
from coinrelay._config import Settings
from coinrelay._names import AmbiguousSymbol, UnknownSymbol
from coinrelay.server import create_app, error_body
from coinrelay.testing import FakeUpstream

from .support import relay_for, serve_price


@pytest.fixture
def two(upstream_factory) -> dict[str, list[FakeUpstream]]:
    a, b = upstream_factory(), upstream_factory()
    serve_price(a, "100.5", known=("BTC",))
    serve_price(b, "2000", known=("BTC", "ETH"))
    return {"alpha": [a], "beta": [b]}


async def test_each_symbol_has_its_own_provenance_or_error(two) -> None:
    async with relay_for(two) as relay:
        batch = await relay.prices(["BTC", "ethereum", "polygon", "ZZZ", "no such coin"], "USD")
    assert [r.query for r in batch.results] == ["BTC", "ethereum", "polygon", "ZZZ", "no such coin"]
    assert (batch.quote, batch.ok, batch.failed) == ("USD", 2, 3)
    btc, eth, polygon, zzz, nope = batch.results
    assert (btc.symbol, btc.price.price, btc.price.source.provider) == ("BTC", Decimal("100.5"), "alpha")
    assert (eth.symbol, eth.price.price, eth.price.source.provider) == ("ETH", Decimal("2000"), "beta")
    assert [a.provider for a in eth.price.source.attempts] == ["alpha", "beta"]  # alpha does not list ETH
    assert polygon.symbol is None and polygon.price is None
    assert (polygon.error.error, polygon.error.status, polygon.error.param) == ("invalid_request", 422, "symbols[2]")
    assert polygon.error.candidates == ["MATIC", "POL"]
    assert (zzz.symbol, zzz.error.error, zzz.error.status) == ("ZZZ", "symbol_not_found", 404)
    assert [a.provider for a in zzz.error.attempts] == ["alpha", "beta"]
    assert (nope.error.error, nope.error.param) == ("invalid_request", "symbols[4]")
    assert batch.prices() == {"BTC": btc.price, "ETH": eth.price}


async def test_a_failing_provider_fails_only_its_symbols(two) -> None:
    two["beta"][0].down()
    async with relay_for(two) as relay:
        batch = await relay.prices("BTC, ETH", "USD")  # a string is split on commas
    btc, eth = batch.results
    assert btc.price is not None and btc.price.source.provider == "alpha"
    assert (eth.error.error, eth.error.status) == ("all_providers_failed", 503)
    assert {a.provider: a.outcome for a in eth.error.attempts} == {"alpha": "unsupported", "beta": "failed"}


async def test_identical_symbols_share_one_fetch(two) -> None:
    async with relay_for(two) as relay:
        batch = await relay.prices(["BTC", "btc", "bitcoin", "xbt"])
    assert batch.ok == 4 and {r.symbol for r in batch.results} == {"BTC"}
    assert two["alpha"][0].count("/price") == 1  # one flight for the four


@pytest.mark.parametrize(
    ("symbols", "quote", "param"),
    [
        ([], "USD", "symbols"),
        (" , ", "USD", "symbols"),
        (["BTC"] * (MAX_SYMBOLS + 1), "USD", "symbols"),
        (["BTC", 7], "USD", "symbols[1]"),
        (["BTC"], "U S D", "quote"),
    ],
)
async def test_a_bad_batch_raises(two, symbols: Any, quote: str, param: str) -> None:
    async with relay_for(two) as relay:
        with pytest.raises(InvalidRequest) as info:
            await relay.prices(symbols, quote)
    assert info.value.param == param


def _slow_plugin(entered: asyncio.Condition, release: asyncio.Event, seen: list[int]) -> types.ModuleType:
    mod = types.ModuleType("slow_prices")
    running = [0]

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name="slow", categories=("price",), endpoints=("http://127.0.0.1:9",))

    @hookimpl
    async def fetch_price(ctx: Any, symbol: str, quote: str) -> Price:
        running[0] += 1
        seen.append(running[0])
        async with entered:
            entered.notify_all()
        await release.wait()
        running[0] -= 1
        return Price(symbol=symbol, quote=quote, price=Decimal(1), source=ctx.source())

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_price = fetch_price  # type: ignore[attr-defined]
    return mod


async def test_at_most_concurrency_fetches_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(_batch, "CONCURRENCY", 3)
    entered, release, seen = asyncio.Condition(), asyncio.Event(), []
    settings = Settings(chains={"price": ["slow"]})
    settings.cache.enabled = False
    async with Relay(settings, plugins=[("slow", _slow_plugin(entered, release, seen))], load_entry_points=False) as r:
        task = asyncio.create_task(r.prices([f"C{i}" for i in range(10)]))
        async with entered:
            await entered.wait_for(lambda: len(seen) >= 3)
        for _ in range(20):  # give the other seven every chance to start: they must not
            await asyncio.sleep(0)
        assert len(seen) == 3
        release.set()
        batch = await task
    assert batch.ok == 10
    assert max(seen) == 3


@pytest.mark.parametrize(
    "exc",
    [
        InvalidRequest("quote", "bad"),
        AmbiguousSymbol("symbol", "polygon", []),
        UnknownSymbol("symbol", "x y", []),
        SymbolNotFound("price", "ZZZ/USD"),
        AllProvidersFailed("price", [], reason="r"),
        RuntimeError("boom"),
    ],
)
def test_batch_errors_match_the_servers_error_bodies(exc: Exception) -> None:
    status, body = error_body(exc)
    err = call_error(exc)
    assert (err.status, err.error, err.message) == (status, body["error"], body["message"])
    assert err.param == body.get("param")
    assert "boom" not in err.message  # no internals in a 500


async def test_http_prices_route(two) -> None:
    async with relay_for(two) as relay:
        app = create_app(relay)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            ok = await c.get("/api/v1/prices", params={"symbols": "BTC,ethereum,ZZZ", "quote": "usd"})
            missing = await c.get("/api/v1/prices")
            unknown = await c.get("/api/v1/prices", params={"symbols": "BTC", "currency": "USD"})
            twice = await c.get("/api/v1/prices?symbols=BTC&symbols=ETH")
            resolved = await c.get("/api/v1/resolve", params={"q": "Ethereum"})
            ambiguous = await c.get("/api/v1/resolve", params={"q": "polygon"})
            no_q = await c.get("/api/v1/resolve")
            schema = (await c.get("/openapi.json")).json()
    assert ok.status_code == 200
    body = ok.json()
    assert (body["quote"], body["ok"], body["failed"]) == ("USD", 2, 1)
    assert body["results"][1]["price"]["source"]["provider"] == "beta"
    assert body["results"][2]["error"]["error"] == "symbol_not_found"
    assert (missing.status_code, missing.json()["param"]) == (422, "symbols")
    assert (unknown.status_code, unknown.json()["param"]) == (422, "currency")
    assert (twice.status_code, twice.json()["param"]) == (422, "symbols")
    assert resolved.json() == {
        "query": "Ethereum",
        "symbol": "ETH",
        "name": "Ethereum",
        "matched_by": "name",
        "ids": {},
    }
    assert ambiguous.status_code == 422
    assert ambiguous.json()["candidates"] == ["MATIC (Polygon, name)", "POL (Polygon Ecosystem Token, alias)"]
    assert (no_q.status_code, no_q.json()["param"]) == (422, "q")
    assert {"/api/v1/prices", "/api/v1/resolve"} <= set(schema["paths"])
