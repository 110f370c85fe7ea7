"""The origin app: the crypto dashboard API coinrelay was extracted from, rebuilt on coinrelay.

An example host app that uses only coinrelay's public API (``coinrelay``, ``coinrelay.server``,
``coinrelay.sandbox``). Its routes are the ones its Phase 2 test plan calls:

* ``GET  /api/trading/volume`` — price and 24h volume of a configurable list of top symbols;
* ``GET  /api/ai/predictions/{coin}`` — coinrelay's statistical forecast (the path is the
  original app's; the body says plainly what the number is);
* ``POST /api/portfolio/simulate`` — holdings -> value, allocation and 24h change, each price
  with its provenance; ``/api/portfolio/alerts`` — price thresholds above/below;
* ``GET  /api/news/{coin}`` — news about a coin given by ticker or name;
* ``GET  /api/exchanges``, ``GET /api/health``;
* coinrelay's own app mounted beside them: ``/api/system/*``, ``/api/v1/*``, ``/metrics``, the
  dashboard at ``/``.

Run it with ``origin-app`` (live providers) or ``origin-app --sandbox`` (see README.md).
"""

from __future__ import annotations

from .app import create_origin_app
from .settings import BALANCED_CONFIG, OriginSettings

__all__ = ["BALANCED_CONFIG", "OriginSettings", "create_origin_app"]
