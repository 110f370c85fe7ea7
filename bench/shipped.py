"""Relays built the way users build them: the shipped plugins, the shipped defaults, one coinrelay.toml.

:func:`shipped_relay` writes a ``coinrelay.toml`` that only points the providers at loopback
upstreams (and sets what the scenario must: the transport, the cache when it needs it off)
and calls ``Relay.from_config(path)`` — entry-point plugins, default chains, mirrors,
breakers, quality checks, rate budgets, all as shipped. Providers in the default chains the
scenario does not serve point at ``127.0.0.1:9`` (nothing listens: refused), so a fault
never sends a request off this machine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from coinrelay import Relay

#: Nothing listens on the discard port: a connection there is refused at once.
REFUSED = "http://127.0.0.1:9"


def fresh_minute(relay: Relay) -> None:
    """Give ``relay``'s providers the rate budget of a fresh window: what a new Binance minute gives.

    Binance's budget is 6,000 weight per clock-aligned minute (2,700 ``ticker/price`` calls
    with the plugin's 10 % headroom): a benchmark round that makes more calls than that
    would be refused by the budget, as a real client would be. Each round therefore starts
    with a fresh minute's budget — what waiting for the next minute would give — and makes
    fewer calls than one minute allows. The relay keeps the system clock, as users' relays do
    (a clock the benchmark moves would add a Python call to every reading of it).
    """
    relay.state._quotas.clear()  # type: ignore[attr-defined]  # (in-memory windows: the next spend opens one)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def config_text(sections: dict[str, dict[str, Any]]) -> str:
    """A coinrelay.toml holding exactly ``sections`` (``{"providers.binance": {"endpoints": [...]}}``)."""
    out = []
    for name, keys in sections.items():
        out.append(f"[{name}]")
        out += [f"{k} = {_toml_value(v)}" for k, v in keys.items()]
        out.append("")
    return "\n".join(out)


def shipped_relay(
    *,
    binance: list[str],
    coincap: str = REFUSED,
    transport: str | None = "aiohttp",
    cache: bool = True,
    clock: Any = None,
    hedging: bool = False,
) -> tuple[Relay, str]:
    """``Relay.from_config`` over the shipped plugins; returns the relay and the config it read.

    :param binance: Binance's mirrors (base URLs, tried in order).
    :param coincap: CoinCap's base URL (its ``/v3`` prefix included); refused by default.
    :param transport: ``[relay] transport`` (``None``: not set, the default ``auto``).
    :param cache: ``[cache] enabled`` (the shipped default is on).
    :param hedging: ``[hedging] price = true`` (the shipped default is off), every other hedging key
        as shipped.
    """
    sections: dict[str, dict[str, Any]] = {
        "providers.binance": {"endpoints": binance},
        "providers.coincap": {"endpoints": [coincap], "api_key": "bench-key"},
        "providers.coingecko": {"endpoints": [REFUSED]},
        "providers.coinpaprika": {"endpoints": [REFUSED]},
        "providers.cryptocompare": {"endpoints": [REFUSED]},
    }
    if transport is not None:
        sections["relay"] = {"transport": transport}
    if not cache:
        sections["cache"] = {"enabled": False}
    if hedging:
        sections["hedging"] = {"price": True}
    text = config_text(sections)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="coinrelay-bench-", delete=False) as fh:
        fh.write(text)
        path = Path(fh.name)
    try:
        relay = Relay.from_config(path, **({"clock": clock} if clock is not None else {}))
    finally:
        path.unlink()
    return relay, text
