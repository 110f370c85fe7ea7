"""The sandbox's made-up market: a few common assets, their prices, supplies and candles.

Every plugin's sandbox upstream quotes from this one market (``coinrelay.plugin.market``),
so providers agree with each other the way real ones roughly do, and failover or consensus
in the sandbox shows what it would in production. Values are plausible, differ per symbol
and drift slowly with the clock (so the dashboard shows movement); they are never real
quotes. Everything is deterministic for a given time. Provider-specific ids (CoinGecko's
``bitcoin``, CoinPaprika's ``btc-bitcoin``) belong to each plugin's fake, keyed by symbol.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

__all__ = [
    "ASSETS",
    "QUOTES_PER_USD",
    "VENUES",
    "Asset",
    "MarketCandle",
    "Venue",
    "candles",
    "change_pct",
    "drift",
    "fixed",
    "ms",
    "now",
    "price",
    "ranked",
    "significant",
    "volume_usd",
]


@dataclass(frozen=True, slots=True)
class Asset:
    """One sandbox asset: ticker, name, reference USD price, market-cap rank and supplies."""

    symbol: str
    name: str
    usd: float
    rank: int
    supply: float
    max_supply: float | None


ASSETS: dict[str, Asset] = {
    a.symbol: a
    for a in (
        Asset("BTC", "Bitcoin", 65000.0, 1, 19_700_000.0, 21_000_000.0),
        Asset("ETH", "Ethereum", 3400.0, 2, 120_200_000.0, None),
        Asset("USDT", "Tether", 1.0, 3, 110_000_000_000.0, None),
        Asset("BNB", "BNB", 580.0, 4, 146_000_000.0, 200_000_000.0),
        Asset("SOL", "Solana", 150.0, 5, 465_000_000.0, None),
        Asset("USDC", "USDC", 1.0, 6, 34_000_000_000.0, None),
        Asset("XRP", "XRP", 0.52, 7, 55_000_000_000.0, 100_000_000_000.0),
        Asset("DOGE", "Dogecoin", 0.12, 8, 145_000_000_000.0, None),
        Asset("ADA", "Cardano", 0.45, 9, 35_000_000_000.0, 45_000_000_000.0),
        Asset("AVAX", "Avalanche", 30.0, 10, 390_000_000.0, 720_000_000.0),
        Asset("DOT", "Polkadot", 6.5, 11, 1_400_000_000.0, None),
        Asset("LINK", "Chainlink", 14.0, 12, 587_000_000.0, 1_000_000_000.0),
        Asset("LTC", "Litecoin", 80.0, 13, 74_000_000.0, 84_000_000.0),
    )
}


@dataclass(frozen=True, slots=True)
class Venue:
    """One made-up exchange of the sandbox (``exchanges``): ids per provider, facts, 24h BTC volume."""

    coingecko: str
    coinpaprika: str
    name: str
    country: str | None
    year: int | None
    trust: int
    volume_btc: float


#: The sandbox's exchanges, best first. Names are labelled, volumes made up.
VENUES: tuple[Venue, ...] = (
    Venue("sandbox_alpha", "sandbox-alpha", "Sandbox Alpha Exchange", "Cayman Islands", 2017, 10, 210_000.0),
    Venue("sandbox_beta", "sandbox-beta", "Sandbox Beta Exchange", "United States", 2012, 10, 37_000.0),
    Venue("sandbox_gamma", "sandbox-gamma", "Sandbox Gamma Exchange", "Japan", 2014, 9, 12_500.0),
    Venue("sandbox_delta", "sandbox-delta", "Sandbox Delta Exchange", None, None, 7, 3_100.0),
    Venue("sandbox_epsilon", "sandbox-epsilon", "Sandbox Epsilon Exchange", "Seychelles", 2018, 6, 950.0),
)

#: Units of each quote currency per US dollar.
QUOTES_PER_USD: dict[str, float] = {
    "USD": 1.0,
    "USDT": 1.0,
    "USDC": 1.0,
    "FDUSD": 1.0,
    "BUSD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "JPY": 155.0,
    "BTC": 1 / 65000.0,
    "ETH": 1 / 3400.0,
    "BNB": 1 / 580.0,
}


def ranked() -> list[Asset]:
    """Every asset, by market-cap rank."""
    return sorted(ASSETS.values(), key=lambda a: a.rank)


def now() -> float:
    """The current time (epoch seconds): what the market's values follow."""
    return time.time()


def ms(t: float) -> int:
    """Epoch seconds as epoch milliseconds."""
    return int(t * 1000)


def drift(symbol: str, t: float) -> float:
    """A slow, smooth factor around 1.0 (±2%), different per symbol."""
    phase = sum(map(ord, symbol)) % 97
    return 1.0 + 0.015 * math.sin(t / 3600.0 + phase) + 0.005 * math.sin(t / 97.0 + phase)


def price(symbol: str, quote: str = "USD", t: float | None = None) -> float | None:
    """``symbol``'s price in ``quote`` at time ``t`` (now), or ``None`` for an unknown pair."""
    asset = ASSETS.get(symbol)
    rate = QUOTES_PER_USD.get(quote)
    if asset is None or rate is None:
        return None
    t = now() if t is None else t
    usd = asset.usd if asset.usd == 1.0 else asset.usd * drift(symbol, t)
    if quote in ASSETS and quote not in ("USDT", "USDC"):
        return usd / (ASSETS[quote].usd * drift(quote, t))
    return usd * rate


def change_pct(symbol: str) -> float:
    """A made-up 24h change in percent, from -5 to +5."""
    return round(5.0 * math.sin(sum(map(ord, symbol)) + now() / 86400.0), 4)


def volume_usd(symbol: str) -> float:
    """24h traded volume in USD: about 3% of the market cap."""
    asset = ASSETS[symbol]
    return asset.usd * asset.supply * 0.03


@dataclass(frozen=True, slots=True)
class MarketCandle:
    """One made-up candle: open time (epoch seconds), prices in the quote, base-asset volume."""

    open_time: float
    open: float
    high: float
    low: float
    close: float
    volume: float


def candles(symbol: str, quote: str, seconds: int, limit: int, end: float | None = None) -> list[MarketCandle]:
    """The newest ``limit`` candles of ``seconds`` each, oldest first; the last one is still open."""
    end = now() if end is None else end
    last_open = math.floor(end / seconds) * seconds
    out = []
    for i in range(limit - 1, -1, -1):
        t0 = last_open - i * seconds
        o = price(symbol, quote, t0) or 0.0
        c = price(symbol, quote, min(t0 + seconds, end)) or 0.0
        wiggle = 0.002 + 0.001 * math.sin(t0)
        base = ASSETS[symbol].supply * 0.03 / 86400 * seconds
        out.append(
            MarketCandle(
                t0, o, max(o, c) * (1 + wiggle), min(o, c) * (1 - wiggle), c, base * (1.0 + 0.3 * math.sin(t0 / 7.0))
            )
        )
    return out


def fixed(value: float, decimals: int = 8) -> str:
    """A fixed-decimals string (``"65000.00000000"``: Binance 8 decimals, CoinCap 16)."""
    return f"{value:.{decimals}f}"


def significant(value: float, digits: int = 10) -> float:
    """``value`` rounded to ``digits`` significant digits (a JSON number as providers print them)."""
    if value == 0:
        return 0.0
    return float(f"{value:.{digits}g}")
