"""How the command line fails: one line on stderr (never a traceback) and a documented exit code.

The codes are a public contract (the table in :mod:`coinrelay.cli` and ``docs/cli.md``).
:func:`exit_codes` wraps every command: Ctrl-C, each coinrelay error and anything unexpected
become a :class:`CliError` (or click's ``Exit``) with its code; ``COINRELAY_DEBUG=1`` lets an
unexpected error's traceback through.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import click

from ._errors import AllProvidersFailed, CoinRelayError, ConfigError, InvalidRequest, SymbolNotFound

EXIT_CONFIG = 1
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_ALL_FAILED = 4
EXIT_INTERRUPTED = 130

#: Set to ``1`` to get the Python traceback of an unexpected error.
DEBUG_ENV = "COINRELAY_DEBUG"


class CliError(click.ClickException):
    """A failure shown as ``Error: <message>`` (plus optional detail lines) with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1, detail: list[str] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class
        self.detail = detail or []

    def show(self, file: Any = None) -> None:
        for line in [f"Error: {self.format_message()}", *self.detail]:
            click.echo(line, file=file, err=file is None)


def trail_lines(attempts: list[Any]) -> list[str]:
    """The failover trail under an "every provider failed" line: one indented line per attempt."""
    lines = []
    for a in attempts:
        where = f"{a.provider} @ {a.endpoint}" if a.endpoint else a.provider
        lines.append(f"  {where}: {a.outcome}" + (f" ({a.error})" if a.error else ""))
    return lines


def translate(exc: BaseException) -> CliError | None:
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
        return CliError(head, EXIT_ALL_FAILED, trail_lines(exc.attempts))
    if isinstance(exc, CoinRelayError):
        return CliError(str(exc), 1)
    return None


@contextlib.contextmanager
def exit_codes() -> Iterator[None]:
    """Run a command with its failures mapped to one line and an exit code (click's own pass through)."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
        raise
    except Exception as exc:
        err = translate(exc)
        if err is not None:
            raise err from None
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        raise CliError(f"unexpected {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)", 1) from None
