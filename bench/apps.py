"""The HTTP servers scenario 3 loads, each run in its own process by ``bench/server_bench.py``.

``python bench/apps.py coinrelay PORT UPSTREAM_BASE`` serves ``coinrelay.server.create_app``
over a relay (cache on) whose one provider is the loopback upstream at ``UPSTREAM_BASE``;
``python bench/apps.py bare PORT BODY_FILE`` serves a bare FastAPI app whose
``GET /api/v1/price`` returns the JSON in ``BODY_FILE`` (what coinrelay answered). Both
run under uvicorn with the same settings (its ``auto`` loop and HTTP parser).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI


def bare_app(body: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/price")
    async def price(symbol: str, quote: str = "USD") -> dict[str, Any]:
        return body

    return app


def coinrelay_app(upstream: str) -> FastAPI:
    from common import make_relay

    from coinrelay.server import create_app

    return create_app(make_relay({"a": upstream}, cache=True))


def main() -> None:
    kind, port, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if kind == "bare":
        with open(arg) as fh:
            app = bare_app(json.load(fh))
    else:
        app = coinrelay_app(arg)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
