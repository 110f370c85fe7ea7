"""HTTP for CoinCap v3 (extract): authenticated GETs through ``ctx.http``, error bodies mapped.

The API key is required and travels as ``Authorization: Bearer <key>`` — never in the URL,
so it never reaches logs, error messages or cassettes.

============================================================  ===============================
answer                                                        raised
============================================================  ===============================
v2's shutdown notice ``{"data": {"message": "We are           ``InvalidResponse`` saying v2 is
deprecating this version..."}, "timestamp": ...}`` (any       shut down and what to configure
status, any path)
``{"error": "<id> not found"}`` (HTTP 200 or 404)             ``NotSupported`` (no penalty)
HTTP 401                                                      ``NotConfigured`` (key rejected)
any other ``{"error": ...}`` or non-2xx                       ``InvalidResponse`` with the text
============================================================  ===============================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from coinrelay.plugin import InvalidResponse, NotConfigured, NotSupported, ProviderContext, redact

PROVIDER = "coincap"
V3_BASE = "https://rest.coincap.io/v3"


async def get_json(ctx: ProviderContext, path: str, params: Mapping[str, Any] | None = None) -> Any:
    """GET ``path`` with the key header; the decoded body of a data answer.

    :raises NotConfigured: no key configured, or the key is rejected (HTTP 401).
    """
    key = ctx.secret("api_key")
    if not key:
        raise NotConfigured(
            "CoinCap v3 needs an API key: set providers.coincap.api_key (free keys at https://pro.coincap.io/dashboard)",
            provider=PROVIDER,
        )
    resp = await ctx.http.get(path, params=params, headers={"authorization": f"Bearer {key}"})
    if resp.status_code == 401:
        raise NotConfigured(
            "CoinCap rejected the API key (HTTP 401): check providers.coincap.api_key",
            provider=PROVIDER,
            endpoint=resp.endpoint,
        )
    body = resp.json()
    check_body(body, resp.endpoint, resp.secrets)
    if not resp.is_success:
        raise resp.error(f"CoinCap refused the request: {redact(str(body), resp.secrets, limit=120)}")
    return body


def check_body(body: Any, endpoint: str | None = None, secrets: Iterable[str] = ()) -> None:
    """Raise what a non-data CoinCap body stands for (see the module table); return for data.

    Texts quoted from the body have ``secrets`` masked before they are cut.
    """
    if not isinstance(body, dict):
        return
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("message"), str) and "id" not in data:
        message = redact(data["message"], secrets, limit=160)
        if "deprecat" in message.lower() or "v3" in message.lower():
            raise InvalidResponse(
                f"CoinCap v2 is shut down (it answered {message!r}); configure the v3 endpoint "
                f"(providers.coincap.endpoints = [{V3_BASE!r}]) and an API key (providers.coincap.api_key)",
                provider=PROVIDER,
                endpoint=endpoint,
            )
        raise InvalidResponse(
            f"CoinCap sent a message instead of data: {message!r}", provider=PROVIDER, endpoint=endpoint
        )
    error = body.get("error")
    if error is not None:
        text = redact(str(error), secrets, limit=160)
        if "not found" in text.lower():
            raise NotSupported(f"CoinCap has no such asset: {text}", provider=PROVIDER, endpoint=endpoint)
        raise InvalidResponse(f"CoinCap error: {text}", provider=PROVIDER, endpoint=endpoint)
