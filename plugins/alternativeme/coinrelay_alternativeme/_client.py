"""HTTP for Alternative.me (extract): one GET through ``ctx.http``, error bodies mapped.

The core already turned 429/418 into ``RateLimited``, 403/451 into ``Forbidden`` and 5xx,
timeouts and connection errors into transient errors. What reaches this module is a
response with any other status.
"""

from __future__ import annotations

import json
from typing import Any

from coinrelay.plugin import ProviderContext, Response, redact

FNG_PATH = "/fng/"


async def get_fng(ctx: ProviderContext, limit: int) -> Any:
    """``GET /fng/?limit=<limit>&format=json``: the decoded JSON body of a 2xx answer.

    :raises InvalidResponse: a malformed body, or any non-2xx status (named with the
        provider's own ``metadata.error`` when the body carries one).
    """
    resp = await ctx.http.get(FNG_PATH, params={"limit": limit, "format": "json"})
    if not resp.is_success:
        raise resp.error(f"alternative.me refused the request: {_error_text(resp)}")
    return resp.json()


def _error_text(resp: Response) -> str:
    """``metadata.error`` of a JSON error body, else the start of the body (masked, then cut)."""
    try:
        body = json.loads(resp.content)
    except (ValueError, UnicodeDecodeError):
        return repr(resp.snippet(80))
    if isinstance(body, dict):
        meta = body.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("error"), str):
            return redact(str(meta["error"]), resp.secrets, limit=300)
    return repr(resp.snippet(80))
