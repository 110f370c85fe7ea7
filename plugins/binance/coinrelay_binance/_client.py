"""HTTP to Binance through ``ctx.http``, and Binance's error bodies mapped to coinrelay errors.

The core already turns 429/418 into ``RateLimited`` (``Retry-After`` honoured, the whole
provider paused), 403/451 into ``Forbidden`` (451 = restricted location: paused for long,
Binance's ``msg`` as the reason) and 5xx/timeouts/refused connections into failover to
the next mirror. What comes back here is a 2xx, or a 4xx whose body says why (a Binance
error body in a 2xx, as a proxy may send it, is read the same way):

=====================================  ==========================================
Binance error body                     raised
=====================================  ==========================================
``-1121`` Invalid symbol               ``NotSupported`` (not a failure)
``-1120`` Invalid interval             ``NotSupported``
any other ``{"code", "msg"}``          ``InvalidResponse`` with code and msg
not a Binance error body               ``InvalidResponse`` with the start of the body
=====================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coinrelay.plugin import InvalidResponse, NotSupported, ProviderContext, Response

from ._pairs import Pair
from ._parse import parse_error

#: Binance error codes that mean "this market or parameter does not exist here".
UNSUPPORTED_CODES: dict[int, str] = {-1121: "invalid symbol", -1120: "invalid interval"}


async def get_json(ctx: ProviderContext, path: str, params: Mapping[str, Any], *, weight: int, pair: Pair) -> Any:
    """GET ``path`` (any mirror) spending ``weight``; the decoded 2xx body.

    :raises NotSupported: Binance does not list ``pair`` (``-1121``) or the interval (``-1120``).
    :raises InvalidResponse: any other error body, or a body that is not JSON.
    """
    resp = await ctx.http.get(path, params=params, weight=weight)
    if resp.is_success:
        body = resp.json()
        if parse_error(body) is None:
            return body
    raise error_for(resp, pair, params)


def error_for(resp: Response, pair: Pair, params: Mapping[str, Any]) -> Exception:
    """The coinrelay error for a non-2xx answer the core handed back (4xx other than 403/418/429/451)."""
    try:
        found = parse_error(resp.json())
    except InvalidResponse:  # not JSON: reported with the start of the body below
        found = None
    if found is None:
        snippet = resp.snippet(80)  # secrets masked before the cut
        return resp.error(f"unexpected answer without a Binance error body: {snippet!r}")
    code, msg = found
    if code in UNSUPPORTED_CODES:
        asked = f"interval {params.get('interval')!r} for {pair.name}" if code == -1120 else pair.name
        return NotSupported(
            f"Binance does not serve {asked} ({UNSUPPORTED_CODES[code]}: code {code}, {msg!r})",
            provider=resp.provider,
            endpoint=resp.endpoint,
        )
    return resp.error(f"Binance error {code}: {msg}")
