"""Every transport maps every failure to the two errors the core classifies, against real loopback servers.

Each test runs on the three transports (aiohttp, httpx, wreq): a complete answer comes
back whole with case-insensitive headers over a reused connection; refused, reset, DNS, TLS,
truncated and oversized bodies and unusable URLs raise ``TransportError``; no answer before
or after the headers raises ``TransportTimeout``; no message quotes the query string; a
cancelled request and a closed transport leave no connection open.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import trustme

from coinrelay._config import Settings
from coinrelay._errors import ConfigError
from coinrelay._transport import (
    AiohttpTransport,
    HttpxTransport,
    Transport,
    TransportError,
    TransportTimeout,
    WreqTransport,
    auto_transport,
    make_transport,
)
from coinrelay.testing import FakeUpstream, Fault, Reply

KINDS = ("aiohttp", "httpx", "wreq")
#: What ``"auto"`` resolves to outside the suite (``tests/conftest.py`` pins it to aiohttp).
REAL_AUTO = auto_transport
BODY = {"symbol": "BTCUSDT", "price": "65861.66000000"}
SECRET = "s3cr3t-k3y"
#: A name too long for DNS (over 255 bytes): the resolver refuses it without sending a query.
UNRESOLVABLE = "http://" + ".".join(["a" * 60] * 5) + "/api"


def _make(kind: str, max_body: int | None = None) -> Transport:
    extra = {} if max_body is None else {"max_body": max_body}
    if kind == "aiohttp":
        return AiohttpTransport(**extra)
    if kind == "httpx":
        return HttpxTransport(**extra)
    return WreqTransport(**extra)


@pytest.fixture(params=KINDS)
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[Transport]:
    t = _make(request.param)
    yield t
    await t.aclose()


@pytest.fixture
def server(upstream: FakeUpstream) -> FakeUpstream:
    upstream.route("/api", Reply.json(BODY, headers={"X-MBX-Used-Weight-1m": "2"}))
    return upstream


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(tls_ca: trustme.CA) -> Iterator[FakeUpstream]:
    """An HTTPS server whose certificate no system store trusts (a throwaway CA)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with FakeUpstream(ssl=context) as up:
        up.route("/api", Reply.json(BODY))
        yield up


async def _get(t: Transport, url: str, timeout: float = 5.0) -> object:
    return await t.get(url, params={"symbol": "BTCUSDT", "apikey": SECRET}, headers={"accept": "*/*"}, timeout=timeout)


async def _closed(up: FakeUpstream) -> bool:
    """Whether the server sees every client connection closed (it waits up to 10 s for the close to
    arrive: at once on an idle machine, a bound for a leak on a loaded one)."""
    deadline = time.monotonic() + 10.0
    while up._writers:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_complete_answer_comes_back_whole_over_one_kept_alive_connection(
    transport: Transport, server: FakeUpstream
) -> None:
    for _ in range(3):
        resp = await transport.get(
            server.url + "/api", params={"symbol": "BTCUSDT"}, headers={"x-test": "1"}, timeout=5.0
        )
        assert resp.status == 200
        assert resp.content == b'{"symbol": "BTCUSDT", "price": "65861.66000000"}'
        assert resp.headers.get("x-mbx-used-weight-1m") == resp.headers.get("X-MBX-USED-WEIGHT-1M") == "2"
        assert resp.url == server.url + "/api?symbol=BTCUSDT"
    assert [r.query for r in server.requests] == [{"symbol": "BTCUSDT"}] * 3
    assert server.requests[0].headers["x-test"] == "1"
    assert len(server._writers) == 1  # the three requests shared one connection
    await transport.aclose()
    assert await _closed(server)


async def test_a_chunked_body_is_read_whole(transport: Transport, server: FakeUpstream) -> None:
    server.route("/api", Reply.raw(b"x" * 10_000))
    server.fault = Fault("chunked")
    resp = await _get(transport, server.url + "/api")
    assert resp.content == b"x" * 10_000  # type: ignore[attr-defined]


async def test_an_error_status_is_an_answer_not_an_error(transport: Transport, server: FakeUpstream) -> None:
    server.fault = Fault("status", status=503)
    resp = await _get(transport, server.url + "/api")
    assert resp.status == 503  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault("reset"), id="reset"),
        pytest.param(Fault("short_body"), id="truncated-body"),
    ],
)
async def test_a_broken_answer_is_a_transport_error(transport: Transport, server: FakeUpstream, fault: Fault) -> None:
    server.fault = fault
    with pytest.raises(TransportError) as info:
        await _get(transport, server.url + "/api")
    assert SECRET not in str(info.value)


async def test_refused_is_a_transport_error_without_the_query(transport: Transport, server: FakeUpstream) -> None:
    server.down()
    with pytest.raises(TransportError) as info:
        await _get(transport, server.url + "/api")
    assert SECRET not in str(info.value)


async def test_an_unresolvable_name_is_a_transport_error(transport: Transport) -> None:
    with pytest.raises(TransportError) as info:
        await _get(transport, UNRESOLVABLE)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("url", ["http://[::1/api", "ftp://127.0.0.1/api", "http://exa mple.com/api"])
async def test_a_url_the_client_cannot_send_to_is_a_transport_error(transport: Transport, url: str) -> None:
    with pytest.raises(TransportError):
        await _get(transport, url)


async def test_an_untrusted_certificate_is_a_transport_error(transport: Transport, tls_server: FakeUpstream) -> None:
    with pytest.raises(TransportError) as info:
        await _get(transport, tls_server.url + "/api")
    assert SECRET not in str(info.value)
    assert tls_server.count() == 0  # nothing was sent over the unverified connection


async def test_the_fast_transport_trusts_the_system_store(
    tls_ca: trustme.CA, tls_server: FakeUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store OpenSSL-style tools use (here ``SSL_CERT_FILE``), like aiohttp, not a bundled one."""
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    t = WreqTransport()
    try:
        assert (await _get(t, tls_server.url + "/api")).status == 200  # type: ignore[attr-defined]
    finally:
        await t.aclose()


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault("blackhole"), id="before-headers"),
        pytest.param(Fault("stall"), id="after-headers"),
    ],
)
async def test_no_answer_in_time_is_a_transport_timeout(
    transport: Transport, server: FakeUpstream, fault: Fault
) -> None:
    server.fault = fault
    with pytest.raises(TransportTimeout) as info:
        await _get(transport, server.url + "/api", timeout=0.2)
    assert SECRET not in str(info.value)
    await transport.aclose()
    assert await _closed(server)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_limit_is_a_transport_error(kind: str, chunked: bool, server: FakeUpstream) -> None:
    t = _make(kind, max_body=4096)
    try:
        server.route("/api", Reply.raw(b"x" * 4096))
        if chunked:
            server.fault = Fault("chunked")
        assert len((await _get(t, server.url + "/api")).content) == 4096  # type: ignore[attr-defined]
        server.route("/api", Reply.raw(b"x" * 20_000))
        with pytest.raises(TransportError) as info:
            await _get(t, server.url + "/api")
        assert "over 4,096 bytes" in str(info.value)
    finally:
        await t.aclose()


async def test_a_cancelled_request_leaves_no_connection_behind(transport: Transport, server: FakeUpstream) -> None:
    server.fault = Fault("blackhole")
    task = asyncio.ensure_future(_get(transport, server.url + "/api"))
    for _ in range(500):  # until the request has reached the server
        if server.count():
            break
        await asyncio.sleep(0.01)
    assert server.count() == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    server.fault = None
    assert (await _get(transport, server.url + "/api")).status == 200  # type: ignore[attr-defined]
    await transport.aclose()
    assert await _closed(server)


# -- choosing the transport -----------------------------------------------------------


def test_auto_is_wreq_when_installed_and_aiohttp_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import coinrelay._transport as tr

    monkeypatch.setattr(tr, "auto_transport", REAL_AUTO)  # tests/conftest.py pins it to aiohttp
    monkeypatch.delenv("COINRELAY_RELAY__TRANSPORT", raising=False)
    assert Settings().relay.transport == "auto"
    assert isinstance(make_transport("auto"), WreqTransport)  # the test extra installs it
    assert isinstance(make_transport("aiohttp"), AiohttpTransport)
    assert isinstance(make_transport("wreq"), WreqTransport)
    assert isinstance(make_transport("httpx"), HttpxTransport)
    monkeypatch.setattr(tr.importlib.util, "find_spec", _missing("wreq"))
    tr.auto_transport.cache_clear()
    try:
        assert isinstance(make_transport("auto"), AiohttpTransport)
        with pytest.raises(ConfigError, match=r"pip install 'coinrelay\[fast\]'"):
            make_transport("wreq")
    finally:
        tr.auto_transport.cache_clear()


def test_an_httpx_transport_given_always_means_httpx() -> None:
    import httpx

    t = make_transport("wreq", httpx.MockTransport(lambda req: httpx.Response(200)))
    assert isinstance(t, HttpxTransport)


def test_the_setting_accepts_the_transports_and_names_them_when_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COINRELAY_RELAY__TRANSPORT", raising=False)
    for kind in ("auto", *KINDS):
        assert Settings(relay={"transport": kind}).relay.transport == kind
    with pytest.raises(ValueError, match="wreq"):
        Settings(relay={"transport": "requests"})


def _missing(name: str) -> Callable[..., object]:
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(fullname: str, *args: object) -> object:
        return None if fullname == name else real(fullname, *args)  # type: ignore[arg-type]

    return find_spec
