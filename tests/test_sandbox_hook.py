"""The sandbox_upstream hook and the plugin API's fake building blocks, with in-process plugins.

The shipped plugins' fakes are exercised in tests/test_sandbox.py and plugins/*/tests/test_sandbox.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from coinrelay import ProviderSettings, Settings
from coinrelay.plugin import (
    ProviderInfo,
    RecordedBodies,
    Reply,
    Request,
    Routes,
    SandboxUpstream,
    hookimpl,
    market,
)
from coinrelay.sandbox import Sandbox, SandboxError


def offer(**kw: Any) -> SandboxUpstream:
    return SandboxUpstream(handler=lambda req: Reply.json({"path": req.path}), **kw)


class Plugin:
    """A provider whose ``sandbox_upstream`` returns ``make()`` (or raises what it raises)."""

    def __init__(self, name: str, make: Callable[[], Any], credentials: tuple[str, ...] = ()) -> None:
        self.name, self.make, self.credentials = name, make, credentials

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name=self.name, categories=("price",), credentials=self.credentials)

    @hookimpl
    def sandbox_upstream(self) -> Any:
        return self.make()


def boom() -> None:
    raise RuntimeError("broken fake")


def test_only_plugins_that_offer_an_upstream_are_sandboxed_and_the_rest_is_blocked(caplog) -> None:
    plugins = [
        ("good", Plugin("good", offer)),
        ("none", Plugin("none", lambda: None)),
        ("boom", Plugin("boom", boom)),
        ("odd", Plugin("odd", lambda: {"handler": "not a SandboxUpstream"})),
    ]
    with caplog.at_level(logging.ERROR, logger="coinrelay.sandbox"):
        box = Sandbox(plugins=plugins, load_entry_points=False)
    assert box.providers == ("good",)
    assert "plugin 'boom': sandbox_upstream raised" in caplog.text
    assert "plugin 'odd': sandbox_upstream returned" in caplog.text
    with box:
        out = box.apply(Settings())
    assert out.plugins.load == ["good", "technical", "forecast"]  # none, boom and odd cannot reach the network
    with pytest.raises(SandboxError, match=r"no sandbox upstream for \['none'\]; available: good"):
        Sandbox(["none"], plugins=plugins, load_entry_points=False)


def test_mirrors_prefix_and_the_429_body_come_from_the_offer() -> None:
    plugins = [("acme", Plugin("acme", lambda: offer(mirrors=2, prefix="/api/v9", rate_limit_body=b'{"e":429}')))]
    with Sandbox(plugins=plugins, load_entry_points=False) as box:
        urls = box.endpoints("acme")
        assert len(urls) == 2 and all(u.startswith("http://127.0.0.1:") and u.endswith("/api/v9") for u in urls)
        box.inject("acme", "429", mirror=1, retry_after=3)
        with httpx.Client(trust_env=False, timeout=5) as http:
            fine, limited = http.get(urls[0] + "/x"), http.get(urls[1] + "/x")
    assert fine.json() == {"path": "/api/v9/x"}
    assert (limited.status_code, limited.headers["retry-after"], limited.content) == (429, "3", b'{"e":429}')


def test_credentials_are_dummies_and_a_real_one_never_reaches_the_upstream() -> None:
    plugins = [
        ("keyed", Plugin("keyed", lambda: offer(credentials={"token": "dummy-tok"}), credentials=("api_key", "token"))),
        ("free", Plugin("free", offer, credentials=("api_key", "secret"))),
    ]
    settings = Settings(
        providers={
            "keyed": ProviderSettings(api_key=SecretStr("REAL-KEY"), token="REAL-TOKEN", timeout=2.0, region="eu"),
            "free": ProviderSettings(secret="REAL-SECRET"),
        }
    )
    with Sandbox(plugins=plugins, load_entry_points=False) as box:
        out = box.apply(settings)
    keyed, free = out.provider("keyed"), out.provider("free")
    assert keyed.api_key is not None and keyed.api_key.get_secret_value() == "sandbox-dummy-key"
    assert keyed.options() == {"token": "dummy-tok", "region": "eu"} and keyed.timeout == 2.0
    assert free.api_key is None  # none configured, none needed
    assert free.options() == {"secret": "sandbox-dummy-key"}
    assert "REAL" not in out.model_dump_json()


def test_the_old_module_constants_still_answer_with_a_deprecation_warning() -> None:
    import coinrelay.sandbox

    with pytest.warns(DeprecationWarning, match="use Sandbox"):
        upstreams = coinrelay.sandbox.UPSTREAMS
    with pytest.warns(DeprecationWarning, match="MIRRORS is deprecated"):
        mirrors = coinrelay.sandbox.MIRRORS
    assert isinstance(upstreams["binance"], SandboxUpstream)
    assert mirrors["binance"] == 3 and mirrors["coingecko"] == 1


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mirrors": 0}, "mirrors must be at least 1"),
        ({"prefix": "api"}, "prefix must start with '/'"),
        ({"prefix": "/api/"}, "prefix must start with '/'"),
        ({"handler": "nope"}, "handler must be callable"),
    ],
)
def test_a_bad_offer_is_refused_where_it_is_written(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxUpstream(**{"handler": lambda req: Reply(), **kw})


def request(path: str, **query: str) -> Request:
    return Request("GET", path, query, {})


def test_routes_fixed_paths_win_then_patterns_then_not_found() -> None:
    routes = Routes("/api/v3", not_found=lambda req: Reply.json({"missing": req.path}, status=404))

    @routes.get("/coins/list")
    def listing(req: Request) -> Reply:
        return Reply.json("list")

    @routes.get("/coins/{coin}", "/coin/{coin}")
    def coin(req: Request, coin: str) -> Reply:
        return Reply.json({"coin": coin})

    @routes.get("/coins/{coin}/ohlcv/{kind}")
    def ohlcv(req: Request, coin: str, kind: str) -> Reply:
        return Reply.json([coin, kind])

    def body(reply: Any) -> Any:
        assert isinstance(reply, Reply)
        return reply.status, httpx.Response(200, content=reply.body).json()

    assert body(routes(request("/api/v3/coins/list/"))) == (200, "list")
    assert body(routes(request("/api/v3/coins/bitcoin"))) == (200, {"coin": "bitcoin"})
    assert body(routes(request("/coin/eth"))) == (200, {"coin": "eth"})  # the prefix is optional
    assert body(routes(request("/api/v3/coins/btc/ohlcv/today"))) == (200, ["btc", "today"])
    assert body(routes(request("/api/v3/coins/a.b"))) == (200, {"coin": "a.b"})
    assert body(routes(request("/api/v3/coins/btc/x"))) == (404, {"missing": "/api/v3/coins/btc/x"})
    assert body(routes(request("/api/v3x/coins/list"))) == (404, {"missing": "/api/v3x/coins/list"})


def test_request_query_int_clamps_and_defaults() -> None:
    req = request("/", limit="5000", bad="x", neg="-3")
    assert req.query_int("limit", 100, 1, 1000) == 1000
    assert req.query_int("bad", 100, 1, 1000) == 100
    assert req.query_int("neg", 100, 1, 1000) == 1
    assert req.query_int("absent", 7, 1, 1000) == 7


def test_recorded_bodies_are_fresh_copies_of_package_data() -> None:
    bodies = RecordedBodies("coinrelay_binance")
    first = bodies("ticker_price_docs.json")
    first["price"] = "changed"
    assert bodies("ticker_price_docs.json")["price"] != "changed"
    assert bodies.raw("ticker_price_docs.json").startswith(b"{")


def test_market_prices_agree_across_quotes_and_candles_end_now() -> None:
    t = 1_750_000_000.0
    btc_usd = market.price("BTC", "USD", t)
    assert btc_usd is not None and 30_000 < btc_usd < 100_000
    assert market.price("BTC", "EUR", t) == pytest.approx(btc_usd * 0.92)
    assert market.price("ETH", "BTC", t) == pytest.approx(market.price("ETH", "USD", t) / btc_usd)
    assert market.price("NOPE", "USD", t) is None and market.price("BTC", "XYZ", t) is None
    candles = market.candles("SOL", "USD", 3600, 5, end=t)
    assert [c.open_time for c in candles] == [t - t % 3600 - 3600 * i for i in range(4, -1, -1)]
    assert all(c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high for c in candles)
    assert [a.symbol for a in market.ranked()][:2] == ["BTC", "ETH"]
    assert market.fixed(1.5, 2) == "1.50" and market.significant(123456.789, 4) == 123500.0
