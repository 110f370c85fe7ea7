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
from ._generated_sync import SyncRelayMethods
from ._models import Result
from ._relay import Relay

T = TypeVar("T")


class SyncRelay(SyncRelayMethods):
    """Blocking versions of the relay's methods (``sync.price(...)``: generated per category). Thread-safe."""

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

    def resolve(self, text: str, param: str = "symbol") -> str:
        """The ticker for ``text`` (a ticker, a provider id or a name); see :meth:`Relay.resolve`."""
        return self.relay.resolve(text, param)

    def prices(self, symbols: Iterable[str], quote: str = "USD", **kw: Any) -> PriceBatch:
        """Blocking :meth:`Relay.prices`."""
        return self._run(self.relay.prices(symbols, quote, **kw))

    def health(self) -> dict[str, Any]:
        return self._run(self.relay.health())

    def stats(self) -> dict[str, Any]:
        return self.relay.stats()
