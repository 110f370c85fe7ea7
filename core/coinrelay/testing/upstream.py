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
import inspect
import logging
import socket
import ssl as _ssl
import struct
import threading
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .._fakes import Handler, Reply, Request

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


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    418: "I'm a teapot",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


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
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-upstream", daemon=True)
        self._server: asyncio.base_events.Server | None = None
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
        # A connection accepted just before the listener closed may get its transport and its
        # handler a few loop turns later: end tasks and drop connections until none is left.
        for _ in range(20):
            rest = asyncio.all_tasks() - {asyncio.current_task()}
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)
            for w in list(self._writers):  # a handler cancelled before its first step closed nothing
                _abort(w)
            self._writers.clear()
            await asyncio.sleep(0)  # let the transports' close callbacks run
            if not rest and not asyncio.all_tasks() - {asyncio.current_task()}:
                break

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._accepting = True
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True, ssl=self._ssl
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # A connection accepted just before close() may start its handler a moment later:
        # sweep until no connection is left, then let the transports' close callbacks run,
        # so no socket outlives the server (tests run with ResourceWarning as an error).
        self._accepting = False
        for _ in range(5):
            for w in list(self._writers):
                _abort(w)
            self._writers.clear()
            for task in list(self._handlers):  # a blackholed request would sleep on forever
                task.cancel()
            self._handlers.clear()
            await asyncio.sleep(0.005)
        if server is not None:
            await server.wait_closed()

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

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called synchronously as a connection is made: it is tracked from its first moment,
        so that stopping the server can close it even before its handler task has run."""
        if not self._accepting:  # accepted while going down: refuse it like a closed port would
            _abort(writer)
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
                req = _parse(head)
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
            self._writers.discard(writer)
            if task is not None:
                self._handlers.discard(task)
            if not writer.is_closing():
                writer.close()

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
            await _send(writer, reply)
            return True
        kind = fault.kind
        if kind == "blackhole":
            await _until_closed(reader)
            return False
        if kind == "delay":
            await asyncio.sleep(fault.delay)
            await _send(writer, reply)
            return True
        if kind == "status":
            body = fault.body if fault.body is not None else b'{"error":"injected fault"}'
            await _send(writer, Reply(fault.status, body, {"content-type": "application/json"}))
            return True
        if kind == "rate_limit":
            body = fault.body if fault.body is not None else b'{"code":-1003,"msg":"Too much request weight used"}'
            await _send(
                writer,
                Reply(
                    fault.status if fault.status in (418, 429) else 429,
                    body,
                    {"content-type": "application/json", "retry-after": fault.retry_after},
                ),
            )
            return True
        if kind == "garbage":
            await _send(writer, Reply(200, fault.body or b"<html>oops</html>", {"content-type": "text/html"}))
            return True
        if kind == "truncated":
            await _send(writer, Reply(200, reply.body[: max(1, len(reply.body) // 2)], reply.headers))
            return True
        if kind == "reset":
            data = _encode(reply)
            writer.write(data[: max(1, len(data) // 2)])
            await writer.drain()
            _abort(writer)
            return False
        if kind in ("stall", "short_body"):
            data = _encode(reply)
            split = data.index(b"\r\n\r\n") + 4
            writer.write(data[: split + (len(data) - split) // 2])
            await writer.drain()
            if kind == "stall":
                await _until_closed(reader)
            return False
        if kind == "chunked":
            body = reply.body
            headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
            head = f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\ntransfer-encoding: chunked\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            chunks = b"".join(
                f"{len(body[i : i + 4096]):x}\r\n".encode() + body[i : i + 4096] + b"\r\n"
                for i in range(0, len(body), 4096)
            )
            writer.write(head.encode("latin-1") + chunks + b"0\r\n\r\n")
            await writer.drain()
            return True
        if kind == "trickle":
            data = _encode(reply)
            for i in range(0, len(data), 8):
                writer.write(data[i : i + 8])
                await writer.drain()
                await asyncio.sleep(fault.delay or 0.05)
            return True
        raise ValueError(f"unknown fault kind {kind!r}")


async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Never answer; return when the client closes the connection (as a real server notices)."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass


def _parse(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
    parsed = urllib.parse.urlsplit(target)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    return Request(method, parsed.path, query, headers)


def _encode(reply: Reply) -> bytes:
    reason = _REASONS.get(reply.status, "Status")
    headers = {"content-length": str(len(reply.body)), "connection": "keep-alive", **reply.headers}
    head = f"HTTP/1.1 {reply.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + reply.body


async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
    writer.write(_encode(reply))
    await writer.drain()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport = writer.transport
    transport.abort()
