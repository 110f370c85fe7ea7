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

This module holds the commands; what they print is :mod:`coinrelay._cli_output`'s work, how
they fail :mod:`coinrelay._cli_errors`'.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ._categories import CATEGORIES, CategorySpec, Param
from ._cli_errors import EXIT_INVALID, CliError, exit_codes
from ._cli_output import echo_json, render_health, render_result, stdout_console, to_toml
from ._config import Settings, load_settings
from ._errors import InvalidRequest
from ._models import Result

T = TypeVar("T")

# ---------------------------------------------------------------------------
# The command group: one line and an exit code per failure (_cli_errors.py)
# ---------------------------------------------------------------------------


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
        with exit_codes():
            return super().invoke(ctx)


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
            echo_json(result.model_dump(mode="json"))
        else:
            render_result(stdout_console(), category, result)

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

    echo_json(plugin_report(load_settings(config)))


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
        echo_json(report)
    else:
        render_health(stdout_console(), report)


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
        echo_json({"source": settings.source_path, "config": data})
        return
    click.echo(f"# effective configuration; file: {settings.source_path or '<defaults only>'}")
    click.echo(to_toml(data), nl=False)


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


def main(argv: list[str] | None = None) -> NoReturn:
    """The console-script entry point."""
    cli.main(args=argv, prog_name="coinrelay")
    sys.exit(0)  # pragma: no cover - cli.main exits


__all__ = ["cli", "main", "render_health", "render_result", "to_toml"]
