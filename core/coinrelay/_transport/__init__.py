"""The HTTP transport under ``ctx.http``: one shared connection pool per relay.

Plugins never see it: they call ``ctx.http.get(...)``. Three implementations, chosen by
``[relay] transport``:

* ``"wreq"`` — :class:`~.wreq_client.WreqTransport`, a Rust HTTP client under a thin binding
  (``pip install 'coinrelay[fast]'``): the fastest that also aborts a cancelled request
  (docs/benchmarks.md, "The fast transport").
* ``"aiohttp"`` — :class:`~.aiohttp_client.AiohttpTransport`, aiohttp's client directly:
  the default of a plain install. httpx's request/response machinery alone costs several
  times the relay's per-call budget, so the hot path does not use it.
* ``"httpx"`` — :class:`~.httpx_client.HttpxTransport`, for an httpx transport of your own
  (``httpx.MockTransport`` in tests, vcrpy cassettes, proxies): pass
  ``Relay(transport=<httpx transport>)`` or set ``[relay] transport = "httpx"``.

``"auto"`` (the default) is ``"wreq"`` when wreq is installed, else ``"aiohttp"``.
Every transport raises only :class:`TransportTimeout` and :class:`TransportError`, which
:mod:`coinrelay._http` maps to the error tree.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import httpx

from .._errors import ConfigError
from .aiohttp_client import AiohttpTransport
from .base import (
    DEFAULT_HEADERS,
    MAX_BODY,
    RawResponse,
    Transport,
    TransportError,
    TransportTimeout,
    query_params,
    with_query,
)
from .httpx_client import HttpxTransport
from .wreq_client import WreqTransport

__all__ = [
    "DEFAULT_HEADERS",
    "MAX_BODY",
    "AiohttpTransport",
    "KINDS",
    "HttpxTransport",
    "RawResponse",
    "Transport",
    "TransportError",
    "TransportTimeout",
    "WreqTransport",
    "auto_transport",
    "make_transport",
    "query_params",
    "with_query",
]


#: The ``[relay] transport`` values.
KINDS = ("auto", "aiohttp", "httpx", "wreq")


@cache
def auto_transport() -> str:
    """What ``"auto"`` means here: ``"wreq"`` when it is installed (``coinrelay[fast]``), else ``"aiohttp"``."""
    return "wreq" if importlib.util.find_spec("wreq") is not None else "aiohttp"


def make_transport(kind: str, httpx_transport: httpx.AsyncBaseTransport | None = None) -> Transport:
    """The transport ``[relay] transport = kind`` names; an explicit httpx transport always means httpx.

    :raises ConfigError: ``kind`` is ``"wreq"`` and wreq is not installed.
    """
    if httpx_transport is not None or kind == "httpx":
        return HttpxTransport(httpx_transport)
    if kind == "auto":
        kind = auto_transport()
    if kind == "wreq":
        if importlib.util.find_spec("wreq") is None:
            raise ConfigError(
                "the wreq transport needs wreq: pip install 'coinrelay[fast]'",
                key="relay.transport",
                allowed=", ".join(KINDS),
            )
        return WreqTransport()
    return AiohttpTransport()
