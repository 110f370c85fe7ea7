"""The OpenAPI document tells the truth (issue 15): every enforced constraint, every status and
body, the real content types, docs served offline — and schemathesis, with every check,
against a real sandbox server finds nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from coinrelay import InvalidRequest
from coinrelay._requests import PARAMS, validate
from coinrelay.sandbox import Sandbox
from coinrelay.server.errors import ERROR_MODELS

from . import http_support
from .http_support import LoopbackServer

HERE = Path(__file__).parent


box = http_support.box
client = http_support.client
server = http_support.server


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()


def resolve(schema: dict[str, Any]) -> str:
    """The component name a response schema references."""
    return schema["$ref"].rsplit("/", 1)[1]


# -- constraints ------------------------------------------------------------------------


def params_of(spec: dict[str, Any], category: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["paths"][f"/api/v1/{category}"]["get"]["parameters"]}


async def test_every_data_parameter_is_constrained(spec) -> None:
    for category, params in PARAMS.items():
        documented = params_of(spec, category)
        for p in params:
            schema = documented[p.name]["schema"]
            assert {"pattern", "enum", "minimum"} & set(schema), (category, p.name, schema)
        hops = documented["x-coinrelay-hops"]
        assert hops["in"] == "header"
        assert hops["schema"]["type"] == "integer" and hops["schema"]["minimum"] == 0


def accepted(category: str, name: str, value: Any) -> bool:
    given = {"symbol": "BTC"} if any(p.name == "symbol" and p.required for p in PARAMS[category]) else {}
    try:
        validate(category, {**given, name: value})
    except InvalidRequest:
        return False
    return True


async def test_the_documented_constraints_are_the_enforced_ones(spec) -> None:
    for category, params in PARAMS.items():
        documented = params_of(spec, category)
        for p in params:
            schema = documented[p.name]["schema"]
            if "default" in schema:
                assert schema["default"] == p.default, (category, p.name)
            if schema["type"] == "integer":
                lo, hi = schema["minimum"], schema["maximum"]
                assert accepted(category, p.name, str(lo)) and accepted(category, p.name, str(hi))
                assert not accepted(category, p.name, str(lo - 1)), (category, p.name)
                assert not accepted(category, p.name, str(hi + 1)), (category, p.name)
            elif "enum" in schema:
                assert all(accepted(category, p.name, v) for v in schema["enum"]), (category, p.name)
                assert not accepted(category, p.name, "7m"), (category, p.name)
            else:
                pattern = re.compile(schema["pattern"])
                for value in ("BTC", "btc", "X", "BTC.B", "A" * 20, "A" * 21, "B$C", "-BTC", ""):
                    if value == "" and p.required:
                        continue
                    documented_ok = bool(pattern.fullmatch(value)) and len(value) <= schema["maxLength"]
                    assert accepted(category, p.name, value) == documented_ok, (category, p.name, value)


# -- statuses and bodies ----------------------------------------------------------------


async def test_data_errors_are_documented_with_coinrelays_bodies(spec) -> None:
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/") or path in ("/api/v1/prices", "/api/v1/resolve"):
            continue  # (the batch routes answer each symbol's error inside a 200)
        responses = item["get"]["responses"]
        documented = {code: resolve(r["content"]["application/json"]["schema"]) for code, r in responses.items()}
        assert documented["404"] == "SymbolNotFoundBody", path
        assert documented["422"] == "InvalidRequestBody", path
        assert documented["503"] == "AllProvidersFailedBody", path
        assert documented["500"] == "InternalErrorBody", path
        assert documented["405"] == documented["414"] == documented["431"] == "HttpErrorBody", path


async def test_no_operation_documents_fastapis_validation_body(spec) -> None:
    assert "HTTPValidationError" not in str(spec)
    inject = spec["paths"]["/api/sandbox/faults/{provider}"]["post"]["responses"]
    assert resolve(inject["422"]["content"]["application/json"]["schema"]) == "InvalidRequestBody"
    assert resolve(inject["404"]["content"]["application/json"]["schema"]) == "UnknownProviderBody"
    assert resolve(inject["400"]["content"]["application/json"]["schema"]) == "HttpErrorBody"


async def test_unknown_provider_is_documented(spec) -> None:
    for path in ("/api/system/providers/{name}/endpoints", "/api/sandbox/faults/{provider}"):
        for operation in spec["paths"][path].values():
            assert resolve(operation["responses"]["404"]["content"]["application/json"]["schema"]) == (
                "UnknownProviderBody"
            )


async def test_every_error_model_is_a_component_with_its_code(spec) -> None:
    schemas = spec["components"]["schemas"]
    for model in ERROR_MODELS:
        schema = schemas[model.__name__]
        assert {"error", "message"} <= set(schema["required"]), model
        assert "const" in schema["properties"]["error"] or "enum" in schema["properties"]["error"], model


async def test_every_operation_documents_what_any_request_can_meet(spec) -> None:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert {"405", "414", "431", "500"} <= set(operation["responses"]), (method, path)


async def test_metrics_is_prometheus_text_in_the_schema_and_on_the_wire(client, spec) -> None:
    content = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain; version=0.0.4; charset=utf-8"]
    resp = await client.get("/metrics")
    assert resp.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"


async def all_failed(client: httpx.AsyncClient, box: Sandbox) -> httpx.Response:
    """A 503: every provider of sentiment (alternative.me, then render) is down."""
    for provider in ("alternativeme", "render"):
        box.inject(provider, "down")
    try:
        return await client.get("/api/v1/sentiment")
    finally:
        box.clear()


async def test_the_bodies_answered_are_the_bodies_documented(client, box, spec) -> None:
    """One real answer per documented error body, checked against its schema's required fields."""
    schemas = spec["components"]["schemas"]
    answers = {
        "InvalidRequestBody": await client.get("/api/v1/price?symbol=B$C"),
        "SymbolNotFoundBody": await client.get("/api/v1/price?symbol=NOSUCHCOIN"),
        "AllProvidersFailedBody": await all_failed(client, box),
        "UnknownProviderBody": await client.get("/api/system/providers/nope/endpoints"),
        "HttpErrorBody": await client.put("/healthz"),
    }
    for name, resp in answers.items():
        body = resp.json()
        assert set(schemas[name]["required"]) <= set(body), (name, body)
        assert set(body) <= set(schemas[name]["properties"]), (name, body)


# -- offline docs -----------------------------------------------------------------------


def urls_in(html: str) -> list[str]:
    """The ``src``/``href`` attributes and Swagger UI's ``url:`` of a page."""
    return [a or b for a, b in re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'""", html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_load_their_assets_from_the_package(client, page: str) -> None:
    html = (await client.get(page)).text
    assert "://" not in html.replace("window.location.origin", "")  # no CDN, no font service
    assets = [u for u in urls_in(html) if u.startswith("/docs/assets/")]
    assert assets, html
    for url in assets:
        resp = await client.get(url)
        assert resp.status_code == 200, url
        assert len(resp.content) > 1000, url


# -- schemathesis -----------------------------------------------------------------------


def schemathesis(server: LoopbackServer, tmp_path: Path, *selection: str) -> None:
    """Run ``st run --checks all`` on ``selection`` of the server's operations; fail with its report.

    Bounded and reproducible: 30 examples per operation, deterministic generation (no seed,
    no example database), one worker.
    """
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "30",
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        *selection,
    ]
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=280)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert re.search(r"\d+ generated, \d+ passed", report), report


@pytest.mark.slow
@pytest.mark.timeout(300)  # ~20 s on an idle 2-core machine; room for a loaded one
def test_schemathesis_finds_nothing_in_the_data_and_monitoring_api(
    server: LoopbackServer, box: Sandbox, tmp_path: Path
) -> None:
    box.clear()
    schemathesis(server, tmp_path, "--exclude-tag", "sandbox")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_schemathesis_finds_nothing_in_the_sandbox_fault_api(
    server: LoopbackServer, box: Sandbox, tmp_path: Path
) -> None:
    try:
        schemathesis(server, tmp_path, "--include-tag", "sandbox")
    finally:
        box.clear()
