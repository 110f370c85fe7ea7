"""The fast transport: wreq (Rust: wreq's HTTP client over hyper and BoringSSL, on a tokio thread).

``pip install 'coinrelay[fast]'`` installs it and ``[relay] transport = "auto"`` (the default)
then uses it. Chosen over pyreqwest, pyqwest, primp, impit, httpr and others in
docs/benchmarks.md ("The fast transport"): as fast as the fastest, and a cancelled request
is aborted — its connection closed at once, as aiohttp does — which hedging and callers
that give up rely on.

Configured like the aiohttp transport: HTTP/1.1 keep-alive pool (wreq would negotiate HTTP/2
by ALPN; pinned to HTTP/1.1 so that both transports behave alike), no redirects followed, no
proxy from the environment, the system resolver (``getaddrinfo``), and the system's trust
store when it is a file or directory OpenSSL-style tools find (Linux, BSD, ``SSL_CERT_FILE``);
elsewhere wreq's bundled Mozilla roots.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from .base import DEFAULT_HEADERS, MAX_BODY, RawResponse, TransportError, TransportTimeout, too_large, with_query


class WreqHeaders(Mapping[str, str]):
    """wreq's header map (values as bytes) read with ``str`` values, case-insensitively."""

    __slots__ = ("_map",)

    def __init__(self, raw: Any) -> None:
        self._map = raw

    def __getitem__(self, key: str) -> str:
        value = self._map.get(key)
        if value is None:
            raise KeyError(key)
        return bytes(value).decode("latin-1")

    def get(self, key: str, default: Any = None) -> Any:
        value = self._map.get(key)
        return default if value is None else bytes(value).decode("latin-1")

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._map.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([str(k) for k in self._map])

    def __len__(self) -> int:
        return len(self._map)


#: The request URI in wreq's error text (it may carry a key in the query string).
_URI = re.compile(r"uri: [^ ,]*,? ?")
_WHY = re.compile(r'(?:message|error|reason): "?([^",}]+)"?')
_SOURCE = re.compile(r"source: (\w+)")


def describe(text: str) -> str:
    """What wreq's error text (``is_connect error: wreq::Error { ... }``) says happened, short:
    its kind and innermost reasons (``connect: Connection refused``)."""
    head, _, body = text.partition("wreq::Error")
    kind = head.split(" ", 1)[0].removeprefix("is_") if body else ""
    reasons = [r.strip() for r in _WHY.findall(body)] or _SOURCE.findall(body)[-1:]
    return ": ".join(x for x in (kind, *reasons) if x) or text[:200]


def system_trust_store() -> bool:
    """Whether OpenSSL's default CA file or directory exists here (then wreq is told to use it)."""
    paths = ssl.get_default_verify_paths()
    return any(p is not None and Path(p).exists() for p in (paths.cafile, paths.capath))


class WreqTransport:
    """wreq's async client, built on first use.

    Errors: ``wreq.TimeoutError``, and a body read that timed out (wreq reports it as a
    ``BodyError`` whose source is ``TimedOut``), are a :class:`TransportTimeout`; every
    other wreq error and ``ValueError`` a :class:`TransportError` whose message stops
    before wreq's ``uri:`` (it would quote the query string). wreq reads the whole body
    before handing it over, so ``max_body`` is checked on what was read: the body is
    refused, but it was buffered (bounded by the timeout); aiohttp's transport refuses it
    while reading.
    """

    name = "wreq"
    #: Its timeouts run in wreq's runtime, not as task cancellations: a fetch may run in its caller's task.
    inline = True

    def __init__(self, *, max_connections: int = 256, keepalive: float = 30.0, max_body: int = MAX_BODY) -> None:
        self._max_connections = max_connections
        self._keepalive = keepalive
        self._max_body = max_body
        self._client: Any = None
        self._timeouts: dict[float, timedelta] = {}
        self._errors: tuple[type[BaseException], ...] = ()

    def _open(self) -> Any:
        import wreq
        import wreq.dns
        import wreq.exceptions
        import wreq.redirect
        import wreq.tls

        self._errors = tuple(
            e
            for e in vars(wreq.exceptions).values()
            if isinstance(e, type) and issubclass(e, Exception) and e.__module__ != "builtins"
        )
        options: dict[str, Any] = {}
        if system_trust_store():
            options["tls_verify"] = wreq.tls.CertStore(default_paths=True)
        self._client = wreq.Client(
            redirect=wreq.redirect.Policy.none(),
            no_proxy=True,
            http1_only=True,
            pool_idle_timeout=timedelta(seconds=self._keepalive),
            pool_max_size=self._max_connections,
            dns_options=wreq.dns.DnsOptions(system_dns=True),
            headers=DEFAULT_HEADERS,  # sent with every request: a request passes only other ones
            **options,
        )
        return self._client

    async def start(self) -> None:
        """Build the client now (import, TLS trust store): the first request is not billed for it."""
        if self._client is None:
            self._open()

    async def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: float
    ) -> RawResponse:
        td = self._timeouts.get(timeout)
        if td is None:
            td = timedelta(seconds=timeout)
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = td
        full = with_query(url, params)
        try:
            # No local names the client: a frame kept alive by a traceback must not keep the
            # client, and so its pool of connections, alive after aclose().
            resp = await (self._client or self._open()).get(
                full, headers=None if headers is DEFAULT_HEADERS else headers, timeout=td
            )
            content = bytes(await resp.bytes())
        except self._errors as exc:
            text = _URI.sub("", str(exc))
            if type(exc).__name__ == "TimeoutError" or "TimedOut" in text:
                raise TransportTimeout(f"{type(exc).__name__}: no answer within {timeout:.3g}s") from exc
            raise TransportError(f"{type(exc).__name__}: {describe(text)}") from exc
        except ValueError as exc:  # a URL it cannot parse
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        if len(content) > self._max_body:
            raise too_large(len(content), self._max_body)
        return RawResponse(resp.status.as_int(), WreqHeaders(resp.headers), content, full)

    async def aclose(self) -> None:
        """Abort what is in flight and drop the client (its idle connections close with it)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
