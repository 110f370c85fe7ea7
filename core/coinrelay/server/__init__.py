"""coinrelay's HTTP server: the data API, monitoring, Prometheus metrics and the dashboard.

* :func:`create_app` builds a FastAPI app around an existing :class:`~coinrelay.Relay`
  (the caller owns and closes the relay);
* :func:`run` builds the relay from settings (optionally in sandbox mode), serves it
  with uvicorn until Ctrl-C, and closes everything;
* :func:`error_body` / :func:`error_response` map any exception a relay call raises to the
  HTTP status and JSON body coinrelay's own routes answer (422 ``invalid_request`` naming the
  ``param``, 404 ``symbol_not_found``, 503 ``all_providers_failed`` with the ``attempts``,
  500 ``internal_error`` without details): host apps answer errors exactly as coinrelay does.

The HTTP API is documented in ``docs/http-api.md``; paths are a public contract.
"""

from __future__ import annotations

from .app import create_app
from .errors import error_body, error_response
from .metrics import MetricsListener
from .run import run

__all__ = ["MetricsListener", "create_app", "error_body", "error_response", "run"]
