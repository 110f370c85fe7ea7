"""The dashboard under any mount prefix, its files, and the chart library shipped with it (issue 15 item 5).

The browser test (``test_dashboard_browser.py``) drives the page mounted at ``/relay``;
these check the HTTP side without a browser.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from importlib import resources

import httpx
import pytest
from fastapi import FastAPI

from coinrelay import Relay
from coinrelay._config import ProviderSettings, Settings
from coinrelay.server import create_app
from coinrelay.server.app import DASHBOARD_FILES

from .support import price_provider

FILES = resources.files("coinrelay.dashboard")


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    settings = Settings(providers={"a": ProviderSettings(endpoints=["http://127.0.0.1:9"])}, chains={"price": ["a"]})
    r = Relay(settings, plugins=[("a", price_provider("a"))], load_entry_points=False)
    yield r
    await r.aclose()


def base_href(page: str) -> str:
    found = re.findall(r'<base href="([^"]*)">', page)
    assert len(found) == 1, found
    return found[0]


async def test_mounted_under_a_prefix_every_url_of_the_page_resolves(relay: Relay) -> None:
    host = FastAPI()
    host.mount("/relay", create_app(relay))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(host), base_url="http://host") as client:
        bare = await client.get("/relay")
        assert bare.status_code in (307, 308)
        assert bare.headers["location"] == "http://host/relay/"
        page = await client.get("/relay/")
        assert page.status_code == 200
        base = base_href(page.text)
        assert base == "/relay/"
        urls = re.findall(r'(?:href|src)="([^"]+)"', page.text)
        urls += re.findall(r'fetch\(["`]([^"`$?]+)', (FILES / "dashboard.js").read_text())
        urls += re.findall(r'fetch\(["`]([^"`$?]+)', (FILES / "charts.js").read_text())
        assert "api/sandbox/faults/" in urls  # (served in sandbox mode only: the browser test clicks it)
        checked = [u for u in urls if u != base and "sandbox" not in u and not u.startswith("data:")]
        assert {"dashboard/charts.js", "api/system/dashboard", "api/system/history", "metrics"} <= set(checked)
        for url in checked:
            assert (await client.get(base + url)).status_code == 200, url
        for name, media in DASHBOARD_FILES.items():
            if name != "index.html":
                resp = await client.get(f"/relay/dashboard/{name}")
                assert resp.status_code == 200, name
                assert resp.headers["content-type"] == media
                assert resp.content == (FILES / name).read_bytes()


def test_no_file_of_the_page_names_a_root_absolute_url() -> None:
    for name in ("index.html", "dashboard.js", "charts.js", "dashboard.css"):
        text = (FILES / name).read_text()
        absolute = re.findall(r'(?:href|src)="/|fetch\(\s*["`]/|url\(\s*["\']?/', text)
        assert not absolute, (name, absolute)


@pytest.mark.parametrize(("root_path", "expected"), [("", "/"), ("/proxy", "/proxy/"), ('/a"b<', "/a&quot;b&lt;/")])
async def test_the_base_follows_the_root_path(relay: Relay, root_path: str, expected: str) -> None:
    """``uvicorn --root-path`` behind a proxy sets the same ``root_path`` a mount does; it is escaped."""
    transport = httpx.ASGITransport(create_app(relay), root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert base_href(page.text) == expected


def test_the_chart_library_is_shipped_unchanged_with_its_licence() -> None:
    vendor = FILES / "vendor"
    readme = (vendor / "README.md").read_text()
    for name in ("uPlot.iife.min.js", "uPlot.min.css"):
        digest = hashlib.sha256((vendor / name).read_bytes()).hexdigest()
        assert f"| `{name}` | `{digest}` |" in readme, name
    licence = (vendor / "uPlot.LICENSE").read_text()
    assert licence.startswith("The MIT License (MIT)")
    assert "Leon Sorokin" in licence
    assert (vendor / "uPlot.iife.min.js").read_text().startswith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */")
