"""``capture-conformance validate`` and ``examples``: the validator on the command line.

capture-conformance validate midtrans response reply.json --status 412
capture-conformance examples --profile observed
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from .._constants import PROVIDERS
from ..errors import UsageError
from ..violations import Severity, Violation
from ._exit import EXIT_CONFORMANT, EXIT_VIOLATIONS
from ._options import profile_option

__all__ = ["examples", "validate"]

PHASES = ("request", "response", "notification")
FORMATS = ("text", "json")


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.argument("phase", type=click.Choice(PHASES))
@click.argument("file", type=click.File("rb"))
@click.option("--operation", default="capture", show_default=True, help="operationId in specs/.")
@click.option("--status", type=int, default=200, show_default=True, help="HTTP status (responses).")
@profile_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--server-key", help="notification, Midtrans: check signature_key with this key "
              "[env: MIDTRANS_SERVER_KEY]")  # fmt: skip
@click.option("--callback-key", help="notification, Pivot: X-API-Key must equal this key "
              "[env: PIVOT_CALLBACK_KEY]")  # fmt: skip
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="notification: a header the delivery came with (repeatable)")  # fmt: skip
def validate(
    provider: str, phase: str, file: Any, operation: str, status: int, profile: str, fmt: str,
    server_key: str | None, callback_key: str | None, headers: tuple[str, ...],
) -> None:  # fmt: skip
    """Check one JSON body (FILE, or - for stdin) and print its violations.

    A FILE whose content is not JSON is judged like any other body: a violation
    (exit 1). A FILE that cannot be read is exit 2.

    PHASE ``notification`` checks a delivery the provider POSTs to the merchant:
    a Midtrans HTTP notification (its signature with the server key) or a Pivot
    callback (its X-API-Key, given with -H, against the callback key).
    """
    from ..validator import Validator

    raw = file.read()
    if (server_key or callback_key or headers) and phase != "notification":
        raise UsageError("--server-key, --callback-key and --header go with PHASE notification")
    if provider == "pivot" and server_key:
        raise UsageError("--server-key is Midtrans's; a Pivot callback is checked with "
                         "--callback-key")  # fmt: skip
    if provider == "midtrans" and callback_key:
        raise UsageError("--callback-key is Pivot's; a Midtrans notification is checked with "
                         "--server-key")  # fmt: skip
    if phase == "notification":
        found = _validate_notification(provider, raw, profile, server_key, callback_key, headers)
        _report(found, fmt)
        sys.exit(_exit_code(found))
    # FILE is the message under judgement: a body that is not JSON (an HTML error
    # page, NaN, nesting too deep) is its violation, exit 1; only a FILE that cannot
    # be read is exit 2 (click says so).
    validator = Validator(provider, profile=profile)
    if phase == "request":
        found = validator.validate_request(operation, raw)
    else:
        found = validator.validate_response(operation, raw, status=status)
    _report(found, fmt)
    sys.exit(_exit_code(found))


@click.command()
@profile_option
def examples(profile: str) -> None:
    """Validate every example the specs carry (the seed pages' own examples)."""
    from ..examples import iter_examples
    from ..validator import Validator

    found: list[Violation] = []
    for example in iter_examples():
        validator = Validator(example.provider, profile=profile)
        if example.profile not in (None, profile):
            only = example.profile
            name = f"{example.provider} {example.operation} {example.label}"
            click.echo(f"--   {name}: {only} only, checked with --profile {only}")
            continue
        if example.webhook:
            got = validator.validate_notification(example.body, server_key=example.server_key)
        elif example.status is None:
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


def _validate_notification(
    provider: str,
    raw: bytes,
    profile: str,
    server_key: str | None,
    callback_key: str | None,
    headers: tuple[str, ...],
) -> list[Violation]:
    """A delivery: its body, and the headers it came with when *headers* name any.

    A body that is not JSON is a violation here (the sender is judged), not exit 2.
    Without headers, the checks that need them (Pivot's X-API-Key, Midtrans's
    Content-Type) are not made.
    """
    import httpx

    from ..validator import Validator

    given: list[tuple[str, str]] = []
    for header in headers:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"--header {header!r} is not 'NAME: VALUE'")
        given.append((name.strip(), value.strip()))
    delivery: httpx.Request | bytes = raw
    if given:
        url = "http://merchant.invalid/notification"
        delivery = httpx.Request("POST", url, headers=given, content=raw)
    validator = Validator(provider, profile=profile)
    if provider == "midtrans":
        key = server_key or os.environ.get("MIDTRANS_SERVER_KEY") or None
        return validator.validate_notification(delivery, server_key=key)
    key = callback_key or os.environ.get("PIVOT_CALLBACK_KEY") or None
    return validator.validate_notification(delivery, callback_key=key)


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
