"""The built-in ``forecast`` provider: the drift-volatility math, and the plugin on the ohlcv chain."""

from __future__ import annotations

import itertools
import math
import statistics
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from coinrelay import (
    OHLCV,
    AllProvidersFailed,
    Candle,
    NotSupported,
    Prediction,
    ProviderInfo,
    Relay,
    SymbolNotFound,
    hookimpl,
)
from coinrelay._config import Settings
from coinrelay._errors import UpstreamServerError
from coinrelay._forecast import CONFIDENCE, MODEL, PLANS, Z, drift_volatility
from coinrelay._requests import validate

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_z_is_the_90_percent_quantile() -> None:
    assert CONFIDENCE == 0.9
    assert pytest.approx(1.6448536, abs=1e-6) == Z


def test_constant_growth_has_no_spread() -> None:
    closes = [100 * 1.01**i for i in range(50)]
    f = drift_volatility(closes, steps=3)
    assert f.drift == pytest.approx(math.log(1.01))
    assert f.volatility == pytest.approx(0.0, abs=1e-12)
    assert f.median == pytest.approx(closes[-1] * 1.01**3)
    assert f.low == pytest.approx(f.median) and f.high == pytest.approx(f.median)
    assert f.returns == 49


def test_interval_is_lognormal_around_the_median() -> None:
    closes = [100.0, 110.0, 99.0, 108.9, 98.01, 107.811]
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    mu, sigma = statistics.fmean(returns), statistics.stdev(returns)
    f = drift_volatility(closes, steps=4)
    assert f.median == pytest.approx(closes[-1] * math.exp(4 * mu))
    assert f.low == pytest.approx(closes[-1] * math.exp(4 * mu - Z * sigma * 2))
    assert f.high == pytest.approx(closes[-1] * math.exp(4 * mu + Z * sigma * 2))
    assert f.low < f.median < f.high


@pytest.mark.parametrize("closes", [[1.0, 2.0], [1.0, 0.0, 2.0], [1.0, -1.0, 2.0]])
def test_bad_input(closes: list[float]) -> None:
    with pytest.raises(ValueError):
        drift_volatility(closes, steps=1)


def test_every_horizon_has_a_plan() -> None:
    for horizon in PLANS:
        validate("prediction", {"symbol": "BTC", "horizon": horizon})
    with pytest.raises(Exception, match="unknown horizon"):
        validate("prediction", {"symbol": "BTC", "horizon": "2d"})


def candle_plugin(closes: list[float], asked: list[dict[str, Any]], *, fail: bool = False) -> types.ModuleType:
    """An ohlcv provider serving ``closes`` (oldest first) as its newest candles."""
    mod = types.ModuleType("test_candles")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name="candles", categories=("ohlcv",), endpoints=("http://127.0.0.1:9",))

    @hookimpl
    async def fetch_ohlcv(ctx: Any, symbol: str, quote: str, interval: str, limit: int) -> OHLCV:
        asked.append({"symbol": symbol, "quote": quote, "interval": interval, "limit": limit})
        if fail:
            raise UpstreamServerError("down", provider="candles")
        step = timedelta(hours=1)
        rows = [
            Candle(
                open_time=START + i * step,
                open=Decimal(str(c)),
                high=Decimal(str(c)),
                low=Decimal(str(c)),
                close=Decimal(str(c)),
                close_time=START + (i + 1) * step,
            )
            for i, c in enumerate(closes[-limit:])
        ]
        return OHLCV(
            symbol=symbol, quote="USDT", requested_quote=quote, interval=interval, candles=rows, source=ctx.source()
        )

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_ohlcv = fetch_ohlcv  # type: ignore[attr-defined]
    return mod


def relay_with(plugin: types.ModuleType) -> Relay:
    settings = Settings(chains={"ohlcv": ["candles"], "prediction": ["forecast"]})
    settings.cache.enabled = False
    return Relay(settings, plugins=[("candles", plugin)], load_entry_points=False)


async def test_prediction_through_the_ohlcv_chain() -> None:
    closes = [100 * (1.001**i) * (1.01 if i % 2 else 0.99) for i in range(400)]
    asked: list[dict[str, Any]] = []
    async with relay_with(candle_plugin(closes, asked)) as relay:
        p = await relay.prediction("BTC", "USD", "4h")
    plan = PLANS["4h"]
    assert asked == [{"symbol": "BTC", "quote": "USD", "interval": plan.interval, "limit": plan.window + 1}]
    used = closes[-(plan.window + 1) :]
    expected = drift_volatility(used, plan.steps)
    assert (p.symbol, p.quote, p.horizon, p.model) == ("BTC", "USDT", "4h", MODEL)
    assert p.confidence == Decimal("0.9")
    assert float(p.predicted_price) == pytest.approx(expected.median, rel=1e-9)
    assert float(p.interval_low) == pytest.approx(expected.low, rel=1e-9)
    assert float(p.interval_high) == pytest.approx(expected.high, rel=1e-9)
    assert p.interval_low < p.predicted_price < p.interval_high
    assert p.last_price == Decimal(str(used[-1]))
    assert (p.candles_used, p.candle_interval) == (plan.window + 1, "1h")
    assert p.as_of == START + (plan.window + 1) * timedelta(hours=1)
    assert "not AI" in (p.method or "") and "168 1h log-returns" in (p.method or "")
    assert p.extra["ohlcv_provider"] == "candles"
    assert (p.source.provider, p.source.endpoint) == ("forecast", None)
    assert relay.chains()["prediction"] == [["forecast"]]


async def test_too_few_candles_is_not_found() -> None:
    async with relay_with(candle_plugin([100.0] * 10, [])) as relay:
        with pytest.raises(SymbolNotFound) as info:
            await relay.prediction("BTC")
    assert "at least 31 are needed" in (info.value.attempts[-1].error or "")


async def test_ohlcv_failing_is_a_failure_not_a_guess() -> None:
    async with relay_with(candle_plugin([], [], fail=True)) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.prediction("BTC")
    assert info.value.attempts[-1].provider == "forecast"
    assert "ohlcv failed" in (info.value.attempts[-1].error or "")


def model_plugin(served: tuple[str, ...]) -> types.ModuleType:
    """A third-party model for some horizons only: the chain falls back to ``forecast`` for the rest."""
    mod = types.ModuleType("test_model")

    @hookimpl
    def provider_info() -> ProviderInfo:
        return ProviderInfo(name="mymodel", categories=("prediction",), extra={"local": True})

    @hookimpl
    async def fetch_prediction(ctx: Any, symbol: str, quote: str, horizon: str) -> Any:
        if horizon not in served:
            raise NotSupported(f"mymodel has no {horizon} model", provider="mymodel")
        candles = await ctx.fetch("ohlcv", symbol=symbol, quote=quote, interval="1h", limit=50)
        last = candles.candles[-1].close
        return Prediction(
            symbol=symbol,
            quote=candles.quote,
            requested_quote=candles.requested_quote,
            horizon=horizon,
            predicted_price=last,
            model="mymodel-v1",
            method="last close",
            source=ctx.source(),
        )

    mod.provider_info = provider_info  # type: ignore[attr-defined]
    mod.fetch_prediction = fetch_prediction  # type: ignore[attr-defined]
    return mod


async def test_a_model_plugin_first_in_the_chain_and_forecast_as_fallback() -> None:
    closes = [100.0 + (i % 7) for i in range(400)]
    settings = Settings(chains={"ohlcv": ["candles"], "prediction": ["mymodel", "forecast"]})
    settings.cache.enabled = False
    plugins = [("candles", candle_plugin(closes, [])), ("mymodel", model_plugin(("1h",)))]
    async with Relay(settings, plugins=plugins, load_entry_points=False) as relay:
        assert relay.chains()["prediction"] == [["mymodel"], ["forecast"]]
        mine = await relay.prediction("BTC", horizon="1h")
        fallback = await relay.prediction("BTC", horizon="1d")
    assert (mine.source.provider, mine.model) == ("mymodel", "mymodel-v1")
    assert (fallback.source.provider, fallback.model) == ("forecast", MODEL)
    assert [(a.provider, a.outcome) for a in fallback.source.attempts] == [
        ("mymodel", "unsupported"),
        ("forecast", "ok"),
    ]
