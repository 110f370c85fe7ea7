"""The HTTP helper a plugin gets as ``ctx.http``: endpoints, timeouts, mirrors, health.

The core picks the endpoint, spends the rate budget, applies the timeout (bounded by the
attempt's share of the call's deadline), fails over between mirrors on connection errors,
timeouts and 5xx, and reports each failed endpoint to the attempt (which charges it to that
endpoint's breaker). Foreign exceptions are mapped here, once:

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
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ._breaker import CLOSED
from ._errors import (
    Forbidden,
    NotConfigured,
    RateLimited,
    TransientError,
    UpstreamConnectionError,
    UpstreamServerError,
    UpstreamTimeout,
)
from ._outcome import Outcome
from ._redact import redact
from ._response import Response
from ._runtime import usage
from ._transport import RawResponse, TransportError, TransportTimeout, query_params

if TYPE_CHECKING:
    from ._runtime import ProviderRuntime
    from ._scope import AttemptScope

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


#: At most this many mirrors share an attempt's time: each gets at least a third of it.
MIRRORS_PER_SHARE = 3


class EndpointsUnavailable(TransientError):
    """Every endpoint of the provider is open, or already failed in this attempt: nothing was sent.

    Internal to the core: the attempt turns it into a skip (no breaker strike).
    """


def _short(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """A transport error's text for messages: secrets masked, then cut to 200 characters."""
    text = redact(str(exc) or type(exc).__name__, secrets)
    return text if len(text) <= 200 else text[:197] + "..."


class EndpointClient:
    """``ctx.http``: GETs against one provider's endpoints, on behalf of one attempt."""

    __slots__ = ("_scope",)

    def __init__(self, scope: AttemptScope) -> None:
        self._scope = scope

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
        :param timeout: seconds per endpoint (default: the provider's ``timeout``), always
            bounded by the attempt's share of the call's deadline, split among the mirrors
            still to try (at most :data:`MIRRORS_PER_SHARE` share it), so that a blackholed
            mirror cannot take the time its siblings need.
        :raises UpstreamTimeout, UpstreamConnectionError, UpstreamServerError: every endpoint
            tried failed (each failure was reported to the attempt as it happened).
        :raises RateLimited: HTTP 429/418, or the provider's own budget is spent (``local``).
        :raises Forbidden: HTTP 403/451.
        """
        scope = self._scope
        rt = scope.runtime
        if endpoints is None:
            mirrors = rt.mirrors()
        else:
            bases = [e for e in rt.endpoints if e in endpoints] or list(endpoints)
            mirrors = [rt.endpoint_state(base) for base in bases]
        if not mirrors:
            raise NotConfigured(f"no endpoints configured (set providers.{rt.name}.endpoints)", provider=rt.name)
        per_try = rt.timeout if timeout is None else timeout
        excluded = scope.excluded
        last_error: TransientError | None = None
        for i, ep in enumerate(mirrors):
            base = ep.base
            if excluded and base in excluded:
                continue
            breaker = ep.breaker
            if breaker.record.state != CLOSED and not breaker.allow():
                continue
            remaining = scope.deadline - time.monotonic()
            if remaining <= 0:
                breaker.release_probe()
                raise UpstreamTimeout(
                    "the attempt's time ran out before a request could be sent", provider=rt.name, endpoint=base
                )
            rl = rt.rate_limit
            if rl is not None:  # spent before sending; in this process without awaiting (memory state)
                state = rt.state
                wait = state.spend_now(rt.domain, weight, rl)
                if wait is None:
                    wait = await state.spend(rt.domain, weight, rl)
                if wait > 0:
                    breaker.release_probe()
                    raise rt.over_budget(wait, base)
            left = sum(1 for m in mirrors[i:] if m.base not in excluded) if excluded else len(mirrors) - i
            share = remaining / (left if left < MIRRORS_PER_SHARE else MIRRORS_PER_SHARE)
            timeout_s = per_try if per_try < share else share
            req_headers = rt.default_headers if not headers else {**rt.default_headers, **headers}
            started = time.perf_counter()
            scope.pending_endpoint = base
            err: TransientError
            try:
                resp = await rt.transport.get(
                    base + path, params=query_params(params), headers=req_headers, timeout=timeout_s
                )
            except TransportTimeout:
                err = UpstreamTimeout(f"no answer within {timeout_s:.3g}s", provider=rt.name, endpoint=base)
                outcome = Outcome.TIMEOUT
            except TransportError as exc:
                err = UpstreamConnectionError(_short(exc, rt.secrets.values()), provider=rt.name, endpoint=base)
                outcome = Outcome.FAILED
            else:
                scope.pending_endpoint = None
                status = resp.status
                scope.last_endpoint = base
                scope.last_elapsed = time.perf_counter() - started
                if status < 500:
                    if rl is not None and rl.usage_header is not None:  # the provider's own count
                        used = usage(resp.headers, rl.usage_header)
                        if used is not None and not rt.state.observe_usage_now(rt.domain, used, rl):
                            await rt.state.observe_usage(rt.domain, used, rl)
                    return self._answer(resp, base)
                err = UpstreamServerError(f"HTTP {status}", provider=rt.name, endpoint=base, status=status)
                outcome = Outcome.FAILED
            scope.pending_endpoint = None
            # this endpoint failed: the attempt charges it to the endpoint, then the next mirror is tried
            last_error = err
            excluded.add(base)
            scope.endpoint_failed(ep, outcome, err.message, time.perf_counter() - started)
        if last_error is None:
            raise EndpointsUnavailable(
                f"no endpoint available ({len(mirrors)} configured: open breakers or already failed)",
                provider=rt.name,
            )
        raise last_error

    def _answer(self, resp: RawResponse, base: str) -> Response:
        """An endpoint answered below 500 (its usage header already read): map 429/418/403/451, or hand it over."""
        rt = self._scope.runtime
        status = resp.status
        if status >= 400:
            _refuse(rt, resp, base)
        return Response(
            status_code=status,
            headers=resp.headers,
            content=resp.content,
            url=resp.url,
            endpoint=base,
            provider=rt.name,
            secrets=rt.secrets.values(),
        )


def _refuse(rt: ProviderRuntime, resp: RawResponse, base: str) -> None:
    """Raise what a 429/418 (``RateLimited``) or 451/403 (``Forbidden``) means; other 4xx pass."""
    status = resp.status
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
            f"HTTP {status}: {_error_text(resp.content, rt.secrets.values()) or 'forbidden'}",
            provider=rt.name,
            endpoint=base,
            status=status,
        )


def _error_text(content: bytes, secrets: Iterable[str] = ()) -> str:
    """The ``msg``/``message``/``error`` of a JSON error body, else its start: secrets masked, then cut."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return redact(content[:2048].decode("utf-8", errors="replace"), secrets, limit=120).strip()
    if isinstance(body, dict):
        for key in ("msg", "message", "error", "Message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return redact(value, secrets, limit=300)
    return redact(json.dumps(body), secrets, limit=120)
