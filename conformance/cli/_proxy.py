"""``capture-conformance proxy``: the validating proxy, for integrations in any language.

    capture-conformance proxy midtrans --upstream https://api.sandbox.midtrans.com \\
        --port 8080 --report-json proxy.json --junit proxy.xml

The first line printed is the proxy's base URL (useful with ``--port 0``); then
one line per exchange, with every finding under it as it happens. Ctrl-C or
SIGTERM stops it (an exchange in flight gets a few seconds): it prints a verdict,
writes the reports and exits 0 when no exchange broke the contract, 1 when one
did (or the upstream gave no answer, or no exchange of a provider operation went
through at all, unless ``--allow-empty``), 2 when it could not start (one line: a
bad upstream URL, a busy port, a report path that cannot be written, the
production guard).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .._constants import PROVIDERS
from ..errors import UsageError
from ._options import Seconds, profile_option
from ._reports import check_report_paths, fail_unjudged, report_options, write_reports
from ._serve import serve_app, serving_options

if TYPE_CHECKING:
    from ..proxy import TrafficLog
    from ..suite import Report

__all__ = ["proxy"]

DEFAULT_TIMEOUT = 30.0
#: Seconds an exchange in flight may still take once the proxy is told to stop.
GRACE = 2.0


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option(
    "--upstream",
    required=True,
    metavar="URL",
    help="where to forward: a sandbox (https://api.sandbox.midtrans.com) or a simulator",
)
@serving_options
@profile_option
@click.option(
    "--timeout",
    type=Seconds(0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="seconds for the whole upstream exchange; then the client gets 504",
)
@report_options("operation seen")
@click.option(
    "--allow-production",
    is_flag=True,
    help="allow the provider's production host (your traffic moves real money)",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="exit 0 when no exchange of a provider operation went through the proxy "
    "(by default such a run fails: nothing was judged)",
)
def proxy(
    provider: str, upstream: str, host: str, port: int, profile: str, timeout: float,
    allow_production: bool, allow_empty: bool, **reports: str | None,
) -> None:  # fmt: skip
    """Forward PROVIDER traffic to --upstream, validating every request and response.

    Point your integration's provider base URL at the proxy. Answers come back
    unchanged; an upstream that cannot be reached answers 502 (504 when too
    slow) with a JSON body saying why.
    """
    from ..proxy import ProxyApp, TrafficLog, upstream_label

    _guard_production(provider, upstream, allow_production)
    label = upstream_label(upstream)
    check_report_paths(reports)
    log = TrafficLog()
    app = ProxyApp(provider, label, profile=profile, timeout=timeout, log=log)
    # No Server or Date header of uvicorn's own: the client gets the upstream's. On
    # SIGTERM an exchange in flight gets a few seconds, then is dropped: CI stops on time.
    serve_app(
        app, host, port, lifespan="on", server_header=False, date_header=False,
        timeout_graceful_shutdown=GRACE,
    )  # fmt: skip
    report = app.recorder.finish()
    if not allow_empty:
        require_traffic(report, log)
    log.verdict(report)
    write_reports([report], reports)
    sys.exit(report.exit_code)


def require_traffic(report: Report, log: TrafficLog) -> None:
    """A run through which no exchange of a provider operation went fails (one case, one line).

    A CI gate whose integration never talked to the proxy has judged nothing: that is
    not green. ``--allow-empty`` accepts it.
    """
    from ..suite import Outcome

    if any(r.exchanges for r in report.results if r.outcome is not Outcome.SKIPPED):
        return
    provider = report.provider
    fail_unjudged(
        report, log, command="proxy", case_id=f"{provider}.proxy.traffic",
        title="traffic through the proxy",
        reason=f"no exchange of a {provider} operation went through the proxy, so nothing was "
        "judged (point the integration at the proxy, or pass --allow-empty to accept this)",
        expected=f"at least one exchange of a {provider} operation",
    )  # fmt: skip


def _guard_production(provider: str, upstream: str, allow: bool) -> None:
    """The proxy sends nothing of its own, but it forwards whatever the client sends."""
    from .._hosts import SANDBOX_HOSTS, guard_production

    try:
        guard_production(provider, upstream, allow, option="upstream")
    except UsageError as exc:
        if exc.option != "allow-production":
            raise  # not the guard's refusal: an upstream the client cannot use
        raise UsageError(
            f"{upstream} is {provider}'s production host and the traffic you send through "
            f"the proxy moves real money; use the sandbox (https://{SANDBOX_HOSTS[provider]}) "
            "or pass --allow-production"
        ) from None
