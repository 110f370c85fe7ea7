"""A real HTTP/1.1 server on 127.0.0.1 that speaks a provider's format, with faults.

It runs its own event loop in a background thread, so the code under test talks to it
over real sockets. Routes map a path to a :class:`Reply` (or a function of the request, which may be async:
it is awaited on the server's loop); a :class:`Fault` changes how every request is answered::

    with FakeUpstream() as up:
        up.route("/api/v3/ticker/price", Reply.json({"symbol": "BTCUSDT", "price": "1.0"}))
        up.fault = Fault("status", status=503)
        up.down()   # connection refused until up.up()

Fault kinds: ``status`` (reply with ``status``), ``delay`` (wait ``delay`` s, then answer),
``blackhole`` (accept, never answer; the connection ends when the client closes it),
``reset`` (send part of the answer, then reset),
``trickle`` (send the answer a few bytes at a time, ``delay`` s apart), ``garbage``
(HTTP 200 with a non-JSON body), ``truncated`` (HTTP 200, JSON cut in half),
``rate_limit`` (HTTP 429 with ``Retry-After: retry_after``). Faults of the HTTP framing
itself: ``stall`` (status line, headers and half the body, then nothing: a timeout after
the headers), ``short_body`` (headers announcing the whole body, half of it, then the
connection closed), ``chunked`` (the answer in chunked transfer coding, no
``Content-Length``). ``FakeUpstream(ssl=context)`` serves HTTPS with that server context.
Only loopback addresses are ever bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import socket
import ssl as _ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .._fakes import Handler, Reply, Request
from ._wire import REASONS, abort, encode, parse, reset, send, until_closed

__all__ = ["FakeUpstream", "Fault", "Handler", "Reply", "Request"]

log = logging.getLogger("coinrelay.testing")


@dataclass(slots=True)
class Fault:
    kind: str
    status: int = 500
    delay: float = 0.0
    retry_after: str = "1"
    #: Only requests whose path starts with this are affected (``None`` = all).
    path: str | None = None
    body: bytes | None = None


class FakeUpstream:
    """A loopback HTTP server whose answers and faults the test controls."""

    def __init__(self, port: int = 0, *, ssl: _ssl.SSLContext | None = None) -> None:
        self._ssl = ssl
        self._routes: dict[str, Reply | Handler] = {}
        self.default: Reply | Handler = Reply.json({"error": "no route"}, status=404)
        self.fault: Fault | None = None
        self.requests: list[Request] = []
        #: Awaited on the server's event loop by :meth:`close`, before connections drop
        #: (a handler's own clean-up: see ``SandboxUpstream.on_close``).
        self.on_close: list[Callable[[], Awaitable[None]]] = []
        self._lock = threading.Lock()
        # A selector loop on every platform: the listening socket is watched with add_reader.
        self._loop: asyncio.AbstractEventLoop = asyncio.SelectorEventLoop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-upstream", daemon=True)
        self._listener: socket.socket | None = None
        #: Accepted sockets whose transport is not made yet, and the tasks making them.
        self._unwrapped: set[socket.socket] = set()
        self._opening: set[asyncio.Task[None]] = set()
        #: Open connections (until their transport is closed) and their request handlers.
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._accepting = False
        self.port = port
        self._started = False

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> FakeUpstream:
        if self._started:
            return self
        self._thread.start()
        self._started = True
        self.up()
        return self

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return f"{'https' if self._ssl is not None else 'http'}://127.0.0.1:{self.port}"

    def up(self) -> None:
        """(Re)start listening on the same port."""
        fut = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        fut.result(timeout=5)

    def down(self) -> None:
        """Stop listening and drop open connections: new connections are refused."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=5)

    def close(self) -> None:
        if not self._started:
            return
        # Stop listening, drop every connection (also one accepted a moment ago whose handler
        # had not started yet) and end every task, so no socket outlives the server.
        asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._started = False

    async def _drain(self) -> None:
        for callback in self.on_close:
            try:
                await callback()
            except Exception:  # one failed clean-up must not keep the server open
                log.exception("on_close callback %r of the fake upstream at %s raised", callback, self.url)
        await self._stop()
        rest = asyncio.all_tasks() - {asyncio.current_task()}
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        await self._stop()  # whatever those tasks opened meanwhile

    async def _listen(self) -> None:
        if self._listener is not None:
            return
        # The listening socket and its accept loop are ours rather than asyncio.start_server's:
        # Python 3.11's Server.close() breaks a connection accepted one loop turn earlier
        # (Server._attach asserts, the half-built transport is dropped unclosed: CPython
        # gh-109564), which a test that flaps the server while a client keeps calling hits.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
            sock.listen(100)
            sock.setblocking(False)
            self._loop.add_reader(sock.fileno(), self._accept_ready, sock)
        except BaseException:
            sock.close()
            raise
        self._listener = sock
        self.port = sock.getsockname()[1]
        self._accepting = True

    async def _stop(self) -> None:
        """Stop listening, then close every connection: accepted, being set up or serving.

        Nothing is left to chance: each step waits for exactly what it closes, so no socket
        outlives the server (tests run with ResourceWarning as an error)."""
        sock, self._listener = self._listener, None
        self._accepting = False
        if sock is not None:
            self._loop.remove_reader(sock.fileno())
            sock.close()  # connections still in the backlog are reset: refused
        opening = list(self._opening)
        for task in opening:  # a connection being set up (or shaking hands, with TLS): dropped
            task.cancel()
        await asyncio.gather(*opening, return_exceptions=True)
        for conn in list(self._unwrapped):  # its task was cancelled before it could start
            reset(conn)
        self._unwrapped.clear()
        for w in list(self._writers):
            abort(w)
        self._writers.clear()
        handlers = list(self._handlers)
        for task in handlers:  # a blackholed request would wait on forever
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        self._handlers.clear()
        await asyncio.sleep(0)  # the aborted transports' connection_lost callbacks run: sockets closed

    # -- routes ------------------------------------------------------------------

    def route(self, path: str, reply: Reply | Handler) -> None:
        """Answer ``path`` (exact, without query) with ``reply`` or ``reply(request)``."""
        self._routes[path] = reply

    def count(self, path_prefix: str = "") -> int:
        """Requests received whose path starts with ``path_prefix``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving -------------------------------------------------------------------

    def _accept_ready(self, sock: socket.socket) -> None:
        """The listening socket is readable: take every pending connection."""
        for _ in range(100):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: the client times out
                log.warning("the fake upstream at %s could not accept a connection: %s", self.url, exc)
                return
            conn.setblocking(False)
            self._unwrapped.add(conn)
            task = self._loop.create_task(self._open(conn))
            self._opening.add(task)
            task.add_done_callback(self._opening.discard)

    async def _open(self, conn: socket.socket) -> None:
        """Wrap an accepted socket in a stream (TLS with ``ssl``); :meth:`_accept` runs as the
        connection is made (after the handshake, with TLS)."""
        self._unwrapped.discard(conn)
        if not self._accepting:  # accepted while going down: refuse it like a closed port would
            reset(conn)
            return
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader, self._accept)
        try:
            # (the transport is made in this very step, before anything can interrupt it)
            await self._loop.connect_accepted_socket(lambda: protocol, conn, ssl=self._ssl)
        except asyncio.CancelledError:
            return  # the transport was made, and closed by asyncio on the way out
        except (OSError, ValueError) as exc:  # no transport, or a failed handshake that closed it
            log.warning("the fake upstream at %s dropped a connection: %s", self.url, exc)
            reset(conn)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called synchronously as a connection is made: it is tracked from its first moment,
        so that stopping the server can close it even before its handler task has run."""
        if not self._accepting:  # accepted while going down: refuse it like a closed port would
            abort(writer)
            return
        self._writers.add(writer)
        task = self._loop.create_task(self._handle(reader, writer))
        self._handlers.add(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                req = parse(head)
                length = int(req.headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                with self._lock:
                    self.requests.append(req)
                keep = await self._answer(req, reader, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            if task is not None:
                self._handlers.discard(task)
            if not writer.is_closing():
                writer.close()
            if writer in self._writers:  # (else _stop aborted it)
                try:  # an answer still in the buffer is flushed first; until then, it is open
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
                finally:
                    self._writers.discard(writer)

    async def _answer(self, req: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        fault = self.fault
        if fault is not None and fault.path is not None and not req.path.startswith(fault.path):
            fault = None
        target = self._routes.get(req.path, self.default)
        reply = target(req) if callable(target) else target
        if inspect.isawaitable(reply):
            reply = await reply
        if fault is None:
            if reply.delay:
                await asyncio.sleep(reply.delay)
            await send(writer, reply)
            return True
        kind = fault.kind
        if kind == "blackhole":
            await until_closed(reader)
            return False
        if kind == "delay":
            await asyncio.sleep(fault.delay)
            await send(writer, reply)
            return True
        if kind == "status":
            body = fault.body if fault.body is not None else b'{"error":"injected fault"}'
            await send(writer, Reply(fault.status, body, {"content-type": "application/json"}))
            return True
        if kind == "rate_limit":
            body = fault.body if fault.body is not None else b'{"code":-1003,"msg":"Too much request weight used"}'
            await send(
                writer,
                Reply(
                    fault.status if fault.status in (418, 429) else 429,
                    body,
                    {"content-type": "application/json", "retry-after": fault.retry_after},
                ),
            )
            return True
        if kind == "garbage":
            await send(writer, Reply(200, fault.body or b"<html>oops</html>", {"content-type": "text/html"}))
            return True
        if kind == "truncated":
            await send(writer, Reply(200, reply.body[: max(1, len(reply.body) // 2)], reply.headers))
            return True
        if kind == "reset":
            data = encode(reply)
            writer.write(data[: max(1, len(data) // 2)])
            await writer.drain()
            abort(writer)
            return False
        if kind in ("stall", "short_body"):
            data = encode(reply)
            split = data.index(b"\r\n\r\n") + 4
            writer.write(data[: split + (len(data) - split) // 2])
            await writer.drain()
            if kind == "stall":
                await until_closed(reader)
            return False
        if kind == "chunked":
            body = reply.body
            headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
            head = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\ntransfer-encoding: chunked\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            chunks = b"".join(
                f"{len(body[i : i + 4096]):x}\r\n".encode() + body[i : i + 4096] + b"\r\n"
                for i in range(0, len(body), 4096)
            )
            writer.write(head.encode("latin-1") + chunks + b"0\r\n\r\n")
            await writer.drain()
            return True
        if kind == "trickle":
            data = encode(reply)
            for i in range(0, len(data), 8):
                writer.write(data[i : i + 8])
                await writer.drain()
                await asyncio.sleep(fault.delay or 0.05)
            return True
        raise ValueError(f"unknown fault kind {kind!r}")
