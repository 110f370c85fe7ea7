"""Alternative.me's sandbox upstream: the Fear & Greed index (``/fng/``), shape from ``_sandbox_bodies/``.

What ``coinrelay serve --sandbox`` runs for ``alternativeme``: a made-up daily index that
swings slowly between fear and greed. Values and timestamps are strings;
``time_until_update`` is only on the newest reading, as in the recorded body.
"""

from __future__ import annotations

import math

from coinrelay.plugin import RecordedBodies, Reply, Request, Routes, SandboxUpstream, market

RATE_LIMIT_BODY = b'{"name":"Fear and Greed Index","data":[],"metadata":{"error":"Too many requests"}}'
CLASSES = ((25, "Extreme Fear"), (46, "Fear"), (55, "Neutral"), (76, "Greed"), (101, "Extreme Greed"))

bodies = RecordedBodies("coinrelay_alternativeme")
routes = Routes(not_found=Reply.json({"error": "not found"}, status=404))


def upstream() -> SandboxUpstream:
    """One fake index (keyless), Alternative.me's own 429 body."""
    return SandboxUpstream(handler=routes, rate_limit_body=RATE_LIMIT_BODY)


def classify(value: int) -> str:
    return next(name for bound, name in CLASSES if value < bound)


@routes.get("/fng")
def fng(req: Request) -> Reply:
    """``/fng/?limit=N`` (``0`` = the whole history)."""
    count = req.query_int("limit", 1, 0, 3000) or 2945
    now = market.now()
    today = now - now % 86400
    rows = []
    for i in range(count):
        t = today - i * 86400
        value = max(0, min(100, round(50 + 35 * math.sin(t / 86400 / 9))))
        row = {"value": str(value), "value_classification": classify(value), "timestamp": str(int(t))}
        if i == 0:
            row["time_until_update"] = str(int(today + 86400 - now))
        rows.append(row)
    return Reply.json({**bodies("fng_limit3_recorded_2026.json"), "data": rows})
