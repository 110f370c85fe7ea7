"""uvicorn's h11 protocol with coinrelay's request limits, for heads too large to reach the app.

uvicorn answers a request head that overflows h11's buffer with a plain-text 400 and closes
the socket while the client is still sending, so the client sees a TCP reset instead of an
answer. :class:`GuardedH11Protocol` answers such a head with the JSON 414 or 431 of
:mod:`coinrelay.server.edges` (and any other malformed head with a JSON 400), then closes
gracefully: it half-closes its side, reads and discards what the client still sends (at
most :data:`LINGER_BYTES`, until :data:`LINGER_IDLE` seconds pass without data) and closes
only then, so the answer is read rather than reset.

:func:`uvicorn_config` is the uvicorn configuration ``coinrelay serve`` runs with.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .edges import MAX_HEADERS, MAX_TARGET, error_bytes, headers_message, target_message

#: h11's buffer for one request head: the request line and the headers at their limits.
HEAD_LIMIT = MAX_TARGET + MAX_HEADERS + 1024
#: Bytes read and discarded after answering an oversized head, before closing anyway.
LINGER_BYTES = 16 * 1024 * 1024
#: Seconds without data from the client, after answering, before closing.
LINGER_IDLE = 5.0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol answering a bad request head with a JSON 400, 414 or 431."""

    _lingering = False
    _discarded = 0
    _linger_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self.transport.close()
            else:
                self._rearm()
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        """Called by uvicorn when h11 refuses the head: answer 414, 431 or 400, then linger."""
        buffer, _ = self.conn.trailing_data
        if len(buffer) > HEAD_LIMIT:
            end = buffer.find(b"\n")
            if end == -1 or end > MAX_TARGET:
                self._answer(414, target_message(None))
            else:
                self._answer(431, headers_message(None))
        else:
            self._answer(400, "the request is not valid HTTP/1.1")

    def _answer(self, status: int, message: str) -> None:
        body = error_bytes(message)
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._rearm()

    def _rearm(self) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        self._linger_timer = self.loop.call_later(LINGER_IDLE, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self._lingering:
            self.transport.close()
            return
        super().shutdown()


def uvicorn_config(app: Any, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration that serves ``app`` with :class:`GuardedH11Protocol`.

    :param options: further :class:`uvicorn.Config` options (``log_level``, ``lifespan``, ...).
    """
    return uvicorn.Config(
        app, host=host, port=port, http=GuardedH11Protocol, h11_max_incomplete_event_size=HEAD_LIMIT, **options
    )
