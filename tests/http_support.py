"""A real coinrelay HTTP server on 127.0.0.1 (uvicorn as ``coinrelay serve`` runs it), for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from types import TracebackType

import httpx
import pytest
import uvicorn

from coinrelay import Relay
from coinrelay._clock import SYSTEM_CLOCK, Clock
from coinrelay._config import load_settings
from coinrelay.sandbox import Sandbox
from coinrelay.server import create_app
from coinrelay.server.protocol import uvicorn_config


class LoopbackServer:
    """uvicorn serving a sandbox relay on a free port of 127.0.0.1, in a thread with its own loop.

    It runs with :func:`~coinrelay.server.protocol.uvicorn_config`, the configuration of
    ``coinrelay serve``. The relay is built and closed on the server's own event loop, with
    ``clock`` (a :class:`~coinrelay._clock.FakeClock` makes what the pages show stand still).
    """

    def __init__(self, box: Sandbox, clock: Clock = SYSTEM_CLOCK) -> None:
        self.box = box
        self.clock = clock
        # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
        # without it every keep-alive answer waits ~40 ms for a delayed ACK.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="loopback-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced by __enter__
            self._error = exc
            self._started.set()

    async def _main(self) -> None:
        relay = Relay(self.box.apply(load_settings(use_file=False)), sandbox=True, clock=self.clock)
        try:
            app = create_app(relay, sandbox=self.box)
            config = uvicorn_config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")
            self.server = uvicorn.Server(config)
            serving = asyncio.create_task(self.server.serve(sockets=[self.sock]))
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.01)
            self._started.set()
            await serving
        finally:
            await relay.aclose()

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        if not self._started.wait(30):
            raise RuntimeError("the loopback server did not start")
        if self._error is not None:
            raise RuntimeError("the loopback server failed to start") from self._error
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        assert self.server is not None
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` whole on a fresh connection, half-close, and read the answer to the end.

    Raises ``ConnectionResetError`` if the server resets the connection instead of answering.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# Fixtures; a test module takes them with ``box = http_support.box`` (and so on).


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """The module's running sandbox."""
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def client(box: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of a sandbox app; no fault is in force before or after."""
    box.clear()
    relay = Relay(box.apply(load_settings(use_file=False)), sandbox=True)
    app = create_app(relay, sandbox=box)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test") as c:
        yield c
    await relay.aclose()
    box.clear()


@pytest.fixture(scope="module")
def server(box: Sandbox) -> Iterator[LoopbackServer]:
    """The module's real server on 127.0.0.1."""
    with LoopbackServer(box) as srv:
        yield srv
