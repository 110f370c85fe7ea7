"""HTTP for CoinGecko (extract): host and key by plan, symbol -> coin id, error bodies -> core errors.

Everything goes through ``ctx.http``; this module never opens a client and never sleeps.
Error bodies come in two shapes (README section 2)::

    {"error": "coin not found"}                                    HTTP 404 (or 200) -> NotFound
    {"status": {"error_code": 10002, "error_message": "..."}}      key problems -> NotConfigured

The API key is sent in a header only and scrubbed from every message built from a body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from coinrelay.plugin import (
    InvalidResponse,
    NotConfigured,
    NotFound,
    NotSupported,
    ProviderContext,
    ProviderError,
    RateLimited,
    Response,
    UpstreamServerError,
    redact,
)

from . import _parse

NAME = "coingecko"
PUBLIC_HOST = "https://api.coingecko.com/api/v3"
PRO_HOST = "https://pro-api.coingecko.com/api/v3"

#: ``plan`` option -> the header that carries the key (``None``: no key sent).
PLANS: dict[str, str | None] = {"public": None, "demo": "x-cg-demo-api-key", "pro": "x-cg-pro-api-key"}
#: Every header that can carry a CoinGecko key (filtered from cassettes).
KEY_HEADERS: tuple[str, ...] = ("x-cg-demo-api-key", "x-cg-pro-api-key")

#: Canonical symbol -> CoinGecko coin id. Sources: README section 7 (BTC, ETH, SOL, DOGE, ADA, USDT seen in
#: recorded bodies; BNB ``binancecoin`` and XRP ``ripple`` are CoinGecko's long-standing ids, flagged there as
#: "from memory"), USDC ``usd-coin`` from the issue. Anything else goes through ``/search`` or config ``symbols``.
COIN_IDS: dict[str, str] = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "SOL": "solana",
    "BNB": "binancecoin",
    "XRP": "ripple",
    "DOGE": "dogecoin",
    "ADA": "cardano",
    "USDT": "tether",
    "USDC": "usd-coin",
}

#: Seconds a ``/search`` answer (symbol -> id) is reused.
SEARCH_TTL = 24 * 3600.0

#: ``status.error_code`` values that mean the key is missing, wrong, or for the other host (docs
#: "Common Errors & Rate Limit": 10002 missing/incorrect key, 10011 demo key on the pro host).
KEY_ERROR_CODES = frozenset({10002, 10011})
#: ``status.error_code`` meaning "this endpoint needs a paid plan".
PAID_ONLY_CODE = 10005


def plan(ctx: ProviderContext) -> tuple[list[str] | None, dict[str, str]]:
    """The endpoints (``None`` = the configured ones) and headers for the configured plan.

    :raises NotConfigured: ``plan`` is not one of ``public``, ``demo``, ``pro``, or a keyed plan lacks ``api_key``.
    """
    name = ctx.option("plan", "public")
    if not isinstance(name, str) or name not in PLANS:
        raise NotConfigured(f"providers.{NAME}.plan is {name!r}; allowed: {', '.join(PLANS)}", provider=NAME)
    headers: dict[str, str] = {}
    header = PLANS[name]
    if header is not None:
        key = ctx.secret("api_key")
        if not key:
            raise NotConfigured(f"plan {name!r} needs providers.{NAME}.api_key", provider=NAME)
        headers[header] = key
    if ctx.settings.endpoints is not None:
        return None, headers  # the user's endpoints win
    return ([PRO_HOST] if name == "pro" else [PUBLIC_HOST]), headers


async def get_json(ctx: ProviderContext, path: str, params: Mapping[str, str]) -> Any:
    """GET ``path`` with the plan's host and key; the decoded body of a 2xx answer.

    :raises NotSupported: 404 ``{"error": ...}`` (unknown coin) or a paid-only endpoint.
    :raises NotConfigured: the key was refused (10002, 10011, HTTP 401).
    :raises InvalidResponse: malformed JSON, or an error body inside a 2xx answer.
    :raises UpstreamServerError: any other 4xx.
    """
    endpoints, headers = plan(ctx)
    resp = await ctx.http.get(path, params=params, headers=headers or None, endpoints=endpoints)
    key = next(iter(headers.values()), "")
    if not resp.is_success:
        raise error_for(resp, key)
    body = resp.json()
    if _error_fields(body) != (None, None):
        raise error_for(resp, key, body)
    return body


async def coin_id(ctx: ProviderContext, symbol: str) -> str:
    """CoinGecko's coin id for ``symbol``: config ``symbols``, the curated table, then a cached ``/search``.

    :raises NotSupported: no coin with exactly this symbol and a market-cap rank.
    """
    found = ctx.symbols.resolve(symbol, COIN_IDS)
    if found:
        return found
    if not ctx.option("search", True):
        raise NotSupported(f"no coin id for {symbol} (not in the table; search disabled)", provider=NAME)

    async def lookup() -> str | None:
        body = await get_json(ctx, "/search", {"query": symbol})
        return _parse.pick_search_coin(body, symbol, NAME)

    found = await ctx.memo(f"search:{symbol}", SEARCH_TTL, lookup)
    if found is None:
        raise NotSupported(
            f"/search has no ranked coin with symbol {symbol}; set providers.{NAME}.symbols", provider=NAME
        )
    return str(found)


def vs_currency(ctx: ProviderContext, quote: str) -> str:
    """The lowercase ``vs_currency`` for canonical ``quote`` (config ``quotes`` may remap it)."""
    return ctx.symbols.quote(quote).lower()


def simple_price_params(coin: str, vs: str) -> dict[str, str]:
    """``/simple/price`` query for price and volume alike (one URL, so caches and cassettes serve both).

    The flags are those of CoinGecko's documented example request.
    """
    return {
        "ids": coin,
        "vs_currencies": vs,
        "include_market_cap": "true",
        "include_24hr_vol": "true",
        "include_24hr_change": "true",
        "include_last_updated_at": "true",
    }


def _error_fields(body: Any) -> tuple[int | None, str | None]:
    """``(error_code, message)`` of either error shape, else ``(None, None)``."""
    if not isinstance(body, dict):
        return None, None
    status = body.get("status")
    if isinstance(status, dict) and ("error_code" in status or "error_message" in status):
        code = status.get("error_code")
        msg = status.get("error_message")
        return (
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            msg if isinstance(msg, str) else str(msg),
        )
    err = body.get("error")
    if isinstance(err, str) and set(body) <= {"error", "timestamp"}:
        return None, err
    return None, None


def error_for(resp: Response, key: str, body: Any = None) -> ProviderError:
    """The core error for an error answer (any status the core hands back, or an error body in a 2xx)."""
    if body is None:
        try:
            body = json.loads(resp.content)
        except (ValueError, UnicodeDecodeError):
            body = None
    code, msg = _error_fields(body)
    status = resp.status_code
    where: dict[str, Any] = {"provider": NAME, "endpoint": resp.endpoint}
    secrets = [key, *resp.secrets]  # masked before any cut: no piece of the key survives
    text = redact(msg, secrets, limit=300) if msg is not None else redact(resp.text.strip(), secrets, limit=120)
    if code in KEY_ERROR_CODES or status == 401:
        return NotConfigured(
            f"API key refused (HTTP {status}, error_code {code}): {text}; check "
            f"providers.{NAME}.api_key and providers.{NAME}.plan",
            **where,
        )
    if code == PAID_ONLY_CODE:
        return NotSupported(f"endpoint needs a paid plan (error_code {code}): {text}", **where)
    if code == 429:
        return RateLimited(f"rate limited (error_code 429): {text}", **where)
    if msg is not None and code is None and (status == 404 or (resp.is_success and "not found" in msg.lower())):
        return NotFound(f"{text} ({resp.url})", **where)  # the coin asked for is unknown: no breaker strike
    if resp.is_success or status == 404:
        what = f"error_code {code}: {text}" if code is not None else text
        return InvalidResponse(f"error body ({what}) (HTTP {status} from {resp.url})", **where)
    return UpstreamServerError(f"HTTP {status}: {text}", status=status, **where)
