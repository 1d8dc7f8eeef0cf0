"""``capture-conformance receive``: a webhook endpoint that judges every delivery.

    capture-conformance receive midtrans --port 8090 --report-json deliveries.json \
        --report-html deliveries.html
    capture-conformance receive pivot --port 8091 --callback-key "$PIVOT_CALLBACK_KEY"

Point the sandbox's notification (Midtrans) or callback (Pivot) URL at it. The
first line printed is its base URL; then one line per delivery, with every
finding under it as it arrives. Ctrl-C or SIGTERM stops it: it prints a
verdict, writes the reports and exits like the proxy: 0 when every delivery kept
the contract, 1 when one broke it (or when none arrived at all, unless
``--allow-empty``), 2 when it could not start.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from .._constants import PROVIDERS
from ._options import profile_option
from ._reports import check_report_paths, fail_unjudged, report_options, write_reports
from ._serve import serve_app, serving_options

if TYPE_CHECKING:
    from ..proxy import TrafficLog
    from ..suite import Report

__all__ = ["receive"]


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@serving_options
@click.option(
    "--server-key",
    help="Midtrans: check signature_key with this server key [env: MIDTRANS_SERVER_KEY]",
)
@click.option(
    "--callback-key",
    help="Pivot: check X-API-Key against this callback key [env: PIVOT_CALLBACK_KEY]",
)
@profile_option
@report_options("kind of delivery")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="exit 0 when no delivery arrived (by default such a run fails: nothing was judged)",
)
def receive(
    provider: str, host: str, port: int, server_key: str | None, callback_key: str | None,
    profile: str, allow_empty: bool, **reports: str | None,
) -> None:  # fmt: skip
    """Receive PROVIDER's notifications or callbacks and validate each one.

    Every POST is answered 200, so the sender does not retry because of the kit.
    """
    from ..proxy import TrafficLog
    from ..receiver import Inbox, ReceiverApp

    check_report_paths(reports)
    server_key = server_key or os.environ.get("MIDTRANS_SERVER_KEY") or None
    callback_key = callback_key or os.environ.get("PIVOT_CALLBACK_KEY") or None
    log = TrafficLog()
    inbox = Inbox(
        provider,
        server_key=server_key if provider == "midtrans" else None,
        callback_key=callback_key if provider == "pivot" else None,
        profile=profile,
        target=f"{host}:{port}",
        on_delivery=lambda delivery, findings: log.exchange(
            delivery.request.method, delivery.request.url.path, 200, "notification", findings
        ),
    )
    serve_app(ReceiverApp(inbox), host, port, lifespan="on")
    report = inbox.report()
    if not len(inbox) and not allow_empty:
        _nothing_received(report, log)
    log.verdict(report)
    write_reports([report], reports, secrets=[server_key or "", callback_key or ""])
    sys.exit(report.exit_code)


def _nothing_received(report: Report, log: TrafficLog) -> None:
    """A run that received no delivery fails, as a proxy that judged nothing does."""
    provider = report.provider
    fail_unjudged(
        report, log, command="receive", case_id=f"{provider}.receive.deliveries",
        title="deliveries received",
        reason=f"no {provider} delivery reached the receiver, so nothing was judged (point the "
        "sandbox's notification or callback URL at it, or pass --allow-empty to accept this)",
        expected="at least one delivery",
    )  # fmt: skip
