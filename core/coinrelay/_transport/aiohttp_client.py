"""The default transport: aiohttp's client, used directly (no httpx machinery on the hot path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from .._watchdog import Watchdog
from .base import DEFAULT_HEADERS, MAX_BODY, RawResponse, TransportError, TransportTimeout, too_large


class AiohttpTransport:
    """aiohttp's client session, created on first use inside the running loop.

    A body with a ``Content-Length`` over ``max_body`` is refused before it is read; a
    chunked or compressed one is read in pieces and refused as soon as it grows past it.

    The timeout is the relay's own (:class:`~coinrelay._watchdog.Watchdog`), not aiohttp's:
    one loop timer for every request in flight, and a cancellation that an inline fetch
    (:mod:`coinrelay._inline`) knows for a timeout, never for its caller leaving.
    """

    name = "aiohttp"
    #: Its timeouts are the relay's own: a fetch over it may run in its caller's task.
    inline = True

    def __init__(self, *, max_connections: int = 256, keepalive: float = 30.0, max_body: int = MAX_BODY) -> None:
        self._max_connections = max_connections
        self._keepalive = keepalive
        self._max_body = max_body
        self._session: Any = None
        self._no_timeout: Any = None
        self._watchdog = Watchdog()

    def _open(self) -> Any:
        import aiohttp

        self._no_timeout = aiohttp.ClientTimeout()  # every limit off: the watchdog bounds a request
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, keepalive_timeout=self._keepalive, ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            trust_env=False,
            skip_auto_headers=("User-Agent",),
            headers=DEFAULT_HEADERS,  # sent with every request: a request passes only other ones
        )
        return self._session

    async def start(self) -> None:
        """Open the session now: importing aiohttp and building its TLS context cost ~0.1-0.4 s
        that the first request would otherwise be billed as provider latency."""
        if self._session is None:
            self._open()

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse:
        import aiohttp

        session = self._session or self._open()
        timer = self._watchdog.start(time.monotonic() + timeout)
        try:
            async with session.get(
                url,
                params=params,
                headers=None if headers is DEFAULT_HEADERS else headers,
                timeout=self._no_timeout,
                allow_redirects=False,
            ) as resp:
                length = resp.content_length
                if length is not None and length > self._max_body:
                    raise too_large(length, self._max_body)
                if length is None or "Content-Encoding" in resp.headers:
                    content = await self._read_capped(resp)
                else:
                    content = await resp.read()
                timer.end(False)
                return RawResponse(resp.status, resp.headers, content, str(resp.url))
        except asyncio.CancelledError:
            if timer.end(True):
                raise TransportTimeout(f"TimeoutError: no answer within {timeout:.3g}s") from None
            raise
        except BaseException as exc:
            timer.end(False)
            if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)):
                raise TransportTimeout(f"{type(exc).__name__}: no answer within {timeout:.3g}s") from exc
            if isinstance(exc, (aiohttp.ClientError, OSError, ValueError)):
                raise TransportError(f"{type(exc).__name__}: {exc}") from exc
            raise

    async def _read_capped(self, resp: Any) -> bytes:
        limit = self._max_body
        buf = bytearray()
        async for chunk in resp.content.iter_any():
            buf += chunk
            if len(buf) > limit:
                raise too_large(len(buf), limit)
        return bytes(buf)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
            await asyncio.sleep(0)  # let the connector close its sockets
