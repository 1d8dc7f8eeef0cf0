"""``capture-conformance serve``: the reference simulators over HTTP."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import UsageError
from ..simulators.quirks import names as quirk_names

__all__ = ["MIDTRANS_HTTP_STATUS", "PIVOT_SETTLE", "serve", "serve_app", "serving_options"]

MIDTRANS_HTTP_STATUS = ("mirror", "always-200")
PIVOT_SETTLE = ("immediate", "delayed")


@click.group()
def serve() -> None:
    """Serve a stateful reference simulator over HTTP (Ctrl-C or SIGTERM stops it).

    The first line of output is the base URL (useful with --port 0).
    """


def serving_options(func: Any) -> Any:
    """The --host and --port options of a command that listens (serve, proxy)."""
    func = click.option("--host", default="127.0.0.1", show_default=True)(func)
    func = click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=8000,
        show_default=True,
        help="0 picks a free port.",
    )(func)
    return func


def _quirk_option(provider: str) -> Callable[[Any], Any]:
    """``--quirk``: one of *provider*'s simulator's deliberate non-conformances."""
    return click.option(
        "--quirk",
        type=click.Choice(quirk_names(provider)),
        help="Switch on one deliberate non-conformance.",
    )


@serve.command("midtrans")
@serving_options
@click.option("--server-key", help="Accept only this server key (default: any SB-Mid-server-...).")
@click.option("--client-key", help="Accept only this client key (default: any SB-Mid-client-...).")
@click.option(
    "--http-status",
    type=click.Choice(MIDTRANS_HTTP_STATUS),
    default="mirror",
    show_default=True,
    help="mirror: HTTP status equals the body status_code; always-200: HTTP 200 for every answer.",
)
@_quirk_option("midtrans")
@click.option(
    "--notification-url",
    metavar="URL",
    help="POST a signed HTTP notification here on every status change (a request's "
    "X-Override-Notification / X-Append-Notification header overrides or adds to it).",
)
def serve_midtrans(
    host: str,
    port: int,
    server_key: str | None,
    client_key: str | None,
    http_status: str,
    quirk: str | None,
    notification_url: str | None,
) -> None:
    """Serve the Midtrans Core API simulator."""
    from ..simulators.midtrans import MidtransSimulator

    try:
        simulator = MidtransSimulator(
            server_key=server_key, client_key=client_key, http_status=http_status, quirk=quirk,
            notification_url=notification_url,
        )  # fmt: skip
    except ValueError as exc:  # the simulator checks its options as it is built
        raise UsageError(str(exc)) from None
    serve_app(simulator, host, port)


@serve.command("pivot")
@serving_options
@click.option("--client-id", help="Accept only this client id (default: any non-empty one).")
@click.option("--client-secret", help="Accept only this secret (default: any non-empty one).")
@click.option(
    "--settle",
    type=click.Choice(PIVOT_SETTLE),
    default="delayed",
    show_default=True,
    help="When a PENDING capture becomes SUCCESS.",
)
@click.option(
    "--settle-delay",
    type=click.FloatRange(0, 3600),
    default=2.0,
    show_default=True,
    help="Seconds of simulated time before a delayed capture settles.",
)
@_quirk_option("pivot")
@click.option(
    "--callback-url",
    metavar="URL",
    help="POST {event, data} here on every payment session status change.",
)
@click.option(
    "--callback-key",
    help="The X-API-Key the callbacks carry [env: PIVOT_CALLBACK_KEY] (default: a made-up one).",
)
def serve_pivot(
    host: str,
    port: int,
    client_id: str | None,
    client_secret: str | None,
    settle: str,
    settle_delay: float,
    quirk: str | None,
    callback_url: str | None,
    callback_key: str | None,
) -> None:
    """Serve the Pivot Payment simulator."""
    import os

    from ..simulators.pivot import PivotSimulator

    try:
        simulator = PivotSimulator(
            client_id=client_id,
            client_secret=client_secret,
            settle=settle,
            settle_delay=settle_delay,
            quirk=quirk,
            callback_url=callback_url,
            callback_key=callback_key or os.environ.get("PIVOT_CALLBACK_KEY") or None,
        )
    except ValueError as exc:  # the simulator checks its options as it is built
        raise UsageError(str(exc)) from None
    serve_app(simulator, host, port)


def serve_app(app: Any, host: str, port: int, **options: Any) -> None:
    """Serve *app* until Ctrl-C or SIGTERM, its base URL the first line printed.

    A port that cannot be bound is a :class:`UsageError` (one line, exit 2).
    *options* are more :class:`uvicorn.Config` settings.
    """
    from ..simulators._serve import serve as run_server

    def announce(url: str) -> None:
        click.echo(url)
        sys.stdout.flush()

    try:
        run_server(app, host, port, announce, **options)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
