"""The ``coinrelay`` command line, end to end: real entry points, real loopback upstreams.

Two in-test provider plugins (``alpha``, ``beta``) are written to a temporary directory
together with a ``.dist-info`` declaring them under the ``coinrelay.plugins`` entry-point
group, so the CLI discovers them exactly as it discovers installed plugins.
``COINRELAY_LOAD_PLUGINS`` narrows loading to them (plus a ``broken`` entry point whose
module does not exist), so other installed plugins do not change the results. Each plugin
speaks a small JSON API served by a :class:`~coinrelay.testing.FakeUpstream`.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import coinrelay.cli as cli_module
from coinrelay._categories import ALL
from coinrelay._config import MASK, ProviderSettings, Settings, load_settings
from coinrelay.cli import cli
from coinrelay.testing import FakeUpstream, Fault, Reply

PLUGIN_SOURCE = '''
"""In-test provider {name!r} for tests/test_cli.py."""
from __future__ import annotations

from coinrelay import (OHLCV, Article, Candle, Level, News, NotSupported, OrderBook, Price, ProviderInfo,
                       Sentiment, SentimentPoint, hookimpl)
from coinrelay._parsing import field, from_ms, integer, num

NAME = {name!r}


@hookimpl
def provider_info():
    return ProviderInfo(name=NAME, categories={categories!r}, credentials=("secret_token",),
                        description="in-test provider " + NAME)


async def _get(ctx, path, **params):
    resp = await ctx.http.get(path, params=params)
    if resp.status_code == 404:
        raise NotSupported("not listed", provider=NAME, endpoint=resp.endpoint)
    if not resp.is_success:
        raise resp.error("unexpected status")
    return resp.json()


@hookimpl
async def fetch_price(ctx, symbol, quote):
    data = await _get(ctx, "/price", symbol=symbol, quote=quote)
    value = num(field(data, "price", str, NAME), "price", NAME)
    return Price(source=ctx.source(), symbol=symbol, quote=quote, price=value)


@hookimpl
async def fetch_ohlcv(ctx, symbol, quote, interval, limit):
    rows = await _get(ctx, "/ohlcv", symbol=symbol, interval=interval, limit=limit)
    candles = [Candle(open_time=from_ms(r[0], "t", NAME), open=num(r[1], "o", NAME), high=num(r[2], "h", NAME),
                      low=num(r[3], "l", NAME), close=num(r[4], "c", NAME), volume=num(r[5], "v", NAME)) for r in rows]
    return OHLCV(source=ctx.source(), symbol=symbol, quote=quote, interval=interval, candles=candles)


@hookimpl
async def fetch_orderbook(ctx, symbol, quote, depth):
    data = await _get(ctx, "/book", symbol=symbol, depth=depth)
    def side(key):
        return [Level(price=num(p, "p", NAME), quantity=num(q, "q", NAME)) for p, q in field(data, key, list, NAME)]

    return OrderBook(source=ctx.source(), symbol=symbol, quote=quote, bids=side("bids"), asks=side("asks"))


@hookimpl
async def fetch_news(ctx, symbol, limit):
    params = {{"limit": limit}} if symbol is None else {{"limit": limit, "symbol": symbol}}
    rows = await _get(ctx, "/news", **params)
    return News(source=ctx.source(), symbol=symbol, articles=[
        Article(id=str(r["id"]), title=r["title"], url=r["url"], source=r["src"],
                published_at=from_ms(r["ts"], "ts", NAME))
        for r in rows])


@hookimpl
async def fetch_sentiment(ctx, limit):
    rows = await _get(ctx, "/sentiment", limit=limit)
    points = [SentimentPoint(value=integer(r["value"], "value", NAME), classification=r["label"],
                             timestamp=from_ms(r["ts"], "ts", NAME)) for r in rows]
    return Sentiment(source=ctx.source(), value=points[0].value, classification=points[0].classification,
                     timestamp=points[0].timestamp, history=points)
'''


def plugin_source(name: str, categories: tuple[str, ...]) -> str:
    """The module of provider ``name``: ``provider_info`` and a fetch hook for each of ``categories`` only."""
    head, *hooks = PLUGIN_SOURCE.format(name=name, categories=categories).split("\n@hookimpl\n")
    keep = [h for h in hooks if h.startswith("def provider_info") or any(f"def fetch_{c}(" in h for c in categories)]
    return "\n@hookimpl\n".join([head, *keep])


T0 = 1_718_000_000_000  # 2024-06-10T06:13:20Z
CANDLES = [[T0 + i * 86_400_000, "100.5", "110", "99", f"{105 + i}.25", "12.5"] for i in range(3)]


def serve_api(up: FakeUpstream, price: str) -> None:
    def price_reply(req: Any) -> Reply:
        if req.query.get("symbol") != "BTC":
            return Reply.json({"error": "unknown symbol"}, status=404)
        return Reply.json({"price": price})

    up.route("/price", price_reply)
    up.route("/ohlcv", lambda req: Reply.json(CANDLES[: int(req.query["limit"])]))
    up.route("/book", Reply.json({"bids": [["99.5", "1.25"], ["99.0", "3"]], "asks": [["100.5", "0.5"]]}))
    up.route(
        "/news",
        lambda req: Reply.json(
            [
                {
                    "id": i,
                    "title": f"Headline {i} about {req.query.get('symbol', 'crypto')}",
                    "url": f"https://news.test/{i}",
                    "src": "wire",
                    "ts": T0 - i * 60_000,
                }
                for i in range(int(req.query["limit"]))
            ]
        ),
    )
    up.route(
        "/sentiment",
        lambda req: Reply.json(
            [{"value": 55 - i, "label": "Greed", "ts": T0 - i * 86_400_000} for i in range(int(req.query["limit"]))]
        ),
    )


class Env:
    """The two upstreams, the config file and a runner."""

    def __init__(self, alpha: FakeUpstream, beta: FakeUpstream, config: Path) -> None:
        self.alpha = alpha
        self.beta = beta
        self.config = config
        self.runner = CliRunner()

    def run(self, *args: str, config: bool = True) -> Any:
        argv = [*args, "--config", str(self.config)] if config else list(args)
        return self.runner.invoke(cli, argv)


@pytest.fixture
def env(tmp_path, monkeypatch, upstream_factory) -> Env:
    site = tmp_path / "site"
    site.mkdir()
    (site / "crtest_alpha.py").write_text(plugin_source("alpha", ("price", "ohlcv", "orderbook", "news", "sentiment")))
    (site / "crtest_beta.py").write_text(plugin_source("beta", ("price", "sentiment")))
    dist = site / "crtest_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: crtest-plugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[coinrelay.plugins]\nalpha = crtest_alpha\nbeta = crtest_beta\nbroken = crtest_missing_module\n"
    )
    monkeypatch.syspath_prepend(str(site))
    for mod in ("crtest_alpha", "crtest_beta"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "alpha,beta,broken")
    for var in ("COINRELAY_CONFIG", "COINRELAY_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)

    alpha, beta = upstream_factory(), upstream_factory()
    serve_api(alpha, "67000.50")
    serve_api(beta, "67001.25")
    config = tmp_path / "coinrelay-test.toml"
    config.write_text(f"""
[providers.alpha]
endpoints = ["{alpha.url}"]
secret_token = "s3cr3t-alpha-token"

[providers.beta]
endpoints = ["{beta.url}"]
api_key = "k3y-beta-value"

[cache]
enabled = false

[chains]
price = ["alpha", "beta"]
ohlcv = ["alpha"]
orderbook = ["alpha"]
news = ["alpha"]
sentiment = ["beta", "alpha"]
""")
    yield Env(alpha, beta, config)
    for mod in ("crtest_alpha", "crtest_beta"):
        sys.modules.pop(mod, None)


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


# -- data commands ------------------------------------------------------------------


def test_help_lists_every_category():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for category in (*ALL, "plugins", "health", "config", "serve", "new-provider"):
        assert f"  {category} " in result.output


def test_price_table_names_provider_endpoint_and_trail(env):
    result = env.run("price", "BTC", "--quote", "USD")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "67000.50" in out
    assert f"served by alpha @ {env.alpha.url}" in out
    assert "failover trail" in out
    assert env.alpha.requests[-1].query == {"symbol": "BTC", "quote": "USD"}


def test_failover_shows_in_table_and_json(env):
    env.alpha.fault = Fault("status", status=503)
    table = env.run("price", "btc")
    assert table.exit_code == 0, table.output
    assert "67001.25" in table.stdout
    assert f"served by beta @ {env.beta.url}" in table.stdout
    trail = table.stdout[table.stdout.index("failover trail") :]
    assert trail.index("alpha") < trail.index("beta")
    assert "failed" in trail and "ok" in trail

    data = json.loads(env.run("price", "BTC", "--json").stdout)
    assert data["price"] == "67001.25"
    assert data["source"]["provider"] == "beta"
    outcomes = [(a["provider"], a["outcome"]) for a in data["source"]["attempts"]]
    assert outcomes[0] == ("alpha", "failed")
    assert outcomes[-1] == ("beta", "ok")


def test_ohlcv_json_is_the_model_dump(env):
    result = env.run("ohlcv", "ETH", "--interval", "1d", "--limit", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["symbol"], data["quote"], data["interval"]) == ("ETH", "USD", "1d")
    assert [c["close"] for c in data["candles"]] == ["105.25", "106.25"]
    assert data["candles"][0]["open_time"] == "2024-06-10T06:13:20Z"
    assert env.alpha.requests[-1].query == {"symbol": "ETH", "interval": "1d", "limit": "2"}


def test_ohlcv_table_lists_candles(env):
    result = env.run("ohlcv", "ETH", "--interval", "1d", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "candles (3)" in result.stdout
    for close in ("105.25", "106.25", "107.25"):
        assert close in result.stdout


def test_orderbook_table(env):
    result = env.run("orderbook", "BTC", "--depth", "2")
    assert result.exit_code == 0, result.output
    assert "order book" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "99.5" in line)
    assert "1.25" in row and "100.5" in row and "0.5" in row
    assert env.alpha.requests[-1].query["depth"] == "2"


@pytest.mark.parametrize("args", [["news", "BTC"], ["news", "--symbol", "BTC"]])
def test_news_symbol_positional_or_option(env, args):
    result = env.run(*args, "--limit", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["symbol"] == "BTC"
    assert [a["title"] for a in data["articles"]] == ["Headline 0 about BTC", "Headline 1 about BTC"]


def test_news_without_symbol(env):
    result = env.run("news", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Headline 0 about crypto" in result.stdout
    assert "symbol" not in env.alpha.requests[-1].query


def test_sentiment_table(env):
    result = env.run("sentiment", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "history (3)" in result.stdout
    assert "Greed" in result.stdout and "53" in result.stdout
    assert f"served by beta @ {env.beta.url}" in result.stdout


# -- errors: one line, documented exit codes ------------------------------------------


def test_bad_interval_exits_2_naming_it(env):
    result = env.run("ohlcv", "ETH", "--interval", "7x")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "'interval'" in line and "7x" in line and "1h" in line
    assert env.alpha.count() == 0, "a bad parameter must not reach any provider"


@pytest.mark.parametrize(
    ("args", "param"),
    [
        (["ohlcv", "BTC", "--limit", "abc"], "limit"),
        (["ohlcv", "BTC", "--limit", "0"], "limit"),
        (["orderbook", "BTC", "--depth", "99999"], "depth"),
        (["price", "BT C"], "symbol"),
        (["news", "BTC", "--symbol", "ETH"], "symbol"),
        (["price", "ßtc"], "symbol"),
        (["ohlcv", "BTC", "--limit", "١٠"], "limit"),
        (["ohlcv", "BTC", "--limit", "1_0"], "limit"),
        (["ohlcv", "BTC", "--limit", " 10"], "limit"),
    ],
)
def test_bad_parameters_exit_2_naming_them(env, args, param):
    result = env.run(*args)
    assert result.exit_code == 2
    assert f"'{param}'" in one_error_line(result)


def test_unknown_symbol_exits_3(env):
    result = env.run("price", "NOPE")
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "NOPE/USD" in line and "alpha" in line and "beta" in line


def test_all_failed_exits_4_with_the_trail(env):
    env.alpha.fault = Fault("status", status=503)
    env.beta.down()
    result = env.run("price", "BTC")
    assert result.exit_code == 4
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: price: every provider failed"
    assert any(line.startswith(f"  alpha @ {env.alpha.url}: failed") for line in lines[1:]), lines
    assert any(line.startswith(f"  beta @ {env.beta.url}: failed") for line in lines[1:]), lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("toml", "key", "allowed"),
    [
        ("[cache]\nttll = 1\n", "cache.ttll", "max_stale"),
        ("[relay]\ndeadline = -1\n", "relay.deadline", "> 0"),
        ("[state]\nbackend = 'etcd'\n", "state.backend", "'memory'"),
    ],
)
def test_bad_config_exits_1_naming_the_key(env, tmp_path, toml, key, allowed):
    bad = tmp_path / "bad.toml"
    bad.write_text(toml)
    for args in (["config"], ["price", "BTC"], ["health"], ["plugins"]):
        result = env.runner.invoke(cli, [*args, "--config", str(bad)])
        assert result.exit_code == 1, (args, result.output)
        line = one_error_line(result)
        assert str(bad) in line and f"'{key}'" in line and allowed in line, line


def test_unknown_plugin_option_exits_1(env):
    env.config.write_text(env.config.read_text().replace('secret_token = "', 'colour = "blue"\nsecret_token = "'))
    result = env.run("config")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "'providers.alpha.colour'" in line and "secret_token" in line


def test_missing_config_file_exits_1(env, tmp_path):
    result = env.runner.invoke(cli, ["price", "BTC", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert "nope.toml" in one_error_line(result)


def test_keyboard_interrupt_exits_130(env, monkeypatch):
    def interrupted(coro):
        coro.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "_run", interrupted)
    result = env.run("price", "BTC")
    assert result.exit_code == 130
    assert one_error_line(result) == "Error: interrupted"


def test_unexpected_error_is_one_line(env, monkeypatch):
    def boom(coro):
        coro.close()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli_module, "_run", boom)
    result = env.run("price", "BTC")
    assert result.exit_code == 1
    assert "RuntimeError: disk on fire" in one_error_line(result)


# -- plugins, config, health ------------------------------------------------------------


def test_plugins_json_lists_status_categories_and_hooks(env):
    result = env.run("plugins")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    alpha = rows["alpha"]
    assert (alpha["status"], alpha["distribution"], alpha["version"]) == ("loaded", "crtest-plugins", "1.0")
    assert alpha["categories"] == ["news", "ohlcv", "orderbook", "price", "sentiment"]
    assert "provider_info" in alpha["hooks"] and "fetch_price" in alpha["hooks"]
    assert rows["beta"]["categories"] == ["price", "sentiment"]
    assert rows["broken"]["status"] == "failed"
    assert "crtest_missing_module" in rows["broken"]["error"]
    assert rows["technical"]["status"] == "blocked"  # not in COINRELAY_LOAD_PLUGINS
    assert all(
        set(row) >= {"name", "distribution", "version", "status", "categories", "hooks"} for row in rows.values()
    )


def test_plugins_builds_no_relay_and_contacts_no_state_backend(env, monkeypatch):
    import coinrelay._relay

    def refuse(*args, **kwargs):
        raise AssertionError("coinrelay plugins must read the plugin manager alone")

    monkeypatch.setattr(coinrelay._relay.Relay, "__init__", refuse)
    monkeypatch.setattr(coinrelay._relay, "make_transport", refuse)
    env.config.write_text(env.config.read_text() + '\n[state]\nbackend = "redis"\nurl = "redis://127.0.0.1:1/0"\n')
    result = env.run("plugins")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["alpha"]["categories"] == ["news", "ohlcv", "orderbook", "price", "sentiment"]
    assert rows["broken"]["status"] == "failed"


def test_plugins_disabled_in_config_are_blocked(env):
    text = env.config.read_text().replace('api_key = "k3y-beta-value"', "enabled = false")
    # a disabled provider may not stay in the user's own chains (that is a config error)
    text = text.replace('price = ["alpha", "beta"]', 'price = ["alpha"]').replace('["beta", "alpha"]', '["alpha"]')
    env.config.write_text(text)
    rows = {row["name"]: row for row in json.loads(env.run("plugins").stdout)}
    assert rows["beta"]["status"] == "blocked"
    assert rows["beta"]["hooks"] == []


def test_config_prints_effective_config_with_secrets_masked(env):
    result = env.run("config")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "s3cr3t-alpha-token" not in out and "k3y-beta-value" not in out
    assert "[providers.alpha]" in out and f'endpoints = ["{env.alpha.url}"]' in out
    assert f'secret_token = "{MASK}"' in out and f'api_key = "{MASK}"' in out
    assert 'sentiment = ["beta", "alpha"]' in out
    assert str(env.config) in out

    data = json.loads(env.run("config", "--json").stdout)
    assert data["source"] == str(env.config)
    assert data["config"]["providers"]["alpha"]["secret_token"] == MASK
    assert data["config"]["providers"]["beta"]["api_key"] == MASK
    assert data["config"]["chains"]["price"] == ["alpha", "beta"]


def test_config_uses_coinrelay_config_env(env, monkeypatch):
    monkeypatch.setenv("COINRELAY_CONFIG", str(env.config))
    result = env.run("config", "--json", config=False)
    assert json.loads(result.stdout)["source"] == str(env.config)


def test_masked_config_hides_declared_and_secret_looking_keys():
    settings = Settings(
        providers={"x": ProviderSettings(endpoints=["http://h"], passphrase="p", region="eu", token=None, custom="c")}
    )
    out = settings.masked({"x": ("custom",)})["providers"]["x"]
    assert (out["passphrase"], out["region"], out["token"], out["custom"]) == (MASK, "eu", None, MASK)
    assert out["endpoints"] == ["http://h"]


def test_health_table_and_json(env):
    env.beta.down()
    result = env.run("health")
    assert result.exit_code == 0, result.output
    out = result.stdout
    alpha_row = next(line for line in out.splitlines() if line.strip("│ ").startswith("alpha"))
    beta_row = next(line for line in out.splitlines() if line.strip("│ ").startswith("beta"))
    assert " ok " in alpha_row and "closed" in alpha_row and "price" in alpha_row
    assert " failed " in beta_row
    assert env.alpha.url in out and env.beta.url in out
    assert "k3y-beta-value" not in out

    data = json.loads(env.run("health", "--json").stdout)
    probes = data["probes"]
    assert probes["alpha"]["outcome"] == "ok" and probes["alpha"]["category"] == "price"
    assert probes["alpha"]["endpoint"] == env.alpha.url and probes["alpha"]["latency_ms"] > 0
    assert probes["beta"]["outcome"] == "failed" and probes["beta"]["error"]
    assert data["providers"]["alpha"]["health"]["successes"] == 1
    assert data["providers"]["beta"]["health"]["failures"] == 1
    assert data["providers"]["beta"]["endpoints"][0]["url"] == env.beta.url


# -- serve and --sandbox --------------------------------------------------------------------


@pytest.fixture
def fake_server(monkeypatch):
    calls: list[dict[str, Any]] = []
    module = types.ModuleType("coinrelay.server")
    module.run = lambda settings, *, host, port, sandbox=False: calls.append(  # type: ignore[attr-defined]
        {"settings": settings, "host": host, "port": port, "sandbox": sandbox}
    )
    monkeypatch.setitem(sys.modules, "coinrelay.server", module)
    import coinrelay

    monkeypatch.setattr(coinrelay, "server", module, raising=False)
    return calls


def test_serve_defaults_come_from_config(env, fake_server):
    env.config.write_text(env.config.read_text() + '\n[server]\nhost = "127.0.0.2"\nport = 8123\n')
    result = env.run("serve")
    assert result.exit_code == 0, result.output
    (call,) = fake_server
    assert (call["host"], call["port"], call["sandbox"]) == ("127.0.0.2", 8123, False)
    assert call["settings"].source_path == str(env.config)


def test_serve_options_override_config(env, fake_server):
    result = env.run("serve", "--host", "127.0.0.1", "--port", "0")
    assert result.exit_code == 0, result.output
    assert (fake_server[0]["host"], fake_server[0]["port"]) == ("127.0.0.1", 0)


def test_serve_without_config_uses_8000(env, fake_server):
    result = env.run("serve", config=False)
    assert result.exit_code == 0, result.output
    assert (fake_server[0]["host"], fake_server[0]["port"]) == ("127.0.0.1", 8000)


def test_serve_bad_port_is_a_usage_error(env, fake_server):
    result = env.run("serve", "--port", "70000")
    assert result.exit_code == 2
    assert fake_server == []


class RecordingSandbox:
    """Stands in for coinrelay.sandbox.Sandbox: points alpha at a loopback upstream, records the lifecycle."""

    events: list[str] = []
    url = ""

    def start(self) -> RecordingSandbox:
        self.events.append("start")
        return self

    def apply(self, settings):
        self.events.append("apply")
        data = settings.model_dump()
        data["providers"] = {"alpha": {"endpoints": [self.url]}}
        data["chains"] = {"price": ["alpha"]}
        from coinrelay._config import Settings

        return Settings(**data)

    def close(self) -> None:
        self.events.append("close")


@pytest.fixture
def fake_sandbox(monkeypatch, env):
    module = types.ModuleType("coinrelay.sandbox")
    RecordingSandbox.events = []
    RecordingSandbox.url = env.beta.url
    module.Sandbox = RecordingSandbox  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "coinrelay.sandbox", module)
    import coinrelay

    monkeypatch.setattr(coinrelay, "sandbox", module, raising=False)
    return RecordingSandbox


def test_sandbox_flag_runs_against_the_sandbox_and_closes_it(env, fake_sandbox):
    result = env.run("price", "BTC", "--sandbox", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"]["endpoint"] == env.beta.url  # the sandbox's endpoint, not the config's
    assert data["source"]["sandbox"] is True
    assert fake_sandbox.events == ["start", "apply", "close"]
    assert env.alpha.count() == 0


def test_sandbox_is_closed_when_the_command_fails(env, fake_sandbox):
    env.beta.down()
    result = env.run("price", "BTC", "--sandbox")
    assert result.exit_code == 4
    assert fake_sandbox.events == ["start", "apply", "close"]


def test_serve_sandbox_is_left_to_the_server(env, fake_server, fake_sandbox):
    # server.run(sandbox=True) starts its own Sandbox (the dashboard injects faults into it).
    result = env.run("serve", "--sandbox")
    assert result.exit_code == 0, result.output
    assert fake_server[0]["sandbox"] is True
    assert fake_server[0]["settings"].providers["alpha"].endpoints == [env.alpha.url]
    assert fake_sandbox.events == []


def test_settings_loader_is_the_documented_one(env):
    # ``--config`` and the loader agree on what the file says (no CLI-only parsing).
    assert load_settings(env.config).chains["sentiment"] == ["beta", "alpha"]


# -- real end to end: the installed plugins against the real sandbox, a real server ---------------


@pytest.fixture
def real_plugins(monkeypatch, tmp_path):
    for var in ("COINRELAY_LOAD_PLUGINS", "COINRELAY_CONFIG", "COINRELAY_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./coinrelay.toml


def test_real_sandbox_price(real_plugins):
    result = CliRunner().invoke(cli, ["price", "BTC", "--sandbox", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["symbol"] == "BTC" and float(data["price"]) > 0
    assert data["source"]["sandbox"] is True
    assert data["source"]["endpoint"].startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_real_serve_answers_then_stops_on_sigint(real_plugins, tmp_path):
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    coinrelay = Path(sys.executable).with_name("coinrelay")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(coinrelay), "serve", "--sandbox", "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            body = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                url = f"http://127.0.0.1:{port}/api/v1/price?symbol=BTC"
                try:
                    with urllib.request.urlopen(url, timeout=5) as resp:
                        body = json.loads(resp.read())
                    break
                except OSError:
                    time.sleep(0.2)  # polling for the server to bind, not waiting on a breaker
            assert body is not None, log.read_text()
            assert body["symbol"] == "BTC" and body["source"]["sandbox"] is True
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    assert proc.returncode in (0, 130), log.read_text()
