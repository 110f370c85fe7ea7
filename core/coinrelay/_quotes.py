"""Quotes treated as the same currency when prices are compared.

A provider may answer a ``USD`` request in ``USDT`` (Binance has no USD market); another
answers in ``USD``. For comparison — the consensus median, the consensus check, the identity
check of :mod:`coinrelay._invariants` — quotes of one group of :data:`EQUIVALENT_QUOTES` are
interchangeable, within ``[quality] quote_tolerance_pct`` (default 1.0 %, the depeg a
stablecoin may show before it stops counting as its currency). Quotes of different groups
are never compared, and never combined in one median. A quote in no group is its own group.

=========  =====================================================================
group      quotes
=========  =====================================================================
``USD``    USD, USDT, USDC, BUSD, DAI, TUSD, USDP, FDUSD, PYUSD, GUSD
``EUR``    EUR, EURC, EURI
``BTC``    BTC, WBTC
``ETH``    ETH, WETH
=========  =====================================================================

The table is the documentation: ``docs/resilience.md`` shows it, and a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

#: group -> its members (the group's own name first). Members are uppercase tickers.
EQUIVALENT_QUOTES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "USD": ("USD", "USDT", "USDC", "BUSD", "DAI", "TUSD", "USDP", "FDUSD", "PYUSD", "GUSD"),
        "EUR": ("EUR", "EURC", "EURI"),
        "BTC": ("BTC", "WBTC"),
        "ETH": ("ETH", "WETH"),
    }
)
#: Default of ``[quality] quote_tolerance_pct``.
DEFAULT_TOLERANCE_PCT: Final = 1.0

_GROUP: Final[dict[str, str]] = {member: name for name, members in EQUIVALENT_QUOTES.items() for member in members}


def group(quote: str) -> str:
    """The group ``quote`` belongs to (``USDT`` -> ``USD``); a quote in no group is its own."""
    return _GROUP.get(quote, quote)


def comparable(quote_a: str, quote_b: str) -> bool:
    """True when prices in ``quote_a`` and ``quote_b`` may be compared (same quote, or same group)."""
    return quote_a == quote_b or _GROUP.get(quote_a, quote_a) == _GROUP.get(quote_b, quote_b)


def tolerance_pct(quote_a: str, quote_b: str, configured: float = DEFAULT_TOLERANCE_PCT) -> Decimal | None:
    """Extra deviation (percent) to allow between prices in ``quote_a`` and ``quote_b``.

    ``0`` for the same quote, ``configured`` for two quotes of one group, ``None`` when they
    must not be compared at all. With ``configured == 0`` only identical quotes compare.
    """
    if quote_a == quote_b:
        return Decimal(0)
    if configured <= 0 or not comparable(quote_a, quote_b):
        return None
    return Decimal(str(configured))


def combined(quotes: Iterable[str]) -> list[str]:
    """The distinct quotes of ``quotes``, sorted: what a consensus result says it combined.

    :raises ValueError: two of them are not comparable (never mix them in one median).
    """
    found = sorted(set(quotes))
    if found and len({group(q) for q in found}) > 1:
        raise ValueError(f"quotes {', '.join(found)} are not equivalent: their prices cannot be combined")
    return found


def buckets(quotes: Iterable[str]) -> dict[str, list[str]]:
    """``quotes`` grouped by :func:`group` (group -> its quotes, in the given order, distinct)."""
    out: dict[str, list[str]] = {}
    for quote in quotes:
        members = out.setdefault(group(quote), [])
        if quote not in members:
            members.append(quote)
    return out
