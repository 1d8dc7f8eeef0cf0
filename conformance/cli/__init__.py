"""The ``capture-conformance`` command line.

Exit codes, for every command: 0 conformant, 1 violations found, 2 could not
run (bad arguments, unreadable input). Exit 2 always prints one line; a usage
error's line ends with the ``--help`` to read (``; see capture-conformance check --help``).

    capture-conformance validate midtrans response reply.json --status 412
    capture-conformance examples
    capture-conformance serve midtrans --port 0
    capture-conformance cassettes lint cassettes/
    capture-conformance proxy pivot --upstream http://127.0.0.1:8001 --port 8080
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from ..errors import ConformanceError
from ._cassettes import cassettes, record
from ._exit import EXIT_CONFORMANT, EXIT_ERROR, EXIT_VIOLATIONS
from ._handler import handler
from ._proxy import proxy
from ._receive import receive
from ._serve import serve
from ._suite import check, run
from ._validate import examples, validate

__all__ = ["EXIT_CONFORMANT", "EXIT_ERROR", "EXIT_VIOLATIONS", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="capture-conformance")
def cli() -> None:
    """Contract and conformance checks for the Midtrans and Pivot capture APIs."""


cli.add_command(validate)
cli.add_command(examples)
cli.add_command(serve)
cli.add_command(check)
cli.add_command(run)
cli.add_command(record)
cli.add_command(cassettes)
cli.add_command(proxy)
cli.add_command(receive)
cli.add_command(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising ``SystemExit``.

    Every error is printed as one line, with the run's credentials scrubbed from
    it (see :func:`_error`): an answer echoed in a message can carry them.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="capture-conformance", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:  # click would print usage, a hint and the error: 3 lines
        _error(f"capture-conformance: error: {_usage(exc)}", args)
        return EXIT_ERROR
    except click.ClickException as exc:
        _error(f"capture-conformance: error: {exc.format_message()}", args)
        return EXIT_ERROR
    except click.Abort:
        _error("capture-conformance: aborted", args)
        return EXIT_ERROR
    except ConformanceError as exc:
        _error(f"capture-conformance: error: {exc}", args)
        return EXIT_ERROR
    return EXIT_CONFORMANT


def _usage(exc: click.UsageError) -> str:
    """A usage error's message and where to read more, on one line.

    A group run without a command says so (click's own message is the whole help).
    """
    ctx = exc.ctx
    where = ctx.command_path if ctx is not None else "capture-conformance"
    message = exc.format_message()
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) or message.startswith("Usage:"):
        group = ctx.command if ctx is not None else None
        names = group.list_commands(ctx) if isinstance(group, click.Group) and ctx else []
        message = "missing command" + (f" (one of: {', '.join(names)})" if names else "")
    return f"{message.removesuffix('.')}; see {where} --help"


def _error(line: str, args: Sequence[str]) -> None:
    """Print *line* on stderr, on one line, without the credentials in *args* or the environment."""
    # Imported here: the redactor loads httpx, which `--help` and clean runs never need.
    from ..reports._redact import credentials_redactor

    click.echo(credentials_redactor(args, os.environ).line(line), err=True)


def entry_point() -> None:
    sys.exit(main())
