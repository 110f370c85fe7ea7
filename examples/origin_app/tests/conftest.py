"""The origin app on coinrelay's sandbox, in process: the relay, the app and an HTTP client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from coinrelay import FakeClock, Relay, load_settings
from coinrelay.sandbox import Sandbox
from origin_app import BALANCED_CONFIG, OriginSettings, create_origin_app

TOP = ("BTC", "ETH", "SOL", "BNB", "XRP")


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def relay(box: Sandbox, monkeypatch) -> AsyncIterator[Relay]:
    """The balanced-tier relay on the sandbox. The clock is frozen, so a cached value stays fresh
    for the whole test: what reaches the providers is decided by the tier, not by timing."""
    monkeypatch.delenv("COINRELAY_LOAD_PLUGINS", raising=False)
    box.clear()
    # frozen at the real time: the sandbox's answers carry real timestamps, and one from "the future"
    # is refused as impossible
    async with Relay(box.apply(load_settings(BALANCED_CONFIG)), sandbox=True, clock=FakeClock(time.time())) as r:
        yield r
    box.clear()


@pytest.fixture
async def client(relay: Relay, box: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    app = create_origin_app(relay, sandbox=box, settings=OriginSettings(top_symbols=TOP))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://origin.test") as c:
        yield c
