"""The per-category methods of ``Relay``: GENERATED, do not edit.

Written by ``make generate`` (``python scripts/generate.py``) from the category
declarations in ``coinrelay/_categories.py``; ``tests/test_categories.py`` checks it is
current. A category registered at run time gets the same method on first use.
"""

from __future__ import annotations

from typing import Any, Protocol

from ._methods import RelayFallback
from ._models import (
    OHLCV,
    Exchanges,
    Metadata,
    News,
    OrderBook,
    Prediction,
    Price,
    Result,
    Sentiment,
    Social,
    Technical,
    Volume,
)


class _AsyncFetch(Protocol):
    async def fetch(self, category: str, **params: Any) -> Result: ...


class RelayMethods(RelayFallback):
    """``relay.<category>(...)``: one coroutine method per category."""

    __slots__ = ()

    async def price(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        **kw: Any,
    ) -> Price:
        """Last price of a symbol in a quote currency.

        The ``price`` category through its failover chain, like ``fetch("price", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "price",
            symbol=symbol,
            quote=quote,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def ohlcv(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        interval: str = "1h",
        limit: int = 100,
        **kw: Any,
    ) -> OHLCV:
        """Candles (open, high, low, close, volume) of a symbol, oldest first.

        The ``ohlcv`` category through its failover chain, like ``fetch("ohlcv", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param interval: candle interval (one of: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d,
            1w, 1M; default ``1h``).
        :param limit: number of candles (an integer from 1 to 1000; default ``100``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "ohlcv",
            symbol=symbol,
            quote=quote,
            interval=interval,
            limit=limit,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def volume(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        **kw: Any,
    ) -> Volume:
        """24h traded volume and price change of a symbol.

        The ``volume`` category through its failover chain, like ``fetch("volume", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "volume",
            symbol=symbol,
            quote=quote,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def orderbook(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        depth: int = 20,
        **kw: Any,
    ) -> OrderBook:
        """Order book of a symbol: best bids and asks.

        The ``orderbook`` category through its failover chain, like ``fetch("orderbook", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param depth: levels per side (an integer from 1 to 5000; default ``20``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "orderbook",
            symbol=symbol,
            quote=quote,
            depth=depth,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def metadata(
        self: _AsyncFetch,
        symbol: str,
        **kw: Any,
    ) -> Metadata:
        """Name, rank, supply, market cap and links of a symbol.

        The ``metadata`` category through its failover chain, like ``fetch("metadata", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "metadata",
            symbol=symbol,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def news(
        self: _AsyncFetch,
        symbol: str | None = None,
        limit: int = 10,
        **kw: Any,
    ) -> News:
        """Newest news articles, about a symbol or all.

        The ``news`` category through its failover chain, like ``fetch("news", ...)``.

        :param symbol: only news about this ticker (default: all news) (a ticker: 1-20 ASCII letters,
            digits, '.', '_' or '-', upper-cased; ``None`` when not given).
        :param limit: number of articles (an integer from 1 to 100; default ``10``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "news",
            symbol=symbol,
            limit=limit,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def sentiment(
        self: _AsyncFetch,
        limit: int = 1,
        **kw: Any,
    ) -> Sentiment:
        """The crypto fear-and-greed index, with history.

        The ``sentiment`` category through its failover chain, like ``fetch("sentiment", ...)``.

        :param limit: readings of history (an integer from 1 to 1000; default ``1``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "sentiment",
            limit=limit,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def technical(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        interval: str = "1d",
        limit: int = 200,
        **kw: Any,
    ) -> Technical:
        """SMA, EMA, RSI, MACD and Bollinger bands of a symbol, computed from ohlcv.

        The ``technical`` category through its failover chain, like ``fetch("technical", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param interval: candle interval (one of: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d,
            1w, 1M; default ``1d``).
        :param limit: candles to compute from (an integer from 35 to 1000; default ``200``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "technical",
            symbol=symbol,
            quote=quote,
            interval=interval,
            limit=limit,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def prediction(
        self: _AsyncFetch,
        symbol: str,
        quote: str = "USD",
        horizon: str = "1d",
        **kw: Any,
    ) -> Prediction:
        """A price forecast for a symbol, with its interval.

        The ``prediction`` category through its failover chain, like ``fetch("prediction", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param quote: quote currency, e.g. USD, USDT, EUR, BTC (a ticker: 1-20 ASCII letters, digits,
            '.', '_' or '-', upper-cased; default ``USD``).
        :param horizon: how far ahead (one of: 1h, 4h, 1d, 7d, 30d; default ``1d``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "prediction",
            symbol=symbol,
            quote=quote,
            horizon=horizon,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def social(
        self: _AsyncFetch,
        symbol: str,
        **kw: Any,
    ) -> Social:
        """Community figures of a symbol's project: followers, subscribers, repository activity.

        The ``social`` category through its failover chain, like ``fetch("social", ...)``.

        :param symbol: asset ticker, e.g. BTC (a ticker: 1-20 ASCII letters, digits, '.', '_' or '-',
            upper-cased; required).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "social",
            symbol=symbol,
            **kw,
        )
        return result  # type: ignore[return-value]

    async def exchanges(
        self: _AsyncFetch,
        limit: int = 100,
        **kw: Any,
    ) -> Exchanges:
        """Exchanges ranked by the provider: country, year, trust score, 24h volume.

        The ``exchanges`` category through its failover chain, like ``fetch("exchanges", ...)``.

        :param limit: number of exchanges (an integer from 1 to 250; default ``100``).
        :param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.
        :raises InvalidRequest: a bad parameter (named).
        :raises SymbolNotFound: no provider in the chain serves it.
        :raises AllProvidersFailed: every provider failed and no stale value may be served.
        """
        result = await self.fetch(
            "exchanges",
            limit=limit,
            **kw,
        )
        return result  # type: ignore[return-value]
