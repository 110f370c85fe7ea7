"""From coinrelay's (symbol, quote) to a Binance spot pair such as ``BTCUSDT``.

A Binance pair is the base asset followed by the quote asset, no separator. Binance has
no plain ``USD`` market, so the canonical quote ``USD`` maps to a stablecoin: the
``quotes`` table of ``[providers.binance]`` first, then the ``usd_quote`` option, then
``USDT``. Canonical symbols map to Binance base assets through ``[providers.binance.symbols]``
(e.g. ``MIOTA = "IOTA"``); otherwise the symbol is the base asset. Symbols are never sliced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coinrelay.plugin import (
    InvalidRequest,
    NotConfigured,
    NotSupported,
    ProviderContext,
    SymbolMapper,
    normalize_symbol,
)

NAME = "binance"
#: The stablecoin ``USD`` maps to when neither ``quotes`` nor ``usd_quote`` says otherwise.
DEFAULT_USD_QUOTE = "USDT"
#: Symbols Binance accepts in ``symbol=`` (``rest-api.md``: ``^[A-Z0-9-_.]{1,20}$``).
_PAIR_RE = re.compile(r"^[A-Z0-9_.-]{1,20}$")


@dataclass(frozen=True, slots=True)
class Pair:
    """One Binance market, and what coinrelay asked for.

    :param symbol: the canonical symbol asked for (``BTC``).
    :param base: the Binance base asset (``BTC``).
    :param quote: the Binance quote asset actually used (``USDT``).
    :param requested_quote: the canonical quote asked for (``USD``).
    """

    symbol: str
    base: str
    quote: str
    requested_quote: str
    #: The Binance symbol: base + quote (``BTCUSDT``).
    name: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.base + self.quote)


#: Pairs resolved so far, per provider (its ``ctx.symbols``, built once per provider from its
#: config, which holds the overrides and the ``quotes`` table) and canonical symbol and quote:
#: resolving is pure given those, and runs on every call otherwise. Bounded.
_RESOLVED: dict[tuple[SymbolMapper, str, str], Pair] = {}
_RESOLVED_MAX = 4096


def usd_quote(ctx: ProviderContext) -> str:
    """The ``usd_quote`` option (default ``USDT``), validated.

    :raises NotConfigured: the option is not a ticker.
    """
    value = ctx.option("usd_quote", DEFAULT_USD_QUOTE)
    try:
        return normalize_symbol(value, "usd_quote")
    except InvalidRequest as exc:
        raise NotConfigured(f"providers.{NAME}.usd_quote: {exc}", provider=NAME) from None


def resolve_pair(ctx: ProviderContext, symbol: str, quote: str) -> Pair:
    """The Binance pair for canonical ``symbol``/``quote``.

    :raises NotSupported: the pair cannot exist on Binance (same asset twice, or not a
        valid Binance symbol), so nothing is sent.
    :raises NotConfigured: the ``usd_quote`` option is not a ticker (whatever the quote asked).
    """
    symbols = ctx.symbols
    key = (symbols, symbol, quote)
    pair = _RESOLVED.get(key)
    if pair is not None:
        return pair
    pair = _resolve(ctx, symbols, symbol, quote)
    if len(_RESOLVED) >= _RESOLVED_MAX:
        _RESOLVED.clear()
    _RESOLVED[key] = pair
    return pair


def _resolve(ctx: ProviderContext, symbols: SymbolMapper, symbol: str, quote: str) -> Pair:
    base = (symbols.resolve(symbol) or symbol).upper()
    used = symbols.quote(quote, {"USD": usd_quote(ctx)})
    pair = Pair(symbol=symbol, base=base, quote=used, requested_quote=quote)
    if base == used:
        raise NotSupported(f"no {base}/{used} market: base and quote are the same asset", provider=NAME)
    if not _PAIR_RE.match(pair.name):
        raise NotSupported(
            f"{pair.name!r} is not a Binance symbol (letters, digits, '-', '_', '.'; at most 20)", provider=NAME
        )
    return pair
