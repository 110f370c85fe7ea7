"""Alternative.me Fear & Greed index (``/fng/``), shape from ``bodies/alternativeme``:
values and timestamps are strings; ``time_until_update`` only on the newest reading.
"""

from __future__ import annotations

import math

from ...testing.upstream import Reply, Request
from .. import assets
from ._common import body, error, int_param, ok

PREFIX = ""
P = "alternativeme"
RATE_LIMIT_BODY = b'{"name":"Fear and Greed Index","data":[],"metadata":{"error":"Too many requests"}}'
CLASSES = ((25, "Extreme Fear"), (46, "Fear"), (55, "Neutral"), (76, "Greed"), (101, "Extreme Greed"))


def classify(value: int) -> str:
    return next(name for bound, name in CLASSES if value < bound)


def handle(req: Request) -> Reply:
    """Answer ``/fng/?limit=N``."""
    if req.path.rstrip("/") != "/fng":
        return error({"error": "not found"}, 404)
    limit = int_param(req.query.get("limit"), 1, 0, 3000)
    count = limit or 2945
    now = assets.now()
    today = now - now % 86400
    out = body(P, "fng_limit3_recorded_2026.json")
    rows = []
    for i in range(count):
        t = today - i * 86400
        value = max(0, min(100, round(50 + 35 * math.sin(t / 86400 / 9))))
        row = {"value": str(value), "value_classification": classify(value), "timestamp": str(int(t))}
        if i == 0:
            row["time_until_update"] = str(int(today + 86400 - now))
        rows.append(row)
    out["data"] = rows
    return ok(out)
