"""HTTP/1.1 on the wire for :class:`~coinrelay.testing.upstream.FakeUpstream`: a request head
parsed, an answer encoded and sent, a silent wait for the client to leave, connections ended
with RST."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import urllib.parse

from .._fakes import Reply, Request

REASONS = {
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


async def until_closed(reader: asyncio.StreamReader) -> None:
    """Never answer; return when the client closes the connection (as a real server notices)."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass


def parse(head: bytes) -> Request:
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


def encode(reply: Reply) -> bytes:
    reason = REASONS.get(reply.status, "Status")
    headers = {"content-length": str(len(reply.body)), "connection": "keep-alive", **reply.headers}
    head = f"HTTP/1.1 {reply.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + reply.body


async def send(writer: asyncio.StreamWriter, reply: Reply) -> None:
    writer.write(encode(reply))
    await writer.drain()


def _linger_zero(sock: socket.socket) -> None:
    """Make closing ``sock`` send RST rather than FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reset(conn: socket.socket) -> None:
    """Close a raw socket with RST rather than FIN."""
    _linger_zero(conn)
    conn.close()


def abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        _linger_zero(sock)
    writer.transport.abort()
