"""``origin-app [--sandbox]``: one command builds the relay, the sandbox and the app, and serves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import uvicorn

from origin_app import BALANCED_CONFIG
from origin_app import __main__ as cli


def test_config_defaults_to_the_balanced_tier(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ORIGIN_CONFIG", raising=False)
    assert cli.config_path(None) == BALANCED_CONFIG
    mine = tmp_path / "mine.toml"
    monkeypatch.setenv("ORIGIN_CONFIG", str(mine))
    assert cli.config_path(None) == mine
    assert cli.config_path(tmp_path / "given.toml") == tmp_path / "given.toml"


def test_one_flag_serves_the_sandbox(monkeypatch) -> None:
    """``main(["--sandbox"])`` end to end; uvicorn's serve() is replaced by requests through the app."""
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("ORIGIN_CONFIG", raising=False)
    seen: dict[str, Any] = {}

    async def serve(self: uvicorn.Server, sockets: Any = None) -> None:
        seen["bind"] = (self.config.host, self.config.port)
        transport = httpx.ASGITransport(self.config.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://origin.test") as c:
            seen["health"] = (await c.get("/api/health")).json()
            seen["price"] = (await c.get("/api/v1/price", params={"symbol": "BTC"})).json()

    monkeypatch.setattr(uvicorn.Server, "serve", serve)
    cli.main(["--sandbox", "--port", "0"])
    assert seen["bind"] == ("127.0.0.1", 0)
    assert (seen["health"]["status"], seen["health"]["sandbox"]) == ("ok", True)
    assert seen["price"]["source"]["sandbox"] is True
    assert seen["price"]["source"]["endpoint"].startswith("http://127.0.0.1:")
