"""Sandbox mode: the real provider plugins against loopback upstreams in their real formats."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from pydantic import SecretStr

from coinrelay import AllProvidersFailed, Relay
from coinrelay._config import ProviderSettings, load_settings
from coinrelay.plugin import RecordedBodies
from coinrelay.sandbox import Sandbox, SandboxError
from coinrelay.scaffold import create
from coinrelay.server import create_app

#: The shipped plugins, each with its own sandbox upstream (hook ``sandbox_upstream``).
UPSTREAMS = ("alternativeme", "binance", "coincap", "coingecko", "coinpaprika", "cryptocompare", "render")

#: Every category the shipped plugins serve, with the query the docs use.
DATA = {
    "price": "symbol=BTC&quote=USD",
    "ohlcv": "symbol=BTC&quote=USDT&interval=1h&limit=24",
    "volume": "symbol=ETH&quote=USDT",
    "orderbook": "symbol=BTC&depth=20",
    "metadata": "symbol=SOL",
    "news": "symbol=BTC&limit=10",
    "sentiment": "limit=3",
    "technical": "symbol=BTC&quote=USDT&interval=1d&limit=60",
    "prediction": "symbol=BTC&quote=USD&horizon=1d",
    "social": "symbol=ETH",
    "exchanges": "limit=5",
}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def client(box: Sandbox) -> AsyncIterator[tuple[httpx.AsyncClient, Relay]]:
    box.clear()
    relay = Relay(box.apply(load_settings(use_file=False)), sandbox=True)
    app = create_app(relay, sandbox=box)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test") as c:
        yield c, relay
    await relay.aclose()
    box.clear()


def test_every_sandboxed_provider_plugin_is_installed(box: Sandbox) -> None:
    assert box.providers == UPSTREAMS, "a shipped plugin does not offer its sandbox upstream"
    relay = Relay(box.apply(load_settings(use_file=False)), sandbox=True)
    assert set(UPSTREAMS) <= set(relay.providers), "a provider plugin is not installed in the venv"
    for name in UPSTREAMS:
        assert relay.providers[name].configured_reason is None, name
        assert all(url.startswith("http://127.0.0.1:") for url in relay.providers[name].endpoints), name
    assert len(relay.providers["binance"].endpoints) == 3  # mirrors


def test_apply_points_at_loopback_and_never_carries_a_real_key(box: Sandbox) -> None:
    settings = load_settings(use_file=False)
    settings.providers["coingecko"] = ProviderSettings(api_key=SecretStr("REAL-KEY-123"), plan="demo", timeout=2.0)
    out = box.apply(settings)
    assert out.provider("coincap").api_key is not None
    assert out.provider("coincap").api_key.get_secret_value() == "sandbox-dummy-key"
    cg = out.provider("coingecko")
    assert cg.api_key is not None and cg.api_key.get_secret_value() == "sandbox-dummy-key"
    assert cg.options() == {"plan": "demo"} and cg.timeout == 2.0  # the user's other settings stay
    assert cg.endpoints == [box.upstreams["coingecko"][0].url + "/api/v3"]
    assert out.plugins.load == [*UPSTREAMS, "technical", "forecast"]  # nothing else can reach the network
    assert settings.provider("coingecko").endpoints is None  # the input is not modified


async def test_every_data_endpoint_answers_200_labelled_sandbox(client) -> None:
    c, _ = client
    for category, query in DATA.items():
        resp = await c.get(f"/api/v1/{category}?{query}")
        assert resp.status_code == 200, (category, resp.text[:500])
        assert resp.headers["x-coinrelay-sandbox"] == "1"
        body = resp.json()
        assert body["source"]["sandbox"] is True, category
        assert body["source"]["stale"] is False


async def test_values_differ_per_symbol(client) -> None:
    c, _ = client
    prices = {}
    for sym in ("BTC", "ETH", "SOL", "DOGE"):
        resp = await c.get(f"/api/v1/price?symbol={sym}&quote=USD")
        assert resp.status_code == 200, resp.text
        prices[sym] = float(resp.json()["price"])
    assert prices["BTC"] > prices["ETH"] > prices["SOL"] > prices["DOGE"] > 0


async def test_unknown_symbol_is_404(client) -> None:
    c, _ = client
    resp = await c.get("/api/v1/price?symbol=NOSUCHCOIN")
    assert resp.status_code == 404, resp.text
    assert resp.json()["attempts"]


async def test_monitoring_endpoints_return_the_documented_json(client) -> None:
    c, _ = client
    assert (await c.get("/api/v1/price?symbol=BTC")).status_code == 200
    health = (await c.get("/api/system/providers/health")).json()
    assert health["sandbox"] is True
    for name in UPSTREAMS:
        p = health["providers"][name]
        assert {"breaker", "health", "per_category", "endpoints", "available", "paused", "rate_limit"} <= set(p)
    binance = (await c.get("/api/system/binance/health")).json()
    assert binance["provider"] == "binance"
    assert len(binance["endpoints"]) == 3
    assert {"url", "breaker", "health"} == set(binance["endpoints"][0])
    breakers = (await c.get("/api/system/circuit-breakers")).json()
    assert {"summary", "open", "half_open", "breakers"} <= set(breakers)
    assert sum(breakers["summary"].values()) == len(breakers["breakers"])
    stats = (await c.get("/api/system/providers/stats")).json()
    assert stats["providers"]["binance"]["categories"]["price"]["successes"] == 1


async def test_binance_down_makes_price_come_from_the_next_provider(client, box: Sandbox) -> None:
    c, relay = client
    chain = [n for tier in relay.chains()["price"] for n in tier]
    assert chain[0] == "binance"
    resp = await c.post("/api/sandbox/faults/binance", json={"kind": "down"})
    assert resp.status_code == 200
    assert [f["kind"] for f in resp.json()["faults"]["binance"]] == ["down"] * 3
    resp = await c.get("/api/v1/price?symbol=ETH&quote=USD")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["source"]["provider"] == chain[1]
    assert [a["outcome"] for a in body["source"]["attempts"] if a["provider"] == "binance"][-1] == "failed"
    dash = (await c.get("/api/system/dashboard")).json()
    assert dash["chains"]["price"]["serving"]["provider"] == chain[1]
    assert dash["failovers"][0]["from_provider"] == "binance"
    assert (await c.delete("/api/sandbox/faults/binance")).json()["faults"] == {}


async def test_fault_controls_validate_their_input(client) -> None:
    c, _ = client
    assert (await c.post("/api/sandbox/faults/nope", json={"kind": "down"})).status_code == 404
    bad = await c.post("/api/sandbox/faults/binance", json={"kind": "meteor"})
    assert bad.status_code == 422
    assert bad.json()["param"] == "kind"
    missing = await c.post("/api/sandbox/faults/binance", json={})
    assert missing.status_code == 422
    assert missing.json()["param"] == "kind"
    listing = (await c.get("/api/sandbox/faults")).json()
    assert listing["kinds"] == ["down", "slow", "500", "429", "garbage"]
    assert listing["providers"] == list(UPSTREAMS)


def get(box: Sandbox, provider: str, path: str, mirror: int = 0) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=5) as http:
        return http.get(box.endpoints(provider)[mirror] + path)


@pytest.mark.parametrize(
    ("provider", "path", "status", "expected"),
    [
        ("binance", "/api/v3/ticker/price?symbol=NOPEUSDT", 400, {"code": -1121, "msg": "Invalid symbol."}),
        ("binance", "/api/v3/ticker/price?symbol=BTCUSD", 400, {"code": -1121, "msg": "Invalid symbol."}),
        ("binance", "/api/v3/klines?symbol=BTCUSDT&interval=7m", 400, {"code": -1120, "msg": "Invalid interval."}),
        ("coingecko", "/coins/nope", 404, {"error": "coin not found"}),
        ("coingecko", "/simple/price?ids=nope&vs_currencies=usd", 200, {}),
        ("coinpaprika", "/tickers/nope-nope", 404, {"error": "id not found"}),
        ("alternativeme", "/nothing", 404, {"error": "not found"}),
    ],
)
def test_upstreams_answer_unknown_things_like_the_real_api(box: Sandbox, provider, path, status, expected) -> None:
    resp = get(box, provider, path)
    assert resp.status_code == status
    assert resp.json() == expected


def test_coincap_and_cryptocompare_unknown_symbol_shapes(box: Sandbox) -> None:
    cc = get(box, "coincap", "/assets/nope")
    assert cc.status_code == 404
    assert cc.json()["error"] == "nope not found" and isinstance(cc.json()["timestamp"], int)
    cr = get(box, "cryptocompare", "/data/price?fsym=NOPE&tsyms=USD")
    assert cr.status_code == 200  # CryptoCompare errors come with HTTP 200
    assert cr.json()["Response"] == "Error" and cr.json()["Type"] == 2


def test_shapes_match_the_recorded_bodies(box: Sandbox) -> None:
    def body(provider: str, name: str):
        return RecordedBodies(f"coinrelay_{provider}")(name)

    ticker = get(box, "binance", "/api/v3/ticker/24hr?symbol=ETHUSDT").json()
    assert list(ticker) == list(body("binance", "ticker_24hr_full_docs.json"))
    assert all(isinstance(ticker[k], str) for k in ("lastPrice", "volume", "priceChangePercent"))
    kline = get(box, "binance", "/api/v3/klines?symbol=SOLUSDT&interval=1h&limit=5").json()
    assert len(kline) == 5
    assert [type(v) for v in kline[0]] == [type(v) for v in body("binance", "klines_docs.json")[0]]
    asset = get(box, "coincap", "/assets/ethereum").json()
    assert list(asset["data"]) == list(body("coincap", "v3_asset_bitcoin_2025.json")["data"])
    tick = get(box, "coinpaprika", "/tickers/eth-ethereum?quotes=USD").json()
    assert list(tick["quotes"]["USD"]) == list(
        body("coinpaprika", "tickers_btc_bitcoin_recorded_2022.json")["quotes"]["USD"]
    )
    fng = get(box, "alternativeme", "/fng/?limit=3").json()
    assert [set(r) for r in fng["data"]] == [
        set(r) for r in body("alternativeme", "fng_limit3_recorded_2026.json")["data"]
    ]


def test_faults_per_kind_and_per_mirror(box: Sandbox) -> None:
    path = "/api/v3/ping"
    try:
        box.inject("binance", "500", mirror=1)
        assert get(box, "binance", path, mirror=0).status_code == 200
        assert get(box, "binance", path, mirror=1).status_code == 500
        box.inject("binance", "429", retry_after=7)
        limited = get(box, "binance", path, mirror=2)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "7"
        assert limited.json()["code"] == -1003
        box.inject("coingecko", "garbage")
        garbage = get(box, "coingecko", "/ping")
        assert garbage.status_code == 200 and garbage.text.startswith("<html>")
        box.inject("coingecko", "down")
        with pytest.raises(httpx.ConnectError):
            get(box, "coingecko", "/ping")
        faults = box.faults()
        assert [f["kind"] for f in faults["binance"]] == ["429", "429", "429"]
        assert faults["coingecko"] == [{"endpoint": box.endpoints("coingecko")[0], "mirror": 0, "kind": "down"}]
        with pytest.raises(SandboxError, match="unknown fault kind"):
            box.inject("binance", "meteor")
        with pytest.raises(SandboxError, match=r"mirrors 0\.\.2"):
            box.inject("binance", "down", mirror=3)
    finally:
        box.clear()
    assert box.faults() == {}
    assert get(box, "coingecko", "/ping").status_code == 200
    assert get(box, "binance", path, mirror=1).status_code == 200


def test_slow_fault_delays_answers(box: Sandbox) -> None:
    import time

    box.inject("alternativeme", "slow", delay=0.3)
    try:
        started = time.perf_counter()
        assert get(box, "alternativeme", "/fng/").status_code == 200
        assert time.perf_counter() - started >= 0.3
    finally:
        box.clear("alternativeme")


def with_chain(settings, category: str, chain: list[str]):
    return settings.model_copy(update={"chains": {**settings.chains, category: chain}})


async def test_render_answers_as_a_second_coinrelay_on_the_other_upstreams(box: Sandbox) -> None:
    settings = with_chain(box.apply(load_settings(use_file=False)), "price", ["render"])
    async with Relay(settings, sandbox=True) as relay:
        result = await relay.price("ETH", "USD")
        box.inject("render", "429", retry_after=5)
        try:
            with pytest.raises(AllProvidersFailed) as info:
                await relay.price("SOL", "USD")
        finally:
            box.clear("render")
    assert result.source.provider == "render"
    assert result.source.endpoint == box.endpoints("render")[0]
    assert result.source.sandbox is True
    assert 1000 < result.price < 10000  # the sandbox market's ETH, as every provider quotes it
    assert [(a.provider, a.outcome) for a in info.value.attempts] == [("render", "rate_limited")]
    direct = get(box, "render", "/api/v1/price?symbol=BTC&quote=USD")
    assert direct.status_code == 200, direct.text
    inner = direct.json()["source"]
    assert inner["provider"] in box.providers and inner["provider"] != "render"  # served by the inner relay
    assert inner["sandbox"] is True
    unknown = get(box, "render", "/api/v1/price?symbol=NOSUCHCOIN&quote=USD")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "symbol_not_found")


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """A third-party plugin as ``coinrelay new-provider acme_box`` writes it, imported from its folder."""
    target = create("acme_box", tmp_path)
    monkeypatch.syspath_prepend(str(target))
    yield importlib.import_module("coinrelay_acme_box")
    for name in [m for m in sys.modules if m.split(".")[0] == "coinrelay_acme_box"]:
        del sys.modules[name]


async def test_a_new_provider_plugin_joins_the_sandbox_with_its_own_fake(acme: ModuleType) -> None:
    """Registered in process (the slow test in test_scaffold.py installs one and runs ``serve --sandbox``)."""
    plugins = [("acme_box", acme)]
    with Sandbox(plugins=plugins) as sb:
        assert "acme_box" in sb.providers and "binance" in sb.providers
        endpoints = sb.endpoints("acme_box")
        settings = with_chain(sb.apply(load_settings(use_file=False)), "price", ["acme_box", "binance"])
        relay = Relay(settings, plugins=plugins, sandbox=True)
        app = create_app(relay, sandbox=sb)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test") as c:
            served = await c.get("/api/v1/price?symbol=ETH&quote=USD")
            listing = (await c.get("/api/sandbox/faults")).json()
            assert (await c.post("/api/sandbox/faults/acme_box", json={"kind": "500"})).status_code == 200
            failover = await c.get("/api/v1/price?symbol=SOL&quote=USD")
        await relay.aclose()
    assert served.status_code == 200, served.text
    assert served.json()["source"]["provider"] == "acme_box"
    assert served.json()["source"]["endpoint"] in endpoints
    assert "acme_box" in listing["providers"]
    assert failover.status_code == 200, failover.text
    assert failover.json()["source"]["provider"] == "binance"
    assert [a["outcome"] for a in failover.json()["source"]["attempts"]][:1] == ["failed"]
