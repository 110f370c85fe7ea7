"""``origin-app``: run the origin app on live providers, or ``--sandbox`` on coinrelay's sandbox.

::

    origin-app                      # live providers, balanced tier (origin_app/balanced.toml)
    origin-app --sandbox            # fake providers on 127.0.0.1, labelled sandbox data
    origin-app --config my.toml --host 0.0.0.0 --port 8080

``--config`` defaults to ``$ORIGIN_CONFIG``, else the shipped ``balanced.toml`` (merged over
coinrelay's defaults); ``COINRELAY_*`` environment variables win over both, as in coinrelay.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from coinrelay import Relay, Settings, load_settings
from coinrelay.sandbox import Sandbox

from .app import create_origin_app
from .settings import BALANCED_CONFIG, OriginSettings

log = logging.getLogger("origin_app")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="origin-app", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sandbox", action="store_true", help="serve coinrelay's sandbox (fake, labelled data)")
    parser.add_argument("--config", type=Path, default=None, help="coinrelay config file (default: balanced.toml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind [127.0.0.1]")
    parser.add_argument("--port", type=int, default=8000, help="port [8000]")
    return parser.parse_args(argv)


def config_path(given: Path | None) -> Path:
    """``--config``, else ``$ORIGIN_CONFIG``, else the shipped balanced tier."""
    if given is not None:
        return given
    env = os.environ.get("ORIGIN_CONFIG")
    return Path(env) if env else BALANCED_CONFIG


async def serve(settings: Settings, *, host: str, port: int, sandbox: bool) -> None:
    """Build the relay (and the sandbox), serve the app until uvicorn stops, close both."""
    box = Sandbox().start() if sandbox else None
    try:
        if box is not None:
            settings = box.apply(settings)
            log.warning("SANDBOX mode: every provider is a loopback fake serving labelled data")
        async with Relay(settings, sandbox=box is not None) as relay:
            app = create_origin_app(relay, sandbox=box, settings=OriginSettings.from_env())
            config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
            await uvicorn.Server(config).serve()
    finally:
        if box is not None:
            box.close()


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = load_settings(config_path(args.config))
    try:
        asyncio.run(serve(settings, host=args.host, port=args.port, sandbox=args.sandbox))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
