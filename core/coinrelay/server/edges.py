"""HTTP edges every route shares: request size limits and ``HEAD`` wherever ``GET`` is.

:class:`HttpEdges` is pure ASGI middleware, so it holds under any server that runs the
app. ``coinrelay serve`` adds a protocol-level guard (:mod:`coinrelay.server.protocol`)
for heads too large to reach the app at all; both answer with the same limits:

* **414** when the request target (path and query string) is longer than
  :data:`MAX_TARGET` bytes;
* **431** when the header lines add up to more than :data:`MAX_HEADERS` bytes.

Both are ``http_error`` JSON bodies. A ``HEAD`` request is routed as ``GET`` and answered
with the same status and headers (``content-length`` included) and no body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import HttpErrorBody

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Longest request target (path + ``?`` + query string) served, in bytes; longer is a 414.
MAX_TARGET = 8 * 1024
#: Most header bytes served (each line counted as ``name: value\r\n``); more is a 431.
MAX_HEADERS = 32 * 1024


def error_bytes(message: str) -> bytes:
    """The JSON ``http_error`` body with ``message``."""
    return HttpErrorBody(error="http_error", message=message).model_dump_json().encode()


def target_message(size: int | None) -> str:
    """The message of a 414 (``size``: the target's length, when known)."""
    said = f"{size} bytes" if size is not None else f"more than {MAX_TARGET} bytes"
    return f"the request target (path and query string) is {said}; the limit is {MAX_TARGET} bytes"


def headers_message(size: int | None) -> str:
    """The message of a 431 (``size``: the headers' length, when known)."""
    said = f"{size} bytes" if size is not None else f"more than {MAX_HEADERS} bytes"
    return f"the request headers are {said}; the limit is {MAX_HEADERS} bytes"


class HttpEdges:
    """Pure ASGI middleware: 414/431 for oversized requests, ``HEAD`` answered as ``GET``.

    :param headers: added to every response (the sandbox's ``x-coinrelay-sandbox: 1``).
    """

    def __init__(self, app: ASGIApp, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self.app = app
        self.headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head or self.headers:
            send = self._wrap(send, head)
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        target = len(raw_path) + (len(query) + 1 if query else 0)
        if target > MAX_TARGET:
            await _answer(send, 414, target_message(target))
            return
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope["headers"])
        if header_bytes > MAX_HEADERS:
            await _answer(send, 431, headers_message(header_bytes))
            return
        await self.app({**scope, "method": "GET"} if head else scope, receive, send)

    def _wrap(self, send: Send, head: bool) -> Send:
        """``send`` adding :attr:`headers` to the response and, for ``HEAD``, dropping the body."""
        extra = self.headers

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message["headers"] = [*message.get("headers", []), *extra]
            elif message["type"] == "http.response.body" and head:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        return wrapped


async def _answer(send: Send, status: int, message: str) -> None:
    body = error_bytes(message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
