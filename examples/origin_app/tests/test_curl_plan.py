"""The origin app's Phase 2 test plan, run against coinrelay's sandbox, every answer checked::

GET  /api/trading/volume
GET  /api/ai/predictions/BTC
POST /api/portfolio/simulate   -d '{...}'
GET  /api/news/bitcoin
GET  /api/exchanges
GET  /api/health
GET  /api/system/providers/health | /api/system/binance/health | /api/system/circuit-breakers
     | /api/system/providers/stats
for i in {1..100}; do curl -s /api/trading/volume; done; then /api/system/providers/stats
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from coinrelay import Relay
from origin_app.market import FORECAST_NOTICE

from .conftest import TOP

TIER = {"binance", "coincap", "coingecko"}


def sandboxed(source: dict) -> None:
    assert source["sandbox"] is True
    assert source["attempts"][-1]["outcome"] == "ok"
    assert source["endpoint"].startswith("http://127.0.0.1:")


async def test_trading_volume(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/trading/volume")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["quote"], body["ok"], body["failed"]) == ("USD", 5, 0)
    assert [row["symbol"] for row in body["symbols"]] == list(TOP)
    for row in body["symbols"]:
        assert Decimal(row["price"]) > 0
        assert Decimal(row["volume_24h"]) > 0
        assert row["price_source"]["provider"] in TIER
        assert row["volume_source"]["provider"] in TIER
        sandboxed(row["price_source"])


async def test_trading_volume_symbols_by_name_and_errors_per_symbol(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/trading/volume", params={"symbols": "bitcoin,ethereum,polygon,ZZZ"})
    assert resp.status_code == 200
    rows = resp.json()["symbols"]
    assert [r["symbol"] for r in rows] == ["BTC", "ETH", None, "ZZZ"]
    assert rows[2]["error"]["error"] == "invalid_request" and rows[2]["error"]["candidates"] == ["MATIC", "POL"]
    assert (rows[3]["error"]["error"], rows[3]["error"]["status"]) == ("symbol_not_found", 404)


async def test_prediction_says_what_it_is(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/ai/predictions/BTC")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "statistical forecast"
    assert body["notice"] == FORECAST_NOTICE and "not an AI model" in body["notice"]
    assert (body["symbol"], body["model"], body["horizon"]) == ("BTC", "drift-volatility", "1d")
    low, point, high = (
        Decimal(body["interval"]["low"]),
        Decimal(body["predicted_price"]),
        Decimal(body["interval"]["high"]),
    )
    assert low < point < high
    assert body["interval"]["confidence"] == "0.9"
    assert body["source"]["provider"] == "forecast" and body["source"]["sandbox"] is True
    by_name = (await client.get("/api/ai/predictions/bitcoin", params={"horizon": "4h"})).json()
    assert (by_name["symbol"], by_name["horizon"]) == ("BTC", "4h")
    bad = await client.get("/api/ai/predictions/BTC", params={"horizon": "2d"})
    assert (bad.status_code, bad.json()["param"]) == (422, "horizon")


async def test_portfolio_simulate(client: httpx.AsyncClient) -> None:
    holdings = [
        {"symbol": "BTC", "amount": 0.5},
        {"symbol": "ethereum", "amount": "4"},
        {"symbol": "SOL", "amount": 20},
    ]
    resp = await client.post("/api/portfolio/simulate", json={"holdings": holdings})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    positions = body["positions"]
    assert [p["symbol"] for p in positions] == ["BTC", "ETH", "SOL"]
    for p, h in zip(positions, holdings, strict=True):
        assert Decimal(p["value"]) == pytest.approx(
            Decimal(str(h["amount"])) * Decimal(p["price"]), rel=Decimal("1e-8")
        )
        assert p["price_source"]["provider"] in TIER
        sandboxed(p["price_source"])
        assert p["change_24h_pct"] is not None
    assert sum(Decimal(p["value"]) for p in positions) == pytest.approx(
        Decimal(body["total_value"]), rel=Decimal("1e-8")
    )
    assert sum(Decimal(p["allocation_pct"]) for p in positions) == pytest.approx(Decimal(100), abs=Decimal("0.03"))
    assert body["change_24h_pct"] is not None


async def test_news_by_ticker_or_name(client: httpx.AsyncClient) -> None:
    by_name = await client.get("/api/news/bitcoin")
    by_ticker = await client.get("/api/news/BTC", params={"limit": 3})
    assert by_name.status_code == 200 and by_ticker.status_code == 200
    assert by_name.json()["symbol"] == by_ticker.json()["symbol"] == "BTC"
    assert len(by_ticker.json()["articles"]) == 3
    assert all("Bitcoin" in a["title"] for a in by_name.json()["articles"])
    sandboxed(by_name.json()["source"])
    ambiguous = await client.get("/api/news/polygon")
    assert (ambiguous.status_code, ambiguous.json()["param"]) == (422, "coin")
    assert "MATIC" in ambiguous.json()["message"] and "POL" in ambiguous.json()["message"]
    bad_limit = await client.get("/api/news/BTC", params={"limit": 0})
    assert (bad_limit.status_code, bad_limit.json()["param"]) == (422, "limit")


async def test_exchanges(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/exchanges", params={"limit": 3})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [e["rank"] for e in body["exchanges"]] == [1, 2, 3]
    first = body["exchanges"][0]
    assert {"id", "name", "country", "year_established", "trust_score", "volume_24h_btc"} <= set(first)
    assert body["source"]["provider"] == "coingecko"
    sandboxed(body["source"])


async def test_health(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/health")
    assert resp.status_code == 200
    body = resp.json()
    assert (body["status"], body["sandbox"], body["unavailable_categories"]) == ("ok", True, [])
    assert body["categories"]["price"]["chain"][:3] == ["binance", "coincap", "coingecko"]
    assert body["providers"]["binance"] == {"available": True, "breaker": "closed"}


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/api/system/providers/health", {"providers", "state_backend", "sandbox"}),
        ("/api/system/binance/health", {"provider", "endpoints", "breaker"}),
        ("/api/system/circuit-breakers", {"summary", "open", "breakers"}),
        ("/api/system/providers/stats", {"providers", "served"}),
    ],
)
async def test_monitoring_routes_mounted_beside(client: httpx.AsyncClient, path: str, keys: set[str]) -> None:
    resp = await client.get(path)
    assert resp.status_code == 200, resp.text
    assert keys <= set(resp.json()), sorted(resp.json())


async def test_binance_health_lists_its_mirrors(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/system/binance/health")).json()
    assert len(body["endpoints"]) == 3
    assert all(ep["breaker"]["state"] == "closed" for ep in body["endpoints"])


async def test_dashboard_lists_the_new_chains(client: httpx.AsyncClient) -> None:
    chains = (await client.get("/api/system/dashboard")).json()["chains"]
    # render (another coinrelay deployment) is the last resort of every fetched category; in the
    # sandbox it answers from a second in-process coinrelay
    assert chains["exchanges"]["tiers"] == [["coingecko"], ["coinpaprika"], ["render"]]
    assert chains["social"]["tiers"] == [["coingecko"], ["cryptocompare"], ["render"]]
    assert chains["prediction"]["tiers"] == [["forecast"]]
    assert chains["price"]["tiers"] == [["binance", "coincap", "coingecko"], ["render"]]


async def test_100_calls_then_stats_show_distributed_load(client: httpx.AsyncClient, relay: Relay) -> None:
    for _ in range(100):
        resp = await client.get("/api/trading/volume")
        assert resp.status_code == 200
        assert resp.json()["ok"] == 5
    stats = (await client.get("/api/system/providers/stats")).json()
    price = {name: p["categories"].get("price", {}).get("successes", 0) for name, p in stats["providers"].items()}
    # 500 price lookups; the frozen clock keeps each symbol's first answer fresh, so five fetches
    # reached providers, spread by the balanced tier's round-robin: two, two and one.
    assert sorted(v for v in price.values() if v) == [1, 2, 2]
    assert {n for n, v in price.items() if v} == TIER
    # The volume lookups start once the prices are in, so their rotation is weighted by the
    # latencies just measured (faster members get more): only where they went is fixed.
    volume = {name: p["categories"].get("volume", {}).get("successes", 0) for name, p in stats["providers"].items()}
    assert sum(volume.values()) == 5
    assert {n for n, v in volume.items() if v} <= TIER


async def test_100_calls_stats_count_the_cache_hits(client: httpx.AsyncClient) -> None:
    for _ in range(100):
        await client.get("/api/trading/volume")
    stats = (await client.get("/api/system/providers/stats")).json()
    price = stats["calls"]["categories"]["price"]
    assert price["calls"] == 500
    assert price["served"]["provider"] == 5
    assert price["served"]["cache"] == 495
    assert set(price["answered_by"]) == TIER
