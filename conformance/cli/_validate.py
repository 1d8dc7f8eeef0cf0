"""``capture-conformance validate`` and ``examples``: the validator on the command line.

capture-conformance validate midtrans response reply.json --status 412
capture-conformance examples --profile observed
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from .._constants import PROFILES, PROVIDERS
from ..errors import InputError
from ..violations import Severity, Violation
from ._exit import EXIT_CONFORMANT, EXIT_VIOLATIONS

__all__ = ["examples", "validate"]

PHASES = ("request", "response")
FORMATS = ("text", "json")


@click.command()
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


@click.command()
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
