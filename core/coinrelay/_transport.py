"""The HTTP transport under ``ctx.http``: one shared connection pool per relay.

Plugins never see it: they call ``ctx.http.get(...)``. Two implementations:

* :class:`AiohttpTransport` (the default) — aiohttp's client directly. The relay's own
  per-request work is a few tens of microseconds; httpx's request/response machinery
  alone costs several times that (measured in ``bench/``), so the hot path does not use it.
* :class:`HttpxTransport` — an ``httpx.AsyncClient``, for an httpx transport of your own
  (``httpx.MockTransport`` in tests, vcrpy cassettes, proxies): pass
  ``Relay(transport=<httpx transport>)`` or set ``[relay] transport = "httpx"``.

Both raise only :class:`TransportTimeout` and :class:`TransportError`, which
:mod:`coinrelay._http` maps to the error tree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

import httpx


class TransportTimeout(Exception):
    """No answer within the timeout."""


class TransportError(Exception):
    """Connection refused or reset, protocol error, DNS failure."""


class RawResponse(NamedTuple):
    status: int
    #: Case-insensitive header mapping.
    headers: Mapping[str, str]
    content: bytes
    url: str


class Transport(Protocol):
    """What :class:`~coinrelay._http.EndpointClient` needs from an HTTP client."""

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse: ...

    async def aclose(self) -> None: ...


def query_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as strings (booleans as ``true``/``false``; ``None`` values dropped)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


class AiohttpTransport:
    """aiohttp's client session, created on first use inside the running loop."""

    def __init__(self, *, max_connections: int = 256, keepalive: float = 30.0) -> None:
        self._max_connections = max_connections
        self._keepalive = keepalive
        self._session: Any = None
        self._timeouts: dict[float, Any] = {}

    def _open(self) -> Any:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=self._max_connections, keepalive_timeout=self._keepalive, ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            trust_env=False,
            skip_auto_headers=("User-Agent",),
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
        ct = self._timeouts.get(timeout)
        if ct is None:
            ct = aiohttp.ClientTimeout(total=timeout)
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = ct
        try:
            async with session.get(url, params=params, headers=headers, timeout=ct, allow_redirects=False) as resp:
                content = await resp.read()
                return RawResponse(resp.status, resp.headers, content, str(resp.url))
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TransportTimeout(f"{type(exc).__name__}: no answer within {timeout:.3g}s") from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
            await asyncio.sleep(0)  # let the connector close its sockets


class HttpxTransport:
    """An ``httpx.AsyncClient`` (optionally over a given httpx transport)."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None, *, max_connections: int = 256) -> None:
        self.client = httpx.AsyncClient(
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
            follow_redirects=False,
            trust_env=False,
        )

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse:
        try:
            resp = await self.client.get(url, params=params, headers=headers, timeout=timeout)
            content = resp.content
        except httpx.TimeoutException as exc:
            raise TransportTimeout(f"{type(exc).__name__}: no answer within {timeout:.3g}s") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return RawResponse(resp.status_code, resp.headers, content, str(resp.url))

    async def aclose(self) -> None:
        await self.client.aclose()


def make_transport(kind: str, httpx_transport: httpx.AsyncBaseTransport | None = None) -> Transport:
    """``aiohttp`` (default) or ``httpx``; an explicit httpx transport always means httpx."""
    if httpx_transport is not None or kind == "httpx":
        return HttpxTransport(httpx_transport)
    return AiohttpTransport()
