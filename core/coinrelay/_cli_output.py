"""What the command line prints: tables for people (rich), JSON for programs, TOML-ish config.

``coinrelay <category>`` prints the result's fields, its rows (candles, book levels, articles,
exchanges), then who served it and the failover trail (:func:`render_result`); ``health``
one row per provider and per endpoint (:func:`render_health`); ``config`` the effective
configuration as TOML (:func:`to_toml`). ``--json`` prints the same data with :func:`echo_json`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ._models import Result


def stdout_console() -> Any:
    """A rich console on stdout: the terminal's width, or 160 columns without colour when piped."""
    from rich.console import Console

    out = sys.stdout
    terminal = out.isatty()
    return Console(
        file=out,
        width=None if terminal else 160,
        highlight=False,
        soft_wrap=False,
        force_terminal=None if terminal else False,
    )


def echo_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (non-ASCII kept)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


#: The list field of each category shown as its own table, and the item columns shown.
_LIST_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ohlcv": ("candles", ("open_time", "open", "high", "low", "close", "volume")),
    "news": ("articles", ("published_at", "source", "title", "url")),
    "sentiment": ("history", ("timestamp", "value", "classification")),
    "exchanges": (
        "exchanges",
        ("rank", "id", "name", "country", "year_established", "trust_score", "volume_24h_btc", "volume_24h_usd"),
    ),
}


_NUMERIC = frozenset({"open", "high", "low", "close", "volume", "value"})


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def render_result(console: Any, category: str, result: Result) -> None:
    """Print ``result`` as tables: its fields, its rows (candles, book, articles), then where it came from."""
    from rich.table import Table

    data = result.model_dump(mode="json")
    source = data.pop("source")
    listed, columns = _LIST_COLUMNS.get(category, ("", ()))
    fields = Table(title=f"{category}", show_header=False, title_justify="left")
    fields.add_column("field", style="bold")
    fields.add_column("value")
    for key, value in data.items():
        if key in (listed, "bids", "asks", "description") or value in (None, [], {}):
            continue
        fields.add_row(key, _cell(value))
    if isinstance(data.get("description"), str):
        text = data["description"]
        fields.add_row("description", text if len(text) <= 200 else text[:197] + "...")
    if fields.row_count:  # a list-only result (exchanges) has no scalar fields
        console.print(fields)
    if listed and data.get(listed):
        rows = Table(title=f"{listed} ({len(data[listed])})", title_justify="left")
        for col in columns:
            rows.add_column(col, justify="right" if col in _NUMERIC or col.startswith(("volume_", "trust")) else "left")
        for item in data[listed]:
            rows.add_row(*(_cell(item.get(col)) for col in columns))
        console.print(rows)
    if category == "orderbook":
        book = Table(title="order book", title_justify="left")
        for col in ("bid qty", "bid", "ask", "ask qty"):
            book.add_column(col, justify="right")
        bids, asks = data.get("bids") or [], data.get("asks") or []
        for i in range(max(len(bids), len(asks))):
            b = bids[i] if i < len(bids) else {}
            a = asks[i] if i < len(asks) else {}
            book.add_row(
                _cell(b.get("quantity")) if b else "",
                _cell(b.get("price")) if b else "",
                _cell(a.get("price")) if a else "",
                _cell(a.get("quantity")) if a else "",
            )
        console.print(book)
    _render_source(console, source)


def _render_source(console: Any, source: dict[str, Any]) -> None:
    from rich.table import Table

    served = f"served by {source['provider']}"
    if source.get("endpoint"):
        served += f" @ {source['endpoint']}"
    served += f" at {source['fetched_at']}"
    if source.get("stale"):
        served += f" (STALE: {source.get('age')}s old, every provider failed)"
    if source.get("sandbox"):
        served += " (sandbox data)"
    console.print(served, markup=False)
    attempts = source.get("attempts") or []
    if attempts:
        trail = Table(title="failover trail", title_justify="left")
        for col in ("#", "provider", "endpoint", "outcome", "latency ms", "error"):
            trail.add_column(col)
        for i, a in enumerate(attempts, 1):
            trail.add_row(
                str(i),
                a["provider"],
                _cell(a.get("endpoint")),
                a["outcome"],
                _cell(a.get("latency_ms")),
                _cell(a.get("error")),
            )
        console.print(trail)


def render_health(console: Any, report: dict[str, Any]) -> None:
    """Print the ``health`` report: one row per provider (its probe), one per endpoint."""
    from rich.table import Table

    table = Table(title="provider health", title_justify="left")
    for col in ("provider", "probe", "category", "latency ms", "breaker", "available", "success", "endpoint / error"):
        table.add_column(col)
    probes = report.get("probes", {})
    for name, prov in report.get("providers", {}).items():
        probe = probes.get(name, {})
        h = prov["health"]
        rate = h.get("success_rate")
        detail = probe.get("error") or probe.get("endpoint") or ""
        table.add_row(
            name,
            probe.get("outcome", "-"),
            _cell(probe.get("category")),
            _cell(probe.get("latency_ms")),
            prov["breaker"]["state"],
            "yes" if prov["available"] else "no",
            "-" if rate is None else f"{rate:.0%}",
            detail,
        )
        for ep in prov.get("endpoints", []):
            eh = ep["health"]
            erate = eh.get("success_rate") if eh.get("requests") else None
            table.add_row(
                "",
                "",
                "",
                _cell(eh["latency_ms"].get("ewma")),
                ep["breaker"]["state"],
                "",
                "-" if erate is None else f"{erate:.0%}",
                f"  {ep['url']}" + (f" ({eh['last_error']})" if eh.get("last_error") else ""),
            )
    console.print(table)
    console.print(f"state backend: {_cell(report.get('state_backend'))}", markup=False)


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """``data`` as TOML-ish text: scalars first, then one ``[table]`` per nested dict (``None`` left out)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    out = ""
    if lines:
        out += (f"[{prefix}]\n" if prefix else "") + "\n".join(lines) + "\n\n"
    for key, value in tables:
        out += to_toml(value, f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key))
    return out


def _toml_key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() else json.dumps(text)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + " }"
    return json.dumps(str(value), ensure_ascii=False)
