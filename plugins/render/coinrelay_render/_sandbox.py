"""render's sandbox upstream: a second, in-process coinrelay answering as a render remote.

A render endpoint is another coinrelay deployment, so its fake is one: the HTTP app of
:func:`coinrelay.server.create_app` over a relay on the *other* providers' sandbox
upstreams (``sandbox.relay(exclude=("render",))``). Faults injected on Binance & co. reach
it as they would reach a real remote; faults on ``render`` hit its own loopback server.

How it starts, without an import cycle or the network:

* :func:`upstream` (the hook) only keeps the sandbox: the core calls it while it builds
  the :class:`~coinrelay.sandbox.Sandbox`, before any server runs or any endpoint exists.
* The first request, on the loopback server's event loop, builds the inner relay and app.
  ``coinrelay.server`` is imported there, not at module level: it imports the relay, which
  loads the plugins (this one included), and FastAPI, which only the sandbox needs.
* Requests reach the app in process through httpx's ASGI transport: the only socket is the
  loopback one the outer relay's ``render`` talks to. The inner relay leaves ``render``
  out (it would forward to itself) and loads only sandboxed providers, so nothing leaves
  127.0.0.1.
* ``on_close`` closes the client and the inner relay on that same loop as the sandbox stops.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import TYPE_CHECKING

import httpx

from coinrelay.plugin import HOP_HEADER, Reply, Request, SandboxUpstream

from ._parse import PROVIDER

if TYPE_CHECKING:
    from coinrelay import Relay
    from coinrelay.sandbox import Sandbox

#: What the app answers for a 429 fault: coinrelay's error-body shape.
RATE_LIMIT_BODY = b'{"error":"rate_limited","message":"too many requests; retry after the Retry-After delay"}'


def upstream(sandbox: Sandbox) -> SandboxUpstream | None:
    """The in-process remote (one mirror, no key), or ``None`` without the server extra (FastAPI)."""
    if importlib.util.find_spec("fastapi") is None:
        return None  # render stays blocked in sandbox mode: pip install 'coinrelay[server]'
    remote = RemoteDeployment(sandbox)
    return SandboxUpstream(handler=remote, rate_limit_body=RATE_LIMIT_BODY, on_close=remote.aclose)


class RemoteDeployment:
    """A handler that answers each request with a second coinrelay's HTTP app (built lazily)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        #: One inner relay and client per event loop (each mirror runs its own).
        self._clients: dict[asyncio.AbstractEventLoop, tuple[Relay, httpx.AsyncClient]] = {}

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            from coinrelay.server import create_app

            relay = self.sandbox.relay(exclude=(PROVIDER,))
            transport = httpx.ASGITransport(app=create_app(relay))
            self._clients[loop] = (relay, httpx.AsyncClient(transport=transport, base_url="http://render.sandbox"))
        return self._clients[loop][1]

    async def __call__(self, req: Request) -> Reply:
        """Forward ``req`` (path, query, hop count) to the app; its status, body and content type back."""
        headers = {HOP_HEADER: req.headers[HOP_HEADER]} if HOP_HEADER in req.headers else {}
        resp = await self._client().get(req.path, params=req.query, headers=headers)
        content_type = resp.headers.get("content-type", "application/json")
        return Reply(resp.status_code, resp.content, {"content-type": content_type})

    async def aclose(self) -> None:
        """Close the client and the inner relay of the running loop (if a request built them)."""
        pair = self._clients.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            relay, client = pair
            await client.aclose()
            await relay.aclose()
