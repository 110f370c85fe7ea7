"""``coinrelay.testing.FakeUpstream``: going down and up never leaves a socket open.

A ResourceWarning is an error in this suite (pytest's ``filterwarnings = error``), and pytest
reports one raised from a transport's ``__del__`` as a failure of the test that was running;
``gc.collect()`` below makes every leaked transport show up inside its test.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl

import httpx
import pytest
import trustme

from coinrelay.testing import FakeUpstream, Reply


async def _connect_then_stop(up: FakeUpstream, yields: int) -> socket.socket:
    """On the upstream's own loop: a client connects, the loop turns ``yields`` times, the
    upstream goes down. Some count of turns lands between the kernel's accept and the moment
    a server would attach the new connection (Python 3.11's asyncio.Server asserted there
    and left a half-built transport behind: CPython gh-109564)."""
    client = socket.create_connection(("127.0.0.1", up.port))  # loopback: the handshake is done at once
    for _ in range(yields):
        await asyncio.sleep(0)
    await up._stop()
    return client


@pytest.mark.parametrize("yields", range(6))
def test_down_at_any_moment_after_a_connect_leaves_no_transport(upstream: FakeUpstream, yields: int) -> None:
    for _ in range(5):
        upstream.up()
        client = asyncio.run_coroutine_threadsafe(_connect_then_stop(upstream, yields), upstream._loop).result(5)
        client.close()
        assert upstream._writers == set()
    gc.collect()


def test_a_connection_caught_by_down_is_dropped_and_up_serves_again(upstream: FakeUpstream) -> None:
    upstream.route("/x", Reply.json({"ok": True}))
    with httpx.Client(base_url=upstream.url) as client:
        assert client.get("/x").json() == {"ok": True}
        upstream.down()
        with pytest.raises(httpx.ConnectError):
            client.get("/x")
        upstream.up()
        assert client.get("/x").json() == {"ok": True}
    gc.collect()


def test_down_drops_a_connection_still_shaking_hands_at_once() -> None:
    """With TLS, a connection is made only after its handshake: one whose client never starts it
    is dropped by down() at once (not after the 60 s handshake timeout) and leaves no socket."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    with FakeUpstream(ssl=context) as up:
        client = socket.create_connection(("127.0.0.1", up.port))  # TCP only: no ClientHello
        try:

            async def accepted() -> bool:
                for _ in range(1000):  # loop turns of the upstream's own loop, until it took it
                    if up._opening:
                        return True
                    await asyncio.sleep(0)
                return False

            assert asyncio.run_coroutine_threadsafe(accepted(), up._loop).result(5)
            up.down()  # would time out (5 s) if it waited for the handshake
            assert not up._opening and up._writers == set()
        finally:
            client.close()
    gc.collect()
