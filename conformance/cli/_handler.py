"""``capture-conformance handler``: send a notification handler (any language) every delivery.

    capture-conformance handler midtrans --url http://127.0.0.1:8000/midtrans/notify \\
        --state-url 'http://127.0.0.1:8000/orders/{order_id}' --server-key SB-Mid-server-...
    capture-conformance handler pivot --url http://127.0.0.1:8000/pivot/callback \\
        --callback-key made-up-callback-key --junit handler.xml

Exit 0 when every check passed (skipped ones included), 1 when one failed, 2
when it could not run (no answer at --url, a bad option, an oracle that fails).
"""

from __future__ import annotations

import os
import sys

import click

from .._constants import PROVIDERS
from ._reports import check_report_paths, report_options, write_reports

__all__ = ["handler"]


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option("--url", required=True, help="the handler's notification (Midtrans) or callback "
              "(Pivot) URL")  # fmt: skip
@click.option("--state-url", metavar="TEMPLATE", help="a URL with {order_id} answering the "
              "order's state as JSON (404: no such order); without it the checks that need "
              "the order's state are skipped")  # fmt: skip
@click.option("--server-key", help="Midtrans: the server key the handler checks "
              "signature_key with [env: MIDTRANS_SERVER_KEY]")  # fmt: skip
@click.option("--callback-key", help="Pivot: the callback key the handler checks X-API-Key "
              "against [env: PIVOT_CALLBACK_KEY]")  # fmt: skip
@click.option("--skip", multiple=True, metavar="ID", help="leave out a check (repeatable)")
@report_options("check")
def handler(
    provider: str, url: str, state_url: str | None, server_key: str | None,
    callback_key: str | None, skip: tuple[str, ...], **reports: str | None,
) -> None:  # fmt: skip
    """Send PROVIDER's deliveries to the handler at --url and judge what it does with them.

    Genuine, duplicate, stale, forged or unauthenticated, extra-field and
    deny/failed deliveries: answered 2xx in time, idempotent, never backwards,
    never moved by a forgery (read through --state-url).
    """
    from ..errors import UsageError
    from ..handler import check_handler, check_ids, reachable, state_from_url
    from ..reports.console import ConsoleReporter

    check_report_paths(reports)
    server_key = server_key or os.environ.get("MIDTRANS_SERVER_KEY") or None
    callback_key = callback_key or os.environ.get("PIVOT_CALLBACK_KEY") or None
    if provider == "midtrans" and not server_key:
        raise UsageError("midtrans needs --server-key (or MIDTRANS_SERVER_KEY): the key your "
                         "handler checks signature_key with")  # fmt: skip
    if provider == "pivot" and not callback_key:
        raise UsageError("pivot needs --callback-key (or PIVOT_CALLBACK_KEY): the key your "
                         "handler checks X-API-Key against")  # fmt: skip
    unknown = sorted(set(skip) - set(check_ids(provider)))
    if unknown:
        raise UsageError(f"unknown check(s) {', '.join(unknown)}; choose from: "
                         f"{', '.join(check_ids(provider))}")  # fmt: skip
    reachable(url, "--url")
    oracle = state_from_url(state_url) if state_url else None
    report = check_handler(
        provider, url, state=oracle, server_key=server_key, callback_key=callback_key, skip=skip
    )
    secrets = [server_key or "", callback_key or ""]
    ConsoleReporter(show_progress=False, secrets=secrets).report([report])
    write_reports([report], reports, secrets=secrets)
    sys.exit(report.exit_code)
