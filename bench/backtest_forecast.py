"""Backtest of the built-in ``forecast`` provider against the naive last-price forecast.

Usage::

    .venv/bin/python bench/backtest_forecast.py            # the markdown tables of docs/prediction.md

Walk-forward over recorded BTC/USD series (``bench/data``, see its README): at every point
``t`` with enough history, forecast ``h`` candles ahead from the ``window + 1`` closes ending
at ``t`` — exactly what ``fetch_prediction`` does with the ohlcv chain's candles — and compare
with the close at ``t + h``. The naive forecast is the close at ``t``. Reported per horizon:
mean absolute error (USD and % of the price), how often the model's point forecast was
closer than the naive one, and the real coverage and mean width of the 90 % interval.
Forecast points overlap (consecutive windows share all but one close), so they are not
independent samples: read the figures as a description of these 30 days, not as a
confidence statement.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from coinrelay._forecast import CONFIDENCE, PLANS, drift_volatility

DATA = Path(__file__).resolve().parent / "data"


def hourly_closes() -> list[float]:
    """721 hourly BTC/USD prices, 2022-05-21 → 2022-06-20 (CoinGecko market_chart, recorded)."""
    body = json.loads((DATA / "coingecko_market_chart_btc_hourly_2022.json").read_text())
    return [float(price) for _, price in body["prices"]]


def daily_closes() -> list[float]:
    """31 daily BTC/USD closes, 2022-05-10 → 2022-06-09 (CryptoCompare histoday, recorded)."""
    body = json.loads((DATA / "cryptocompare_histoday_btc_2022.json").read_text())
    return [float(row["close"]) for row in body["Data"]["Data"]]


@dataclass(frozen=True, slots=True)
class Score:
    """One horizon's backtest figures."""

    label: str
    points: int
    mae_model: float
    mae_naive: float
    mape_model: float
    mape_naive: float
    model_closer: float
    coverage: float
    width_pct: float


def backtest(label: str, closes: list[float], window: int, steps: int) -> Score:
    """Walk-forward backtest of ``drift_volatility`` with ``window`` returns, ``steps`` ahead."""
    err_model: list[float] = []
    err_naive: list[float] = []
    pct_model: list[float] = []
    pct_naive: list[float] = []
    closer = inside = 0
    widths: list[float] = []
    for t in range(window, len(closes) - steps):
        f = drift_volatility(closes[t - window : t + 1], steps)
        actual = closes[t + steps]
        em, en = abs(f.median - actual), abs(closes[t] - actual)
        err_model.append(em)
        err_naive.append(en)
        pct_model.append(em / actual * 100)
        pct_naive.append(en / actual * 100)
        closer += em < en
        inside += f.low <= actual <= f.high
        widths.append((f.high - f.low) / f.last * 100)
    n = len(err_model)
    return Score(
        label=label,
        points=n,
        mae_model=statistics.fmean(err_model),
        mae_naive=statistics.fmean(err_naive),
        mape_model=statistics.fmean(pct_model),
        mape_naive=statistics.fmean(pct_naive),
        model_closer=closer / n,
        coverage=inside / n,
        width_pct=statistics.fmean(widths),
    )


def scores() -> list[Score]:
    """The shipped plans on the hourly series, then a short-window daily check (see the docs)."""
    hourly = hourly_closes()
    out = [
        backtest(f"{horizon} (plan: {p.window} × {p.interval}, {p.steps} ahead)", hourly, p.window, p.steps)
        for horizon, p in PLANS.items()
        if p.interval == "1h"
    ]
    out.append(backtest("1d on daily candles (20 × 1d, 1 ahead; not a shipped plan)", daily_closes(), 20, 1))
    return out


def table(rows: list[Score]) -> str:
    """The markdown table of ``rows``."""
    lines = [
        "| horizon | forecasts | MAE model (USD) | MAE naive (USD) | MAPE model | MAPE naive "
        f"| model closer | {CONFIDENCE:.0%} interval coverage | mean interval width |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {r.points} | {r.mae_model:,.0f} | {r.mae_naive:,.0f} | {r.mape_model:.2f} % "
            f"| {r.mape_naive:.2f} % | {r.model_closer:.0%} | {r.coverage:.1%} | {r.width_pct:.1f} % |"
        )
    return "\n".join(lines)


def main() -> None:
    print(table(scores()))


if __name__ == "__main__":
    main()
