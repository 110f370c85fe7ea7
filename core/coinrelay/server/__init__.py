"""coinrelay's HTTP server: the data API, monitoring, Prometheus metrics and the dashboard.

* :func:`create_app` builds a FastAPI app around an existing :class:`~coinrelay.Relay`
  (the caller owns and closes the relay);
* :func:`run` builds the relay from settings (optionally in sandbox mode), serves it
  with uvicorn until Ctrl-C, and closes everything.

The HTTP API is documented in ``docs/http-api.md``; paths are a public contract.
"""

from __future__ import annotations

from .app import create_app
from .metrics import MetricsListener
from .run import run

__all__ = ["MetricsListener", "create_app", "run"]
