"""The built-in ``technical`` plugin and :mod:`coinrelay._indicators`.

Reference values are computed here INDEPENDENTLY of the module under test: binary floats,
``statistics`` and differently written recurrences, compared with a relative tolerance.
The end-to-end tests run a :class:`~coinrelay.Relay` whose ohlcv chain is two tiny
in-test provider plugins speaking HTTP to loopback :class:`FakeUpstream` servers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext

import pytest

from coinrelay import (
    OHLCV,
    AllProvidersFailed,
    Candle,
    NotSupported,
    ProviderInfo,
    Relay,
    Settings,
    SymbolNotFound,
    Technical,
    hookimpl,
)
from coinrelay import _indicators as ind
from coinrelay import _technical as technical_plugin
from coinrelay._config import ProviderSettings
from coinrelay._context import ProviderContext
from coinrelay._parsing import field, from_ms, num
from coinrelay.testing import FakeUpstream, Reply, check_provider
from coinrelay.testing.upstream import Request

# ---------------------------------------------------------------------------
# Fixed series
# ---------------------------------------------------------------------------

#: BTC/USD daily (time, close), 2022-05-10 … 2022-06-09: the 31 rows of
#: ../shared/providers/responses/cryptocompare/histoday_v2_recorded.json (Data.Data[].time/.close).
# fmt: off
DAILY: list[tuple[int, str]] = [
    (1652140800, "31013.12"), (1652227200, "29017.21"), (1652313600, "28915.72"), (1652400000, "29244.83"),
    (1652486400, "30050.31"), (1652572800, "31296.11"), (1652659200, "29838.5"), (1652745600, "30415.91"),
    (1652832000, "28667.29"), (1652918400, "30282.48"), (1653004800, "29166.15"), (1653091200, "29410.72"),
    (1653177600, "30264.29"), (1653264000, "29075.68"), (1653350400, "29630.05"), (1653436800, "29508.27"),
    (1653523200, "29188.71"), (1653609600, "28597.33"), (1653696000, "29013.53"), (1653782400, "29452.23"),
    (1653868800, "31716.41"), (1653955200, "31782.16"), (1654041600, "29789.58"), (1654128000, "30439.63"),
    (1654214400, "29680.3"), (1654300800, "29845.48"), (1654387200, "29897.9"), (1654473600, "31353.78"),
    (1654560000, "31111.75"), (1654646400, "30189.27"), (1654732800, "30210.38"),
]

#: BTC/USD, the first 60 of CoinGecko's hourly samples (2022-05-21 14:00 UTC on) from
#: ../shared/providers/responses/coingecko/coins_id_market_chart_days30_recorded_2022.json (prices[:60]).
#: Long enough for SMA 50 and MACD's signal line (34 closes).
HOURLY: list[str] = [
    "29355.49900328947", "29408.829445605934", "29497.347529518447", "29586.643167160633",
    "29456.156222490306", "29488.44296610853", "29506.42157055718", "29435.79656041014",
    "29400.69738961443", "29438.097435799475", "29491.507947760598", "29512.56199034459",
    "29536.76112195805", "29437.63395643593", "29412.806868676085", "29348.146110206842",
    "29421.371906529017", "29440.270841599387", "29465.85503423404", "29577.488869025095",
    "30025.810045074377", "30236.777415095316", "29919.258535544526", "30195.853504758594",
    "30059.79716769435", "30009.759324959436", "29888.987158689626", "29958.666956261368",
    "29978.384670416777", "30049.27974428577", "29976.10252024696", "29974.13309415041",
    "30069.910565295708", "30341.531208439646", "30351.050417138096", "30300.123520864105",
    "30233.304059660284", "30162.200777993916", "30169.673747371988", "30172.13926006517",
    "30276.76118473994", "30528.731586363934", "30546.4547069185", "30381.50734327177",
    "30495.217363563523", "30483.75338516015", "30440.18813153408", "30433.124856438022",
    "30435.747186647808", "30278.200334421705", "30415.521868185282", "30292.474385454425",
    "30104.347687672132", "29998.513096702307", "29231.832325497417", "29339.48904783449",
    "29392.00794876634", "29219.5951408335", "29135.362563102553", "29179.22613289936",
]
# fmt: on

DAILY_CLOSES = [Decimal(c) for _, c in DAILY]
HOURLY_CLOSES = [Decimal(c) for c in HOURLY]


# ---------------------------------------------------------------------------
# Independent float reference
# ---------------------------------------------------------------------------


def ref_sma(xs: list[float], n: int) -> float:
    return statistics.fmean(xs[len(xs) - n :])


def ref_ema_all(xs: list[float], n: int) -> dict[int, float]:
    """EMA by close index, written as alpha*x + (1-alpha)*prev."""
    alpha = 2.0 / (n + 1.0)
    out = {n - 1: statistics.fmean(xs[:n])}
    for i in range(n, len(xs)):
        out[i] = alpha * xs[i] + (1.0 - alpha) * out[i - 1]
    return out


def ref_rsi(xs: list[float], n: int = 14) -> float:
    diffs = [xs[i] - xs[i - 1] for i in range(1, len(xs))]
    up = statistics.fmean([max(d, 0.0) for d in diffs[:n]])
    down = statistics.fmean([max(-d, 0.0) for d in diffs[:n]])
    for d in diffs[n:]:
        up += (max(d, 0.0) - up) / n
        down += (max(-d, 0.0) - down) / n
    return 100.0 * up / (up + down)  # == 100 - 100 / (1 + up/down)


def ref_macd(xs: list[float]) -> tuple[float, float, float]:
    e12, e26 = ref_ema_all(xs, 12), ref_ema_all(xs, 26)
    line = [e12[i] - e26[i] for i in sorted(e26)]
    sig = ref_ema_all(line, 9)[len(line) - 1]
    return line[-1], sig, line[-1] - sig


def ref_bollinger(xs: list[float], n: int = 20, k: float = 2.0) -> tuple[float, float, float]:
    window = xs[len(xs) - n :]
    mid = statistics.fmean(window)
    sd = statistics.pstdev(window)
    return mid + k * sd, mid, mid - k * sd


def close_to(value: Decimal | None, expected: float, rel: float = 1e-9) -> bool:
    assert value is not None
    assert isinstance(value, Decimal)
    return math.isclose(float(value), expected, rel_tol=rel, abs_tol=1e-9)


# ---------------------------------------------------------------------------
# indicators: against the reference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("series", [DAILY_CLOSES, HOURLY_CLOSES], ids=["daily31", "hourly60"])
def test_indicators_match_independent_reference(series: list[Decimal]) -> None:
    xs = [float(c) for c in series]
    assert close_to(ind.sma(series, 20), ref_sma(xs, 20))
    for n in (12, 26):
        assert close_to(ind.ema(series, n), ref_ema_all(xs, n)[len(xs) - 1])
    assert close_to(ind.rsi(series, 14), ref_rsi(xs, 14))
    b = ind.bollinger(series, 20, 2)
    assert b is not None
    upper, mid, lower = ref_bollinger(xs)
    assert close_to(b.upper, upper)
    assert close_to(b.middle, mid)
    assert close_to(b.lower, lower)


def test_sma50_and_macd_on_the_long_series() -> None:
    xs = [float(c) for c in HOURLY_CLOSES]
    assert close_to(ind.sma(HOURLY_CLOSES, 50), ref_sma(xs, 50))
    m = ind.macd(HOURLY_CLOSES)
    assert m is not None
    line, sig, hist = ref_macd(xs)
    # MACD is a small difference of two large numbers: compare absolutely (USD cents).
    assert math.isclose(float(m.macd), line, abs_tol=1e-6)
    assert math.isclose(float(m.signal), sig, abs_tol=1e-6)
    assert math.isclose(float(m.histogram), hist, abs_tol=1e-6)
    assert m.histogram == m.macd - m.signal


def test_short_series_gives_none_never_a_partial_value() -> None:
    assert ind.sma(DAILY_CLOSES, 50) is None  # 31 closes
    assert ind.macd(DAILY_CLOSES) is None  # needs 26 + 9 - 1 = 34
    assert ind.macd(HOURLY_CLOSES[:33]) is None
    assert ind.macd(HOURLY_CLOSES[:34]) is not None
    assert ind.rsi(DAILY_CLOSES[:14], 14) is None
    assert ind.rsi(DAILY_CLOSES[:15], 14) is not None
    assert ind.ema(DAILY_CLOSES[:11], 12) is None
    assert ind.bollinger(DAILY_CLOSES[:19], 20) is None


def test_exact_decimal_on_hand_checked_values() -> None:
    d = [Decimal(x) for x in ("1.1", "2.2", "3.3")]
    assert ind.sma(d, 3) == Decimal("2.2")  # a float mean gives 2.1999999999999997
    # EMA(2) of 1, 2, 3, 4: seed mean(1, 2) = 1.5; k = 2/3; 1.5 + (3 - 1.5) * 2/3 = 2.5; 2.5 + 1.5 * 2/3 = 3.5
    assert ind.ema([Decimal(x) for x in (1, 2, 3, 4)], 2) == Decimal("3.5")
    # Bollinger of 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population std dev 2.
    b = ind.bollinger([Decimal(x) for x in (2, 4, 4, 4, 5, 5, 7, 9)], 8, 2)
    assert b == ind.BollingerValues(upper=Decimal(9), middle=Decimal(5), lower=Decimal(1))


def test_rsi_edges() -> None:
    rising = [Decimal(i) for i in range(1, 20)]
    assert ind.rsi(rising, 14) == 100
    flat = [Decimal(7)] * 20
    assert ind.rsi(flat, 14) == 50
    falling = list(reversed(rising))
    assert ind.rsi(falling, 14) == 0


def test_caller_decimal_context_does_not_change_results() -> None:
    expected = ind.bollinger(DAILY_CLOSES)
    with localcontext(prec=3):
        assert ind.bollinger(DAILY_CLOSES) == expected


def test_bad_periods_are_named() -> None:
    with pytest.raises(ValueError, match="period must be a positive integer"):
        ind.sma(DAILY_CLOSES, 0)
    with pytest.raises(ValueError, match="fast period"):
        ind.macd(HOURLY_CLOSES, 26, 12, 9)


# ---------------------------------------------------------------------------
# The plugin through a Relay
# ---------------------------------------------------------------------------


class FakeOhlcvPlugin:
    """A tiny ohlcv provider: GET /candles?symbol=&limit= answers [[open_time_ms, close], ...]."""

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(name=self.name, categories=("ohlcv",))

    @hookimpl
    async def fetch_ohlcv(
        self, ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int
    ) -> OHLCV | None:
        resp = await ctx.http.get("/candles", params={"symbol": symbol, "limit": limit})
        if resp.status_code == 404:
            return None
        rows = resp.json()
        candles = []
        for i, row in enumerate(rows[-limit:]):
            close = num(field(row, 1, (str, Decimal, int), self.name), f"[{i}][1]", self.name)
            candles.append(
                Candle(
                    open_time=from_ms(field(row, 0, int, self.name), f"[{i}][0]", self.name),
                    open=close,
                    high=close,
                    low=close,
                    close=close,
                )
            )
        return OHLCV(symbol=symbol, quote=quote, interval=interval, candles=candles, source=ctx.source())


def candle_rows(times_s: list[int], closes: list[str]) -> list[list[object]]:
    return [[t * 1000, c] for t, c in zip(times_s, closes, strict=True)]


DAILY_ROWS = candle_rows([t for t, _ in DAILY], [c for _, c in DAILY])
#: CoinGecko's samples are about an hour apart; the candles here are put exactly one hour apart.
HOURLY_START = 1653141600
HOURLY_ROWS = candle_rows([HOURLY_START + 3600 * i for i in range(len(HOURLY))], HOURLY)


@pytest.fixture
def two_upstreams(upstream_factory: Callable[[], FakeUpstream]) -> tuple[FakeUpstream, FakeUpstream]:
    def candles(req: Request) -> Reply:
        if req.query.get("symbol") != "BTC":
            return Reply.json({"error": "unknown symbol"}, status=404)
        return Reply.json(DAILY_ROWS)

    first, second = upstream_factory(), upstream_factory()
    for up in (first, second):
        up.route("/candles", candles)
    return first, second


def make_relay(first: FakeUpstream, second: FakeUpstream) -> Relay:
    settings = Settings(
        providers={
            "first": ProviderSettings(endpoints=[first.url], timeout=2.0),
            "second": ProviderSettings(endpoints=[second.url], timeout=2.0),
        },
        chains={"ohlcv": ["first", "second"], "technical": ["technical"]},
    )
    return Relay(
        settings,
        plugins=[("first", FakeOhlcvPlugin("first")), ("second", FakeOhlcvPlugin("second"))],
        load_entry_points=False,
    )


def test_provider_contract() -> None:
    info = check_provider(technical_plugin, "technical")
    assert info.categories == ("technical",)
    assert info.endpoints == ()
    assert info.extra.get("local") is True


async def test_local_provider_counts_as_configured(two_upstreams: tuple[FakeUpstream, FakeUpstream]) -> None:
    async with make_relay(*two_upstreams) as relay:
        health = await relay.health()
        assert health["providers"]["technical"]["configured"] is True
        assert health["providers"]["technical"]["configured_reason"] is None


async def test_technical_inherits_ohlcv_failover(two_upstreams: tuple[FakeUpstream, FakeUpstream]) -> None:
    first, second = two_upstreams
    first.down()  # the first ohlcv provider refuses connections
    async with make_relay(first, second) as relay:
        result = await relay.technical("BTC", "USD", "1d", 35)
        assert isinstance(result, Technical)
        assert result.source.provider == "technical"
        assert [(a.provider, a.outcome) for a in result.source.attempts] == [("technical", "ok")]
        # the candles came from the second provider after the first failed
        stats = relay.stats()["providers"]
        assert stats["first"]["failures"] == 1
        assert stats["second"]["successes"] == 1
        assert second.count("/candles") == 1
        assert second.requests[-1].query == {"symbol": "BTC", "limit": "35"}

    xs = [float(c) for _, c in DAILY]
    assert result.symbol == "BTC"
    assert result.quote == "USD"
    assert result.interval == "1d"
    assert result.candles_used == 31
    assert result.as_of == datetime(2022, 6, 9, tzinfo=UTC)  # open time of the newest candle (no close time)
    assert set(result.sma) == {20}  # 31 candles: no SMA 50
    assert close_to(result.sma[20], ref_sma(xs, 20))
    assert set(result.ema) == {12, 26}
    assert close_to(result.ema[12], ref_ema_all(xs, 12)[30])
    assert close_to(result.ema[26], ref_ema_all(xs, 26)[30])
    assert close_to(result.rsi, ref_rsi(xs))
    assert result.macd is None  # 31 < 34
    assert result.bollinger is not None
    upper, mid, lower = ref_bollinger(xs)
    assert close_to(result.bollinger.upper, upper)
    assert close_to(result.bollinger.middle, mid)
    assert close_to(result.bollinger.lower, lower)


async def test_technical_with_enough_candles_has_every_indicator(
    upstream: FakeUpstream, upstream_factory: Callable[[], FakeUpstream]
) -> None:
    upstream.route("/candles", Reply.json(HOURLY_ROWS))
    other = upstream_factory()
    async with make_relay(upstream, other) as relay:
        result = await relay.technical("BTC", "USD", "1h", 60)
    xs = [float(c) for c in HOURLY]
    assert result.candles_used == 60
    assert result.as_of == datetime.fromtimestamp(HOURLY_START, UTC) + timedelta(hours=59)
    assert set(result.sma) == {20, 50}
    assert close_to(result.sma[50], ref_sma(xs, 50))
    assert result.macd is not None
    line, sig, hist = ref_macd(xs)
    assert math.isclose(float(result.macd.macd), line, abs_tol=1e-6)
    assert math.isclose(float(result.macd.signal), sig, abs_tol=1e-6)
    assert math.isclose(float(result.macd.histogram), hist, abs_tol=1e-6)
    assert other.count() == 0  # the first provider answered: no failover needed
    # the result survives the JSON round trip the HTTP API and the render plugin use
    again = Technical.model_validate(result.model_dump(mode="json"))
    assert again.sma == result.sma
    assert again.macd == result.macd


async def test_technical_fails_with_the_ohlcv_trail_when_every_ohlcv_provider_is_down(
    two_upstreams: tuple[FakeUpstream, FakeUpstream],
) -> None:
    first, second = two_upstreams
    first.down()
    second.down()
    async with make_relay(first, second) as relay:
        with pytest.raises(AllProvidersFailed) as info:
            await relay.technical("BTC", "USD", "1d", 35)
    [attempt] = info.value.attempts
    assert attempt.provider == "technical"
    assert attempt.outcome == "failed"
    assert attempt.error is not None
    assert "ohlcv failed" in attempt.error
    assert "first" in attempt.error
    assert "second" in attempt.error


async def test_unknown_symbol_is_symbol_not_found(two_upstreams: tuple[FakeUpstream, FakeUpstream]) -> None:
    async with make_relay(*two_upstreams) as relay:
        with pytest.raises(SymbolNotFound) as info:
            await relay.technical("NOPE", "USD", "1d", 35)
    [attempt] = info.value.attempts
    assert (attempt.provider, attempt.outcome) == ("technical", "unsupported")
    assert attempt.error is not None
    assert "NOPE/USD" in attempt.error


async def test_too_few_candles_is_not_supported(
    upstream: FakeUpstream, upstream_factory: Callable[[], FakeUpstream]
) -> None:
    upstream.route("/candles", Reply.json(DAILY_ROWS[:5]))
    async with make_relay(upstream, upstream_factory()) as relay:
        with pytest.raises(SymbolNotFound) as info:
            await relay.technical("BTC", "USD", "1d", 35)
    [attempt] = info.value.attempts
    assert attempt.error is not None
    assert "only 5 1d candle(s)" in attempt.error
    assert NotSupported.outcome == attempt.outcome
