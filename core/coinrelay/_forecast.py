"""Built-in ``forecast`` plugin: a drift-and-volatility price forecast from the ohlcv chain.

What it is — a statistical extrapolation, not a learned model, and not advice:

1. fetch ``window + 1`` candles of the horizon's interval through the relay's ohlcv chain
   (``ctx.fetch``: failover, breakers and cache included; see :data:`PLANS`);
2. take the log-returns of consecutive closes, ``r_i = ln(c_i / c_(i-1))``, and their mean
   ``mu`` (the drift per candle) and sample standard deviation ``sigma`` (the volatility);
3. assume the next ``h`` returns are independent normal draws with that mean and deviation
   (a random walk with drift: the log-price after ``h`` candles is normal with mean
   ``ln(last) + mu*h`` and deviation ``sigma*sqrt(h)``);
4. answer the median of that log-normal, ``last * exp(mu*h)``, as ``predicted_price``, and its
   central :data:`CONFIDENCE` interval ``last * exp(mu*h -/+ z*sigma*sqrt(h))`` as
   ``interval_low`` / ``interval_high`` (``confidence`` = 0.9, the interval's nominal coverage).

Crypto returns have fat tails and changing volatility, so the real coverage of the interval
is lower than nominal in turbulent weeks; the drift estimated from a few weeks is noisy, so
the point forecast is no better than "the price stays where it is" — docs/prediction.md
backtests both on recorded candles and reports the numbers.

Errors: as ``technical`` (:func:`coinrelay._technical.fetch_candles`); fewer than
:data:`MIN_RETURNS` usable closes is ``NotSupported``.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._categories import INTERVALS
from ._errors import NotSupported
from ._models import Prediction, utcnow
from ._provider import ProviderInfo
from ._technical import fetch_candles
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._context import ProviderContext

NAME = "forecast"
MODEL = "drift-volatility"
#: Nominal coverage of the forecast interval.
CONFIDENCE = 0.9
#: The normal quantile for :data:`CONFIDENCE` (two-sided): 1.6449.
Z = statistics.NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
#: Fewest log-returns a forecast is made from.
MIN_RETURNS = 30


@dataclass(frozen=True, slots=True)
class Plan:
    """How one horizon is forecast: candle interval, candles of history, candles ahead."""

    interval: str
    window: int
    steps: int


#: Horizon -> plan. Hourly candles for the short horizons (one to two weeks of history), daily
#: candles for the long ones (a quarter to a year).
PLANS: dict[str, Plan] = {
    "1h": Plan("1h", 168, 1),
    "4h": Plan("1h", 168, 4),
    "1d": Plan("1h", 336, 24),
    "7d": Plan("1d", 90, 7),
    "30d": Plan("1d", 365, 30),
}


@dataclass(frozen=True, slots=True)
class Forecast:
    """The numbers of one forecast (floats; the plugin turns them into Decimals)."""

    last: float
    median: float
    low: float
    high: float
    drift: float
    volatility: float
    returns: int


def drift_volatility(closes: Sequence[float], steps: int, z: float = Z) -> Forecast:
    """The forecast ``steps`` candles past the last of ``closes`` (oldest first, all > 0).

    :raises ValueError: fewer than three closes, or a close that is not positive.
    """
    if len(closes) < 3:
        raise ValueError("need at least three closes")
    if any(c <= 0 for c in closes):
        raise ValueError("closes must be positive")
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    mu = statistics.fmean(returns)
    sigma = statistics.stdev(returns)
    last = closes[-1]
    center = mu * steps
    spread = z * sigma * math.sqrt(steps)
    return Forecast(
        last=last,
        median=last * math.exp(center),
        low=last * math.exp(center - spread),
        high=last * math.exp(center + spread),
        drift=mu,
        volatility=sigma,
        returns=len(returns),
    )


def _dec(x: float, digits: int = 10) -> Decimal:
    """``x`` with ``digits`` significant digits, as a Decimal."""
    return Decimal(f"{x:.{digits}g}")


@hookimpl
def provider_info() -> ProviderInfo:
    """The built-in provider of ``prediction``: local computation, no endpoints."""
    return ProviderInfo(
        name=NAME,
        categories=("prediction",),
        priority=100,
        description=(
            f"{MODEL}: median and {CONFIDENCE:.0%} interval of a random walk with the drift and "
            "volatility of recent candles (statistics, not AI; see docs/prediction.md)"
        ),
        extra={"local": True},
    )


@hookimpl
async def fetch_prediction(ctx: ProviderContext, symbol: str, quote: str, horizon: str) -> Prediction | None:
    """Fetch the horizon's candles through the ohlcv chain and forecast from their closes."""
    plan = PLANS.get(horizon)
    if plan is None:
        raise NotSupported(f"no plan for horizon {horizon!r}; known: {', '.join(PLANS)}", provider=NAME)
    ohlcv = await fetch_candles(ctx, NAME, symbol, quote, plan.interval, plan.window + 1)
    candles = sorted((c for c in ohlcv.candles if c.close > 0), key=lambda c: c.open_time)
    if len(candles) < MIN_RETURNS + 1:
        raise NotSupported(
            f"only {len(candles)} usable {plan.interval} candle(s) of {symbol}/{ohlcv.quote} from "
            f"{ohlcv.source.provider}; at least {MIN_RETURNS + 1} are needed",
            provider=NAME,
        )
    f = drift_volatility([float(c.close) for c in candles], plan.steps)
    newest = candles[-1]
    extra: dict[str, Any] = {
        "drift_per_candle": round(f.drift, 8),
        "volatility_per_candle": round(f.volatility, 8),
        "steps": plan.steps,
        "z": round(Z, 4),
        "ohlcv_provider": ohlcv.source.provider,
        "ohlcv_stale": ohlcv.source.stale,
    }
    return Prediction(
        symbol=symbol,
        quote=ohlcv.quote,
        requested_quote=ohlcv.requested_quote,
        horizon=horizon,
        predicted_price=_dec(f.median),
        confidence=Decimal(str(CONFIDENCE)),
        model=MODEL,
        last_price=newest.close,
        interval_low=_dec(f.low),
        interval_high=_dec(f.high),
        method=(
            f"random walk with drift: mean and std of {f.returns} {plan.interval} log-returns, "
            f"{plan.steps} candle(s) ahead ({INTERVALS[plan.interval] * plan.steps // 3600} h); "
            "statistical extrapolation, not AI, not advice"
        ),
        as_of=min(newest.close_time or newest.open_time, utcnow()),  # a still-open candle ends now
        candles_used=len(candles),
        candle_interval=plan.interval,
        extra=extra,
        source=ctx.source(),
    )
