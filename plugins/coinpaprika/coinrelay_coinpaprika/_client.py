"""HTTP for CoinPaprika (extract): host and key, symbol -> ``btc-bitcoin`` id, error bodies -> core errors.

Everything goes through ``ctx.http``. Errors are JSON ``{"error": "<message>"}`` (README section 5);
an unknown id answers 404. A configured ``api_key`` is sent as the ``Authorization`` header to the
pro host and scrubbed from every message built from a body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from coinrelay.plugin import (
    InvalidResponse,
    NotConfigured,
    NotSupported,
    ProviderContext,
    ProviderError,
    RateLimited,
    Response,
    UpstreamServerError,
    redact,
)

from . import _parse

NAME = "coinpaprika"
FREE_HOST = "https://api.coinpaprika.com/v1"
PRO_HOST = "https://api-pro.coinpaprika.com/v1"
KEY_HEADER = "Authorization"

#: Canonical symbol -> CoinPaprika id, from README sections 5 and 7 ("Ids"): btc-bitcoin is in the
#: recorded ticker body, the others are the documented ``<symbol>-<name-slug>`` ids listed there.
COIN_IDS: dict[str, str] = {
    "BTC": "btc-bitcoin",
    "ETH": "eth-ethereum",
    "SOL": "sol-solana",
    "BNB": "bnb-binance-coin",
    "XRP": "xrp-xrp",
    "DOGE": "doge-dogecoin",
    "ADA": "ada-cardano",
    "USDT": "usdt-tether",
    "USDC": "usdc-usd-coin",
}

#: Seconds the ``/coins`` list (symbol -> id) is reused.
COINS_TTL = 24 * 3600.0


def plan(ctx: ProviderContext) -> tuple[list[str] | None, dict[str, str]]:
    """Endpoints (``None`` = the configured ones) and headers: the pro host with the key when one is set."""
    key = ctx.secret("api_key")
    headers = {KEY_HEADER: key} if key else {}
    if ctx.settings.endpoints is not None:
        return None, headers
    return ([PRO_HOST] if key else [FREE_HOST]), headers


async def get_json(ctx: ProviderContext, path: str, params: Mapping[str, str] | None = None) -> Any:
    """GET ``path``; the decoded body of a 2xx answer.

    :raises NotSupported: 404 ``{"error": ...}`` (unknown id) or 400 ``{"error": ...}`` (a parameter
        this API does not take, e.g. an unknown quote).
    :raises NotConfigured: 401 (key refused).
    :raises RateLimited: 402 (free-plan quota spent, or a paid-only endpoint).
    :raises InvalidResponse: malformed JSON, or an error body inside a 2xx answer.
    :raises UpstreamServerError: any other 4xx.
    """
    endpoints, headers = plan(ctx)
    resp = await ctx.http.get(path, params=params, headers=headers or None, endpoints=endpoints)
    key = headers.get(KEY_HEADER, "")
    if not resp.is_success:
        raise error_for(resp, key)
    body = resp.json()
    if _error_message(body) is not None:
        raise error_for(resp, key, body)
    return body


async def coin_id(ctx: ProviderContext, symbol: str) -> str:
    """CoinPaprika's id for ``symbol``: config ``symbols``, the curated table, then the cached ``/coins`` list.

    :raises NotSupported: no active, ranked coin with exactly this symbol.
    """
    found = ctx.symbols.resolve(symbol, COIN_IDS)
    if found:
        return found
    if not ctx.option("lookup", True):
        raise NotSupported(f"no coin id for {symbol} (not in the table; lookup disabled)", provider=NAME)

    async def load() -> dict[str, str]:
        return _parse.symbol_index(await get_json(ctx, "/coins"), NAME)

    index: dict[str, str] = await ctx.memo("coins", COINS_TTL, load)
    found = index.get(symbol)
    if found is None:
        raise NotSupported(
            f"/coins has no active ranked coin with symbol {symbol}; set providers.{NAME}.symbols", provider=NAME
        )
    return found


def quote_code(ctx: ProviderContext, quote: str) -> str:
    """The uppercase quote for ``quotes=`` (config ``quotes`` may remap it)."""
    return ctx.symbols.quote(quote).upper()


def _error_message(body: Any) -> str | None:
    if isinstance(body, dict) and set(body) == {"error"}:
        err = body["error"]
        return err if isinstance(err, str) else json.dumps(err)  # cut by error_for, after masking
    return None


def error_for(resp: Response, key: str, body: Any = None) -> ProviderError:
    """The core error for an error answer (a status the core hands back, or an error body in a 2xx)."""
    if body is None:
        try:
            body = json.loads(resp.content)
        except (ValueError, UnicodeDecodeError):
            body = None
    msg = _error_message(body)
    status = resp.status_code
    where: dict[str, Any] = {"provider": NAME, "endpoint": resp.endpoint}
    secrets = [key, *resp.secrets]  # masked before any cut: no piece of the key survives
    text = redact(msg, secrets, limit=300) if msg is not None else redact(resp.text.strip(), secrets, limit=120)
    if status == 401:
        return NotConfigured(f"API key refused (HTTP 401): {text}; check providers.{NAME}.api_key", **where)
    if status == 402:
        return RateLimited(f"HTTP 402: {text} (free-plan monthly quota spent, or a paid-only endpoint)", **where)
    if status in (400, 404) and msg is not None:
        return NotSupported(f"HTTP {status}: {text} ({resp.url})", **where)
    if resp.is_success or status == 404:
        return InvalidResponse(f"error body ({text}) (HTTP {status} from {resp.url})", **where)
    return UpstreamServerError(f"HTTP {status}: {text}", status=status, **where)
