"""An endpoint URL with credentials (``https://user:password@host``) keeps its password for the
request only: the trail, ``source.endpoint``, ``health()``, ``/metrics``, the events and the logs
show it masked (issue 15 item 1)."""

from __future__ import annotations

import logging

import httpx

from coinrelay import RequestFinished, hookimpl
from coinrelay.server import create_app
from coinrelay.testing import Fault

from .support import relay_for, serve_price

PASSWORD = "s3cret-passw0rd"


class Events:
    def __init__(self) -> None:
        self.seen: list[RequestFinished] = []

    @hookimpl
    def on_request_finished(self, event: RequestFinished) -> None:
        self.seen.append(event)


async def test_a_password_in_an_endpoint_is_never_shown(upstream_factory, caplog) -> None:
    bad, good = upstream_factory(), upstream_factory()
    serve_price(good, "2")
    bad.fault = Fault("status", status=500)
    relay = relay_for({"a": [bad], "b": [good]})
    host = bad.url.removeprefix("http://")
    relay.providers["a"].endpoints[:] = [f"http://user:{PASSWORD}@{host}"]
    events = Events()
    relay.register(events)
    async with relay:
        app = create_app(relay)
        with caplog.at_level(logging.INFO, logger="coinrelay"):
            for _ in range(3):  # enough to open a's breakers: the transitions are logged too
                price = await relay.price("BTC")
        health = await relay.health()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://relay.test") as client:
            metrics = (await client.get("/metrics")).text
            breakers = (await client.get("/api/system/circuit-breakers")).text
    assert price.source.provider == "b"
    shown = [
        price.model_dump_json(),
        str(health),
        metrics,
        breakers,
        caplog.text,
        " ".join(str(e.endpoint) for e in events.seen),
    ]
    assert all(PASSWORD not in text for text in shown)
    assert f"user:***@{host}" in price.source.attempts[0].endpoint  # masked, still recognisable
    assert bad.count() == 3  # the password did go to the request
