"""The sandbox's made-up market: a few common assets, their prices, supplies and candles.

Values are plausible, differ per symbol and drift slowly with the clock (so the
dashboard shows movement); they are never real quotes. Everything is deterministic for
a given time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Asset:
    """One sandbox asset and its id at each provider."""

    symbol: str
    name: str
    usd: float
    rank: int
    supply: float
    max_supply: float | None
    coingecko: str
    coincap: str
    coinpaprika: str


ASSETS: dict[str, Asset] = {
    a.symbol: a
    for a in (
        Asset("BTC", "Bitcoin", 65000.0, 1, 19_700_000.0, 21_000_000.0, "bitcoin", "bitcoin", "btc-bitcoin"),
        Asset("ETH", "Ethereum", 3400.0, 2, 120_200_000.0, None, "ethereum", "ethereum", "eth-ethereum"),
        Asset("USDT", "Tether", 1.0, 3, 110_000_000_000.0, None, "tether", "tether", "usdt-tether"),
        Asset("BNB", "BNB", 580.0, 4, 146_000_000.0, 200_000_000.0, "binancecoin", "binance-coin", "bnb-binance-coin"),
        Asset("SOL", "Solana", 150.0, 5, 465_000_000.0, None, "solana", "solana", "sol-solana"),
        Asset("USDC", "USDC", 1.0, 6, 34_000_000_000.0, None, "usd-coin", "usd-coin", "usdc-usd-coin"),
        Asset("XRP", "XRP", 0.52, 7, 55_000_000_000.0, 100_000_000_000.0, "ripple", "xrp", "xrp-xrp"),
        Asset("DOGE", "Dogecoin", 0.12, 8, 145_000_000_000.0, None, "dogecoin", "dogecoin", "doge-dogecoin"),
        Asset("ADA", "Cardano", 0.45, 9, 35_000_000_000.0, 45_000_000_000.0, "cardano", "cardano", "ada-cardano"),
        Asset(
            "AVAX", "Avalanche", 30.0, 10, 390_000_000.0, 720_000_000.0, "avalanche-2", "avalanche", "avax-avalanche"
        ),
        Asset("DOT", "Polkadot", 6.5, 11, 1_400_000_000.0, None, "polkadot", "polkadot", "dot-polkadot"),
        Asset(
            "LINK", "Chainlink", 14.0, 12, 587_000_000.0, 1_000_000_000.0, "chainlink", "chainlink", "link-chainlink"
        ),
        Asset("LTC", "Litecoin", 80.0, 13, 74_000_000.0, 84_000_000.0, "litecoin", "litecoin", "ltc-litecoin"),
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

by_coingecko = {a.coingecko: a for a in ASSETS.values()}
by_coincap = {a.coincap: a for a in ASSETS.values()}
by_coinpaprika = {a.coinpaprika: a for a in ASSETS.values()}


def now() -> float:
    return time.time()


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
class Candle:
    open_time: float
    open: float
    high: float
    low: float
    close: float
    volume: float


def candles(symbol: str, quote: str, seconds: int, limit: int, end: float | None = None) -> list[Candle]:
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
            Candle(
                t0, o, max(o, c) * (1 + wiggle), min(o, c) * (1 - wiggle), c, base * (1.0 + 0.3 * math.sin(t0 / 7.0))
            )
        )
    return out


def fmt(value: float, decimals: int = 8) -> str:
    """A fixed-decimals string (Binance: 8, CoinCap: 16)."""
    return f"{value:.{decimals}f}"


def num(value: float, digits: int = 10) -> float:
    """A JSON number with ``digits`` significant digits."""
    if value == 0:
        return 0.0
    return float(f"{value:.{digits}g}")
