"""HTTP edges (issue 15): bounded echoes, HEAD wherever GET is, 414/431 instead of a reset,
a 405 that lists the real methods, strict inputs, and a validated sandbox fault API."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any, get_args

import httpx
import pytest

from coinrelay._clock import FakeClock
from coinrelay.sandbox import Sandbox
from coinrelay.server.edges import MAX_HEADERS, MAX_TARGET
from coinrelay.server.errors import MAX_ECHO
from coinrelay.server.sandbox_routes import FaultKind

from . import http_support
from .http_support import LoopbackServer, raw_exchange

box = http_support.box
client = http_support.client
server = http_support.server


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a raw HTTP/1.1 response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


# -- 414 / 431 from a real server -------------------------------------------------------


def test_a_1_mb_request_line_is_answered_414_not_reset(server: LoopbackServer) -> None:
    request = b"GET /api/v1/price?symbol=" + b"A" * 1_000_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    status, headers, body = parse(raw_exchange(server.port, request))
    assert status == 414
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["error"] == "http_error"
    assert str(MAX_TARGET) in answer["message"]


def test_1_mb_of_headers_is_answered_431_not_reset(server: LoopbackServer) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"A" * 1_000_000 + b"\r\n\r\n"
    status, _, body = parse(raw_exchange(server.port, request))
    assert status == 431
    assert json.loads(body)["error"] == "http_error"


def test_a_malformed_request_is_a_json_400(server: LoopbackServer) -> None:
    status, _, body = parse(raw_exchange(server.port, b"GET / HTTP/1.1\r\nbad header line\r\n\r\n"))
    assert status == 400
    assert json.loads(body)["error"] == "http_error"


def test_the_server_keeps_serving_after_refusing_a_huge_head(server: LoopbackServer) -> None:
    raw_exchange(server.port, b"GET /" + b"A" * 200_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    with httpx.Client(trust_env=False) as http:
        assert http.get(server.url + "/healthz").json() == {"status": "ok"}


# -- the same limits inside the app (any server, or a head that fits uvicorn's buffer) ---


async def test_a_long_target_that_reaches_the_app_is_414(client) -> None:
    resp = await client.get("/api/v1/price", params={"symbol": "A" * (MAX_TARGET + 10)})
    assert resp.status_code == 414
    assert resp.json()["error"] == "http_error"
    assert len(resp.text) < 300  # the value is not echoed


async def test_large_headers_that_reach_the_app_are_431(client) -> None:
    resp = await client.get("/healthz", headers={"x-big": "A" * (MAX_HEADERS + 1)})
    assert resp.status_code == 431


async def test_a_target_at_the_limit_is_served(client) -> None:
    path = "/api/v1/price?symbol=BTC&quote=USD"
    resp = await client.get(path + "&" + "x" * (MAX_TARGET - len(path) - 1))
    assert resp.status_code == 422  # through the limit; refused as an unknown parameter


# -- bounded echoes ---------------------------------------------------------------------


def assert_bounded(body: dict[str, Any]) -> None:
    """The message is short and says the value was shortened (by the HTTP layer or at its source)."""
    assert len(body["message"]) <= MAX_ECHO + 40
    assert re.search(r"characters cut\]|\(\d+ characters\)", body["message"]), body["message"]


async def test_a_long_symbol_is_not_echoed_whole(client) -> None:
    resp = await client.get("/api/v1/price", params={"symbol": "A" * 7000})
    assert resp.status_code == 422
    body = resp.json()
    assert body["param"] == "symbol"
    assert_bounded(body)
    assert body["message"].startswith("invalid 'symbol'")
    assert "is not a ticker" in body["message"]  # the reason at the end survives the cut


async def test_a_long_unknown_parameter_name_is_not_echoed_whole(client) -> None:
    resp = await client.get("/api/v1/price?symbol=BTC&" + "z" * 7000 + "=1")
    assert resp.status_code == 422
    body = resp.json()
    assert len(body["param"]) < 200
    assert_bounded(body)


async def test_a_100_kb_fault_kind_is_not_echoed_whole(client) -> None:
    resp = await client.post("/api/sandbox/faults/binance", json={"kind": "meteor" * 20_000})
    assert resp.status_code == 422
    assert resp.json()["param"] == "kind"
    assert len(resp.text) < 2 * MAX_ECHO


async def test_a_long_unknown_provider_is_not_echoed_whole(client) -> None:
    for path in ("/api/system/providers/{}/endpoints", "/api/sandbox/faults/{}"):
        resp = (
            await client.delete(path.format("p" * 5000))
            if "sandbox" in path
            else await client.get(path.format("p" * 5000))
        )
        assert resp.status_code == 404, path
        body = resp.json()
        assert body["error"] == "unknown_provider"
        assert len(body["provider"]) < 200
        assert_bounded(body)


# -- HEAD wherever GET is ---------------------------------------------------------------


def get_paths(spec: dict[str, Any]) -> list[str]:
    """Every GET path of the app, with a concrete value for path parameters and required ones."""
    paths = [p.replace("{name}", "binance") for p, item in spec["paths"].items() if "get" in item]
    extra = ["/", "/dashboard/dashboard.js", "/dashboard/dashboard.css", "/docs", "/redoc", "/openapi.json"]
    extra += ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/assets/redoc.standalone.js"]
    query = {"/api/v1/price": "?symbol=BTC", "/api/v1/metadata": "?symbol=BTC"}
    return [p + query.get(p, "") for p in paths + extra]


@pytest.fixture(scope="module")
def still_server(box: Sandbox) -> Iterator[LoopbackServer]:
    """A real server whose relay's clock stands still, so a page does not change by itself
    between a GET and the HEAD after it (``now`` in /api/system/history, ages, latencies)."""
    with LoopbackServer(box, clock=FakeClock(time.time())) as srv:
        yield srv


def test_head_answers_wherever_get_does(still_server: LoopbackServer) -> None:
    with httpx.Client(base_url=still_server.url, trust_env=False, timeout=60) as http:  # latency is not the subject
        paths = get_paths(http.get("/openapi.json").json())
        assert "/healthz" in paths and "/api/v1/price?symbol=BTC" in paths
        for path in paths:  # every answer the relay can cache is cached: GET and HEAD both hit it
            http.get(path)
        for path in paths:
            got = http.get(path)
            head = http.head(path)
            assert head.status_code == got.status_code, path
            assert head.content == b"", path
            assert head.headers["content-type"] == got.headers["content-type"], path
            if "content-length" in got.headers and path != "/metrics":  # process metrics move by themselves
                assert head.headers["content-length"] == got.headers["content-length"], path


async def test_head_of_an_unknown_path_is_404(client) -> None:
    assert (await client.head("/nope")).status_code == 404


# -- 405 lists the real methods ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/sandbox/faults", "DELETE, GET, HEAD"),
        ("PUT", "/api/sandbox/faults/binance", "DELETE, POST"),
        ("GET", "/api/sandbox/faults/binance", "DELETE, POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/api/v1/price", "GET, HEAD"),
    ],
)
async def test_405_lists_every_method_the_path_takes(client, method: str, path: str, allow: str) -> None:
    resp = await client.request(method, path)
    assert resp.status_code == 405
    assert resp.headers["allow"] == allow
    assert resp.json()["error"] == "http_error"
    assert allow in resp.json()["message"]


# -- strict input -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", " 1", "+1", "1.0", "١", "1_0"])
async def test_the_hops_header_takes_ascii_digits_only(client, value: str) -> None:
    resp = await client.get("/api/v1/price?symbol=BTC", headers={"x-coinrelay-hops": value.encode()})
    assert resp.status_code == 422
    assert resp.json()["param"] == "x-coinrelay-hops"


@pytest.mark.parametrize("symbol", ["ßtc", "ſol", "ﬀ", "\u0131cp"])
async def test_a_symbol_is_ascii_before_any_case_folding(client, symbol: str) -> None:
    resp = await client.get("/api/v1/price", params={"symbol": symbol})
    assert resp.status_code == 422
    assert resp.json()["param"] == "symbol"


@pytest.mark.parametrize("limit", ["١٠", "1_0", " 10", "10 ", "+10"])
async def test_an_integer_parameter_takes_plain_digits_only(client, limit: str) -> None:
    resp = await client.get("/api/v1/ohlcv", params={"symbol": "BTC", "limit": limit})
    assert resp.status_code == 422
    assert resp.json()["param"] == "limit"


# -- the sandbox fault API --------------------------------------------------------------


def test_the_fault_kinds_are_the_sandboxes() -> None:
    assert get_args(FaultKind) == Sandbox.KINDS


@pytest.mark.parametrize(
    ("fault", "param"),
    [
        ({"kind": "down", "mirror": 3}, "mirror"),  # binance has mirrors 0..2
        ({"kind": "down", "mirror": 99}, "mirror"),
        ({"kind": "down", "mirror": -1}, "mirror"),
        ({"kind": "down", "mirror": False}, "mirror"),  # not mirror 0
        ({"kind": "down", "mirror": "1"}, "mirror"),
        ({"kind": "down", "mirror": 1.5}, "mirror"),
        ({"kind": "slow", "delay": "1"}, "delay"),
        ({"kind": "slow", "delay": True}, "delay"),
        ({"kind": "429", "retry_after": True}, "retry_after"),
        ({"kind": "500", "status": 404}, "status"),
        ({"kind": 500}, "kind"),
        ({"kind": "down", "speed": 1}, "speed"),
    ],
)
async def test_a_bad_fault_is_a_422_naming_the_field(client, box: Sandbox, fault: dict[str, Any], param: str) -> None:
    resp = await client.post("/api/sandbox/faults/binance", json=fault)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["error"] == "invalid_request"
    assert body["param"] == param
    assert box.faults() == {}  # nothing injected


async def test_a_mirror_out_of_range_names_the_range(client) -> None:
    resp = await client.post("/api/sandbox/faults/binance", json={"kind": "down", "mirror": 3})
    assert "mirrors 0..2" in resp.json()["message"]


async def test_a_fault_on_one_mirror_by_a_json_integer(client, box: Sandbox) -> None:
    resp = await client.post("/api/sandbox/faults/binance", json={"kind": "500", "mirror": 2.0})
    assert resp.status_code == 200, resp.text
    assert [(f["mirror"], f["kind"]) for f in resp.json()["faults"]["binance"]] == [(2, "500")]


@pytest.mark.parametrize("content", [b'{"kind": "\xff"}', b"\xff\xfe\xfa", b"{not json"])
async def test_an_unreadable_body_is_a_json_4xx(client, content: bytes) -> None:
    resp = await client.post(
        "/api/sandbox/faults/binance", content=content, headers={"content-type": "application/json"}
    )
    assert resp.status_code in (400, 422)
    body = resp.json()
    assert body["error"] in ("http_error", "invalid_request")
    assert body.get("param", "body") == "body"
