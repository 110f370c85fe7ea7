"""The HTTP API over a relay of small in-test providers served by loopback FakeUpstreams."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from coinrelay import NotSupported, Price, ProviderInfo, Relay, hookimpl
from coinrelay._categories import ALL
from coinrelay._clock import FakeClock
from coinrelay._config import BreakerSettings, ProviderSettings, Settings
from coinrelay.server import create_app
from coinrelay.testing import FakeUpstream, Reply
from coinrelay.testing.upstream import Request

SECRET = "s3cr3t-KEY-do-not-leak"


class PriceProvider:
    """A provider serving ``price`` from ``GET /price?symbol=``; 404 means unknown symbol."""

    def __init__(self, name: str, categories: tuple[str, ...] = ("price",)) -> None:
        self.name = name
        self.categories = categories
        self.hops: list[int] = []

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name=self.name, categories=self.categories, credentials=("api_key",))

    @hookimpl
    async def fetch_price(self, ctx: Any, symbol: str, quote: str) -> Price | None:
        self.hops.append(ctx.hops)
        key = ctx.secret("api_key")
        resp = await ctx.http.get("/price", params={"symbol": symbol}, headers={"x-key": key} if key else None)
        if resp.status_code == 404:
            raise NotSupported(f"unknown symbol {symbol}", provider=self.name, endpoint=resp.endpoint)
        body = resp.json()
        return Price(symbol=symbol, quote=quote, price=Decimal(str(body["price"])), source=ctx.source())

    @hookimpl
    async def fetch_volume(self, ctx: Any, symbol: str, quote: str) -> None:
        return None


def serve_prices(up: FakeUpstream, prices: dict[str, str]) -> None:
    def handler(req: Request) -> Reply:
        sym = req.query.get("symbol", "")
        if sym not in prices:
            return Reply.json({"error": "unknown symbol"}, status=404)
        return Reply.json({"price": prices[sym]})

    up.route("/price", handler)


Client = Callable[..., Any]


@pytest.fixture
def ups(upstream_factory: Callable[[], FakeUpstream]) -> dict[str, FakeUpstream]:
    made = {"binance-a": upstream_factory(), "binance-b": upstream_factory(), "beta": upstream_factory()}
    serve_prices(made["binance-a"], {"BTC": "100.5", "ETH": "10"})
    serve_prices(made["binance-b"], {"BTC": "100.6", "ETH": "11"})
    serve_prices(made["beta"], {"BTC": "101.25", "ETH": "12"})
    return made


def make_relay(
    ups: dict[str, FakeUpstream],
    *,
    clock: FakeClock | None = None,
    extra: dict[str, Any] | None = None,
    chains: dict[str, Any] | None = None,
) -> tuple[Relay, dict[str, PriceProvider]]:
    plugins = {"binance": PriceProvider("binance"), "beta": PriceProvider("beta")}
    providers = {
        "binance": ProviderSettings(endpoints=[ups["binance-a"].url, ups["binance-b"].url], api_key=SecretStr(SECRET)),
        "beta": ProviderSettings(endpoints=[ups["beta"].url]),
    }
    for name, (plugin, psettings) in (extra or {}).items():
        plugins[name] = plugin
        providers[name] = psettings
    settings = Settings(
        providers=providers,
        chains=chains or {"price": ["binance", "beta"]},
        breaker=BreakerSettings(failure_threshold=2, jitter=0.0),
    )
    relay = Relay(
        settings, plugins=list(plugins.items()), load_entry_points=False, clock=clock or FakeClock(), transport=None
    )
    return relay, plugins


Served = tuple[httpx.AsyncClient, Relay, dict[str, PriceProvider]]


@pytest.fixture
async def served(ups: dict[str, FakeUpstream]) -> AsyncIterator[Served]:
    relay, plugins = make_relay(ups)
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://coinrelay.test") as client:
        yield client, relay, plugins
    await relay.aclose()


# -- data ------------------------------------------------------------------------------


async def test_price_answers_the_result_with_its_source(served) -> None:
    client, _, _ = served
    resp = await client.get("/api/v1/price", params={"symbol": "btc", "quote": "USD"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert "x-coinrelay-sandbox" not in resp.headers
    body = resp.json()
    assert body["symbol"] == "BTC"
    assert body["price"] == "100.5"  # a Decimal as a string: no precision lost
    assert body["source"]["provider"] == "binance"
    assert body["source"]["sandbox"] is False
    assert [(a["provider"], a["outcome"]) for a in body["source"]["attempts"]] == [("binance", "ok")]
    Price.model_validate(body)  # the body is the model, round-trippable


async def test_every_category_has_a_route(served) -> None:
    client, _, _ = served
    for category in ALL:
        resp = await client.get(f"/api/v1/{category}", params={"nonsense": "1"})
        assert resp.status_code == 422, category
        assert resp.json()["param"] == "nonsense"


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/price", "symbol"),  # missing
        ("/api/v1/price?symbol=B%24C", "symbol"),
        ("/api/v1/price?symbol=BTC&quote=", "quote"),
        ("/api/v1/price?symbol=BTC&foo=1", "foo"),
        ("/api/v1/price?symbol=BTC&hops=3", "hops"),  # not a query parameter, even if relay.fetch takes it
        ("/api/v1/price?symbol=BTC&deadline=0.001", "deadline"),
        ("/api/v1/price?symbol=BTC&symbol=ETH", "symbol"),
        ("/api/v1/ohlcv?symbol=BTC&interval=7m", "interval"),
        ("/api/v1/ohlcv?symbol=BTC&limit=abc", "limit"),
        ("/api/v1/ohlcv?symbol=BTC&limit=1001", "limit"),
        ("/api/v1/orderbook?symbol=BTC&depth=0", "depth"),
        ("/api/v1/news?limit=1000", "limit"),
        ("/api/v1/sentiment?limit=-1", "limit"),
        ("/api/v1/price?symbol=%C3%9Ftc", "symbol"),  # 'ßtc' would upper-case to 'SSTC'
        ("/api/v1/ohlcv?symbol=BTC&limit=%D9%A1%D9%A0", "limit"),  # Arabic-Indic digits
        ("/api/v1/ohlcv?symbol=BTC&limit=1_0", "limit"),
        ("/api/v1/ohlcv?symbol=BTC&limit=%2010", "limit"),
        ("/api/v1/ohlcv?symbol=BTC&limit=10.0", "limit"),
    ],
)
async def test_invalid_parameters_answer_422_naming_the_parameter(served, path: str, param: str) -> None:
    client, _, plugins = served
    resp = await client.get(path)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["error"] == "invalid_request"
    assert body["param"] == param
    assert param in body["message"]
    assert plugins["binance"].hops == []  # nothing was fetched


async def test_a_huge_bad_value_is_not_echoed_whole(served) -> None:
    client, _, _ = served
    resp = await client.get(
        "/api/v1/price", params={"symbol": "X" * 7_000}
    )  # under the 8 KiB request-target limit (414)
    assert resp.status_code == 422
    assert len(resp.text) < 400 and resp.json()["param"] == "symbol"


async def test_openapi_states_each_parameters_constraints(served) -> None:
    client, _, _ = served
    spec = (await client.get("/openapi.json")).json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/ohlcv"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
    assert params["interval"]["schema"]["enum"][:3] == ["1m", "3m", "5m"]
    assert params["interval"]["schema"]["default"] == "1h"
    assert params["symbol"]["required"] is True
    assert params["symbol"]["schema"]["maxLength"] == 20 and params["symbol"]["schema"]["pattern"].startswith("^")
    assert params["quote"]["required"] is False and params["quote"]["schema"]["default"] == "USD"


async def test_unknown_symbol_is_404_with_the_attempts(served) -> None:
    client, _, _ = served
    resp = await client.get("/api/v1/price?symbol=NOPE")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"] == "symbol_not_found"
    assert body["category"] == "price"
    assert [(a["provider"], a["outcome"]) for a in body["attempts"]] == [
        ("binance", "unsupported"),
        ("beta", "unsupported"),
    ]


async def test_all_providers_down_is_503_with_every_attempt(served, ups) -> None:
    client, _, _ = served
    for up in ups.values():
        up.down()
    resp = await client.get("/api/v1/price?symbol=BTC")
    assert resp.status_code == 503
    body = resp.json()
    assert body["error"] == "all_providers_failed"
    assert body["category"] == "price"
    trail = [(a["provider"], a["endpoint"], a["outcome"]) for a in body["attempts"]]
    assert ("binance", ups["binance-a"].url, "failed") in trail
    assert ("binance", ups["binance-b"].url, "failed") in trail
    assert any(p == "beta" and o == "failed" for p, _, o in trail)
    assert "Traceback" not in resp.text


async def test_empty_chain_is_503_not_500(served) -> None:
    client, _, _ = served
    resp = await client.get("/api/v1/sentiment")
    assert resp.status_code == 503
    assert "chain is empty" in resp.json()["reason"]


async def test_hop_header_is_passed_to_the_providers(served) -> None:
    client, _, plugins = served
    resp = await client.get("/api/v1/price?symbol=BTC", headers={"x-coinrelay-hops": "1"})
    assert resp.status_code == 200
    resp = await client.get("/api/v1/price?symbol=ETH")
    assert resp.status_code == 200
    assert plugins["binance"].hops == [1, 0]


@pytest.mark.parametrize("value", ["two", "-1"])
async def test_bad_hop_header_is_422_naming_it(served, value: str) -> None:
    client, _, _ = served
    resp = await client.get("/api/v1/price?symbol=BTC", headers={"x-coinrelay-hops": value})
    assert resp.status_code == 422
    assert resp.json()["param"] == "x-coinrelay-hops"


async def test_unexpected_error_is_a_json_500_without_traceback(ups) -> None:
    relay, _ = make_relay(ups)

    async def broken(category: str, **kw: Any) -> Any:
        raise RuntimeError("boom at /secret/path")

    relay.fetch = broken  # type: ignore[method-assign]
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        resp = await client.get("/api/v1/price?symbol=BTC")
    await relay.aclose()
    assert resp.status_code == 500
    assert resp.json() == {"error": "internal_error", "message": "unexpected RuntimeError; see the server log"}
    assert "boom" not in resp.text


# -- monitoring -------------------------------------------------------------------------


async def test_providers_health_lists_every_provider(served) -> None:
    client, _, _ = served
    await client.get("/api/v1/price?symbol=BTC")
    resp = await client.get("/api/system/providers/health")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body["providers"]) == {"binance", "beta", "technical", "forecast"}
    b = body["providers"]["binance"]
    assert b["breaker"]["state"] == "closed"
    assert b["available"] is True
    assert b["health"]["successes"] == 1
    assert b["health"]["success_rate"] == 1.0
    assert set(b["health"]["latency_ms"]) == {"ewma", "p50", "p95", "p99"}
    assert b["per_category"]["price"]["successes"] == 1
    assert body["sandbox"] is False


async def test_binance_health_lists_each_mirror(served, ups) -> None:
    client, _, _ = served
    ups["binance-a"].down()
    assert (await client.get("/api/v1/price?symbol=BTC")).json()["source"]["endpoint"] == ups["binance-b"].url
    resp = await client.get("/api/system/binance/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["provider"] == "binance"
    eps = {e["url"]: e for e in body["endpoints"]}
    assert list(eps) == [ups["binance-a"].url, ups["binance-b"].url]
    assert eps[ups["binance-a"].url]["health"]["failures"] == 1
    assert eps[ups["binance-a"].url]["health"]["last_error"]
    assert eps[ups["binance-b"].url]["health"]["successes"] == 1
    same = await client.get("/api/system/providers/binance/endpoints")
    assert same.json()["endpoints"] == body["endpoints"]


async def test_endpoints_of_an_unknown_provider_is_404(served) -> None:
    client, _, _ = served
    resp = await client.get("/api/system/providers/nope/endpoints")
    assert resp.status_code == 404
    assert resp.json()["error"] == "unknown_provider"
    assert "binance" in resp.json()["message"]


async def test_circuit_breakers_show_open_ones_with_why_and_until(served, ups) -> None:
    client, _, _ = served
    for up in (ups["binance-a"], ups["binance-b"]):
        up.down()
    for sym in ("BTC", "ETH"):  # failure_threshold = 2
        assert (await client.get(f"/api/v1/price?symbol={sym}")).json()["source"]["provider"] == "beta"
    resp = await client.get("/api/system/circuit-breakers")
    assert resp.status_code == 200
    body = resp.json()
    opened = {(b["provider"], b["endpoint"]) for b in body["open"]}
    assert ("binance", None) in opened
    assert ("binance", ups["binance-a"].url) in opened
    row = next(b for b in body["open"] if b["endpoint"] is None)
    assert row["until"] is not None and row["since"] is not None
    assert "consecutive failures" in row["reason"]
    assert body["summary"]["open"] == len(body["open"]) >= 2
    assert body["breakers"][0]["state"] == "open"  # open ones first


async def test_stats_give_requests_and_share(served) -> None:
    client, _, _ = served
    await client.get("/api/v1/price?symbol=BTC")
    resp = await client.get("/api/system/providers/stats")
    assert resp.status_code == 200
    body = resp.json()
    b = body["providers"]["binance"]
    assert (b["requests"], b["successes"], b["failures"]) == (1, 1, 0)
    assert b["share"] == 1.0
    assert b["categories"]["price"]["share"] == 1.0
    assert b["categories"]["price"]["mean_latency_ms"] > 0
    assert body["served"] == {"price": 1}


async def test_healthz_docs_and_openapi(served) -> None:
    client, _, _ = served
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    params = {p["name"] for p in spec["paths"]["/api/v1/ohlcv"]["get"]["parameters"]}
    assert params == {"symbol", "quote", "interval", "limit", "x-coinrelay-hops"}
    assert "Price" in spec["components"]["schemas"]
    for path in (
        "/api/system/providers/health",
        "/api/system/binance/health",
        "/api/system/circuit-breakers",
        "/api/system/providers/stats",
        "/api/system/providers/{name}/endpoints",
        "/metrics",
        "/readyz",
    ):
        assert path in spec["paths"], path


async def test_readyz_is_503_while_a_category_has_no_usable_provider(ups) -> None:
    clock = FakeClock()
    relay, _ = make_relay(ups, clock=clock, chains={"price": ["beta"]})
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["ready"] is True
        price = ready.json()["categories"]["price"]
        assert price == {"chain": ["beta"], "usable": ["beta"], "unusable": {}, "reason": None}
        ups["beta"].down()
        for sym in ("BTC", "ETH"):  # failure_threshold = 2 opens beta's breaker
            assert (await client.get(f"/api/v1/price?symbol={sym}")).status_code == 503
        down = await client.get("/readyz")
        clock.advance(60)  # past the recovery timeout: a probe may go through, so it is usable again
        again = await client.get("/readyz")
    await relay.aclose()
    assert down.status_code == 503
    body = down.json()
    assert body["ready"] is False
    assert body["unavailable_categories"] == ["price"]
    assert body["categories"]["price"]["chain"] == ["beta"]
    assert body["categories"]["price"]["usable"] == []
    assert body["categories"]["price"]["unusable"]["beta"].startswith("breaker open until ")
    assert body["categories"]["price"]["reason"].startswith("no usable provider: beta: breaker open until ")
    assert again.status_code == 200


async def test_readyz_counts_an_unconfigured_provider_as_unusable(ups) -> None:
    gamma = PriceProvider("gamma", categories=("price", "volume"))
    relay, _ = make_relay(
        ups,
        extra={"gamma": (gamma, ProviderSettings(endpoints=[]))},
        chains={"price": ["binance"], "volume": ["gamma"]},
    )
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        resp = await client.get("/readyz")
    await relay.aclose()
    assert resp.status_code == 503
    assert resp.json()["unavailable_categories"] == ["volume"]


# -- metrics ----------------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of metric ``name`` with exactly these labels, from a Prometheus exposition."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line[len(name) : line.rindex("}") + 1]))
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_metrics_count_calls_failovers_and_breakers(served, ups) -> None:
    client, _, _ = served
    before = (await client.get("/metrics")).text
    assert sample(before, "coinrelay_breaker_state", provider="binance", endpoint="") == 0.0
    await client.get("/api/v1/price?symbol=BTC")
    for up in (ups["binance-a"], ups["binance-b"]):
        up.down()
    for sym in ("ETH", "NOPE"):
        await client.get(f"/api/v1/price?symbol={sym}")
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    text = resp.text
    ok = dict(provider="binance", endpoint=ups["binance-a"].url, category="price", outcome="ok")
    assert sample(text, "coinrelay_provider_requests_total", **ok) == 1.0
    assert sample(text, "coinrelay_provider_request_duration_seconds_count", **ok) == 1.0
    assert (
        sample(
            text,
            "coinrelay_provider_requests_total",
            provider="beta",
            endpoint=ups["beta"].url,
            category="price",
            outcome="ok",
        )
        == 1.0
    )
    assert (
        sample(text, "coinrelay_failovers_total", category="price", from_provider="binance", to_provider="beta") == 2.0
    )
    assert sample(text, "coinrelay_breaker_state", provider="binance", endpoint="") == 2.0
    assert sample(text, "coinrelay_breaker_transitions_total", provider="binance", endpoint="", state="open") == 1.0


async def test_two_apps_in_one_process_have_their_own_registries(ups) -> None:
    relays = [make_relay(ups)[0] for _ in range(2)]
    apps = [create_app(r) for r in relays]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(apps[0]), base_url="http://t") as client:
        await client.get("/api/v1/price?symbol=BTC")
    texts = []
    for app in apps:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
            texts.append((await client.get("/metrics")).text)
    for r in relays:
        await r.aclose()
    ok = dict(provider="binance", endpoint=ups["binance-a"].url, category="price", outcome="ok")
    assert sample(texts[0], "coinrelay_provider_requests_total", **ok) == 1.0
    assert sample(texts[1], "coinrelay_provider_requests_total", **ok) is None


# -- dashboard --------------------------------------------------------------------------


async def test_dashboard_page_and_its_data(served, ups) -> None:
    client, _, _ = served
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '"dashboard/dashboard.js"' in page.text  # relative: see tests/test_dashboard_mount.py
    for asset in ("/dashboard/dashboard.js", "/dashboard/dashboard.css"):
        assert (await client.get(asset)).status_code == 200
    await client.get("/api/v1/price?symbol=BTC")
    ups["binance-a"].down()
    ups["binance-b"].down()
    await client.get("/api/v1/price?symbol=ETH")
    data = (await client.get("/api/system/dashboard")).json()
    assert data["sandbox"] is False
    assert {p["name"] for p in data["providers"]} == {"binance", "beta", "technical", "forecast"}
    assert data["chains"]["price"]["tiers"] == [["binance"], ["beta"]]
    assert data["chains"]["price"]["serving"]["provider"] == "beta"
    assert data["failover_count"] == 1
    f = data["failovers"][0]
    assert (f["category"], f["from_provider"], f["to_provider"]) == ("price", "binance", "beta")
    shares = {p["name"]: p["share"] for p in data["providers"]}
    assert shares["binance"] == shares["beta"] == 0.5


# -- secrets ----------------------------------------------------------------------------


async def test_secrets_never_appear_in_any_response(served, ups) -> None:
    client, _, _ = served
    assert (await client.get("/api/v1/price?symbol=BTC")).status_code == 200
    assert ups["binance-a"].requests[-1].headers["x-key"] == SECRET  # the key is really in use
    ups["binance-a"].down()
    ups["binance-b"].fault = None
    ups["binance-b"].down()
    await client.get("/api/v1/price?symbol=ETH")
    await client.get("/api/v1/price?symbol=NOPE")
    paths = [
        "/api/system/providers/health",
        "/api/system/binance/health",
        "/api/system/providers/binance/endpoints",
        "/api/system/circuit-breakers",
        "/api/system/providers/stats",
        "/api/system/dashboard",
        "/metrics",
        "/readyz",
        "/healthz",
        "/openapi.json",
        "/api/v1/price?symbol=BTC",
        "/api/v1/price?symbol=NOPE",
    ]
    for path in paths:
        resp = await client.get(path)
        assert resp.status_code in (200, 404, 503), path
        assert SECRET not in resp.text, path
        assert SECRET[:8] not in resp.text, path
