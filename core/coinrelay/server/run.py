"""``run()``: serve a relay with uvicorn until Ctrl-C (what ``coinrelay serve`` calls)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from .._config import Settings
from .._relay import Relay
from . import logs
from .app import create_app
from .protocol import uvicorn_config

log = logging.getLogger("coinrelay.server")


async def serve(settings: Settings, *, host: str, port: int, sandbox: bool = False) -> None:
    """Build the relay (and the sandbox), serve until uvicorn stops, then close both.

    The relay's connection pool is opened before the first request (``Relay.start``): the
    first answer's latency is the provider's own, not aiohttp's import and TLS set-up.
    """
    from ..sandbox import Sandbox

    logs.configure(settings.server.log_level, settings.server.log_format)
    box = Sandbox().start() if sandbox else None
    try:
        if box is not None:
            settings = box.apply(settings)
            log.warning(
                "SANDBOX mode: %s answer from their plugins' fake APIs on loopback; every other provider is blocked",
                ", ".join(box.providers) or "no provider",
            )
        relay = Relay(settings, sandbox=box is not None)
        try:
            await relay.start()
            app = create_app(relay, sandbox=box)
            config = uvicorn_config(
                app,
                host=host,
                port=port,
                log_level=settings.server.log_level,
                log_config=None,  # our handler (logs.configure), not uvicorn's
                access_log=False,
                lifespan="off",
            )
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
        _event_loop_runner()(serve(settings, host=host, port=port, sandbox=sandbox))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """``uvloop.run`` when uvloop is installed (``pip install 'coinrelay[fast]'``), else ``asyncio.run``.

    uvloop's C event loop takes ~20 % off the relay's per-call CPU (docs/benchmarks.md).
    """
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return asyncio.run
    return uvloop.run  # type: ignore[no-any-return,unused-ignore]
