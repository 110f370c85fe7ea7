"""One coinrelay replica, run as its own process by tests/test_redis_state.py.

``python tests/replica_worker.py '<config json>'`` builds a Relay with ``[state] backend =
"redis"`` and one in-test provider ``fake`` (tests/support.py's price plugin) whose only
endpoint is the test's FakeUpstream, on a FakeClock every replica starts at the same time.
Config keys: ``redis`` (URL), ``prefix``, ``upstream`` (URL), ``cache`` (bool),
``rate_limit`` (``{"limit", "period", "aligned"}`` or null), ``clock`` (start, wall seconds).

It reads one JSON command per line on stdin and answers one JSON line on stdout:

* ``{"op": "price", "symbol": "BTC"}`` -> ``{"ok": true, "price": "1.5", "stale": false, "attempts": [...]}``
  or ``{"ok": false, "error": "AllProvidersFailed", "message": ..., "attempts": [...]}``;
* ``{"op": "burst", "symbols": [...]}`` -> ``{"results": [...]}`` (the calls run concurrently);
* ``{"op": "advance", "seconds": 6}`` -> ``{"now": ...}`` (moves this replica's FakeClock);
* ``{"op": "health"}`` -> ``relay.health()`` (shares pending health counters first);
* ``{"op": "status"}`` -> ``relay.state.status()`` (no Redis traffic);
* ``{"op": "quit"}`` closes the relay and exits.

Warnings of the redis backend go to stderr (the tests count them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from support import price_provider

from coinrelay import Relay
from coinrelay._clock import FakeClock
from coinrelay._config import BreakerSettings, ProviderSettings, RateLimitSettings, Settings, StateSettings
from coinrelay._errors import CoinRelayError


def build(config: dict[str, Any]) -> tuple[Relay, FakeClock]:
    clock = FakeClock(config.get("clock", 1_700_000_000.0))
    rl = config.get("rate_limit")
    provider = ProviderSettings(
        endpoints=[config["upstream"]],
        timeout=10.0,  # no test here is about a timeout: a loaded machine must not make one
        rate_limit=RateLimitSettings(**rl) if rl else None,
    )
    settings = Settings(
        providers={"fake": provider},
        chains={"price": ["fake"]},
        breaker=BreakerSettings(failure_threshold=3, recovery_timeout=5.0, jitter=0.0),
        state=StateSettings(backend="redis", url=config["redis"], prefix=config["prefix"]),
    )
    settings.cache.enabled = bool(config.get("cache", False))
    relay = Relay(settings, plugins=[("fake", price_provider("fake"))], load_entry_points=False, clock=clock)
    return relay, clock


async def price(relay: Relay, symbol: str) -> dict[str, Any]:
    try:
        p = await relay.price(symbol, "USD")
    except CoinRelayError as exc:
        attempts = [a.model_dump(mode="json") for a in getattr(exc, "attempts", [])]
        return {"ok": False, "error": type(exc).__name__, "message": str(exc), "attempts": attempts}
    return {
        "ok": True,
        "price": str(p.price),
        "stale": p.source.stale,
        "provider": p.source.provider,
        "attempts": [a.model_dump(mode="json") for a in p.source.attempts],
    }


async def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    relay, clock = build(json.loads(sys.argv[1]))
    loop = asyncio.get_running_loop()
    out = sys.stdout
    async with relay:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            op = cmd["op"]
            answer: Any
            if op == "quit":
                break
            if op == "price":
                answer = await price(relay, cmd["symbol"])
            elif op == "burst":
                answer = {"results": await asyncio.gather(*(price(relay, s) for s in cmd["symbols"]))}
            elif op == "advance":
                clock.advance(float(cmd["seconds"]))
                answer = {"now": clock.time()}
            elif op == "health":
                answer = await relay.health()
            elif op == "status":
                answer = relay.state.status()
            else:
                answer = {"error": f"unknown op {op!r}"}
            out.write(json.dumps(answer, default=str) + "\n")
            out.flush()


if __name__ == "__main__":
    asyncio.run(main())
