"""``capture-conformance check`` and ``run``: the conformance suite on the command line.

    capture-conformance run
    capture-conformance check midtrans --base-url https://api.sandbox.midtrans.com
    capture-conformance check pivot --base-url http://127.0.0.1:8001 --profile observed \\
        --examples 50 --seed 7 --report-json report.json --junit junit.xml

Exit codes: 0 conformant, 1 violations found, 2 could not run (bad arguments, a
target that cannot be reached, credentials refused on setup, the production guard,
a run the time limit stopped before every case ran to its end).
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable
from typing import Any

import click

from .._constants import (
    DEFAULT_CONCURRENCY,
    DEFAULT_EXAMPLES,
    DEFAULT_TIME_LIMIT,
    DEFAULT_TIMEOUT,
    PROVIDERS,
)
from ..errors import InputError, UsageError
from ._options import Seconds, credential_options, delivery_options, profile_option
from ._reports import check_report_paths

__all__ = ["check", "run"]


def _suite_options(func: Any) -> Any:
    options = [
        profile_option,
        click.option("--examples", type=click.IntRange(1, 100_000), default=DEFAULT_EXAMPLES,
                     show_default=True, help="hypothesis examples per property/stateful run"),
        click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
                     help="replay a run exactly (default: random, printed)"),
        click.option("--only", multiple=True, metavar="ID",
                     help="run only these scenario/case ids, or report only these rule ids "
                     "(glob patterns allowed; repeatable)"),
        click.option("--skip", multiple=True, metavar="ID",
                     help="skip these scenario/case or rule ids (glob patterns; repeatable)"),
        click.option("--time-limit", type=Seconds(1), default=DEFAULT_TIME_LIMIT,
                     show_default=True, help="seconds; stops the whole run, which then fails "
                     "(exit 2) naming the cases it did not reach"),
        click.option("--report-json", type=click.Path(dir_okay=False, writable=True),
                     help="write the JSON report (schema: specs/report.schema.json)"),
        click.option("--junit", type=click.Path(dir_okay=False, writable=True),
                     help="write JUnit XML: one test case per scenario, run and rule"),
        click.option("--report-html", type=click.Path(dir_okay=False, writable=True),
                     help="write one self-contained HTML page: summary, every finding by rule"),
        click.option("--max-failures", type=click.IntRange(1, 100_000), metavar="N",
                     help="stop the run once N cases have failed (the verdict says it "
                     "stopped; never a pass)"),
        click.option("-x", "--exitfirst", is_flag=True,
                     help="stop the run at the first failing case (--max-failures 1)"),
        click.option("--no-progress", is_flag=True, help="no progress bar"),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _load_config(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Read ``check``'s defaults from a config file before any other option is parsed."""
    from ._config import check_defaults

    found = check_defaults(ctx.command, value)
    if found:
        ctx.default_map = {**(ctx.default_map or {}), **found}
    return value


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option("--config", "config", metavar="PATH", is_eager=True, expose_value=False,
              callback=_load_config,
              help="read option defaults from this TOML file's [tool.capture-conformance] "
              "table (default: ./capture-conformance.toml, else ./pyproject.toml); the "
              "command line wins over it")  # fmt: skip
@click.option("--base-url", help="the target, e.g. https://api.sandbox.midtrans.com")
@click.option("--cassette", "cassettes", multiple=True, metavar="PATH",
              help="re-check recorded cassettes offline instead of a live target: the "
              "scenario catalogue answered from the recording (repeatable; a folder means "
              "every cassette in it)")  # fmt: skip
@credential_options
@click.option("--timeout", type=Seconds(0.1), default=DEFAULT_TIMEOUT, show_default=True,
              help="seconds per exchange, connecting to the answer's last byte")  # fmt: skip
@click.option("--authorizations", type=click.Path(dir_okay=False),
              help="JSON/YAML list of pre-authorized {id, amount} (for 3DS targets)")  # fmt: skip
@click.option("--allow-production", is_flag=True,
              help="allow the provider's production host (the suite captures money)")  # fmt: skip
@click.option("--concurrency", type=click.IntRange(1, 16), default=DEFAULT_CONCURRENCY,
              show_default=True, help="property and stateful runs (and parts of the stateful "
              "run) sent at once; scenarios always run one at a time")  # fmt: skip
@delivery_options("auto", 5.0, listen="check")
@click.option("--callback-key",
              help="Pivot: check each callback's X-API-Key against this key "
              "[env: PIVOT_CALLBACK_KEY]")  # fmt: skip
@click.option("--rate-limit", metavar="N/s",
              help="send at most N requests a second, e.g. 5/s (429/503 answers with "
              "Retry-After are always waited out and retried, at most 3 times)")  # fmt: skip
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="send this header with every request (repeatable; values are redacted "
              "in reports)")  # fmt: skip
@click.option("--insecure", is_flag=True, help="do not check the target's TLS certificate")
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False),
    help="check the target's TLS certificate against this CA bundle (PEM)",
)
@click.option(
    "--proxy",
    metavar="URL",
    help="send through this HTTP proxy [env: HTTPS_PROXY, HTTP_PROXY; NO_PROXY]",
)
@_suite_options
def check(
    provider: str, base_url: str | None, cassettes: tuple[str, ...], server_key: str | None,
    client_key: str | None,
    client_id: str | None, client_secret: str | None, timeout: float,
    authorizations: str | None, allow_production: bool, concurrency: int, deliveries: str,
    delivery_timeout: float, callback_listen: str | None, notification_url: str | None,
    callback_key: str | None, rate_limit: str | None, headers: tuple[str, ...], insecure: bool,
    ca_bundle: str | None, proxy: str | None, **common: Any,
) -> None:  # fmt: skip
    """Run the conformance suite against any HTTP target of PROVIDER, or a recording of one.

    Deliveries: Midtrans captures name a local receiver in X-Override-Notification and
    each accepted capture must bring a conformant, correctly signed notification within
    --delivery-timeout; Pivot callbacks are checked with --callback-listen. A target that
    cannot reach the receiver is skipped with a note (--deliveries auto).
    """
    from ..receiver import listening
    from ..suite import Credentials, Target, guard_production, load_authorizations

    if cassettes:
        _replay(provider, cassettes, base_url, common)
        return
    if base_url is None:
        raise UsageError("give --base-url URL (a live target) or --cassette PATH (a recording)")
    guard_production(provider, base_url, allow_production)
    check_report_paths(common)
    credentials = Credentials.resolve(
        server_key=server_key, client_key=client_key, client_id=client_id,
        client_secret=client_secret, callback_key=callback_key,
    )  # fmt: skip
    given = None if authorizations is None else tuple(load_authorizations(authorizations))
    options = _options(common, authorizations=given, concurrency=concurrency)
    if insecure and ca_bundle:
        raise UsageError("give --insecure or --ca-bundle, not both")
    extra = _headers(headers)
    common["_secrets"] = [v for v in extra.values() if len(v) >= 6]
    wire: dict[str, Any] = {
        "rate_limit": _rate(rate_limit), "headers": extra, "proxy": proxy,
        "verify": False if insecure else (ca_bundle or True),
    }  # fmt: skip
    with listening(
        provider, mode=deliveries, timeout=delivery_timeout, listen=callback_listen,
        notification_url=notification_url, credentials=credentials, profile=options.profile,
    ) as watch:  # fmt: skip

        def targets() -> Any:
            yield Target(provider, base_url=base_url, credentials=credentials,
                         profile=options.profile, timeout=timeout, deliveries=watch,
                         **wire)  # fmt: skip

        _execute(targets, options, common)


def _replay(provider: str, cassettes: tuple[str, ...], base_url: str | None, common: Any) -> None:
    """``check --cassette``: the scenario catalogue, answered from the recordings."""
    from ..cassettes import replay_target

    if base_url is not None:
        raise UsageError("give --base-url or --cassette, not both")
    check_report_paths(common)
    options = _options(common, scenarios_only=True)

    def targets() -> Any:
        yield replay_target(provider, cassettes, profile=options.profile)

    _execute(targets, options, common)


@click.command()
@delivery_options("require", 0.5)
@_suite_options
def run(deliveries: str, delivery_timeout: float, **common: Any) -> None:
    """The main job: both reference simulators in-process, the full suite against each.

    Their deliveries go in-process to the kit's receiver: every accepted capture must
    bring its notification (Midtrans) or its settled session's callback (Pivot).
    """
    from ..receiver import simulator_target

    check_report_paths(common)
    options = _options(common)

    def targets() -> Any:
        for provider in PROVIDERS:
            yield simulator_target(
                provider, deliveries=deliveries, delivery_timeout=delivery_timeout,
                profile=options.profile,
            )  # fmt: skip

    _execute(targets, options, common)


def _rate(text: str | None) -> float | None:
    """``--rate-limit 5/s`` (or ``5``) as requests a second.

    >>> _rate("2.5/s"), _rate("10"), _rate(None)
    (2.5, 10.0, None)
    """
    if text is None:
        return None
    number = text.strip().removesuffix("/s")
    try:
        rate = float(number)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and 0 < rate <= 10_000):
        raise UsageError(f"--rate-limit must look like 5/s (0 to 10000 a second); got {text!r}")
    return rate


def _headers(given: tuple[str, ...]) -> dict[str, str]:
    """``-H 'Name: value'`` options as a mapping; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name or any(c in name for c in " \t\r\n") or "\n" in value:
            raise UsageError(f"-H takes 'Name: value'; got {item!r}")
        out[name] = value.strip()
    return out


def _options(common: dict[str, Any], **extra: Any) -> Any:
    from ..suite import SuiteOptions

    seed = common["seed"]
    limit = 1 if common.get("exitfirst") else common.get("max_failures")
    return SuiteOptions(
        max_failures=limit,
        profile=common["profile"],
        examples=common["examples"],
        only=tuple(common["only"]),
        skip=tuple(common["skip"]),
        time_limit=common["time_limit"],
        **({} if seed is None else {"seed": seed}),
        **extra,
    )


def _execute(targets: Callable[[], Any], options: Any, common: dict[str, Any]) -> None:
    from ..reports.console import ConsoleReporter
    from ..reports.json_report import exit_code, write_json
    from ..reports.junit import write_junit
    from ..suite import run_suite

    chosen = list(targets())
    secrets = [
        secret
        for target in chosen
        for secret in (*target.credentials.secrets(), target.credentials.client_id)
    ] + list(common.get("_secrets", ()))
    reporter = ConsoleReporter(show_progress=not common["no_progress"], secrets=secrets)
    reports = []
    for target in chosen:
        with target, reporter.progress(target.provider) as tick:
            reports.append(run_suite(target, options, progress=tick))
    if not any(report.results for report in reports):
        raise UsageError("--only/--skip leave no case to run; see `capture-conformance run --help`")
    reporter.report(reports)
    try:
        if common["report_json"]:
            line = shlex.join(["capture-conformance", *sys.argv[1:]])
            write_json(reports, common["report_json"], command=line, secrets=secrets)
        if common["junit"]:
            write_junit(reports, common["junit"], secrets=secrets)
        if common["report_html"]:
            from ..reports.html import write_html

            line = shlex.join(["capture-conformance", *sys.argv[1:]])
            write_html(reports, common["report_html"], command=line, secrets=secrets)
    except OSError as exc:
        # The results are on the console already; say which file failed, once.
        raise InputError(f"cannot write report {exc.filename!r}: {exc.strerror}") from None
    sys.exit(exit_code(reports))
