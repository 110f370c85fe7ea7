"""The one vocabulary of data categories.

A category's name is, everywhere: the fetch hook (``fetch_<category>``), the relay
method (``relay.<category>(...)``), the TOML chain key (``chains.<category>``), the
HTTP path (``/api/v1/<category>``) and the CLI command (``coinrelay <category>``).
"""

from __future__ import annotations

from typing import Final, Literal

Category = Literal[
    "price",
    "ohlcv",
    "volume",
    "orderbook",
    "metadata",
    "news",
    "sentiment",
    "technical",
    "prediction",
    "social",
    "exchanges",
]

#: Categories fetched from providers, in documentation order.
FETCHED: Final[tuple[str, ...]] = (
    "price",
    "ohlcv",
    "volume",
    "orderbook",
    "metadata",
    "news",
    "sentiment",
    "social",
    "exchanges",
)
#: Categories computed locally by a built-in plugin (from other categories).
COMPUTED: Final[tuple[str, ...]] = ("technical", "prediction")
#: Categories with a hook spec but no built-in provider (none today).
EXTRA: Final[tuple[str, ...]] = ()
#: Every category, in documentation order.
ALL: Final[tuple[str, ...]] = FETCHED + COMPUTED + EXTRA

#: Candle intervals accepted by ``relay.ohlcv`` (Binance's vocabulary, case-sensitive).
INTERVALS: Final[dict[str, int]] = {
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "3d": 259200,
    "1w": 604800,
    "1M": 2592000,
}


def hook_name(category: str) -> str:
    """The fetch hook that serves ``category``."""
    return f"fetch_{category}"
