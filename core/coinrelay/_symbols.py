"""Symbol and id mapping helpers (``ctx.symbols``).

Symbols are canonical uppercase tickers (``BTC``). Each provider maps them to its own
ids through a curated table of its own, which the provider's config can override::

    [providers.coingecko.symbols]
    PEPE = "pepe"            # canonical symbol -> provider id

    [providers.binance.quotes]
    USD = "USDC"             # canonical quote -> the quote the provider uses
"""

from __future__ import annotations

from collections.abc import Mapping

from ._params import check_ticker


def normalize_symbol(value: str, param: str = "symbol") -> str:
    """``value`` as a canonical uppercase ticker; raises ``InvalidRequest`` naming ``param``.

    ASCII letters, digits, ``.``, ``_`` or ``-`` (1-20), checked before upper-casing: ``ßtc``
    is refused, not turned into ``SSTC``. A long bad value is echoed shortened.
    """
    return check_ticker(value, param)


class SymbolMapper:
    """Maps canonical symbols and quotes to one provider's identifiers."""

    __slots__ = ("overrides", "quotes")

    def __init__(self, overrides: Mapping[str, str] | None = None, quotes: Mapping[str, str] | None = None) -> None:
        self.overrides = {k.upper(): v for k, v in (overrides or {}).items()}
        self.quotes = {k.upper(): v.upper() for k, v in (quotes or {}).items()}

    def resolve(self, symbol: str, table: Mapping[str, str] | None = None) -> str | None:
        """The provider's id for ``symbol``: config override, then ``table``, else ``None``."""
        found = self.overrides.get(symbol)
        if found is not None:
            return found
        if table is not None:
            return table.get(symbol)
        return None

    def quote(self, quote: str, defaults: Mapping[str, str] | None = None) -> str:
        """The quote the provider uses for canonical ``quote`` (config, then ``defaults``)."""
        found = self.quotes.get(quote)
        if found is not None:
            return found
        if defaults is not None:
            return defaults.get(quote, quote)
        return quote
