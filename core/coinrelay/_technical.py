"""Built-in ``technical`` plugin: indicators computed locally from the relay's ``ohlcv``.

It has no endpoints of its own (``extra={"local": True}`` tells the runtime it needs
none): ``fetch_technical`` asks ``ctx.fetch("ohlcv", ...)`` for the candles, so it
inherits the ohlcv chain's failover, breakers and cache, then computes with
:mod:`coinrelay._indicators` (``Decimal`` arithmetic):

* SMA 20 and 50, EMA 12 and 26 — each only when there are enough candles;
* RSI 14 (Wilder's smoothing), MACD (12, 26, signal 9), Bollinger (20, 2 population std devs).

Errors: an ohlcv :class:`~coinrelay._errors.SymbolNotFound` becomes ``NotSupported`` (no
breaker penalty), :class:`~coinrelay._errors.AllProvidersFailed` becomes
``UpstreamServerError`` (HTTP 503-like, transient) naming the ohlcv trail, and fewer
candles than the shortest indicator needs is ``NotSupported``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _indicators as indicators
from ._errors import AllProvidersFailed, InvalidRequest, NotSupported, SymbolNotFound, UpstreamServerError
from ._models import MACD, OHLCV, Bollinger, Technical
from ._provider import ProviderInfo
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._context import ProviderContext

NAME = "technical"
SMA_PERIODS = (20, 50)
EMA_PERIODS = (12, 26)
RSI_PERIOD = 14
MACD_PERIODS = (12, 26, 9)
BOLLINGER_PERIOD = 20
BOLLINGER_K = 2
#: The fewest candles any indicator can use (EMA 12).
MIN_CANDLES = min(EMA_PERIODS + SMA_PERIODS + (RSI_PERIOD + 1, BOLLINGER_PERIOD))


@hookimpl
def provider_info() -> ProviderInfo:
    """The built-in provider of ``technical``: local computation, no endpoints."""
    return ProviderInfo(
        name=NAME,
        categories=("technical",),
        priority=100,
        description="SMA, EMA, RSI, MACD and Bollinger bands computed locally from the ohlcv chain",
        extra={"local": True},
    )


async def fetch_candles(ctx: ProviderContext, name: str, symbol: str, quote: str, interval: str, limit: int) -> OHLCV:
    """``limit`` candles through the relay's ohlcv chain, its errors made provider ``name``'s.

    Shared by the providers computed from candles (``technical``, ``forecast``).
    """
    try:
        ohlcv = await ctx.fetch("ohlcv", symbol=symbol, quote=quote, interval=interval, limit=limit)
        assert isinstance(ohlcv, OHLCV)
    except SymbolNotFound as exc:
        raise NotSupported(f"ohlcv has no candles for {symbol}/{quote}: {exc}", provider=name) from exc
    except AllProvidersFailed as exc:
        raise UpstreamServerError(
            f"ohlcv failed, no candles to compute from: {exc}", provider=name, status=503
        ) from exc
    except InvalidRequest as exc:
        raise NotSupported(f"ohlcv refused the request: {exc}", provider=name) from exc
    return ohlcv


@hookimpl
async def fetch_technical(ctx: ProviderContext, symbol: str, quote: str, interval: str, limit: int) -> Technical | None:
    """Fetch ``limit`` candles through the relay's ohlcv chain and compute the indicators."""
    ohlcv = await fetch_candles(ctx, NAME, symbol, quote, interval, limit)
    candles = sorted(ohlcv.candles, key=lambda c: c.open_time)
    if len(candles) < MIN_CANDLES:
        raise NotSupported(
            f"only {len(candles)} {interval} candle(s) of {symbol}/{ohlcv.quote} from {ohlcv.source.provider}; "
            f"at least {MIN_CANDLES} are needed",
            provider=NAME,
        )
    closes = [c.close for c in candles]
    newest = candles[-1]
    sma = {p: v for p in SMA_PERIODS if (v := indicators.sma(closes, p)) is not None}
    ema = {p: v for p in EMA_PERIODS if (v := indicators.ema(closes, p)) is not None}
    m = indicators.macd(closes, *MACD_PERIODS)
    b = indicators.bollinger(closes, BOLLINGER_PERIOD, BOLLINGER_K)
    return Technical(
        symbol=ohlcv.symbol,
        quote=ohlcv.quote,
        requested_quote=ohlcv.requested_quote,
        interval=ohlcv.interval,
        as_of=newest.close_time or newest.open_time,
        candles_used=len(candles),
        sma=sma,
        ema=ema,
        rsi=indicators.rsi(closes, RSI_PERIOD),
        macd=None if m is None else MACD(macd=m.macd, signal=m.signal, histogram=m.histogram),
        bollinger=None if b is None else Bollinger(upper=b.upper, middle=b.middle, lower=b.lower),
        source=ctx.source(),
    )
