"""What every transport shares: the interface, the two errors it may raise, the response tuple."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

#: The headers every provider request carries (``ProviderRuntime.default_headers``; a plugin's own
#: are merged into a new dict). A transport may make them its client's defaults and send
#: ``headers`` as they are only when they are not this very object. Never changed in place.
DEFAULT_HEADERS: dict[str, str] = {"user-agent": "coinrelay/0.1", "accept": "application/json"}

#: Largest response body a transport accepts (bytes, after decompression); more is a
#: :class:`TransportError`. The biggest bodies the shipped plugins ask for (CoinGecko's
#: coin list, Binance's exchange info for one symbol) are a few MB.
MAX_BODY = 32 * 1024 * 1024


class TransportTimeout(Exception):
    """No complete answer within the timeout: connecting, waiting for the headers, or reading the body."""


class TransportError(Exception):
    """Any other failure to get a complete answer: connection refused or reset, DNS, TLS, a protocol
    error, a body cut short or over :data:`MAX_BODY`, a URL the client cannot send to."""


class RawResponse(NamedTuple):
    status: int
    #: Case-insensitive header mapping.
    headers: Mapping[str, str]
    content: bytes
    url: str


class Transport(Protocol):
    """What :class:`~coinrelay._http.EndpointClient` needs from an HTTP client.

    ``get`` sends one GET (no redirects followed, no proxy from the environment) and returns
    the whole body; ``timeout`` bounds all of it, connecting included. It raises only
    :class:`TransportTimeout` and :class:`TransportError`, with a message that names what
    happened and never the query string (it may hold a key). ``aclose`` closes every
    pooled connection; the transport reopens on the next ``get``. A transport may also
    have ``async start()``, which the relay calls once at start-up to open its pool early,
    and ``inline = True`` when it never bounds a request by cancelling the running task
    itself (``asyncio.timeout``, anyio's cancel scopes): then a relay call's fetch runs in
    the caller's own task (:mod:`coinrelay._inline`); without it, in a task of its own.
    """

    #: The ``[relay] transport`` value that selects this transport.
    name: str

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse: ...

    async def aclose(self) -> None: ...


def query_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as strings (booleans as ``true``/``false``; ``None`` values dropped)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def with_query(url: str, params: Mapping[str, str] | None) -> str:
    """``url`` with ``params`` appended as a query string (``&`` when it has one already)."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


def too_large(size: int, limit: int) -> TransportError:
    return TransportError(f"response body over {limit:,} bytes ({size:,} announced or read)")
