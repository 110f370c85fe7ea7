"""HTTP to the remote coinrelay deployment (extract): the hop guard, headers and error statuses.

The remote answers ``GET /api/v1/<category>?<params>`` with the JSON of the result model,
or a JSON error body ``{"error": code, "message": text, ...}``. The core handles 5xx
(``UpstreamServerError``, mirror failover), 429/418 and 403/451; the rest is mapped here:

=========  =======================================================================
status     raised
=========  =======================================================================
2xx        (the body is returned for :mod:`coinrelay_render._parse`)
404        ``NotSupported`` — no provider of the remote serves it (``symbol_not_found``)
400, 422   ``NotSupported`` — the remote refuses a parameter (``invalid_request``)
401        ``NotConfigured`` — the remote wants a (different) ``api_key``
other      ``UpstreamServerError`` — unexpected status
=========  =======================================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from coinrelay.plugin import (
    HOP_HEADER,
    NotConfigured,
    NotSupported,
    ProviderContext,
    Response,
    UpstreamServerError,
    redact,
)

API_PREFIX = "/api/v1/"


def headers(ctx: ProviderContext, hop: int) -> dict[str, str]:
    """The hop header, and ``authorization: Bearer <api_key>`` when a key is configured."""
    out = {HOP_HEADER: str(hop)}
    key = ctx.secret("api_key")
    if key:
        out["authorization"] = f"Bearer {key}"
    return out


def query(params: Mapping[str, Any]) -> dict[str, str]:
    """The category's parameters as query strings (``None`` = left out, e.g. news without symbol)."""
    return {name: str(value) for name, value in params.items() if value is not None}


async def get(ctx: ProviderContext, category: str, params: Mapping[str, Any]) -> Response:
    """``GET /api/v1/<category>`` on the remote; a 2xx response, else the mapped error."""
    resp = await ctx.http.get(API_PREFIX + category, params=query(params), headers=headers(ctx, ctx.next_hops))
    status = resp.status_code
    if resp.is_success:
        return resp
    where = f"{category} {resp.url}"
    message = error_message(resp.content, resp.secrets)
    if status == 404:
        raise NotSupported(
            f"the remote has no provider for {where}: {message}", provider=ctx.name, endpoint=resp.endpoint
        )
    if status in (400, 422):
        raise NotSupported(
            f"the remote refused {where} (HTTP {status}): {message}", provider=ctx.name, endpoint=resp.endpoint
        )
    if status == 401:
        raise NotConfigured(
            f"the remote refused our credentials (HTTP 401: {message}); set providers.{ctx.name}.api_key",
            provider=ctx.name,
            endpoint=resp.endpoint,
        )
    raise UpstreamServerError(
        f"unexpected HTTP {status} for {where}: {message}", provider=ctx.name, endpoint=resp.endpoint, status=status
    )


def error_message(content: bytes, secrets: Iterable[str] = ()) -> str:
    """The ``message`` (else ``error``/``detail``) of a JSON error body, else the body's start.

    ``secrets`` are masked before the text is cut.
    """
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return redact(value, secrets, limit=300)
    text = redact(content[:2048].decode("utf-8", errors="replace"), secrets, limit=120).strip()
    return text or "empty body"
