"""Plugin discovery through real entry points of installed distributions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coinrelay import PluginLoadError, Relay
from coinrelay._config import ProviderSettings, Settings
from coinrelay._plugins import make_plugin_manager
from coinrelay.testing import FakeUpstream

from .support import serve_price

DISTS = Path(__file__).parent / "fixtures" / "dists"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the test plugin distributions into a directory, put it on sys.path."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(DISTS / "coinrelay-echo"),
            str(DISTS / "coinrelay-broken"),
            str(DISTS / "coinrelay-disabledbomb"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))
    for mod in [m for m in sys.modules if m.startswith(("coinrelay_echo", "coinrelay_broken", "coinrelay_disabled"))]:
        del sys.modules[mod]


def only(names: str) -> dict[str, str]:
    return {"COINRELAY_LOAD_PLUGINS": names}


def settings(**providers: ProviderSettings) -> Settings:
    base = {"broken": ProviderSettings(enabled=True), "disabledbomb": ProviderSettings(enabled=False)}
    return Settings(providers={**base, **providers})


async def test_installed_plugin_is_discovered_listed_and_used(installed: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "echo")
    with FakeUpstream() as up:
        serve_price(up, "42.5")
        s = settings(echo=ProviderSettings(endpoints=[up.url]))
        async with Relay(s) as relay:
            listed = {p["name"]: p for p in relay.plugins()}
            price = await relay.price("BTC")
    echo = listed["echo"]
    assert echo["status"] == "loaded"
    assert echo["distribution"] == "coinrelay-echo"
    assert echo["version"] == "1.2.3"
    assert echo["categories"] == ["price"]
    assert "fetch_price" in echo["hooks"] and "provider_info" in echo["hooks"]
    assert str(price.price) == "42.5"
    assert price.source.provider == "echo"


def test_disabled_plugin_is_blocked_before_import(installed: Path, tmp_path: Path, monkeypatch) -> None:
    marker = tmp_path / "imported"
    monkeypatch.setenv("COINRELAY_TEST_IMPORT_MARKER", str(marker))
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    pm, statuses = make_plugin_manager(settings())
    by = {s.name: s for s in statuses}
    assert by["disabledbomb"].status == "blocked"
    assert pm.is_blocked("disabledbomb")
    assert not marker.exists(), "a disabled plugin was imported"


def test_failed_import_is_reported_and_skipped(installed: Path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "echo,broken")
    _, statuses = make_plugin_manager(settings())
    by = {s.name: s for s in statuses}
    assert by["broken"].status == "failed"
    assert "needs a library that is not installed" in (by["broken"].error or "")
    assert by["echo"].status == "loaded"
    assert "broken" in caplog.text


def test_failed_import_is_fatal_when_strict(installed: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "broken")
    s = settings()
    s.plugins.strict = True
    with pytest.raises(PluginLoadError, match="broken"):
        make_plugin_manager(s)


def test_load_plugins_env_narrows_and_empty_means_none(installed: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "")
    pm, statuses = make_plugin_manager(settings())
    assert all(s.status == "blocked" for s in statuses)
    assert [name for name, p in pm.list_name_plugin() if p is not None] == []
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "echo")
    pm, statuses = make_plugin_manager(settings())
    loaded = sorted(s.name for s in statuses if s.status == "loaded")
    assert loaded == ["echo"]


def test_each_factory_call_builds_a_fresh_manager(installed: Path, monkeypatch) -> None:
    monkeypatch.setenv("COINRELAY_LOAD_PLUGINS", "echo")
    pm1, _ = make_plugin_manager(settings())
    pm2, _ = make_plugin_manager(settings())
    assert pm1 is not pm2
    assert pm1.get_plugin("echo") is pm2.get_plugin("echo")  # the module, imported once


def test_technical_builtin_is_registered_by_default(monkeypatch) -> None:
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    _, statuses = make_plugin_manager(Settings(), load_entry_points=False)
    tech = next(s for s in statuses if s.name == "technical")
    assert tech.status == "loaded"
    assert tech.distribution == "coinrelay"
