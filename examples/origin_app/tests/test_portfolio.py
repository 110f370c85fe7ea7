"""POST /api/portfolio/simulate: invalid holdings are a 422 naming the entry; price alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from coinrelay.sandbox import Sandbox


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({}, "holdings", "non-empty list"),
        ({"holdings": []}, "holdings", "non-empty list"),
        ({"holdings": [{"symbol": "BTC", "amount": 1}], "currency": "USD"}, "currency", "unknown field"),
        ({"holdings": ["BTC"]}, "holdings[0]", "expected an object"),
        ({"holdings": [{"symbol": "BTC", "amount": 1}, {"amount": 2}]}, "holdings[1].symbol", "ticker or a coin name"),
        ({"holdings": [{"symbol": "BTC", "amount": 0}]}, "holdings[0].amount", "positive"),
        ({"holdings": [{"symbol": "BTC", "amount": -3}]}, "holdings[0].amount", "positive"),
        ({"holdings": [{"symbol": "BTC", "amount": "lots"}]}, "holdings[0].amount", "positive number"),
        ({"holdings": [{"symbol": "BTC", "amount": True}]}, "holdings[0].amount", "positive number"),
        ({"holdings": [{"symbol": "BTC", "ammount": 1}]}, "holdings[0].ammount", "unknown field"),
        (
            {"holdings": [{"symbol": "BTC", "amount": 1}, {"symbol": "polygon", "amount": 1}]},
            "holdings[1].symbol",
            "MATIC",
        ),
        ({"holdings": [{"symbol": "no such coin", "amount": 1}]}, "holdings[0].symbol", "not a ticker"),
        (
            {"holdings": [{"symbol": "BTC", "amount": 1}, {"symbol": "ZZZ", "amount": 1}]},
            "holdings[1].symbol",
            "no provider",
        ),
        ({"holdings": [{"symbol": "BTC", "amount": 1}], "quote": "U S D"}, "quote", "ticker"),
    ],
)
async def test_invalid_holdings_are_422_naming_the_entry(
    client: httpx.AsyncClient, body: dict[str, Any], param: str, words: str
) -> None:
    resp = await client.post("/api/portfolio/simulate", json=body)
    assert resp.status_code == 422, resp.text
    err = resp.json()
    assert (err["error"], err["param"]) == ("invalid_request", param)
    assert words in err["message"]


async def test_not_json_is_422(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/api/portfolio/simulate", content=b"{holdings: 1", headers={"content-type": "application/json"}
    )
    assert (resp.status_code, resp.json()["param"]) == (422, "body")


async def test_every_provider_down_is_503_not_the_callers_fault(client: httpx.AsyncClient, box: Sandbox) -> None:
    for name in ("binance", "coincap", "coingecko", "render"):
        box.inject(name, "down")
    resp = await client.post("/api/portfolio/simulate", json={"holdings": [{"symbol": "BTC", "amount": 1}]})
    assert resp.status_code == 503, resp.text
    body = resp.json()
    assert body["error"] == "all_providers_failed"
    assert "holdings[0].symbol" in body["reason"]
    assert {a["provider"] for a in body["attempts"]} >= {"binance", "coincap", "coingecko"}


async def test_amounts_are_exact_decimals(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/portfolio/simulate", json={"holdings": [{"symbol": "USDT", "amount": "0.1"}]})
    position = resp.json()["positions"][0]
    assert position["amount"] == "0.1"
    assert Decimal(position["value"]) == Decimal("0.1") * Decimal(position["price"])


async def test_alerts_above_and_below(client: httpx.AsyncClient) -> None:
    price = Decimal((await client.get("/api/v1/price", params={"symbol": "BTC"})).json()["price"])
    up = await client.post("/api/portfolio/alerts", json={"symbol": "bitcoin", "above": str(price / 2)})
    down = await client.post("/api/portfolio/alerts", json={"symbol": "BTC", "below": str(price / 2)})
    band = await client.post("/api/portfolio/alerts", json={"symbol": "BTC", "above": str(price * 2), "below": "1"})
    assert (up.status_code, down.status_code, band.status_code) == (201, 201, 201)
    assert (up.json()["triggered"], down.json()["triggered"], band.json()["triggered"]) == (True, False, False)
    assert up.json()["reason"] == f"{Decimal(up.json()['current_price'])} >= {price / 2}"
    assert up.json()["price_source"]["sandbox"] is True
    listed = (await client.get("/api/portfolio/alerts")).json()["alerts"]
    assert [a["id"] for a in listed] == [up.json()["id"], down.json()["id"], band.json()["id"]]
    assert (await client.delete(f"/api/portfolio/alerts/{down.json()['id']}")).status_code == 204
    assert (await client.delete(f"/api/portfolio/alerts/{down.json()['id']}")).status_code == 404
    assert len((await client.get("/api/portfolio/alerts")).json()["alerts"]) == 2


@pytest.mark.parametrize(
    ("alert", "param"),
    [
        ({"symbol": "BTC"}, "alert.above"),
        ({"symbol": "BTC", "above": 10, "below": 20}, "alert.below"),
        ({"symbol": "BTC", "above": "x"}, "alert.above"),
        ({"symbol": "terra", "below": 1}, "alert.symbol"),
        ({"symbol": "BTC", "above": 1, "when": "now"}, "alert.when"),
    ],
)
async def test_invalid_alerts(client: httpx.AsyncClient, alert: dict[str, Any], param: str) -> None:
    resp = await client.post("/api/portfolio/alerts", json=alert)
    assert (resp.status_code, resp.json()["param"]) == (422, param)


async def test_check_without_storing(client: httpx.AsyncClient) -> None:
    body = {
        "alerts": [{"symbol": "ETH", "above": "1"}, {"symbol": "SOL", "below": "1"}, {"symbol": "ZZZ", "above": "1"}]
    }
    resp = await client.post("/api/portfolio/alerts/check", json=body)
    assert resp.status_code == 200, resp.text
    eth, sol, zzz = resp.json()["alerts"]
    assert (eth["triggered"], sol["triggered"], zzz["triggered"]) == (True, False, None)
    assert zzz["error"]["error"] == "symbol_not_found"
    assert (await client.get("/api/portfolio/alerts")).json()["alerts"] == []
