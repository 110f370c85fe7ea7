"""The ``coinrelay`` command line.

One command per category (``coinrelay price BTC``), generated from the category's
declaration (:mod:`coinrelay._categories`: its help, its parameters' types, defaults and
constraints, checked by the same code as the Python and HTTP APIs), plus ``plugins``,
``health``, ``config``, ``serve`` and ``new-provider``. Every command name and option is a
public contract (see ``docs/cli.md``).

Failures print ONE line to stderr (never a traceback) and exit with:

====  =======================================================================
code  meaning
====  =======================================================================
1     configuration error (:class:`~coinrelay._errors.ConfigError`) or other failure
2     bad parameter (:class:`~coinrelay._errors.InvalidRequest`) or bad usage
3     no provider serves the symbol (:class:`~coinrelay._errors.SymbolNotFound`)
4     every provider failed (:class:`~coinrelay._errors.AllProvidersFailed`); the trail follows
130   interrupted (Ctrl-C)
====  =======================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ._categories import CATEGORIES, CategorySpec, Param
from ._config import Settings, load_settings
from ._errors import AllProvidersFailed, CoinRelayError, ConfigError, InvalidRequest, SymbolNotFound
from ._models import Result

T = TypeVar("T")

EXIT_CONFIG = 1
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_ALL_FAILED = 4
EXIT_INTERRUPTED = 130

#: Set to ``1`` to get the Python traceback of an unexpected error.
DEBUG_ENV = "COINRELAY_DEBUG"

# ---------------------------------------------------------------------------
# Errors: one line on stderr, a documented exit code
# ---------------------------------------------------------------------------


class CliError(click.ClickException):
    """A failure shown as ``Error: <message>`` (plus optional detail lines) with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1, detail: list[str] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class
        self.detail = detail or []

    def show(self, file: Any = None) -> None:
        for line in [f"Error: {self.format_message()}", *self.detail]:
            click.echo(line, file=file, err=file is None)


def _trail_lines(attempts: list[Any]) -> list[str]:
    lines = []
    for a in attempts:
        where = f"{a.provider} @ {a.endpoint}" if a.endpoint else a.provider
        lines.append(f"  {where}: {a.outcome}" + (f" ({a.error})" if a.error else ""))
    return lines


def _translate(exc: BaseException) -> CliError | None:
    """The CLI error for a coinrelay error, or ``None`` for anything else."""
    if isinstance(exc, ConfigError):
        return CliError(str(exc), EXIT_CONFIG)
    if isinstance(exc, InvalidRequest):
        return CliError(str(exc), EXIT_INVALID)
    if isinstance(exc, SymbolNotFound):
        return CliError(str(exc), EXIT_NOT_FOUND)
    if isinstance(exc, AllProvidersFailed):
        head = f"{exc.category}: every provider failed" + (f" ({exc.reason})" if exc.reason else "")
        if not exc.attempts:
            head += ": no provider available"
        return CliError(head, EXIT_ALL_FAILED, _trail_lines(exc.attempts))
    if isinstance(exc, CoinRelayError):
        return CliError(str(exc), 1)
    return None


class _Group(click.Group):
    """Maps coinrelay errors and Ctrl-C to one line and an exit code.

    A category registered after import (:func:`~coinrelay._categories.register_category`)
    gets its command on first use, like the built-in ones.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *CATEGORIES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in CATEGORIES:
            command = _make_category_command(CATEGORIES[cmd_name])
            self.add_command(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            err = _translate(exc)
            if err is not None:
                raise err from None
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            raise CliError(f"unexpected {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)", 1) from None


# ---------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@contextlib.contextmanager
def _settings(config: str | None, sandbox: bool) -> Iterator[Settings]:
    """The settings from ``config``; with ``sandbox``, a started Sandbox's settings (closed after)."""
    settings = load_settings(config)
    if not sandbox:
        yield settings
        return
    from .sandbox import Sandbox

    box = Sandbox()
    box.start()
    try:
        yield box.apply(settings)
    finally:
        box.close()


def _relay(settings: Settings, *, sandbox: bool = False) -> Any:
    from ._relay import Relay

    return Relay(settings, sandbox=sandbox)


def _console() -> Any:
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


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _CONFIG_OPTION() -> click.Option:
    return click.Option(
        ["--config", "config"],
        type=click.Path(dir_okay=False),
        default=None,
        metavar="PATH",
        help="Config file (default: $COINRELAY_CONFIG, else ./coinrelay.toml, else the shipped defaults).",
    )


def _SANDBOX_OPTION() -> click.Option:
    return click.Option(
        ["--sandbox"],
        is_flag=True,
        default=False,
        help="Start the local sandbox (fake providers on 127.0.0.1), run against it, stop it.",
    )


def _JSON_OPTION() -> click.Option:
    return click.Option(["--json", "as_json"], is_flag=True, default=False, help="Print JSON instead of a table.")


def _add(option: Callable[[], click.Option]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding ``option()`` to a command function (like ``@click.option``)."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f.__dict__.setdefault("__click_params__", []).append(option())
        return f

    return deco


config_option = _add(_CONFIG_OPTION)
sandbox_option = _add(_SANDBOX_OPTION)
json_option = _add(_JSON_OPTION)


# ---------------------------------------------------------------------------
# The command group
# ---------------------------------------------------------------------------


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coinrelay", prog_name="coinrelay")
def cli() -> None:
    """Crypto market data from many public providers, with failover.

    Each data command prints a table (with the provider and endpoint that served it and
    the failover trail), or JSON with --json.
    """


# -- one command per category ------------------------------------------------


class ParamType(click.ParamType[Any]):
    """A category parameter as a click type: converted by the very check the relay runs.

    A bad value raises :class:`~coinrelay._errors.InvalidRequest` (one line, exit 2) before
    any config or network work, with the same words as the Python and HTTP APIs.
    """

    def __init__(self, param: Param) -> None:
        self.param = param
        self.name = "integer" if param.type is int else "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return self.param.check(value)


def _metavar(p: Param) -> str:
    return "N" if p.type is int else p.name.upper()


def _param_help(p: Param) -> str:
    """``number of candles (an integer from 1 to 1000).`` (click adds ``[default: 100]``)."""
    return f"{p.help} ({p.describe()})."


def _make_category_command(spec: CategorySpec) -> click.Command:
    """``coinrelay <category>``: its leading ticker as an argument (``SYMBOL``), then its parameters as options.

    An optional leading ticker (news' ``symbol``) is also an option (``news BTC`` and
    ``news --symbol BTC`` are the same).
    """
    category = spec.name
    first = spec.params[0] if spec.params and spec.params[0].symbol else None
    alias = f"{first.name}_opt" if first is not None and not first.required else None

    def callback(config: str | None, sandbox: bool, as_json: bool, **given: Any) -> None:
        if first is not None and alias is not None:
            opt, arg = given.pop(alias), given.get(first.name)
            if opt is not None and arg is not None and opt != arg:
                raise InvalidRequest(first.name, f"given twice with different values ({arg!r} and {opt!r})")
            given[first.name] = arg or opt
        params = {k: v for k, v in given.items() if v is not None}
        spec.validate(params)  # bad input fails before any config or network work
        with _settings(config, sandbox) as settings:
            result = _run(_fetch(settings, category, params, sandbox))
        if as_json:
            _echo_json(result.model_dump(mode="json"))
        else:
            render_result(_console(), category, result)

    params: list[click.Parameter] = []
    for p in spec.params:
        kind = ParamType(p)
        if p is first:
            metavar = p.name.upper() if p.required else f"[{p.name.upper()}]"
            params.append(click.Argument([p.name], type=kind, required=p.required, metavar=metavar))
            if alias is not None:
                params.append(click.Option([f"--{p.name}", alias], type=kind, metavar=p.name.upper(), help=p.help))
            continue
        params.append(
            click.Option(
                [f"--{p.name}", p.name],
                type=kind,
                default=p.default,
                show_default=p.default is not None,
                required=p.required,
                metavar=_metavar(p),
                help=_param_help(p),
            )
        )
    params.append(_CONFIG_OPTION())
    params.append(_SANDBOX_OPTION())
    params.append(_JSON_OPTION())
    text = spec.help
    if first is not None:
        text += f"\n\n{first.name.upper()}: {_param_help(first)}"
    return click.Command(category, callback=callback, params=params, help=text, short_help=spec.summary)


async def _fetch(settings: Settings, category: str, params: dict[str, Any], sandbox: bool) -> Result:
    async with _relay(settings, sandbox=sandbox) as relay:
        result: Result = await relay.fetch(category, **params)
        return result


for _spec in CATEGORIES.values():
    cli.add_command(_make_category_command(_spec))


# -- plugins -------------------------------------------------------------------


@cli.command("plugins")
@config_option
def plugins_command(config: str | None) -> None:
    """List installed plugins as JSON: status (loaded/blocked/failed), categories, hooks.

    Reads the plugin manager alone: no relay is built, nothing is connected (not even Redis).
    """
    from ._plugins import plugin_report

    _echo_json(plugin_report(load_settings(config)))


# -- health ----------------------------------------------------------------------


@cli.command("health")
@config_option
@sandbox_option
@json_option
def health_command(config: str | None, sandbox: bool, as_json: bool) -> None:
    """Probe every provider once (one cheap request each) and show breakers, latency and status."""
    with _settings(config, sandbox) as settings:
        report = _run(_health(settings, sandbox))
    if as_json:
        _echo_json(report)
    else:
        render_health(_console(), report)


async def _health(settings: Settings, sandbox: bool) -> dict[str, Any]:
    async with _relay(settings, sandbox=sandbox) as relay:
        names = list(relay.providers)
        probes = await asyncio.gather(*(relay.probe(n) for n in names))
        health: dict[str, Any] = await relay.health()
        return {"probes": dict(zip(names, probes, strict=True)), **health}


# -- config ------------------------------------------------------------------------


@cli.command("config")
@config_option
@_add(lambda: click.Option(["--json", "as_json"], is_flag=True, default=False, help="Print JSON instead of TOML."))
def config_command(config: str | None, as_json: bool) -> None:
    """Validate the config and print the effective configuration, secrets masked."""
    settings = load_settings(config)

    async def check() -> dict[str, tuple[str, ...]]:
        # Building the relay validates what only the plugins know: their options and the chains.
        async with _relay(settings) as relay:
            return {name: rt.info.credentials for name, rt in relay.providers.items()}

    data = settings.masked(_run(check()))
    if as_json:
        _echo_json({"source": settings.source_path, "config": data})
        return
    click.echo(f"# effective configuration; file: {settings.source_path or '<defaults only>'}")
    click.echo(to_toml(data), nl=False)


#: Option names treated as secrets even when no loaded plugin declares them.
# -- serve ------------------------------------------------------------------------------


@cli.command("serve")
@config_option
@click.option("--host", default=None, help="Address to bind [default: server.host of the config, 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port [default: server.port of the config, 8000]."
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text (time, level, logger, message) or one JSON object each [default: server.log_format].",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="Lowest level logged [default: server.log_level, info].",
)
@sandbox_option
def serve_command(
    config: str | None,
    host: str | None,
    port: int | None,
    log_format: str | None,
    log_level: str | None,
    sandbox: bool,
) -> None:
    """Run the HTTP API (and dashboard) until interrupted.

    Logs breaker transitions, failovers, pauses and state-backend outages to stderr, each line
    with its time (UTC), level and logger.
    """
    try:
        from . import server
    except ImportError as exc:
        raise CliError(f"serve needs the server extra (pip install 'coinrelay[server]'): {exc}", 1) from None
    # server.run starts (and closes) the sandbox itself: it also drives the dashboard's fault injection.
    settings = load_settings(config)
    logging = {k: v for k, v in (("log_format", log_format), ("log_level", log_level)) if v is not None}
    if logging:
        settings.server = settings.server.model_copy(update=logging)
    server.run(
        settings,
        host=host or settings.server.host,
        port=port if port is not None else settings.server.port,
        sandbox=sandbox,
    )


# -- new-provider --------------------------------------------------------------------------


@cli.command("new-provider")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default="plugins",
    show_default=True,
    help="Directory to create the plugin in (as DIR/NAME).",
)
def new_provider_command(name: str, directory: str) -> None:
    """Scaffold a provider plugin NAME: package, tests, fixture and cassette that pass as generated."""
    from .scaffold import ScaffoldError, create

    try:
        target = create(name, Path(directory))
    except ScaffoldError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None
    dist = "coinrelay-" + name.replace("_", "-")
    click.echo(f"Created {target}/ (distribution {dist}, module coinrelay_{name}, entry point {name!r})")
    click.echo("Next:")
    click.echo(f"  pip install -e '{target}[test]'")
    click.echo(f"  cd {target} && pytest")


# ---------------------------------------------------------------------------
# Rendering: tables for people (rich), TOML-ish text for the config
# ---------------------------------------------------------------------------

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


def main(argv: list[str] | None = None) -> NoReturn:
    """The console-script entry point."""
    cli.main(args=argv, prog_name="coinrelay")
    sys.exit(0)  # pragma: no cover - cli.main exits


__all__ = ["cli", "main", "render_health", "render_result", "to_toml"]
