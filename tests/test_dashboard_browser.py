"""The dashboard in a real headless Chromium, against a real uvicorn serving the sandbox
mounted under a prefix (``/relay``) in a host FastAPI app.

Chromium is driven through chromedriver's W3C WebDriver HTTP API (plain httpx, no
selenium). Needs Debian's ``chromium`` and ``chromium-driver`` packages; the test fails
when they are missing unless ``COINRELAY_SKIP_BROWSER=1`` is set explicitly.
Set ``COINRELAY_DASHBOARD_SCREENSHOT=<path.png>`` to keep the screenshot taken with
Binance down (``docs/dashboard.png`` is made that way).
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from coinrelay import Relay
from coinrelay._config import RateLimitSettings, load_settings
from coinrelay.sandbox import Sandbox
from coinrelay.server import create_app

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("COINRELAY_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("COINRELAY_CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
#: Where the host app mounts coinrelay's app.
PREFIX = "/relay"
#: Seconds to wait for something that takes a poll or two of the page on an idle machine (a
#: process starting, the page showing a state): a bound for a hang, never what is tested.
PATIENCE = 60.0


def _require_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if not missing:
        return
    if os.environ.get("COINRELAY_SKIP_BROWSER") == "1":
        pytest.skip(f"COINRELAY_SKIP_BROWSER=1 and {missing} missing")
    pytest.fail(
        f"{missing} not found: install Debian's chromium and chromium-driver "
        "(or set COINRELAY_SKIP_BROWSER=1 to skip the browser tests explicitly)"
    )


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class SandboxServer:
    """uvicorn serving a host app on 127.0.0.1 with a sandbox relay's app mounted at :data:`PREFIX`,
    in a thread with its own event loop. ``url`` is coinrelay's (the mount point, no trailing slash)."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.sock = _free_socket()
        self.origin = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.url = self.origin + PREFIX
        self.server: uvicorn.Server | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        settings = self.box.apply(load_settings(use_file=False))
        # every call reaches a provider (no cache), and the loopback upstreams have no quota to
        # protect: the providers' own rate budgets would otherwise run out during the test
        unlimited = RateLimitSettings(limit=1_000_000)
        providers = {n: settings.provider(n).model_copy(update={"rate_limit": unlimited}) for n in self.box.providers}
        settings = settings.model_copy(
            update={
                "cache": settings.cache.model_copy(update={"enabled": False}),
                "providers": {**settings.providers, **providers},
            }
        )
        relay = Relay(settings, sandbox=True)
        host = FastAPI()

        @host.get("/")
        async def host_home() -> dict[str, str]:
            return {"app": "a host app"}

        host.mount(PREFIX, create_app(relay, sandbox=self.box))
        self.server = uvicorn.Server(uvicorn.Config(host, log_level="warning", lifespan="off"))
        self.ready.set()
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            await relay.aclose()

    def __enter__(self) -> SandboxServer:
        self.thread.start()
        assert self.ready.wait(PATIENCE)
        deadline = time.monotonic() + PATIENCE
        while not (self.server and self.server.started):
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


class Browser:
    """A headless Chromium session through chromedriver's WebDriver HTTP API."""

    def __init__(self) -> None:
        sock = _free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.profile = tempfile.mkdtemp(prefix="coinrelay-chromium-")
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30, trust_env=False)
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                if self.http.get("/status").json()["value"]["ready"]:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.05)
        args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-proxy-server",
            "--window-size=1500,2000",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            f"--user-data-dir={self.profile}",
        ]
        caps = {
            "capabilities": {
                "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}
            }
        }
        resp = self.http.post("/session", json=caps).json()["value"]
        assert "sessionId" in resp, resp
        self.session = f"/session/{resp['sessionId']}"

    def cmd(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self.http.request(method, self.session + path, json=body)
        value = resp.json()["value"]
        assert resp.status_code == 200, value
        return value

    def go(self, url: str) -> None:
        self.cmd("POST", "/url", {"url": url})

    def js(self, script: str, *args: Any) -> Any:
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def click(self, css: str) -> None:
        """Click the element ``css`` selects. The page redraws its tables at every poll: an element
        found just before a redraw is stale by the time it is clicked, so the fresh one is found again."""
        for _ in range(10):
            element = self.cmd("POST", "/element", {"using": "css selector", "value": css})
            resp = self.http.post(f"{self.session}/element/{element[ELEMENT]}/click", json={})
            value = resp.json()["value"]
            if resp.status_code == 200:
                return
            assert value.get("error") == "stale element reference", value
        raise AssertionError(f"{css} went stale at every one of 10 clicks")

    def js_errors(self) -> list[str]:
        """The page's JavaScript errors so far (Chromium's browser log, read through chromedriver)."""
        logs = self.cmd("POST", "/se/log", {"type": "browser"})
        return [e["message"] for e in logs if e.get("source") == "javascript"]

    def screenshot(self) -> bytes:
        return base64.b64decode(self.cmd("GET", "/screenshot"))

    def wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {value!r})")
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self.http.delete(self.session)
        finally:
            self.http.close()
            self.driver.terminate()
            self.driver.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser() -> Iterator[Browser]:
    _require_browser()
    b = Browser()
    try:
        yield b
    finally:
        b.close()


class Traffic:
    """Keeps asking the server for prices (several symbols) until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=PATIENCE, trust_env=False) as http:
            i = 0
            while not self.stop.is_set():
                sym = ("BTC", "ETH", "SOL")[i % 3]
                self.statuses.append(http.get(f"/api/v1/price?symbol={sym}").status_code)
                http.get(f"/api/v1/ohlcv?symbol={sym}&quote=USDT&interval=1h&limit=24")
                i += 1
                self.stop.wait(0.05)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)


def provider_state(b: Browser, name: str) -> str | None:
    return b.js(  # type: ignore[no-any-return]
        "const n = document.querySelector(`tr.provider[data-provider='${arguments[0]}'] .breaker`);"
        "return n ? n.dataset.state : null;",
        name,
    )


def success_series(b: Browser, name: str) -> list[float | None] | None:
    """The success-rate values the chart holds for provider ``name`` (``None`` before it is drawn)."""
    return b.js(  # type: ignore[no-any-return]
        "const u = window.coinrelayCharts && window.coinrelayCharts.charts.success;"
        "if (!u) return null;"
        "const i = u.series.findIndex(s => s.label === arguments[0]);"
        "return i < 0 ? null : u.data[i];",
        name,
    )


def timeline_marks(b: Browser, kind: str, provider: str) -> list[str]:
    """The ``data-state`` (breaker) or ``data-category`` (failover) of each mark on the timeline."""
    return b.js(  # type: ignore[no-any-return]
        "return [...document.querySelectorAll("
        "`#chart-timeline .tl-mark[data-kind='${arguments[0]}'][data-provider='${arguments[1]}']`)]"
        ".map(n => n.dataset.state || n.dataset.category);",
        kind,
        provider,
    )


def test_dashboard_shows_providers_and_a_fault_opens_the_breaker(browser: Browser, tmp_path: Path) -> None:
    with Sandbox() as box, SandboxServer(box) as server, Traffic(server.url) as traffic:
        browser.go(server.url)  # the mount point without its trailing slash
        browser.wait(lambda: browser.js("return document.body.dataset.loaded === '1'"), PATIENCE, "the first poll")
        assert browser.js("return document.baseURI") == server.url + "/"
        assert httpx.get(server.origin + "/", trust_env=False).json() == {"app": "a host app"}  # the host's own
        assert browser.js("return document.title") == "coinrelay dashboard"
        assert browser.js("return !document.getElementById('sandbox-label').hidden")
        assert browser.js("return document.getElementById('sandbox-label').textContent") == "SANDBOX"
        shown = set(browser.js("return [...document.querySelectorAll('tr.provider')].map(r => r.dataset.provider)"))
        assert set(box.providers) | {"technical"} <= shown
        assert "render" in box.providers  # render's sandbox upstream: a second coinrelay in process
        buttons = browser.js(
            "return [...new Set([...document.querySelectorAll('button[data-action=inject]')]"
            ".map(b => b.dataset.provider))]"
        )
        assert sorted(buttons) == sorted(box.providers)  # fault buttons only for the providers the sandbox imitates
        mirrors = browser.js("return document.querySelectorAll(\"tr.endpoint[data-provider='binance']\").length")
        assert mirrors == 3
        browser.wait(lambda: provider_state(browser, "binance") == "closed", PATIENCE, "binance closed")
        browser.wait(
            lambda: browser.js(
                "return document.querySelector(\"tr[data-category='price'] .serving-now\").textContent"
            ).startswith("binance"),
            PATIENCE,
            "binance serving price",
        )

        # the charts: binance answers every attempt so far
        browser.wait(
            lambda: browser.js("return document.getElementById('history').dataset.loaded === '1'"), PATIENCE, "charts"
        )
        assert browser.js("return document.querySelectorAll('#history canvas').length") >= 4
        browser.wait(
            lambda: any(v == 1 for v in success_series(browser, "binance") or []), PATIENCE, "binance's success"
        )
        assert all(v in (None, 1) for v in success_series(browser, "binance") or [])
        assert timeline_marks(browser, "breaker", "binance") == []

        # inject the fault through the page's own button (it calls the control endpoint)
        browser.click("button[data-action='inject'][data-provider='binance'][data-kind='down']")
        browser.wait(
            lambda: provider_state(browser, "binance") == "open", PATIENCE, "binance's breaker open on the page"
        )
        faults = httpx.get(server.url + "/api/sandbox/faults", trust_env=False).json()["faults"]
        assert [f["kind"] for f in faults["binance"]] == ["down", "down", "down"]
        browser.wait(
            lambda: (
                not browser.js(
                    "return document.querySelector(\"tr[data-category='price'] .serving-now\").textContent"
                ).startswith("binance")
            ),
            PATIENCE,
            "another provider serving price",
        )
        browser.wait(
            lambda: browser.js("return document.querySelectorAll('#failovers li').length") > 0,
            PATIENCE,
            "failovers listed",
        )
        assert (
            browser.js("return document.querySelector(\"tr.provider[data-provider='binance'] .fault\").textContent")
            == "down@0 down@1 down@2"
        )
        # the charts moved: binance's success rate dropped, its breaker opened on the timeline, failovers marked
        browser.wait(
            lambda: any(v is not None and v < 1 for v in success_series(browser, "binance") or []),
            PATIENCE,
            "binance's success rate dropping on the chart",
        )
        browser.wait(
            lambda: "open" in timeline_marks(browser, "breaker", "binance"), PATIENCE, "binance open on the timeline"
        )
        browser.wait(
            lambda: "price" in timeline_marks(browser, "failover", "binance"), PATIENCE, "failovers on the timeline"
        )
        assert browser.js_errors() == []
        keep = os.environ.get("COINRELAY_DASHBOARD_SCREENSHOT")
        if keep:  # for the README: let the next 10 s bucket fill, so the charts draw lines, not dots
            browser.wait(
                lambda: sum(v is not None for v in success_series(browser, "coincap") or []) >= 2,
                PATIENCE,
                "a second bucket",
            )
        png = browser.screenshot()
        assert png.startswith(b"\x89PNG")
        (tmp_path / "dashboard.png").write_bytes(png)
        if keep:
            Path(keep).write_bytes(png)

        browser.click("button[data-action='clear'][data-provider='binance']")
        browser.wait(
            lambda: httpx.get(server.url + "/api/sandbox/faults", trust_env=False).json()["faults"] == {},
            PATIENCE,
            "faults cleared",
        )
    assert 200 in traffic.statuses
    assert all(s == 200 for s in traffic.statuses), set(traffic.statuses)  # failover kept every answer good
