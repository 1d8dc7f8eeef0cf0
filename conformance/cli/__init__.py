"""The ``capture-conformance`` command line.

Exit codes, for every command: 0 conformant, 1 violations found, 2 could not
run (bad arguments, unreadable input). Exit 2 always prints one line.

    capture-conformance validate midtrans response reply.json --status 412
    capture-conformance examples
    capture-conformance serve midtrans --port 0
    capture-conformance cassettes lint cassettes/
    capture-conformance proxy pivot --upstream http://127.0.0.1:8001 --port 8080
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from ..errors import ConformanceError, InputError
from ..specs import PROFILES, PROVIDERS
from ..violations import Severity, Violation
from ._cassettes import cassettes, record
from ._proxy import proxy
from ._serve import serve
from ._suite import check, run

__all__ = ["EXIT_CONFORMANT", "EXIT_ERROR", "EXIT_VIOLATIONS", "main"]

EXIT_CONFORMANT, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
PHASES = ("request", "response")
FORMATS = ("text", "json")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="capture-conformance")
def cli() -> None:
    """Contract and conformance checks for the Midtrans and Pivot capture APIs."""


@cli.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.argument("phase", type=click.Choice(PHASES))
@click.argument("file", type=click.File("rb"))
@click.option("--operation", default="capture", show_default=True, help="operationId in specs/.")
@click.option("--status", type=int, default=200, show_default=True, help="HTTP status (responses).")
@click.option("--profile", type=click.Choice(PROFILES), default="documented", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def validate(
    provider: str, phase: str, file: Any, operation: str, status: int, profile: str, fmt: str
) -> None:
    """Check one JSON body (FILE, or - for stdin) and print its violations."""
    from .._messages import NOT_JSON, parse_json
    from ..validator import Validator

    body = parse_json(file.read())
    if body is NOT_JSON:
        raise InputError(f"{file.name}: not a JSON document")
    validator = Validator(provider, profile=profile)
    if phase == "request":
        found = validator.validate_request(operation, body)
    else:
        found = validator.validate_response(operation, body, status=status)
    _report(found, fmt)
    sys.exit(_exit_code(found))


@cli.command()
@click.option("--profile", type=click.Choice(PROFILES), default="documented", show_default=True)
def examples(profile: str) -> None:
    """Validate every example the specs carry (the seed pages' own examples)."""
    from ..examples import iter_examples
    from ..validator import Validator

    found: list[Violation] = []
    for example in iter_examples():
        validator = Validator(example.provider, profile=profile)
        if example.status is None:
            got = validator.validate_request(example.operation, example.body)
        else:
            got = validator.validate_response(
                example.operation, example.body, status=example.status
            )
        mark = "ok  " if not _errors(got) else "FAIL"
        click.echo(f"{mark} {example.provider} {example.operation} {example.label}")
        for violation in got:
            click.echo(f"     {violation}")
        found += got
    sys.exit(_exit_code(found))


def _errors(found: Sequence[Violation]) -> list[Violation]:
    return [v for v in found if v.severity is Severity.ERROR]


def _exit_code(found: Sequence[Violation]) -> int:
    return EXIT_VIOLATIONS if _errors(found) else EXIT_CONFORMANT


def _report(found: Sequence[Violation], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([v.to_dict() for v in found], indent=2, default=repr))
        return
    for violation in found:
        click.echo(str(violation))
        if violation.source is not None:
            click.echo(f"    source: {violation.source}")
    click.echo("conformant" if not _errors(found) else f"{len(_errors(found))} violation(s)")


cli.add_command(serve)
cli.add_command(check)
cli.add_command(run)
cli.add_command(record)
cli.add_command(cassettes)
cli.add_command(proxy)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising ``SystemExit``."""
    try:
        cli.main(args=argv, prog_name="capture-conformance", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"capture-conformance: error: {exc.format_message()}", err=True)
        return EXIT_ERROR
    except click.Abort:
        click.echo("capture-conformance: aborted", err=True)
        return EXIT_ERROR
    except ConformanceError as exc:
        click.echo(f"capture-conformance: error: {exc}", err=True)
        return EXIT_ERROR
    return EXIT_CONFORMANT


def entry_point() -> None:
    sys.exit(main())
