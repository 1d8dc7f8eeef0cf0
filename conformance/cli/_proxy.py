"""``capture-conformance proxy``: the validating proxy, for integrations in any language.

    capture-conformance proxy midtrans --upstream https://api.sandbox.midtrans.com \\
        --port 8080 --report-json proxy.json --junit proxy.xml

The first line printed is the proxy's base URL (useful with ``--port 0``); then
one line per exchange, with every finding under it as it happens. Ctrl-C or
SIGTERM stops it: it prints a verdict, writes the reports and exits 0 when no
exchange broke the contract, 1 when one did (or the upstream gave no answer),
2 when it could not start (one line: a bad upstream URL, a busy port, a report
path that cannot be written, the production guard).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._constants import DEFAULT_PROFILE, PROFILES, PROVIDERS
from ..errors import InputError, UsageError
from ._serve import serve_app, serving_options

if TYPE_CHECKING:
    from ..suite import Report

__all__ = ["proxy"]

DEFAULT_TIMEOUT = 30.0


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option(
    "--upstream",
    required=True,
    metavar="URL",
    help="where to forward: a sandbox (https://api.sandbox.midtrans.com) or a simulator",
)
@serving_options
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="documented contract, or plus observed behaviour",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="seconds to wait for the upstream; then the client gets 504",
)
@click.option(
    "--report-json",
    type=click.Path(dir_okay=False),
    help="write the JSON report on exit (schema: specs/report.schema.json)",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False),
    help="write JUnit XML on exit: one test case per operation seen and per rule",
)
@click.option(
    "--allow-production",
    is_flag=True,
    help="allow the provider's production host (your traffic moves real money)",
)
def proxy(
    provider: str, upstream: str, host: str, port: int, profile: str, timeout: float,
    report_json: str | None, junit: str | None, allow_production: bool,
) -> None:  # fmt: skip  # fmt: skip
    """Forward PROVIDER traffic to --upstream, validating every request and response.

    Point your integration's provider base URL at the proxy. Answers come back
    unchanged; an upstream that cannot be reached answers 502 (504 when too
    slow) with a JSON body saying why.
    """
    from ..proxy import ProxyApp, TrafficLog, upstream_label

    label = upstream_label(upstream)
    _guard_production(provider, label, allow_production)
    for option, path in (("--report-json", report_json), ("--junit", junit)):
        if path is not None:
            _check_writable(option, path)
    log = TrafficLog()
    app = ProxyApp(provider, label, profile=profile, timeout=timeout, log=log)
    # No Server or Date header of uvicorn's own: the client gets the upstream's.
    serve_app(app, host, port, lifespan="on", server_header=False, date_header=False)
    report = app.recorder.finish()
    log.verdict(report)
    _write_reports(report, report_json, junit)
    sys.exit(report.exit_code)


def _guard_production(provider: str, upstream: str, allow: bool) -> None:
    """The proxy sends nothing of its own, but it forwards whatever the client sends."""
    from ..suite import guard_production
    from ..suite._target import SANDBOX_HOSTS

    try:
        guard_production(provider, upstream, allow)
    except UsageError:
        raise UsageError(
            f"{upstream} is {provider}'s production host and the traffic you send through "
            f"the proxy moves real money; use the sandbox (https://{SANDBOX_HOSTS[provider]}) "
            "or pass --allow-production"
        ) from None


def _check_writable(option: str, path: str) -> None:
    """Refuse at start a report path that could not be written at the end."""
    target = Path(path)  # a directory is refused by click (dir_okay=False)
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path!r}: folder {str(folder)!r} does not exist")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise UsageError(f"{option} {path!r} is not writable")


def _write_reports(report: Report, report_json: str | None, junit: str | None) -> None:
    from ..reports.json_report import write_json
    from ..reports.junit import write_junit

    reports = [report]
    try:
        if report_json:
            line = shlex.join(["capture-conformance", *sys.argv[1:]])
            write_json(reports, report_json, command=line)
            click.echo(f"JSON report: {report_json}")
        if junit:
            write_junit(reports, junit)
            click.echo(f"JUnit report: {junit}")
    except OSError as exc:
        # The findings are on the console already; say which file failed, once.
        raise InputError(f"cannot write report {exc.filename!r}: {exc.strerror}") from None
