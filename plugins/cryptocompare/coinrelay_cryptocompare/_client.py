"""HTTP for CryptoCompare min-api (extract): requests through ``ctx.http``, errors mapped.

CryptoCompare answers errors with **HTTP 200** and a body like::

    {"Response": "Error", "Message": "...", "Type": 99, "RateLimit": {...}, "Data": {}}

so every body is checked here before any parser reads ``Data``:

=====================================================  =================================
error body                                             raised
=====================================================  =================================
``Type`` 99 (over the rate limit)                      ``RateLimited`` (see :func:`retry_after`)
``Type`` 2, "There is no data for ...", "... param     ``NotSupported`` (unknown symbol or pair:
seems invalid", "... market does not exist ..."        no breaker penalty)
"You need a valid auth key or api key ..."             ``NotConfigured`` (the endpoint needs a key,
                                                       or the key was refused: skipped, no penalty)
any other ``Response: "Error"``                        ``InvalidResponse`` with the ``Message``
=====================================================  =================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coinrelay.plugin import InvalidResponse, NotConfigured, NotSupported, ProviderContext, RateLimited, redact

PROVIDER = "cryptocompare"

#: Seconds to pause after a Type-99 reply when the body does not show a longer window spent.
#: min-api sends no Retry-After; bursts hit the per-second/per-minute windows, which free
#: up within a minute.
DEFAULT_RETRY_AFTER = 60.0
#: Longest pause chosen from the body: when an hour/day/month window is spent we retry
#: hourly rather than guess when the vendor's window resets.
MAX_RETRY_AFTER = 3600.0
_WINDOWS: tuple[tuple[str, float], ...] = (
    ("month", 30 * 86400.0),
    ("day", 86400.0),
    ("hour", 3600.0),
    ("minute", 60.0),
    ("second", 1.0),
)
_NOT_SUPPORTED_HINTS = ("there is no data", "param seems invalid", "market does not exist", "does not exist for")
#: Messages of a missing or refused key (``/data/social/*`` answer the first without a key).
_KEY_HINTS = ("auth key or api key", "api key is invalid", "invalid api key")

#: Our interval -> (path, aggregate). ``1M`` (calendar month) has no equivalent.
INTERVALS: dict[str, tuple[str, int]] = {
    "1m": ("/data/v2/histominute", 1),
    "3m": ("/data/v2/histominute", 3),
    "5m": ("/data/v2/histominute", 5),
    "15m": ("/data/v2/histominute", 15),
    "30m": ("/data/v2/histominute", 30),
    "1h": ("/data/v2/histohour", 1),
    "2h": ("/data/v2/histohour", 2),
    "4h": ("/data/v2/histohour", 4),
    "6h": ("/data/v2/histohour", 6),
    "8h": ("/data/v2/histohour", 8),
    "12h": ("/data/v2/histohour", 12),
    "1d": ("/data/v2/histoday", 1),
    "3d": ("/data/v2/histoday", 3),
    "1w": ("/data/v2/histoday", 7),
}


async def get_json(ctx: ProviderContext, path: str, params: Mapping[str, Any]) -> Any:
    """GET ``path`` with the optional key header; the decoded body, error bodies raised.

    The key (``providers.cryptocompare.api_key``) goes in the ``authorization: Apikey``
    header, never in the URL, so it never reaches logs or cassettes.
    """
    key = ctx.secret("api_key")
    headers = {"authorization": f"Apikey {key}"} if key else None
    resp = await ctx.http.get(path, params=params, headers=headers)
    body = resp.json()
    check_error(body, ctx.last_endpoint)
    if not resp.is_success:
        raise resp.error(f"CryptoCompare refused the request: {redact(str(body), resp.secrets, limit=120)}")
    return body


def check_error(body: Any, endpoint: str | None = None) -> None:
    """Raise the core error an HTTP-200 ``{"Response": "Error", ...}`` body stands for."""
    if not isinstance(body, dict) or body.get("Response") != "Error":
        return
    message = body.get("Message")
    text = message if isinstance(message, str) and message else "no message"
    kind = body.get("Type")
    if kind == 99:
        raise RateLimited(
            f"CryptoCompare rate limit: {text}",
            provider=PROVIDER,
            endpoint=endpoint,
            retry_after=retry_after(body.get("RateLimit")),
        )
    lowered = " ".join(str(body.get(k, "")) for k in ("Message", "Warning")).lower()
    if any(hint in lowered for hint in _KEY_HINTS):
        raise NotConfigured(
            f"CryptoCompare wants a valid key for this endpoint: {text}; set providers.{PROVIDER}.api_key",
            provider=PROVIDER,
            endpoint=endpoint,
        )
    if kind == 2 or any(hint in lowered for hint in _NOT_SUPPORTED_HINTS):
        param = body.get("ParamWithError")
        where = f" (parameter {param})" if isinstance(param, str) and param else ""
        raise NotSupported(f"CryptoCompare has no data: {text}{where}", provider=PROVIDER, endpoint=endpoint)
    raise InvalidResponse(f"CryptoCompare error (Type {kind}): {text}", provider=PROVIDER, endpoint=endpoint)


def retry_after(rate_limit: Any) -> float:
    """Seconds to pause after a Type-99 reply.

    The body's ``RateLimit`` lists ``calls_made`` and ``max_calls`` per window. The
    longest window whose calls are spent decides: a minute or less -> 60 s, an hour or
    more -> one hour (:data:`MAX_RETRY_AFTER`). Without usable counts -> 60 s.
    """
    if not isinstance(rate_limit, dict):
        return DEFAULT_RETRY_AFTER
    made, cap = rate_limit.get("calls_made"), rate_limit.get("max_calls")
    if not isinstance(made, dict) or not isinstance(cap, dict):
        return DEFAULT_RETRY_AFTER
    for window, seconds in _WINDOWS:
        used, limit = made.get(window), cap.get(window)
        if isinstance(used, int) and isinstance(limit, int) and limit > 0 and used >= limit:
            return min(max(seconds, DEFAULT_RETRY_AFTER), MAX_RETRY_AFTER)
    return DEFAULT_RETRY_AFTER
