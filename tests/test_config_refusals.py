"""Config that refuses mistakes (issue 15): each one is an error naming the file or the
environment variable, the key and what is allowed, with "did you mean" for near misses.

Each test here failed before: the mistake was accepted (silently, or with a warning and exit 0),
or reported with pydantic's internals, or against the wrong source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from coinrelay import ConfigError, Relay
from coinrelay._breaker import BreakerPolicy
from coinrelay._config import BreakerSettings, ProviderSettings, Settings, load_settings
from coinrelay.server import create_app

from .support import price_provider
from .test_cli import Env, env  # noqa: F401 - the CLI fixture: real entry points (alpha, beta, broken)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "coinrelay.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def refused(tmp_path: Path, text: str | bytes) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    err = info.value
    assert err.file == str(path), "the file is named"
    assert str(path) in str(err)
    return err


# -- chains --------------------------------------------------------------------------------------


def test_a_chain_naming_only_disabled_providers_is_refused(tmp_path: Path) -> None:
    err = refused(tmp_path, '[providers.binance]\nenabled = false\n[chains]\nvolume = ["binance"]\n')
    assert err.key == "chains.volume[0]"
    assert "'binance', which is disabled (providers.binance.enabled = false)" in str(err)


def test_a_disabled_provider_in_your_own_chain_is_refused(tmp_path: Path) -> None:
    text = '[providers.coincap]\nenabled = false\n[chains]\nprice = ["binance", ["coingecko", "coincap"]]\n'
    err = refused(tmp_path, text)
    assert err.key == "chains.price[1]"
    assert "remove it from the chain or enable it" in str(err)


def test_disabling_a_provider_of_a_shipped_default_chain_is_fine(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "[providers.binance]\nenabled = false\n"))
    assert s.chains["volume"] == ["binance"]  # the shipped chain, left to the relay (skipped there)


def test_an_empty_chain_is_refused(tmp_path: Path) -> None:
    err = refused(tmp_path, "[chains]\nprice = []\n")
    assert err.key == "chains.price"
    assert "an empty chain serves nothing" in str(err)
    assert "leave the category out of [chains]" in str(err)


@pytest.mark.parametrize(
    ("chain", "key"),
    [('["binance", "binance"]', "chains.price[1]"), ('["binance", ["coincap", "binance"]]', "chains.price[1][1]")],
)
def test_a_provider_named_twice_in_a_chain_is_refused(tmp_path: Path, chain: str, key: str) -> None:
    err = refused(tmp_path, f"[chains]\nprice = {chain}\n")
    assert err.key == key
    assert "names 'binance' twice (first at [0])" in str(err)


@pytest.mark.parametrize(
    ("chain", "key", "expected"),
    [
        ("[1]", "chains.price[0]", "expected a provider name or a tier"),
        ('["binance", [2]]', "chains.price[1][0]", "expected a list of names"),
        ('["binance", []]', "chains.price[1]", "an empty tier"),
    ],
)
def test_nested_list_mistakes_name_a_human_key(tmp_path: Path, chain: str, key: str, expected: str) -> None:
    err = refused(tmp_path, f"[chains]\nprice = {chain}\n")
    assert err.key == key
    assert expected in str(err)
    assert ".str" not in str(err) and "list[str]" not in str(err)


def test_every_bad_chain_is_reported_at_once(tmp_path: Path) -> None:
    err = refused(tmp_path, '[chains]\nohlcv = []\nvolume = [1]\norderbook = ["binance", ["binance"]]\n')
    assert [err.key, *(m.key for m in err.more)] == ["chains.ohlcv", "chains.volume[0]", "chains.orderbook[1][0]"]


def test_a_union_mistake_says_what_each_member_allows(tmp_path: Path) -> None:
    err = refused(tmp_path, '[hedging]\ndelay = "p99"\n')
    assert err.key == "hedging.delay"
    assert err.allowed == "a number or 'p95'"
    assert "float" not in str(err) and "literal" not in str(err)


# -- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"no"', '"false"', "0", "1"])
def test_booleans_are_strict(tmp_path: Path, value: str) -> None:
    err = refused(tmp_path, f"[providers.binance]\nenabled = {value}\n")
    assert err.key == "providers.binance.enabled"
    assert err.allowed == "true or false"


def test_hedging_switches_are_strict_booleans_too(tmp_path: Path, monkeypatch) -> None:
    err = refused(tmp_path, '[hedging]\nprice = "yes"\n')
    assert err.key == "hedging.price"
    assert "got 'yes' (allowed: true or false)" in str(err)
    monkeypatch.setenv("COINRELAY_HEDGING__OHLCV", "true")  # the environment's text still works
    assert load_settings(write(tmp_path, "[hedging]\nprice = true\n")).hedging.categories() == {"price", "ohlcv"}


def test_strict_booleans_hold_in_python_too() -> None:
    with pytest.raises(ValueError, match="expected true or false"):
        ProviderSettings(enabled="no")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[providers.binance]\ntimeout = inf\n", "providers.binance.timeout"),
        ("[providers.binance]\ntimeout = nan\n", "providers.binance.timeout"),
        ("[relay]\ndeadline = inf\n", "relay.deadline"),
        ("[breaker]\nmax_recovery_timeout = inf\n", "breaker.max_recovery_timeout"),
        ("[cache.ttl]\nprice = inf\n", "cache.ttl.price"),
        ("[hedging]\ndelay = inf\n", "hedging.delay"),
    ],
)
def test_numbers_are_finite(tmp_path: Path, toml: str, key: str) -> None:
    err = refused(tmp_path, toml)
    assert err.key == key
    assert "a finite number" in str(err)


def test_redis_without_a_url_is_refused(tmp_path: Path) -> None:
    err = refused(tmp_path, '[state]\nbackend = "redis"\n')
    assert err.key == "state.url"
    assert "needs url" in str(err)


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    err = refused(tmp_path, b"[breaker]\nfailure_threshold = 3  # caf\xe9\n")
    assert "not UTF-8" in str(err) and "line 2" in str(err)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    err = refused(tmp_path, "[breaker]\nfailure_treshold = 3\n[relay]\ndeadline = -1\n")
    assert [err.key, *(m.key for m in err.more)] == ["breaker.failure_treshold", "relay.deadline"]
    assert len(str(err).splitlines()) == 2


# -- the environment -----------------------------------------------------------------------------


def test_an_env_typo_is_reported_as_the_environment_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_BREAKER__FAILURE_TRESHOLD", "5")
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "[breaker]\nfailure_threshold = 3\n"))
    err = info.value
    assert err.env == "COINRELAY_BREAKER__FAILURE_TRESHOLD"
    assert err.file is None
    where = "environment variable COINRELAY_BREAKER__FAILURE_TRESHOLD, key 'breaker.failure_treshold'"
    assert str(err).startswith(where)
    assert err.suggestion == "failure_threshold"
    assert "TOML" not in str(err) and str(tmp_path) not in str(err)


def refused_by_env(tmp_path: Path, monkeypatch: Any, name: str, value: str) -> ConfigError:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, ""))
    assert info.value.env == name, "the variable is named"
    assert str(tmp_path) not in str(info.value)
    return info.value


def test_an_unknown_env_table_is_reported_not_ignored(tmp_path: Path, monkeypatch) -> None:
    err = refused_by_env(tmp_path, monkeypatch, "COINRELAY_BREAKERS__FAILURE_THRESHOLD", "5")
    assert err.suggestion == "COINRELAY_BREAKER"


def test_other_coinrelay_variables_are_not_settings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_DEBUG", "1")
    monkeypatch.setenv("COINRELAY_SKIP_BROWSER", "1")
    load_settings(write(tmp_path, ""))


def test_env_booleans_stay_text_friendly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_PROVIDERS__BINANCE__ENABLED", "false")
    monkeypatch.setenv("COINRELAY_CACHE__STALE_WHILE_REVALIDATE", "yes")
    s = load_settings(write(tmp_path, ""))
    assert s.provider("binance").enabled is False
    assert s.cache.stale_while_revalidate is True
    err = refused_by_env(tmp_path, monkeypatch, "COINRELAY_PROVIDERS__BINANCE__ENABLED", "maybe")
    assert err.key == "providers.binance.enabled"


def test_a_chain_from_the_environment_is_checked_as_the_users(tmp_path: Path, monkeypatch) -> None:
    err = refused_by_env(tmp_path, monkeypatch, "COINRELAY_CHAINS__PRICE", '["binance", "binance"]')
    assert err.key == "chains.price[1]"


# -- plugin names (they need the installed plugins: the CLI's entry points) ---------------------------


def test_an_unknown_provider_table_is_an_error_with_did_you_mean(env: Env) -> None:  # noqa: F811
    env.config.write_text(env.config.read_text() + '\n[providers.alpah]\napi_key = "unused-key-123"\n')
    result = env.run("config")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {env.config}, key 'providers.alpah': unknown provider")
    assert "did you mean 'alpha'?" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_name_in_load_plugins_is_an_error(env: Env, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "alpha,bta,broken")
    result = env.run("config")
    assert result.exit_code == 1
    assert "environment variable COINRELAY_LOAD_PLUGINS: 'bta' is no installed plugin" in result.stderr
    assert "did you mean 'beta'?" in result.stderr


def test_an_unknown_plugin_option_says_did_you_mean(tmp_path: Path, env: Env) -> None:  # noqa: F811
    env.config.write_text(env.config.read_text().replace("secret_token =", "secret_tokn ="))
    result = env.run("config")
    assert result.exit_code == 1
    assert "key 'providers.alpha.secret_tokn': unknown key; did you mean 'secret_token'?" in result.stderr
    assert "enabled, priority, endpoints" in result.stderr  # the core keys, from ProviderSettings


@pytest.mark.parametrize(
    "toml",
    [
        '[providers.alpha]\nenabled = "no"\n',
        "[chains]\nprice = []\n",
        '[state]\nbackend = "redis"\n',
        "[relay]\ndeadline = inf\n",
    ],
)
def test_the_cli_exits_non_zero_with_one_line_and_no_traceback(env: Env, toml: str) -> None:  # noqa: F811
    env.config.write_text(toml)
    result = env.run("config")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {env.config}, key ")
    assert "Traceback" not in result.output and "pydantic" not in result.output


# -- readiness -------------------------------------------------------------------------------------


async def test_readyz_is_503_when_a_configured_chain_has_no_usable_provider(env: Env) -> None:  # noqa: F811
    text = env.config.read_text().replace('sentiment = ["beta", "alpha"]', 'sentiment = ["broken"]')
    env.config.write_text(text)
    relay = Relay(load_settings(env.config))
    app = create_app(relay)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        resp = await client.get("/readyz")
    await relay.aclose()
    assert resp.status_code == 503
    body: dict[str, Any] = resp.json()
    assert body["unavailable_categories"] == ["sentiment"]
    sentiment = body["categories"]["sentiment"]
    assert sentiment["chain"] == [] and sentiment["usable"] == []
    assert sentiment["unusable"]["broken"].startswith("failed to load: ModuleNotFoundError")
    assert sentiment["reason"].startswith("no usable provider: broken: failed to load")
    assert body["categories"]["price"]["reason"] is None


# -- one source per setting ----------------------------------------------------------------------------


def test_breaker_fields_are_declared_once() -> None:
    assert issubclass(BreakerSettings, BreakerPolicy)
    assert BreakerSettings.model_fields.keys() == BreakerPolicy.model_fields.keys()
    for name, field in BreakerPolicy.model_fields.items():
        assert BreakerSettings.model_fields[name].default == field.default, name
    assert Settings().breaker == BreakerSettings()
    assert BreakerPolicy() == BreakerPolicy(**BreakerSettings().model_dump())


def test_a_provider_breaker_overrides_only_the_keys_it_sets(tmp_path: Path) -> None:
    s = load_settings(
        write(tmp_path, "[breaker]\nrecovery_timeout = 9.0\njitter = 0.0\n[providers.binance.breaker]\nwindow = 7\n")
    )
    mine = s.breaker_for("binance")
    assert (mine.window, mine.recovery_timeout, mine.jitter) == (7, 9.0, 0.0)
    # a dump round-trips: the sandbox rebuilds provider settings from one
    again = ProviderSettings(**s.provider("binance").model_dump())
    assert again.breaker is not None and again.breaker.model_fields_set == {"window"}
    assert s.masked()["providers"]["binance"]["breaker"] == {"window": 7}
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "[providers.binance.breaker]\nwindw = 7\n"))
    assert info.value.key == "providers.binance.breaker.windw"
    assert info.value.suggestion == "window"


def test_a_rate_limit_without_limit_names_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[providers.a]\nendpoints = ["http://127.0.0.1:9"]\n[providers.a.rate_limit]\nperiod = 1.0\n'
    )
    with pytest.raises(ConfigError) as info:
        Relay(load_settings(path), plugins=[("a", price_provider("a"))], load_entry_points=False)
    assert info.value.file == str(path)  # was '<defaults>'
    assert info.value.key == "providers.a.rate_limit.limit"
