"""The httpx transport: for an httpx transport of your own (MockTransport in tests, vcrpy, proxies)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from .base import MAX_BODY, RawResponse, TransportError, TransportTimeout, too_large


class HttpxTransport:
    """An ``httpx.AsyncClient`` (optionally over a given httpx transport).

    Selected by ``Relay(transport=<httpx transport>)`` or ``[relay] transport = "httpx"``. The
    body is streamed and refused as soon as it grows past ``max_body``.
    """

    name = "httpx"

    def __init__(
        self, transport: httpx.AsyncBaseTransport | None = None, *, max_connections: int = 256, max_body: int = MAX_BODY
    ) -> None:
        self._max_body = max_body
        self.client = httpx.AsyncClient(
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
            follow_redirects=False,
            trust_env=False,
        )

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse:
        limit = self._max_body
        try:
            async with self.client.stream("GET", url, params=params, headers=headers, timeout=timeout) as resp:
                length = resp.headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > limit:
                    raise too_large(int(length), limit)
                buf = bytearray()
                async for chunk in resp.aiter_bytes():
                    buf += chunk
                    if len(buf) > limit:
                        raise too_large(len(buf), limit)
        except httpx.TimeoutException as exc:
            raise TransportTimeout(f"{type(exc).__name__}: no answer within {timeout:.3g}s") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return RawResponse(resp.status_code, resp.headers, bytes(buf), str(resp.url))

    async def aclose(self) -> None:
        await self.client.aclose()
