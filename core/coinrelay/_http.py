"""The HTTP helper a plugin gets as ``ctx.http``: endpoints, timeouts, mirrors, health.

The core picks the endpoint, spends the rate budget, applies the timeout (bounded by the
call's deadline), fails over between mirrors on connection errors, timeouts and 5xx, and
records health per endpoint. Foreign exceptions are mapped here, once:

========================================  ==========================================
what happened                             raised (see :mod:`coinrelay._errors`)
========================================  ==========================================
timeout on every endpoint                 ``UpstreamTimeout``
refused / reset / protocol error          ``UpstreamConnectionError``
HTTP 5xx on every endpoint                ``UpstreamServerError``
HTTP 429, 418 (IP ban)                    ``RateLimited`` (``Retry-After`` honoured)
HTTP 451, 403                             ``Forbidden``
own budget spent                          ``RateLimited(local=True)`` (nothing sent)
any other status                          returned: the plugin reads its error body
========================================  ==========================================
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ._errors import (
    Forbidden,
    NotConfigured,
    ProviderError,
    RateLimited,
    TransientError,
    UpstreamConnectionError,
    UpstreamServerError,
    UpstreamTimeout,
)
from ._models import Attempt
from ._response import Response
from ._transport import RawResponse, TransportError, TransportTimeout, query_params

if TYPE_CHECKING:
    from ._context import ProviderContext

#: Header forwarded to another coinrelay deployment to stop request loops.
HOP_HEADER = "x-coinrelay-hops"
USER_AGENT = "coinrelay/0.1 (+https://github.com/coinrelay/coinrelay)"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` in seconds, from either form (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": a UTC time per RFC 5322
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


class EndpointClient:
    """``ctx.http``: GETs against one provider's endpoints, on behalf of one call."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: ProviderContext) -> None:
        self._ctx = ctx

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        weight: float = 1.0,
        endpoints: list[str] | tuple[str, ...] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """GET ``path`` from the first healthy endpoint, failing over to the next.

        :param path: path below the endpoint's base URL (``/api/v3/ticker/price``).
        :param params: query parameters.
        :param headers: extra headers (API keys: pass them here, never in ``params``,
            unless the API only takes them there — then name the parameter in the
            provider's ``credentials`` so it is filtered from logs and cassettes).
        :param weight: units of the provider's rate budget this call spends, per endpoint tried.
        :param endpoints: restrict to these base URLs (default: all configured, in order).
        :param timeout: seconds per attempt (default: the provider's ``timeout``), always
            bounded by what is left of the call's deadline.
        """
        ctx = self._ctx
        rt = ctx.runtime
        bases = rt.endpoints if endpoints is None else [e for e in rt.endpoints if e in endpoints] or list(endpoints)
        if not bases:
            raise NotConfigured(f"no endpoints configured (set providers.{rt.name}.endpoints)", provider=rt.name)
        per_try = rt.timeout if timeout is None else timeout
        last_error: ProviderError | None = None
        tried = 0
        for base in bases:
            ep = rt.endpoint_state(base)
            if not ep.breaker.allow():
                continue
            remaining = ctx.remaining()
            if remaining <= 0:
                ep.breaker.release_probe()
                raise UpstreamTimeout(
                    "call deadline reached before a request could be sent", provider=rt.name, endpoint=base
                )
            if rt.rate_limit is not None:
                await rt.spend_budget(weight, base)
            tried += 1
            url = base + path
            req_headers = rt.default_headers if not headers else {**rt.default_headers, **headers}
            timeout_s = per_try if per_try < remaining else remaining
            started = time.perf_counter()
            err: TransientError
            try:
                resp = await rt.transport.get(url, params=query_params(params), headers=req_headers, timeout=timeout_s)
            except TransportTimeout:
                err = UpstreamTimeout(f"no answer within {timeout_s:.3g}s", provider=rt.name, endpoint=base)
            except TransportError as exc:
                err = UpstreamConnectionError(_short(exc), provider=rt.name, endpoint=base)
            else:
                elapsed = time.perf_counter() - started
                status = resp.status
                ctx.last_endpoint = base
                if status < 500:
                    ep.succeeded(elapsed)
                    return await self._answer(resp, base)
                err = UpstreamServerError(f"HTTP {status}", provider=rt.name, endpoint=base, status=status)
            # this endpoint failed: note it and try the provider's next mirror
            elapsed = time.perf_counter() - started
            last_error = err
            ep.failed(err, elapsed)
            ctx.attempts.append(
                Attempt(
                    provider=rt.name,
                    endpoint=base,
                    outcome="failed",
                    error=err.message,
                    latency_ms=round(elapsed * 1000, 3),
                )
            )
        if last_error is None:
            if tried == 0:
                raise UpstreamConnectionError(
                    f"every endpoint's breaker is open ({len(bases)} endpoint(s))", provider=rt.name
                )
            raise UpstreamConnectionError("no endpoint answered", provider=rt.name)
        if len(bases) > 1:
            last_error.message = f"all {tried} endpoint(s) tried failed; last: {last_error.message}"
        raise last_error

    async def _answer(self, resp: RawResponse, base: str) -> Response:
        """An endpoint answered below 500: spend nothing more, map 429/418/403/451, or hand it over."""
        rt = self._ctx.runtime
        status = resp.status
        if rt.rate_limit is not None:
            await rt.observe_usage(resp.headers)
        if status in (429, 418):
            retry_after = parse_retry_after(resp.headers.get("retry-after"), rt.clock.time())
            banned = status == 418
            raise RateLimited(
                ("IP banned (HTTP 418)" if banned else "rate limited (HTTP 429)")
                + (f", retry after {retry_after:.0f}s" if retry_after is not None else ""),
                provider=rt.name,
                endpoint=base,
                retry_after=retry_after,
                banned=banned,
            )
        if status in (451, 403):
            raise Forbidden(
                f"HTTP {status}: {_error_text(resp.content) or 'forbidden'}",
                provider=rt.name,
                endpoint=base,
                status=status,
            )
        return Response(
            status_code=status,
            headers=resp.headers,
            content=resp.content,
            url=resp.url,
            endpoint=base,
            provider=rt.name,
        )


def _error_text(content: bytes) -> str:
    """The ``msg``/``message``/``error`` of a JSON error body, else its start."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return content[:120].decode("utf-8", errors="replace").strip()
    if isinstance(body, dict):
        for key in ("msg", "message", "error", "Message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return json.dumps(body)[:120]
