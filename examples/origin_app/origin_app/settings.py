"""The origin app's own settings (coinrelay's are in its TOML file: see ``balanced.toml``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The coinrelay config the app uses unless told otherwise: the balanced price/volume tier.
BALANCED_CONFIG = Path(__file__).with_name("balanced.toml")

#: The top symbols ``/api/trading/volume`` answers when the request names none.
DEFAULT_TOP_SYMBOLS = ("BTC", "ETH", "SOL", "BNB", "XRP")


@dataclass(frozen=True, slots=True)
class OriginSettings:
    """What the app itself needs.

    :param top_symbols: the symbols of ``/api/trading/volume`` (env ``ORIGIN_TOP_SYMBOLS``,
        comma-separated tickers or names).
    :param quote: the quote currency of every price (env ``ORIGIN_QUOTE``).
    :param max_alerts: how many price alerts the in-memory store keeps.
    """

    top_symbols: tuple[str, ...] = DEFAULT_TOP_SYMBOLS
    quote: str = "USD"
    max_alerts: int = 1000

    @classmethod
    def from_env(cls) -> OriginSettings:
        """Settings from ``ORIGIN_TOP_SYMBOLS`` and ``ORIGIN_QUOTE`` (defaults otherwise)."""
        raw = os.environ.get("ORIGIN_TOP_SYMBOLS", "")
        symbols = tuple(s.strip() for s in raw.split(",") if s.strip()) or DEFAULT_TOP_SYMBOLS
        return cls(top_symbols=symbols, quote=os.environ.get("ORIGIN_QUOTE", "USD").strip() or "USD")
