"""``capture-conformance record`` and ``capture-conformance cassettes lint|diff|examples``.

    capture-conformance record midtrans --base-url https://api.sandbox.midtrans.com \\
        --out cassettes/midtrans/sandbox.yaml
    capture-conformance record pivot --simulator --out cassettes/pivot/catalogue.yaml
    capture-conformance record pivot --base-url https://api-stg.pivot-payment.com \
        --callback-listen 0.0.0.0:8090 --out cassettes/pivot/sandbox.yaml
    capture-conformance cassettes lint cassettes/ tests/cassettes/
    capture-conformance cassettes lint cassettes/ --server-key scrubbed-server-key
    capture-conformance cassettes diff old.yaml new.yaml --format markdown --fail-on any
    capture-conformance cassettes diff old.yaml new.yaml --format html --out drift.html
    capture-conformance cassettes examples pivot --out cassettes/pivot/seed-examples.yaml

Exit codes: 0 conformant / no failing change, 1 violations / a change at or above
``--fail-on``, 2 could not run (one line on stderr).
"""

from __future__ import annotations

import json
import sys

import click

from .._constants import DEFAULT_TIMEOUT, PROVIDERS
from ..errors import UsageError
from ._options import Seconds, credential_options, delivery_options, profile_option

__all__ = ["cassettes", "record"]


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option("--base-url", help="the target to record, e.g. https://api.sandbox.midtrans.com")
@click.option(
    "--simulator",
    is_flag=True,
    help="record the in-process reference simulator instead (URIs say the sandbox host)",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="the cassette to write (.yaml, or .json for vcrpy's JSON serializer)",
)
@credential_options
@click.option(
    "--timeout",
    type=Seconds(0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="seconds per exchange, from connecting to the last byte of the answer",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="the seed of the scenarios' made-up values (unknown ids)",
)
@click.option(
    "--allow-production",
    is_flag=True,
    help="allow the provider's production host (the scenarios capture money)",
)
@delivery_options("auto", 5.0, listen="record")
@click.option("--callback-key",
              help="Pivot: the callback key the callbacks carry as X-API-Key (checked, then "
              "scrubbed) [env: PIVOT_CALLBACK_KEY]")  # fmt: skip
@click.option("--no-progress", is_flag=True, help="no progress bar")
def record(
    provider: str, base_url: str | None, simulator: bool, out: str, server_key: str | None,
    client_key: str | None, client_id: str | None, client_secret: str | None, timeout: float,
    seed: int, allow_production: bool, deliveries: str, delivery_timeout: float,
    callback_listen: str | None, notification_url: str | None, callback_key: str | None,
    no_progress: bool,
) -> None:  # fmt: skip
    """Record PROVIDER's scenario catalogue, setup calls included, into a scrubbed cassette.

    The deliveries the run brings are kept too, each tagged with its scenario: Midtrans
    notifications (X-Override-Notification names the kit's receiver), Pivot callbacks
    with --callback-listen (--simulator: always). Signatures are re-signed with the
    placeholder key, so a replay can check them.
    """
    from .._files import check_writable
    from .._hosts import guard_production
    from ..cassettes import record as record_catalogue
    from ..cassettes import write_recording
    from ..receiver import RUN_CALLBACK_KEY
    from ..reports.console import ConsoleReporter
    from ..simulators import create
    from ..suite import Credentials

    if simulator == (base_url is not None):
        raise UsageError("give --base-url URL or --simulator (not both)")
    if base_url is not None:
        guard_production(provider, base_url, allow_production)
    # Before the first request: a cassette that could not be saved must not cost a capture.
    check_writable(out, option="out")
    credentials = Credentials.resolve(
        server_key=server_key, client_key=client_key, client_id=client_id,
        client_secret=client_secret, callback_key=callback_key,
    )  # fmt: skip
    sim = None
    if simulator:
        if callback_listen is not None or notification_url is not None:
            raise UsageError("--simulator delivers in-process: no --callback-listen or "
                             "--notification-url")  # fmt: skip
        options = {"callback_key": credentials.callback_key or RUN_CALLBACK_KEY}
        sim = create(provider, **(options if provider == "pivot" else {}))
    reporter = ConsoleReporter(show_progress=not no_progress, secrets=credentials.secrets())
    with reporter.progress(f"recording {provider}") as tick:
        recording = record_catalogue(
            provider, base_url=base_url, simulator=sim, credentials=credentials,
            timeout=timeout, seed=seed, allow_production=allow_production, progress=tick,
            out=out, deliveries=deliveries, delivery_timeout=delivery_timeout,
            listen=callback_listen, notification_url=notification_url,
        )  # fmt: skip
    write_recording(recording, out)
    report = recording.report
    failed = len(report.failed)
    kept = sum(1 for item in recording.cassette if item.delivery is not None)
    what = "notification(s)" if provider == "midtrans" else "callback(s)"
    click.echo(
        f"recorded {len(recording.cassette) - kept} interaction(s) and {kept} {what} of "
        f"{recording.scenarios} scenario(s) from {report.target} to {out}"
        + (f"; {failed} scenario(s) did not meet their expectations" if failed else "")
        + (f"; {report.delivery_note}" if report.delivery_note and not kept else "")
    )


@click.group()
def cassettes() -> None:
    """Lint and diff vcrpy / pytest-recording cassettes; transcribe the seed examples."""


@cassettes.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    help="check hosts that are neither sandbox, production nor loopback as this provider",
)
@profile_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)  # fmt: skip
@click.option("--server-key",
              help="check recorded Midtrans notifications' signature_key with this key (the "
              "kit's recordings: scrubbed-server-key) [env: MIDTRANS_SERVER_KEY, for cassettes "
              "the kit did not record]")  # fmt: skip
@click.option("--callback-key",
              help="check recorded Pivot callbacks' X-API-Key against this key (the kit's "
              "recordings: scrubbed-callback-key) [env: PIVOT_CALLBACK_KEY, likewise]")  # fmt: skip
def lint(
    paths: tuple[str, ...], provider: str | None, profile: str, fmt: str,
    server_key: str | None, callback_key: str | None,
) -> None:  # fmt: skip
    """Validate every interaction of the cassettes at PATH... (files or folders) against specs/.

    Recorded deliveries are validated as the receiver validates them; their signature or
    X-API-Key only with --server-key / --callback-key.
    """
    import os

    from ..cassettes import lint as lint_cassettes
    from ..cassettes._lint import iter_lines

    result = lint_cassettes(
        paths, profile=profile, provider=provider, server_key=server_key or None,
        callback_key=callback_key or None, env=os.environ,
    )  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, default=repr, ensure_ascii=False))
    else:
        for line in iter_lines(result):
            click.echo(line)
    sys.exit(result.exit_code)


@cassettes.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "markdown", "html")),
    default="text",
    show_default=True,
    help="markdown reads well as a pull-request comment; html is one self-contained page",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="write the output to this file (at once) instead of stdout, and print the counts",
)
@click.option(
    "--fail-on",
    type=click.Choice(("breaking", "any", "never")),
    default="breaking",
    show_default=True,
    help="which changes make the exit code 1",
)
def diff(old: str, new: str, fmt: str, out: str | None, fail_on: str) -> None:
    """Compare recording NEW with OLD, scenario by scenario, and classify each change."""
    import os

    from .._files import check_writable, write_atomic
    from ..cassettes import diff as diff_cassettes
    from ..cassettes._diff_render import render
    from ..reports._redact import credentials_redactor

    if out is not None:
        check_writable(out, option="out")
    result = diff_cassettes(old, new)
    # The credentials in the environment are scrubbed too, should a recording hold one.
    secrets = credentials_redactor([], os.environ).secrets
    text = render(result, fmt, secrets=secrets)
    if out is None:
        click.echo(text)
    else:
        write_atomic(out, text + "\n", what=f"{fmt} diff")
        counts = result.counts()
        click.echo(
            f"{result.provider}: {len(result.changes)} change(s): "
            + ", ".join(f"{n} {s}" for s, n in counts.items())
            + f"; {fmt} diff written to {out}"
        )
    sys.exit(result.exit_code(fail_on))


@cassettes.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="the cassette to write")
def examples(provider: str, out: str) -> None:
    """Write the seed pages' own examples of PROVIDER as a cassette."""
    from ..cassettes._examples import example_cassette
    from ..cassettes._format import dumps, save_cassette

    cassette = example_cassette(provider)
    save_cassette(out, dumps(cassette, out))
    click.echo(f"wrote {len(cassette)} interaction(s) of the {provider} seed examples to {out}")
