"""A category is declared once (core/coinrelay/_categories.py); every surface is derived from it.

* the meta-tests compare, for every built-in category, each surface with the declaration:
  names, order, defaults, types and constraints of the hook spec, the ``Relay`` and
  ``SyncRelay`` methods, the CLI command, the OpenAPI parameters (whose ``minimum``,
  ``maximum``, ``enum`` and ``pattern`` are checked against what validation accepts), the
  config defaults, the contract kit's samples and the probe parameters;
* the generated files (``_generated_relay.py``, ``_generated_sync.py``, the docs' generated blocks) must be current;
* a throwaway category, registered in a test with its own model and a tiny plugin, shows
  up in all of them from its one declaration.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

import coinrelay.cli as cli_module
from coinrelay import ConfigError, InvalidRequest, ProviderInfo, Relay, SyncRelay, hookimpl, hookspecs
from coinrelay._catalog import RESERVED
from coinrelay._categories import (
    ALL,
    BUILTIN,
    CATEGORIES,
    INTERVALS,
    CategorySpec,
    Param,
    register_category,
    unregister_category,
)
from coinrelay._config import Settings, load_settings
from coinrelay._methods import GENERATE_COMMAND
from coinrelay._models import RESULT_TYPES, Result
from coinrelay._relay import PROBE_PARAMS
from coinrelay._requests import PARAMS, validate
from coinrelay.cli import cli
from coinrelay.server import create_app
from coinrelay.testing import SAMPLE_PARAMS, ProviderHarness, check_provider

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------
# What every surface must say about a category, checked against its declaration
# ---------------------------------------------------------------------------


def check_hookspec(spec: CategorySpec) -> None:
    fn = getattr(hookspecs, spec.hook)
    assert hasattr(fn, "coinrelay_spec") and inspect.iscoroutinefunction(fn)
    sig = inspect.signature(fn)
    assert [(p.name, p.annotation, p.default) for p in sig.parameters.values()] == [
        ("ctx", "ProviderContext", inspect.Parameter.empty),
        *((p.name, p.annotation, inspect.Parameter.empty) for p in spec.params),
    ]
    assert sig.return_annotation == f"{spec.result.__name__} | None"
    doc = inspect.getdoc(fn) or ""
    for needed in ("Called by the router", "None", "NotSupported", "NotFound", "InvalidResponse", "RateLimited"):
        assert needed in doc, f"{spec.hook}'s docstring lacks {needed!r}"
    assert "NotConfigured" in doc and "HTTP-200 error body" in doc
    for p in spec.params:
        assert f":param {p.name}: {p.help}" in doc
    assert " ".join(spec.description.split()) in " ".join(doc.split())


def check_method(method: Any, spec: CategorySpec, *, sync: bool) -> None:
    assert inspect.iscoroutinefunction(method) is not sync
    params = list(inspect.signature(method).parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    *named, kw = params
    assert kw.kind is inspect.Parameter.VAR_KEYWORD
    assert [(p.name, p.annotation, p.default) for p in named] == [
        (p.name, p.annotation, inspect.Parameter.empty if p.required else p.default) for p in spec.params
    ]
    assert inspect.signature(method).return_annotation == spec.result.__name__
    doc = inspect.getdoc(method) or ""
    assert doc.startswith(spec.help)
    for p in spec.params:
        assert f":param {p.name}:" in doc


def check_cli(spec: CategorySpec) -> None:
    with click.Context(cli) as ctx:
        command = cli.get_command(ctx, spec.name)
    assert command is not None and command.help is not None and command.help.startswith(spec.help)
    by_name = {p.name: p for p in command.params}
    for p in spec.params:
        param = by_name[p.name]
        assert getattr(param.type, "param", None) is p, f"coinrelay {spec.name} --{p.name} is not checked by its Param"
        assert param.required == p.required
        if isinstance(param, click.Option):
            assert param.default == p.default
    assert set(by_name) - {p.name for p in spec.params} <= {
        f"{spec.params[0].name}_opt",
        "config",
        "sandbox",
        "as_json",
    }


def check_openapi(schema: dict[str, Any], spec: CategorySpec) -> None:
    op = schema["paths"][f"/api/v1/{spec.name}"]["get"]
    query = [p for p in op["parameters"] if p["in"] == "query"]
    assert [(q["name"], q["required"]) for q in query] == [(p.name, p.required) for p in spec.params]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{spec.result.__name__}"
    }
    for q, p in zip(query, spec.params, strict=True):
        check_schema_is_what_validation_accepts(q["schema"], p)


def check_schema_is_what_validation_accepts(schema: dict[str, Any], p: Param) -> None:
    """Each constraint the schema states is exactly where :meth:`Param.check` starts refusing."""
    assert schema.get("default") == p.default
    if p.type is int:
        assert schema["type"] == "integer"
        for bound, step in (("minimum", -1), ("maximum", 1)):
            if bound in schema:
                assert p.check(str(schema[bound])) == schema[bound]
                with pytest.raises(InvalidRequest):
                    p.check(schema[bound] + step)
            else:
                assert getattr(p, bound) is None
        return
    assert schema["type"] == "string"
    if "enum" in schema:
        assert all(p.check(v) == v for v in schema["enum"])
        for other in ("", "x", schema["enum"][0].swapcase() + "?"):
            with pytest.raises(InvalidRequest):
                p.check(other)
    if "pattern" in schema:
        # JSON Schema patterns are ECMA-262: there ``$`` does not match before a final newline.
        pattern = re.compile(re.sub(r"\$$", r"\\Z", schema["pattern"]))
        for probe in ("BTC", "btc", "b.t_c-1", "A" * 20, "A" * 21, "ßtc", "B C", " BTC", "-X", "BTC\n", "١٠"):
            ok = pattern.search(probe) is not None and len(probe) <= schema["maxLength"]
            try:
                p.check(probe)
            except InvalidRequest:
                assert not ok, f"the schema allows {probe!r}, validation refuses it"
            else:
                assert ok, f"validation accepts {probe!r}, the schema refuses it"


def check_config(spec: CategorySpec) -> None:
    settings = Settings()
    assert (settings.ttl(spec.name), settings.max_stale(spec.name)) == (spec.ttl, spec.max_stale)
    custom = Settings(
        cache={"ttl": {spec.name: 7.0}, "max_stale": {spec.name: 9.0}},
        hedging={spec.name: True},
        quality={"max_age": {spec.name: 60.0}},
        chains={spec.name: [["a", "b"], "c"]},
    )
    assert (custom.ttl(spec.name), custom.max_stale(spec.name)) == (7.0, 9.0)
    assert spec.name in custom.hedging.categories()
    assert getattr(settings.hedging, spec.name) is False


def check_everything(spec: CategorySpec, relay: Relay, sync: SyncRelay, schema: dict[str, Any]) -> None:
    assert spec.name in ALL and CATEGORIES[spec.name] is spec
    assert RESULT_TYPES[spec.name] is spec.result
    assert PARAMS[spec.name] == spec.params
    assert SAMPLE_PARAMS[spec.name] == spec.sample and PROBE_PARAMS[spec.name] == spec.probe
    validate(spec.name, spec.sample)
    validate(spec.name, spec.probe)
    check_hookspec(spec)
    check_method(getattr(relay, spec.name), spec, sync=False)
    check_method(getattr(sync, spec.name), spec, sync=True)
    check_cli(spec)
    check_openapi(schema, spec)
    check_config(spec)


@pytest.fixture
def surfaces() -> Iterator[tuple[Relay, SyncRelay, dict[str, Any]]]:
    """A relay, a sync facade and the OpenAPI schema, built now (after any registration)."""
    sync = SyncRelay(settings=Settings(), load_entry_points=False)
    try:
        yield sync.relay, sync, create_app(sync.relay).openapi()
    finally:
        sync.close()


@pytest.mark.parametrize("name", BUILTIN)
def test_every_surface_of_a_builtin_category_is_its_declaration(name, surfaces):
    check_everything(CATEGORIES[name], *surfaces)
    # the built-ins' methods are real, typed methods of the classes (for IDEs and mypy)
    check_method(getattr(Relay, name), CATEGORIES[name], sync=False)
    check_method(getattr(SyncRelay, name), CATEGORIES[name], sync=True)


def test_the_builtin_categories_and_their_vocabulary():
    names = ("price", "ohlcv", "volume", "orderbook", "metadata", "news", "sentiment", "technical", "prediction")
    assert ALL == BUILTIN == (*names, "social", "exchanges")
    assert CATEGORIES["ohlcv"].params[2].choices == tuple(INTERVALS)
    assert [p.default for p in CATEGORIES["ohlcv"].params] == [None, "USD", "1h", 100]
    assert (CATEGORIES["orderbook"].params[2].minimum, CATEGORIES["orderbook"].params[2].maximum) == (1, 5000)


def test_no_category_shadows_an_attribute_of_the_relay_or_the_facade(surfaces):
    relay, sync, _ = surfaces
    own = {n for obj in (relay, sync) for n in (*vars(obj), *dir(type(obj))) if not n.startswith("_")}
    mixins = {n for cls in (Relay, SyncRelay) for n in vars(cls.__mro__[1])}
    assert own - set(ALL) - mixins <= RESERVED, "add the relay's new public attributes to _catalog.RESERVED"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"symbol": "ßtc"}, "symbol"),  # would upper-case to SSTC
        ({"symbol": "btc\n"}, "symbol"),
        ({"symbol": " btc"}, "symbol"),
        ({"symbol": "BTC", "limit": "١٠"}, "limit"),  # Arabic-Indic digits: int() would accept them
        ({"symbol": "BTC", "limit": "1_0"}, "limit"),
        ({"symbol": "BTC", "limit": " 10"}, "limit"),
        ({"symbol": "BTC", "limit": "10.0"}, "limit"),
        ({"symbol": "BTC", "limit": 10.0}, "limit"),
        ({"symbol": "BTC", "limit": True}, "limit"),
        ({"symbol": "BTC", "interval": "1H"}, "interval"),
    ],
)
def test_validation_is_strict(params, param):
    with pytest.raises(InvalidRequest) as info:
        validate("ohlcv", params)
    assert info.value.param == param


def test_validation_accepts_ints_and_ascii_digit_strings_alike():
    assert validate("ohlcv", {"symbol": "eth", "limit": "10"}) == validate("ohlcv", {"symbol": "ETH", "limit": 10})


def test_a_huge_bad_value_is_not_echoed_whole():
    with pytest.raises(InvalidRequest) as info:
        validate("price", {"symbol": "A" * 100_000})
    message = str(info.value)
    assert len(message) < 200 and "100000 characters" in message


# ---------------------------------------------------------------------------
# Generated files are current
# ---------------------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("coinrelay_generate", ROOT / "scripts" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_current():
    stale = [str(p.relative_to(ROOT)) for p in _generator().stale()]
    assert not stale, f"generated from the category declarations and stale: {stale}; run {GENERATE_COMMAND}"


# ---------------------------------------------------------------------------
# Proof: a throwaway category, declared once, appears everywhere
# ---------------------------------------------------------------------------


class Tide(Result):
    """High tide at a harbour, in metres."""

    harbour: str
    height: Decimal
    days: int


TIDE = CategorySpec(
    name="tide",
    result=Tide,
    summary="The next high tide at a harbour.",
    description="Return the next high tide at ``harbour``, ``days`` from today.",
    params=(
        Param("harbour", str, "harbour code, e.g. BREST", required=True, symbol=True),
        Param("days", int, "days from today", default=0, minimum=0, maximum=14),
        Param("unit", str, "height unit", default="m", choices=("m", "ft")),
    ),
    ttl=42.0,
    max_stale=4242.0,
    sample={"harbour": "BREST", "days": 1},
    probe={"harbour": "BREST"},
)


class TidePlugin:
    """A tiny provider serving ``tide`` (no I/O: a fixed table)."""

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name="tides", categories=("tide",), endpoints=("https://tides.invalid",))

    @hookimpl
    async def fetch_tide(self, ctx: Any, harbour: str, days: int, unit: str) -> Tide | None:
        if harbour != "BREST":
            return None
        height = Decimal("7.25") if unit == "m" else Decimal("23.79")
        return Tide(source=ctx.source(), harbour=harbour, height=height + days, days=days)


@pytest.fixture
def tide() -> Iterator[CategorySpec]:
    register_category(TIDE)
    try:
        yield TIDE
    finally:
        unregister_category("tide")


def tide_relay(settings: Settings | None = None) -> Relay:
    return Relay(settings or Settings(), plugins=[("tides", TidePlugin())], load_entry_points=False)


async def test_a_new_category_appears_everywhere_from_its_declaration(tide, surfaces):
    relay, sync, schema = surfaces
    check_everything(tide, relay, sync, schema)
    check_provider(TidePlugin(), "tides")
    assert "tide" in dir(relay) and "fetch_tide" in dir(hookspecs)

    # the Python API: the async method, the sync facade and relay.fetch
    async with tide_relay() as relay:
        assert relay.chains()["tide"] == [["tides"]]
        result = await relay.tide("brest", days="2")
        assert (type(result), result.harbour, result.height, result.source.provider) == (
            Tide,
            "BREST",
            Decimal("9.25"),
            "tides",
        )
        assert (await relay.fetch("tide", harbour="BREST", unit="ft")).height == Decimal("23.79")
        with pytest.raises(InvalidRequest, match=r"'days'.*from 0 to 14"):
            await relay.tide("BREST", days=15)
        assert (await relay.probe("tides"))["outcome"] == "ok"
    with SyncRelay(lambda: tide_relay()) as facade:
        assert facade.tide("BREST").height == Decimal("7.25")

    # the contract kit
    async with ProviderHarness(TidePlugin(), "tides") as harness:
        assert (await harness.call("tide", **SAMPLE_PARAMS["tide"])).days == 1


async def test_a_new_category_is_served_over_http_with_its_openapi(tide):
    relay = tide_relay()
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://coinrelay.test") as client:
        ok = await client.get("/api/v1/tide", params={"harbour": "brest", "days": "3"})
        assert ok.status_code == 200, ok.text
        assert (ok.json()["harbour"], ok.json()["height"]) == ("BREST", "10.25")
        bad = await client.get("/api/v1/tide", params={"harbour": "BREST", "unit": "cubits"})
        assert (bad.status_code, bad.json()["param"]) == (422, "unit")
        spec = (await client.get("/openapi.json")).json()
    await relay.aclose()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/tide"]["get"]["parameters"]}
    assert params["days"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 14, "default": 0}
    assert params["unit"]["schema"] == {"type": "string", "enum": ["m", "ft"], "default": "m"}
    assert params["harbour"]["required"] is True and "pattern" in params["harbour"]["schema"]
    assert "Tide" in spec["components"]["schemas"]


def test_a_new_category_has_its_cli_command(tide, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_module, "_relay", lambda settings, sandbox=False: tide_relay(settings))
    monkeypatch.delenv("COINRELAY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert "  tide " in runner.invoke(cli, ["--help"]).output
    helped = runner.invoke(cli, ["tide", "--help"])
    assert helped.exit_code == 0, helped.output
    assert "Usage: cli tide [OPTIONS] HARBOUR" in helped.output
    assert "The next high tide at a harbour." in helped.output
    assert "--days N" in helped.output and "an integer from 0 to 14" in helped.output
    assert "[default: m]" in helped.output
    result = runner.invoke(cli, ["tide", "BREST", "--days", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["height"] == "8.25"
    refused = runner.invoke(cli, ["tide", "BREST", "--days", "1_0"])
    assert refused.exit_code == 2 and "'days'" in refused.stderr


def test_a_new_category_has_config_keys_and_defaults(tide, tmp_path):
    config = tmp_path / "coinrelay.toml"
    config.write_text("[cache.ttl]\ntide = 5\n\n[hedging]\ntide = true\n\n[chains]\ntide = ['tides']\n")
    settings = load_settings(config)
    assert (settings.ttl("tide"), settings.max_stale("tide")) == (5.0, 4242.0)
    assert settings.hedging.categories() == {"tide"}
    assert tide_relay(settings).chains()["tide"] == [["tides"]]


def test_an_unregistered_category_is_gone_everywhere(tmp_path):
    register_category(TIDE)
    unregister_category("tide")
    assert "tide" not in ALL and "tide" not in RESULT_TYPES
    with pytest.raises(AttributeError):
        hookspecs.fetch_tide
    config = tmp_path / "coinrelay.toml"
    config.write_text("[hedging]\ntide = true\n")
    with pytest.raises(ConfigError, match="unknown key 'tide'"):
        load_settings(config)
    with pytest.raises(InvalidRequest, match="unknown category 'tide'"):
        validate("tide", {})


def test_registration_refuses_what_would_break_a_surface():
    with pytest.raises(ValueError, match="already registered"):
        register_category(CATEGORIES["price"])
    with pytest.raises(ValueError, match="built-in"):
        unregister_category("price")
    base = {"result": Tide, "summary": "x.", "description": "x.", "ttl": 1.0, "max_stale": 1.0}
    for name, params, match in [
        ("health", (), "reserved"),
        ("Tide", (), "lowercase"),
        ("tide", (Param("days", int, "d", default=1), Param("harbour", str, "h", required=True)), "required"),
        ("tide", (Param("hops", int, "h", default=1),), "reserved parameter"),
    ]:
        with pytest.raises(ValueError, match=match):
            CategorySpec(name=name, params=params, **base)
    with pytest.raises(ValueError, match="sample parameters are not valid"):
        CategorySpec(name="tide", params=(), sample={"x": 1}, **base)
