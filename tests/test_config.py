"""Config loading: every class of bad config names the file, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from coinrelay import ConfigError, Relay
from coinrelay._config import load_settings

from .support import price_provider


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coinrelay.toml"
    path.write_text(text)
    return path


def test_defaults_apply_without_a_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COINRELAY_CONFIG", raising=False)
    s = load_settings()
    assert s.source_path is None
    assert s.breaker.failure_threshold == 3
    assert s.chains["price"] == ["binance", "coincap", "coingecko", "render"]
    assert s.chains["ohlcv"] == ["binance", "cryptocompare", "render"]
    assert s.chains["metadata"] == ["coingecko", "coinpaprika"]
    assert s.chains["sentiment"] == ["alternativeme", "render"]


def test_file_found_in_working_directory_and_via_env(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "[breaker]\nfailure_threshold = 7\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COINRELAY_CONFIG", raising=False)
    assert load_settings().breaker.failure_threshold == 7
    other = tmp_path / "other.toml"
    other.write_text("[breaker]\nfailure_threshold = 9\n")
    monkeypatch.setenv("COINRELAY_CONFIG", str(other))
    s = load_settings()
    assert s.breaker.failure_threshold == 9
    assert s.source_path == str(other)


def test_file_merges_over_defaults_and_env_overrides_file(tmp_path: Path, monkeypatch) -> None:
    path = write(
        tmp_path,
        """
[providers.coingecko]
api_key = "from-file"
priority = 2

[chains]
price = ["binance", ["coincap", "coingecko"], "render"]
""",
    )
    monkeypatch.setenv("COINRELAY_PROVIDERS__COINGECKO__API_KEY", "from-env")
    monkeypatch.setenv("COINRELAY_BREAKER__RECOVERY_TIMEOUT", "9.5")
    s = load_settings(path)
    assert s.providers["coingecko"].api_key is not None
    assert s.providers["coingecko"].api_key.get_secret_value() == "from-env"
    assert s.providers["coingecko"].priority == 2
    assert s.breaker.recovery_timeout == 9.5
    assert s.chains["price"] == ["binance", ["coincap", "coingecko"], "render"]
    assert s.chains["ohlcv"] == ["binance", "cryptocompare", "render"]  # untouched default


def test_secrets_are_masked_in_the_effective_config(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[providers.coingecko]\napi_key = "sk-very-secret"\n'))
    text = repr(s.masked()) + repr(s) + str(s.model_dump())
    assert "sk-very-secret" not in text
    assert s.masked()["providers"]["coingecko"]["api_key"] == "**********"


@pytest.mark.parametrize(
    ("toml", "key", "allowed"),
    [
        ("[breaker]\nfailure_treshold = 3\n", "breaker.failure_treshold", "failure_threshold"),
        ("[bogus]\nx = 1\n", "bogus", "providers"),
        ('[breaker]\nfailure_threshold = "three"\n', "breaker.failure_threshold", "an integer"),
        ("[breaker]\nfailure_threshold = 0\n", "breaker.failure_threshold", ">= 1"),
        ('[providers.binance]\nenabled = "maybe"\n', "providers.binance.enabled", "true or false"),
        ('[providers.binance]\nendpoints = ["ftp://x"]\n', "providers.binance.endpoints", None),
        ('[state]\nbackend = "etcd"\n', "state.backend", "'memory' or 'redis'"),
        ('[chains]\nprise = ["binance"]\n', "chains", None),
        ("[cache.ttl]\nprise = 1.0\n", "cache.ttl", None),
    ],
)
def test_bad_config_names_file_key_and_allowed(tmp_path: Path, toml: str, key: str, allowed: str | None) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    err = info.value
    assert err.file == str(path)
    assert err.key is not None and err.key.startswith(key)
    assert str(path) in str(err)
    if allowed:
        assert allowed in str(err)


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[breaker\nfailure_threshold = 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(path) in str(info.value)
    assert "line 1" in str(info.value)


def test_unknown_category_names_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, '[chains]\nprise = ["binance"]\n'))
    assert "prise" in str(info.value)
    assert "price, ohlcv" in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_unknown_provider_in_a_user_chain_names_the_installed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[chains]\nprice = ["a", "typo"]\n[providers.a]\nendpoints = ["http://127.0.0.1:9"]\n')
    s = load_settings(path)
    with pytest.raises(ConfigError) as info:
        Relay(s, plugins=[("a", price_provider("a"))], load_entry_points=False)
    assert info.value.key == "chains.price"
    assert "'typo'" in str(info.value)
    assert "allowed: a" in str(info.value)
    assert str(path) in str(info.value)


def test_provider_that_does_not_serve_the_category(tmp_path: Path) -> None:
    path = write(tmp_path, '[chains]\nnews = ["a"]\n')
    with pytest.raises(ConfigError, match="does not serve 'news'"):
        Relay(load_settings(path), plugins=[("a", price_provider("a"))], load_entry_points=False)


def test_default_chains_skip_providers_that_are_not_installed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COINRELAY_CONFIG", raising=False)
    relay = Relay(load_settings(), plugins=[("binance", price_provider("binance"))], load_entry_points=False)
    assert relay.chains()["price"] == [["binance"]]


def test_unknown_plugin_option_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.a]\nendpoints = ["http://127.0.0.1:9"]\nusd_qoute = "USDC"\n')
    with pytest.raises(ConfigError) as info:
        Relay(load_settings(path), plugins=[("a", price_provider("a"))], load_entry_points=False)
    assert info.value.key == "providers.a.usd_qoute"
    assert "endpoints" in str(info.value)


def test_chain_without_config_groups_by_priority() -> None:
    from coinrelay._config import Settings

    relay = Relay(
        Settings(),
        plugins=[("x", price_provider("x", 2)), ("y", price_provider("y", 1)), ("z", price_provider("z", 2))],
        load_entry_points=False,
    )
    assert relay.chains()["price"] == [["y"], ["x", "z"]]


def test_rate_limit_override_keeps_the_plugins_other_keys() -> None:
    from coinrelay._config import ProviderSettings, RateLimitSettings
    from coinrelay._provider import ProviderInfo, RateLimit
    from coinrelay._runtime import effective_rate_limit

    info = ProviderInfo(
        name="x",
        categories=("price",),
        rate_limit=RateLimit(limit=6000, period=60, aligned=True, unit="weight", usage_header="x-used", headroom=0.1),
    )
    rl = effective_rate_limit(info, ProviderSettings(rate_limit=RateLimitSettings(limit=1200)))
    assert rl == RateLimit(limit=1200, period=60, aligned=True, unit="weight", usage_header="x-used", headroom=0.1)
    bare = ProviderInfo(name="y", categories=("price",))
    assert effective_rate_limit(bare, ProviderSettings(rate_limit=RateLimitSettings(limit=10))) == RateLimit(10, 60.0)
    with pytest.raises(ConfigError, match=r"providers\.y\.rate_limit\.limit"):
        effective_rate_limit(bare, ProviderSettings(rate_limit=RateLimitSettings(period=1.0)))
