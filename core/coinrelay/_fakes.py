"""Building blocks of a fake upstream: the request it receives, the reply it sends, routes, bodies.

They serve :class:`coinrelay.testing.FakeUpstream` (tests) and the sandbox upstreams plugins
offer (:class:`coinrelay.plugin.SandboxUpstream`); public through :mod:`coinrelay.plugin`
(``Request``, ``Reply``, ``Routes``, ``RecordedBodies``) and :mod:`coinrelay.testing`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as a fake upstream received it.

    :param method: ``GET``, ...
    :param path: the URL path, without the query (``/api/v3/ticker/price``).
    :param query: the query parameters (the last value of a repeated one).
    :param headers: the headers, names in lowercase.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    def query_int(self, name: str, default: int, lo: int, hi: int) -> int:
        """Query parameter ``name`` as an int clamped to ``lo..hi`` (``default`` when absent or not a number)."""
        value = self.query.get(name, "")
        try:
            n = int(value) if value != "" else default
        except ValueError:
            n = default
        return max(lo, min(hi, n))


@dataclass(slots=True)
class Reply:
    """What a fake upstream answers: status, body, headers, and an optional delay before sending."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0) -> Reply:
        """``data`` as a JSON body (``content-type: application/json``)."""
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **(headers or {})}, delay)

    @classmethod
    def raw(cls, body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        """``body`` sent as is (``content-type: application/json`` unless ``headers`` say otherwise)."""
        data = body.encode() if isinstance(body, str) else body
        return cls(status, data, {"content-type": "application/json", **(headers or {})})


#: A fake upstream's request handler: a :class:`Reply`, or an awaitable of one (awaited on the
#: upstream's event loop).
Handler = Callable[[Request], Reply | Awaitable[Reply]]

#: A ``{name}`` path segment of a route.
_PARAM = re.compile(r"\{(\w+)\}")


class Routes:
    """A handler that dispatches a fake upstream's requests by path.

    ::

        routes = Routes(prefix="/api/v3", not_found=Reply.json({"error": "Not Found"}, status=404))

        @routes.get("/ping")
        def ping(req: Request) -> Reply:
            return Reply.json({})

        @routes.get("/coins/{id}", "/coins/{id}/")
        def coin(req: Request, id: str) -> Reply: ...

    ``prefix`` (the path part of the real API's base URL) is removed from a request's path
    when present, and so is a trailing ``/``. Fixed paths win over paths with ``{name}``
    segments, which match one segment each and are passed to the function as keyword
    arguments; the first matching pattern in registration order is used. A path no route
    matches gets ``not_found`` (a reply, or a handler of the request).
    """

    def __init__(self, prefix: str = "", *, not_found: Reply | Handler | None = None) -> None:
        self.prefix = prefix.rstrip("/")
        self.not_found: Reply | Handler = not_found or Reply.json({"error": "not found"}, status=404)
        self._fixed: dict[str, Callable[..., Reply | Awaitable[Reply]]] = {}
        self._patterns: list[tuple[re.Pattern[str], Callable[..., Reply | Awaitable[Reply]]]] = []

    def get(self, *paths: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function for each of ``paths`` (relative to ``prefix``)."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            for path in paths:
                clean = path.rstrip("/") or "/"
                if _PARAM.search(clean):
                    regex = "/".join(
                        f"(?P<{m[1]}>[^/]+)" if (m := _PARAM.fullmatch(seg)) else re.escape(seg)
                        for seg in clean.split("/")
                    )
                    self._patterns.append((re.compile(regex), fn))
                else:
                    self._fixed[clean] = fn
            return fn

        return register

    def path(self, req: Request) -> str:
        """``req``'s path without the prefix and a trailing ``/``."""
        path = req.path.rstrip("/") or "/"
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix) :] or "/"
        return path

    def __call__(self, req: Request) -> Reply | Awaitable[Reply]:
        path = self.path(req)
        fn = self._fixed.get(path)
        if fn is not None:
            return fn(req)
        for regex, fn in self._patterns:
            match = regex.fullmatch(path)
            if match is not None:
                return fn(req, **match.groupdict())
        return self.not_found(req) if callable(self.not_found) else self.not_found


class RecordedBodies:
    """JSON bodies shipped as package data next to a fake: ``bodies("ticker_price_docs.json")``.

    ::

        bodies = RecordedBodies("coinrelay_binance")   # files in coinrelay_binance/_sandbox_bodies/
        tpl = bodies("ticker_price_docs.json")         # a fresh copy: change it freely

    :param package: the plugin's import package.
    :param folder: the folder inside it (include it in the wheel: hatchling ships every file
        under the package directory).
    """

    def __init__(self, package: str, folder: str = "_sandbox_bodies") -> None:
        self.package = package
        self.folder = folder

    def __call__(self, name: str) -> Any:
        """A fresh copy of the body in ``name`` (decoded once, cached)."""
        return copy.deepcopy(_load(self.package, self.folder, name))

    def raw(self, name: str) -> bytes:
        """The file's bytes, as recorded."""
        return resources.files(self.package).joinpath(self.folder, name).read_bytes()


@cache
def _load(package: str, folder: str, name: str) -> Any:
    return json.loads(resources.files(package).joinpath(folder, name).read_text("utf-8"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxUpstream:
    """A provider's fake API, which its plugin offers coinrelay's sandbox (``coinrelay serve --sandbox``).

    The sandbox serves ``handler`` on ``mirrors`` loopback servers, points the provider at
    them (each server's URL + ``prefix``) with ``credentials``, and applies its faults
    (``down``, ``slow``, ``500``, ``429`` with ``rate_limit_body``, ``garbage``) to every
    provider alike::

        SandboxUpstream(handler=routes, mirrors=3, prefix="/api/v3", rate_limit_body=b'{"code":-1003}')

    :param handler: answers one request in the provider's real format (its status codes,
        error bodies and in-band errors included), modelled on its recorded bodies: a
        function or a :class:`Routes` returning a :class:`Reply` (or an awaitable of one).
        It runs on the server's event-loop thread, so it must not block.
    :param mirrors: how many loopback servers (endpoints) to start (several show mirror failover).
    :param prefix: the path part of the real base URL (``/api/v3``), kept in the endpoints.
    :param credentials: dummy values of the credentials the provider cannot work without
        (``{"api_key": "sandbox-dummy-key"}``; 8 characters or more, like any secret the config
        accepts). A real credential in the user's config never reaches a sandbox upstream: it is
        replaced by ``"sandbox-dummy-key"``.
    :param rate_limit_body: what the provider sends with its HTTP 429.
    :param on_close: awaited on each mirror's event loop as the sandbox stops, before the
        server's connections drop: release what the handler opened on that loop.
    """

    handler: Handler
    mirrors: int = 1
    prefix: str = ""
    credentials: Mapping[str, str] = field(default_factory=dict)
    rate_limit_body: bytes = b'{"error":"Too Many Requests"}'
    on_close: Callable[[], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        if not callable(self.handler):
            raise ValueError(f"handler must be callable (a function or a Routes), got {type(self.handler).__name__}")
        if self.mirrors < 1:
            raise ValueError(f"mirrors must be at least 1, got {self.mirrors}")
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError(f"prefix must start with '/' and not end with one (like '/api/v3'), got {self.prefix!r}")
