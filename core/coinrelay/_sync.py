"""A synchronous facade over :class:`~coinrelay._relay.Relay`, for scripts and notebooks.

It runs the relay on an event loop in a background thread::

    with SyncRelay.from_config() as relay:
        print(relay.price("BTC").price)
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Self, TypeVar

from ._batch import PriceBatch
from ._config import load_settings
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
from ._relay import Relay

T = TypeVar("T")


class SyncRelay:
    """Blocking versions of the relay's methods. Thread-safe."""

    def __init__(self, relay_factory: Callable[[], Relay] | None = None, **relay_kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="coinrelay-sync", daemon=True)
        self._thread.start()
        factory = relay_factory or (lambda: Relay(**relay_kwargs))

        async def build() -> Relay:
            return factory()

        self.relay: Relay = self._run(build())

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Self:
        settings = load_settings(path)
        return cls(settings=settings, **kwargs)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop.is_closed():
            coro.close()  # never scheduled: close it rather than leave it un-awaited
            raise RuntimeError("this SyncRelay is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self.relay.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def fetch(self, category: str, **params: Any) -> Result:
        return self._run(self.relay.fetch(category, **params))

    def price(self, symbol: str, quote: str = "USD", **kw: Any) -> Price:
        return self._run(self.relay.price(symbol, quote, **kw))

    def ohlcv(self, symbol: str, quote: str = "USD", interval: str = "1h", limit: int = 100, **kw: Any) -> OHLCV:
        return self._run(self.relay.ohlcv(symbol, quote, interval, limit, **kw))

    def volume(self, symbol: str, quote: str = "USD", **kw: Any) -> Volume:
        return self._run(self.relay.volume(symbol, quote, **kw))

    def orderbook(self, symbol: str, quote: str = "USD", depth: int = 20, **kw: Any) -> OrderBook:
        return self._run(self.relay.orderbook(symbol, quote, depth, **kw))

    def metadata(self, symbol: str, **kw: Any) -> Metadata:
        return self._run(self.relay.metadata(symbol, **kw))

    def news(self, symbol: str | None = None, limit: int = 10, **kw: Any) -> News:
        return self._run(self.relay.news(symbol, limit, **kw))

    def sentiment(self, limit: int = 1, **kw: Any) -> Sentiment:
        return self._run(self.relay.sentiment(limit, **kw))

    def technical(
        self, symbol: str, quote: str = "USD", interval: str = "1d", limit: int = 200, **kw: Any
    ) -> Technical:
        return self._run(self.relay.technical(symbol, quote, interval, limit, **kw))

    def prediction(self, symbol: str, quote: str = "USD", horizon: str = "1d", **kw: Any) -> Prediction:
        return self._run(self.relay.prediction(symbol, quote, horizon, **kw))

    def social(self, symbol: str, **kw: Any) -> Social:
        return self._run(self.relay.social(symbol, **kw))

    def exchanges(self, limit: int = 100, **kw: Any) -> Exchanges:
        return self._run(self.relay.exchanges(limit, **kw))

    def resolve(self, text: str, param: str = "symbol") -> str:
        return self.relay.resolve(text, param)

    def prices(self, symbols: Iterable[str], quote: str = "USD", **kw: Any) -> PriceBatch:
        return self._run(self.relay.prices(symbols, quote, **kw))

    def health(self) -> dict[str, Any]:
        return self._run(self.relay.health())

    def stats(self) -> dict[str, Any]:
        return self.relay.stats()
