"""Secrets never leak, whole or in part: the scrubber, and every place an upstream's echo could surface.

An upstream that echoes the key back (in a malformed body, a 403 page, an error body) is
served from a loopback :class:`~coinrelay.testing.FakeUpstream`; the key must not appear —
whole, or as any 8-character piece — in the exception text, the attempts trail, ``health()``,
a 503 body, ``coinrelay health --json`` or ``coinrelay config``.
"""

from __future__ import annotations

import json
import types
import urllib.parse
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from coinrelay import AllProvidersFailed, Price, ProviderInfo, Relay, hookimpl
from coinrelay._config import BreakerSettings, ProviderSettings, Settings
from coinrelay._parsing import redact as redact_from_parsing
from coinrelay._redact import mask_url, redact
from coinrelay.plugin import redact as redact_for_plugins
from coinrelay.server import create_app
from coinrelay.testing import FakeUpstream, Reply

from .test_cli import Env, env  # noqa: F401 - the CLI fixture: real entry points, real upstreams

#: 19 characters, like a CoinGecko demo key.
KEY = "CG-Ab3dEf6hIj9kLm2nP"


def pieces(secret: str, n: int = 8) -> list[str]:
    """Every ``n``-character piece of ``secret``."""
    return [secret[i : i + n] for i in range(len(secret) - n + 1)]


def assert_no_piece(text: str, secret: str = KEY) -> None:
    leaked = [p for p in pieces(secret) if p in text]
    assert not leaked, f"pieces of the secret leaked: {leaked} in {text!r}"


# -- the scrubber -----------------------------------------------------------------------------


def test_redact_is_one_function_whatever_the_import_path() -> None:
    assert redact is redact_from_parsing is redact_for_plugins


@pytest.mark.parametrize(
    "text",
    [
        f"key={KEY}",
        f"key={KEY[:12]}",  # cut off at the end of the text
        f"body starts 'apikey={KEY[:9]}'",  # cut off, then quoted
        f"{KEY[-10:]} was the rest",  # a suffix at the start
        f"echo: {KEY[-8:]}",
        f"url-encoded: {KEY.replace('-', '%2D')}"[: len("url-encoded: ") + 2] + f"{KEY}",
        f"{KEY}{KEY}",
    ],
)
def test_redact_masks_the_key_and_any_cut_off_piece_of_it(text: str) -> None:
    out = redact(text, [KEY])
    assert_no_piece(out)
    assert "***" in out


@pytest.mark.parametrize("key", [KEY, "sk_live_0123456789abcdefXYZ", "a/b+c=d&e f-1234", "abcdefgh"])
def test_wherever_a_body_is_cut_no_piece_of_the_key_survives(key: str) -> None:
    """Every cut of a body echoing the key, from either side: the piece left is masked."""
    body = f'{{"error": "invalid key", "got": "{key}", "hint": "see docs"}}'
    for form in (key, urllib.parse.quote(key, safe="")):
        full = body.replace(key, form)
        for cut in range(len(full) + 1):
            for text in (full[:cut], full[cut:], repr(full[:cut])):
                assert_no_piece(redact(text, [key]), form)


def test_redact_masks_the_url_encoded_form() -> None:
    secret = "a/b+c=d&e f-1234"
    out = redact(f"GET /x?key=a%2Fb%2Bc%3Dd%26e%20f-1234 failed; raw {secret}", [secret])
    assert "a%2Fb" not in out and secret not in out
    assert out == "GET /x?key=*** failed; raw ***"


def test_redact_leaves_ordinary_words_alone() -> None:
    assert redact("breaker half-open: probe failed", ["k"]) == "breaker half-open: probe failed"
    assert redact("the key k leaked", ["k"]) == "the key *** leaked"
    # a key's prefix inside a longer word is not a cut-off piece of it
    assert redact("CG-Ab3dEf6hXYZ is another token", [KEY]) == "CG-Ab3dEf6hXYZ is another token"


def test_redact_masks_then_cuts() -> None:
    text = "x" * 70 + f"key={KEY} and more"
    cut = redact(text, [KEY], limit=80)
    assert len(cut) == 80
    assert_no_piece(cut)
    assert cut.endswith("key=*** an")  # the mask went in before the cut


def test_url_passwords_are_masked() -> None:
    assert mask_url("redis://:hunter2pass@cache:6379/0") == "redis://:***@cache:6379/0"
    assert mask_url("https://user:hunter2pass@host.test/api") == "https://user:***@host.test/api"
    assert mask_url("http://host.test:8080/x@y") == "http://host.test:8080/x@y"
    assert redact("connect to redis://u:pw-secret@h:1 failed", []) == "connect to redis://u:***@h:1 failed"


# -- an upstream echoing the key ------------------------------------------------------------------


def echo_plugin() -> types.ModuleType:
    """A provider that sends its key in a header and reports error bodies as plugins do."""
    mod = types.ModuleType("test_provider_echo")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name="echo", categories=("price",), credentials=("api_key",), requires_credentials=True)

    @hookimpl
    async def fetch_price(ctx: Any, symbol: str, quote: str) -> Price | None:
        resp = await ctx.http.get("/price", params={"symbol": symbol}, headers={"x-key": ctx.secret()})
        if not resp.is_success:
            raise resp.error(f"refused: {resp.text}")
        body = resp.json()
        return Price(symbol=symbol, quote=quote, price=body["price"], source=ctx.source())

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_price = fetch_price  # type: ignore[attr-defined]
    return mod


def echo_replies(req: Any) -> Reply:
    """BTC: malformed JSON echoing the key past byte 68 (the old 80-character cut left 12 of it);
    ETH: a 403 page with the key at character 110 (the old 120 cut left 10); SOL: an error body."""
    key = req.headers.get("x-key", "")
    symbol = req.query.get("symbol")
    if symbol == "BTC":
        return Reply.raw("<" + "x" * 59 + f'apikey={key}" is not a valid key>', status=200)
    if symbol == "ETH":
        return Reply.raw("Forbidden. " + "." * 99 + f"{key} is blocked here", status=403)
    return Reply.json({"error": f"bad key {key}", "key": key}, status=400)


@pytest.fixture
def echo_up(upstream_factory: Any) -> FakeUpstream:
    up: FakeUpstream = upstream_factory()
    up.route("/price", echo_replies)
    return up


def echo_relay(up: FakeUpstream) -> Relay:
    settings = Settings(
        providers={"echo": ProviderSettings(endpoints=[up.url], api_key=SecretStr(KEY))},
        chains={"price": ["echo"]},
        breaker=BreakerSettings(failure_threshold=100),
    )
    settings.cache.enabled = False
    return Relay(settings, plugins=[("echo", echo_plugin())], load_entry_points=False)


@pytest.mark.parametrize("symbol", ["BTC", "ETH", "SOL"])
async def test_a_key_echoed_by_the_upstream_never_surfaces(echo_up: FakeUpstream, symbol: str) -> None:
    async with echo_relay(echo_up) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.price(symbol)
        assert echo_up.requests[-1].headers["x-key"] == KEY  # the key really went out
        exc = info.value
        assert_no_piece(str(exc))
        assert exc.attempts and all(a.error for a in exc.attempts)
        for attempt in exc.attempts:
            assert_no_piece(attempt.model_dump_json())
        health = await relay.health()
        text = json.dumps(health)
        assert "***" in text  # the error is there, masked
        assert_no_piece(text)


async def test_a_503_body_never_carries_the_key(echo_up: FakeUpstream) -> None:
    relay = echo_relay(echo_up)
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        for symbol in ("BTC", "ETH", "SOL"):
            resp = await client.get(f"/api/v1/price?symbol={symbol}")
            assert resp.status_code == 503
            assert_no_piece(resp.text)
        assert_no_piece((await client.get("/api/system/providers/health")).text)
        assert_no_piece((await client.get("/api/system/circuit-breakers")).text)
    await relay.aclose()


# -- the CLI ----------------------------------------------------------------------------------------

BETA_KEY = "k3y-beta-value"  # the key test_cli's config gives beta


def test_health_json_never_shows_an_echoed_key(env: Env) -> None:  # noqa: F811
    env.beta.route("/price", Reply.raw("Forbidden. " + "." * 99 + f"{BETA_KEY} is blocked", status=403))
    result = env.run("health", "--json")
    assert "HTTP 403" in result.stdout  # beta's probe failed, with the reason
    assert_no_piece(result.output, BETA_KEY)


def test_config_masks_url_passwords_from_the_file_and_the_environment(env: Env, monkeypatch) -> None:  # noqa: F811
    text = env.config.read_text().replace(
        f'endpoints = ["{env.alpha.url}"]',
        f'endpoints = ["{env.alpha.url.replace("http://", "http://user:hunter2pass@")}"]',
    )
    env.config.write_text(text + '\n[state]\nurl = "redis://:hunter2pass@127.0.0.1:1/0"\n')
    for args in (("config",), ("config", "--json")):
        result = env.run(*args)
        assert result.exit_code == 0, result.output
        assert "hunter2pass" not in result.output
        assert "redis://:***@127.0.0.1:1/0" in result.output
        assert "http://user:***@127.0.0.1" in result.output
    monkeypatch.setenv("COINRELAY_STATE__URL", "redis://admin:env-pass-1234@127.0.0.1:1/0")
    result = env.run("config")
    assert result.exit_code == 0, result.output
    assert "env-pass-1234" not in result.output
    assert "redis://admin:***@127.0.0.1:1/0" in result.output


def test_config_refuses_a_short_secret(env: Env) -> None:  # noqa: F811
    env.config.write_text(env.config.read_text().replace('api_key = "k3y-beta-value"', 'api_key = "k"'))
    result = env.run("config")
    assert result.exit_code != 0
    assert "providers.beta.api_key" in result.output
    assert "at least 8 characters" in result.output
    assert "Traceback" not in result.output


def test_config_refuses_a_short_plugin_credential(env: Env) -> None:  # noqa: F811
    env.config.write_text(env.config.read_text().replace("s3cr3t-alpha-token", "tok"))
    result = env.run("config")
    assert result.exit_code != 0
    assert "providers.alpha.secret_token" in result.output
    assert "tok" not in result.output.replace("secret_token", "")


def test_a_config_error_never_echoes_a_secret_value(tmp_path) -> None:
    from coinrelay import ConfigError
    from coinrelay._config import load_settings

    path = tmp_path / "coinrelay.toml"
    path.write_text("[providers.coingecko]\napi_key = 918273645\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.key == "providers.coingecko.api_key"
    assert "918273645" not in str(info.value)
    path.write_text('[providers.binance]\nendpoints = ["ftp://u:hunter2pass@mirror.test"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "hunter2pass" not in str(info.value) and "ftp://u:***@mirror.test" in str(info.value)
