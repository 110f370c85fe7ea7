"""A batch of prices, each answered on its own: ``await relay.prices(["BTC", "ethereum", "NOPE"])``.

Every symbol is resolved (:mod:`coinrelay._names`: tickers, names, provider ids) and fetched
through the price chain concurrently (at most :data:`CONCURRENCY` at a time, so a big batch
does not burst a provider's budget; identical symbols share one fetch through the relay's
single flight and cache). One symbol's failure never fails the batch: each entry carries
its :class:`~coinrelay._models.Price` (with its own ``source``: provider, endpoint, trail,
``cached``) or a :class:`CallError` saying what went wrong and which HTTP status that
error alone would have had. Only a bad batch (no symbols, too many, a bad quote) raises.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ._errors import AllProvidersFailed, InvalidRequest, SymbolNotFound
from ._models import Attempt, Price, _Model
from ._names import AmbiguousSymbol, index_for
from ._symbols import normalize_symbol

if TYPE_CHECKING:
    from ._relay import Relay

log = logging.getLogger("coinrelay.batch")

#: Most symbols one batch may ask for.
MAX_SYMBOLS = 100
#: Most prices fetched at the same time for one batch.
CONCURRENCY = 16


class CallError(_Model):
    """Why one entry of a batch has no value: the same fields the HTTP API's error bodies have."""

    #: ``invalid_request`` (422), ``symbol_not_found`` (404), ``all_providers_failed`` (503)
    #: or ``internal_error`` (500).
    error: str
    #: The HTTP status this error has on its own (``GET /api/v1/price`` would answer it).
    status: int
    message: str
    #: The parameter at fault (``invalid_request``).
    param: str | None = None
    #: For an ambiguous name: the tickers it may mean.
    candidates: list[str] | None = None
    attempts: list[Attempt] = Field(default_factory=list)


class PriceAnswer(_Model):
    """One symbol of a batch: what was asked, the ticker it resolved to, and a price or an error."""

    query: str
    symbol: str | None = None
    price: Price | None = None
    error: CallError | None = None


class PriceBatch(_Model):
    """The answers of a batch, in the order asked (duplicates included)."""

    quote: str
    results: list[PriceAnswer]
    ok: int
    failed: int

    def prices(self) -> dict[str, Price]:
        """Ticker -> price, for the symbols that have one."""
        return {r.symbol: r.price for r in self.results if r.symbol is not None and r.price is not None}


def call_error(exc: Exception) -> CallError:
    """The :class:`CallError` of ``exc`` (statuses and codes as in ``coinrelay.server.error_body``)."""
    if isinstance(exc, AmbiguousSymbol):
        return CallError(
            error="invalid_request",
            status=422,
            message=str(exc),
            param=exc.param,
            candidates=[c.ticker for c in exc.candidates],
        )
    if isinstance(exc, InvalidRequest):
        return CallError(error="invalid_request", status=422, message=str(exc), param=exc.param)
    if isinstance(exc, SymbolNotFound):
        return CallError(error="symbol_not_found", status=404, message=str(exc), attempts=exc.attempts)
    if isinstance(exc, AllProvidersFailed):
        return CallError(error="all_providers_failed", status=503, message=str(exc), attempts=exc.attempts)
    log.error("unexpected error in a price batch", exc_info=exc)
    return CallError(error="internal_error", status=500, message=f"unexpected {type(exc).__name__}; see the server log")


def symbol_list(symbols: Iterable[str] | str) -> list[str]:
    """``symbols`` as a list: a string is split on commas; blanks are dropped.

    :raises InvalidRequest: (param ``symbols``) none given, more than :data:`MAX_SYMBOLS`, or not strings.
    """
    items = symbols.split(",") if isinstance(symbols, str) else list(symbols)
    for i, s in enumerate(items):
        if not isinstance(s, str):
            raise InvalidRequest(f"symbols[{i}]", f"expected a ticker or a name, got {type(s).__name__}")
    out = [s.strip() for s in items if s.strip()]
    if not out:
        raise InvalidRequest("symbols", "give at least one symbol (a ticker, a name or a provider id)")
    if len(out) > MAX_SYMBOLS:
        raise InvalidRequest("symbols", f"at most {MAX_SYMBOLS} symbols per batch, got {len(out)}")
    return out


async def prices(relay: Relay, symbols: Iterable[str] | str, quote: str = "USD", **kw: Any) -> PriceBatch:
    """The price of each of ``symbols`` in ``quote``, each with its own provenance or error.

    :param symbols: tickers, names or provider ids (a string is split on commas), at most
        :data:`MAX_SYMBOLS`.
    :param quote: the quote currency (a ticker), for every symbol.
    :param kw: passed to :meth:`Relay.price` (``consensus``, ``deadline``, ``hops``).
    :raises InvalidRequest: no symbols, too many, or a bad ``quote`` (the whole batch is wrong).
    """
    wanted = symbol_list(symbols)
    quote = normalize_symbol(quote, "quote")
    index = index_for(relay)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int, query: str) -> PriceAnswer:
        answer = PriceAnswer(query=query)
        try:
            answer.symbol = index.resolve(query, f"symbols[{i}]")
            async with gate:
                answer.price = await relay.price(answer.symbol, quote, **kw)
        except Exception as exc:  # noqa: BLE001 - one symbol's error is its own answer
            answer.error = call_error(exc)
        return answer

    results = await asyncio.gather(*(one(i, q) for i, q in enumerate(wanted)))
    ok = sum(1 for r in results if r.price is not None)
    return PriceBatch(quote=quote, results=list(results), ok=ok, failed=len(results) - ok)
