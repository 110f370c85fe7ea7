"""Every plugin and category with the real bodies it parses and the request they answer.

Bodies are the plugins' own fixtures (each copied from ``../shared/providers/responses/``,
see each ``fixtures/SOURCES.md`` or ``README.md``; a few are marked constructed there because
no capture exists). The request is the one each body answers: e.g. Binance's ``klines_docs``
row is seven days wide, so it answers ``interval=1w`` and is refused as ``1d``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coinrelay_alternativeme
import coinrelay_binance
import coinrelay_coincap
import coinrelay_coingecko
import coinrelay_coinpaprika
import coinrelay_cryptocompare
import coinrelay_render

PLUGINS = Path(__file__).parents[2] / "plugins"


def fixture(plugin: str, name: str) -> bytes:
    return (PLUGINS / plugin / "tests" / "fixtures" / name).read_bytes()


@dataclass(frozen=True)
class Case:
    """One real answer: ``plugin`` (as ``name``) asked ``category`` with ``params`` gets ``bodies``."""

    name: str
    plugin: object
    category: str
    params: Mapping[str, Any]
    #: one body for every request, or request path prefix -> body
    bodies: bytes | Mapping[str, bytes]
    #: the provider's in-band error bodies (served with HTTP 200)
    errors: tuple[bytes, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.name}-{self.category}-{self.label}"

    @property
    def label(self) -> str:
        return "-".join(f"{v}" for k, v in self.params.items() if k not in ("symbol", "quote")) or "default"


def _exchange_info() -> bytes:
    """``exchangeInfo?symbol=BTCUSDT`` assembled from the recorded testnet fragments (binance fixtures README)."""
    return json.dumps(
        {
            "timezone": "UTC",
            "serverTime": json.loads(fixture("binance", "time_testnet_recorded.json"))["serverTime"],
            "rateLimits": json.loads(fixture("binance", "exchangeinfo_ratelimits_testnet_recorded.json")),
            "exchangeFilters": [],
            "symbols": [json.loads(fixture("binance", "exchangeinfo_symbols_element_btcusdt_testnet_recorded.json"))],
        }
    ).encode()


def long_klines(n: int = 40) -> bytes:
    """``n`` daily klines: the recorded testnet rows repeated, moved back a day at a time (for ``technical``)."""
    rows = json.loads(fixture("binance", "klines_1d_testnet_recorded.json"))
    day = 86_400_000
    last_open = rows[-1][0]
    out = []
    for i in range(n):
        row = list(rows[i % len(rows)])
        opened = last_open - (n - 1 - i) * day
        row[0], row[6] = opened, opened + day - 1
        out.append(row)
    return json.dumps(out).encode()


BTC_USD = {"symbol": "BTC", "quote": "USD"}
BINANCE_ERRORS = (
    fixture("binance", "error_invalid_symbol_docs.json"),
    fixture("binance", "error_451_restricted_location.json"),
)
GECKO_ERRORS = (
    fixture("coingecko", "error_404_coin_not_found.json"),
    fixture("coingecko", "error_429_rate_limit.json"),
)
CAP_ERRORS = (fixture("coincap", "v2_error_not_found_mock.json"), fixture("coincap", "v2_deprecation_notice_2025.json"))
CC_ERRORS = (
    fixture("cryptocompare", "error_no_data_for_tsyms.json"),
    fixture("cryptocompare", "error_rate_limit.json"),
)
CAP_KEY = {"api_key": "fuzz-test-key"}
TICKER = fixture("coinpaprika", "tickers_btc_bitcoin_recorded_2022.json")

CASES: list[Case] = [
    Case(
        "binance",
        coinrelay_binance,
        "price",
        BTC_USD,
        fixture("binance", "ticker_price_testnet_recorded.json"),
        BINANCE_ERRORS,
    ),
    Case(
        "binance",
        coinrelay_binance,
        "volume",
        BTC_USD,
        fixture("binance", "ticker_24hr_testnet_recorded.json"),
        BINANCE_ERRORS,
    ),
    Case(
        "binance",
        coinrelay_binance,
        "ohlcv",
        {**BTC_USD, "interval": "1d", "limit": 13},
        fixture("binance", "klines_1d_testnet_recorded.json"),
        BINANCE_ERRORS,
    ),
    Case(
        "binance",
        coinrelay_binance,
        "ohlcv",
        {**BTC_USD, "interval": "1w", "limit": 1},
        fixture("binance", "klines_docs.json"),
        BINANCE_ERRORS,
    ),
    Case(
        "binance",
        coinrelay_binance,
        "orderbook",
        {**BTC_USD, "depth": 5},
        fixture("binance", "depth_docs.json"),
        BINANCE_ERRORS,
    ),
    Case("binance", coinrelay_binance, "metadata", {"symbol": "BTC"}, _exchange_info(), BINANCE_ERRORS),
    Case(
        "coingecko", coinrelay_coingecko, "price", BTC_USD, fixture("coingecko", "simple_price_docs.json"), GECKO_ERRORS
    ),
    Case(
        "coingecko",
        coinrelay_coingecko,
        "volume",
        BTC_USD,
        fixture("coingecko", "simple_price_docs.json"),
        GECKO_ERRORS,
    ),
    Case(
        "coingecko",
        coinrelay_coingecko,
        "ohlcv",
        {**BTC_USD, "interval": "4h", "limit": 3},
        fixture("coingecko", "coins_id_ohlc_docs.json"),
        GECKO_ERRORS,
    ),
    Case(
        "coingecko",
        coinrelay_coingecko,
        "metadata",
        {"symbol": "BTC"},
        fixture("coingecko", "coins_id_docs.json"),
        GECKO_ERRORS,
    ),
    Case(
        "coincap",
        coinrelay_coincap,
        "price",
        BTC_USD,
        fixture("coincap", "v3_asset_bitcoin_2025.json"),
        CAP_ERRORS,
        CAP_KEY,
    ),
    Case(
        "coincap",
        coinrelay_coincap,
        "volume",
        BTC_USD,
        fixture("coincap", "v3_asset_bitcoin_2025.json"),
        CAP_ERRORS,
        CAP_KEY,
    ),
    Case(
        "coincap",
        coinrelay_coincap,
        "metadata",
        {"symbol": "BTC"},
        fixture("coincap", "v3_asset_bitcoin_2025.json"),
        CAP_ERRORS,
        CAP_KEY,
    ),
    Case(
        "coincap",
        coinrelay_coincap,
        "ohlcv",
        {**BTC_USD, "interval": "1d", "limit": 2},
        fixture("coincap", "history_bitcoin_h6_constructed.json"),
        CAP_ERRORS,
        CAP_KEY,
    ),
    Case("coinpaprika", coinrelay_coinpaprika, "price", BTC_USD, TICKER),
    Case("coinpaprika", coinrelay_coinpaprika, "volume", BTC_USD, TICKER),
    Case(
        "coinpaprika",
        coinrelay_coinpaprika,
        "ohlcv",
        {**BTC_USD, "interval": "1d", "limit": 1},
        fixture("coinpaprika", "ohlcv_today_recorded_2025.json"),
    ),
    Case(
        "coinpaprika",
        coinrelay_coinpaprika,
        "metadata",
        {"symbol": "BTC"},
        {"/coins/": fixture("coinpaprika", "coins_btc_bitcoin_constructed.json"), "/tickers/": TICKER},
    ),
    Case(
        "cryptocompare",
        coinrelay_cryptocompare,
        "price",
        {"symbol": "USD", "quote": "EUR"},
        fixture("cryptocompare", "price_recorded.json"),
        CC_ERRORS,
    ),
    Case(
        "cryptocompare",
        coinrelay_cryptocompare,
        "volume",
        BTC_USD,
        fixture("cryptocompare", "pricemultifull_recorded_2021.json"),
        CC_ERRORS,
    ),
    Case(
        "cryptocompare",
        coinrelay_cryptocompare,
        "ohlcv",
        {**BTC_USD, "interval": "1d", "limit": 30},
        fixture("cryptocompare", "histoday_v2_recorded.json"),
        CC_ERRORS,
    ),
    Case(
        "cryptocompare",
        coinrelay_cryptocompare,
        "news",
        {"symbol": None, "limit": 3},
        fixture("cryptocompare", "news_constructed.json"),
        CC_ERRORS,
    ),
    Case(
        "alternativeme",
        coinrelay_alternativeme,
        "sentiment",
        {"limit": 3},
        fixture("alternativeme", "fng_limit3_recorded_2026.json"),
    ),
    Case(
        "alternativeme",
        coinrelay_alternativeme,
        "sentiment",
        {"limit": 2},
        fixture("alternativeme", "fng_limit2_docs.json"),
    ),
    Case(
        "binance",
        coinrelay_binance,
        "technical",
        {**BTC_USD, "interval": "1d", "limit": 35},
        long_klines(),
        BINANCE_ERRORS,
    ),
]

#: render relays another coinrelay deployment: its bodies are the core's own JSON.
RENDER_PARAMS: dict[str, Mapping[str, Any]] = {
    "price": BTC_USD,
    "ohlcv": {**BTC_USD, "interval": "1d", "limit": 3},
    "volume": BTC_USD,
    "orderbook": {**BTC_USD, "depth": 1},
    "metadata": {"symbol": "BTC"},
    "news": {"symbol": "BTC", "limit": 2},
    "sentiment": {"limit": 3},
}
CASES += [
    Case("render", coinrelay_render, category, params, fixture("render", f"{category}.json"))
    for category, params in RENDER_PARAMS.items()
]
