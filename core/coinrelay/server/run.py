"""``run()``: serve a relay with uvicorn until Ctrl-C (what ``coinrelay serve`` calls)."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from ..config import Settings
from ..relay import Relay
from .app import create_app

log = logging.getLogger("coinrelay.server")


async def serve(settings: Settings, *, host: str, port: int, sandbox: bool = False) -> None:
    """Build the relay (and the sandbox), serve until uvicorn stops, then close both."""
    from ..sandbox import Sandbox

    box = Sandbox().start() if sandbox else None
    try:
        if box is not None:
            settings = box.apply(settings)
            log.warning("SANDBOX mode: providers answer from loopback upstreams with recorded data")
        relay = Relay(settings, sandbox=box is not None)
        try:
            app = create_app(relay, sandbox=box)
            config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False, lifespan="off")
            await uvicorn.Server(config).serve()
        finally:
            await relay.aclose()
    finally:
        if box is not None:
            box.close()


def run(settings: Settings, *, host: str, port: int, sandbox: bool = False) -> None:
    """Serve ``settings``' relay on ``host:port`` (blocking); Ctrl-C stops it cleanly.

    :param settings: the configuration.
    :param host: the address to bind (``127.0.0.1`` for local only).
    :param port: the TCP port (``0`` = any free port).
    :param sandbox: serve fake, labelled data from loopback upstreams
        (:class:`~coinrelay.sandbox.Sandbox`) instead of the real providers.
    """
    try:
        asyncio.run(serve(settings, host=host, port=port, sandbox=sandbox))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass
