"""The report options of the commands that listen (``proxy``, ``receive``), and their writer.

Both judge traffic until they are stopped, then write what they saw; the paths
are checked when they start, so nothing seen is lost at the end
(:func:`check_report_paths` checks ``check``'s and ``run``'s before the first request too).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from .._files import check_writable

if TYPE_CHECKING:
    from ..proxy import TrafficLog
    from ..suite import Report

__all__ = [
    "REPORT_OPTIONS",
    "check_report_paths",
    "fail_unjudged",
    "report_options",
    "write_reports",
]

#: ``(option, what it writes)`` of every report a listening command can write on exit.
REPORT_OPTIONS = (
    ("report-json", "write the JSON report on exit (schema: specs/report.schema.json)"),
    ("junit", "write JUnit XML on exit: one test case per {unit} and per rule"),
    ("report-html", "write one self-contained HTML page on exit: summary, every finding "
     "with its evidence"),
)  # fmt: skip


def report_options(unit: str) -> Callable[[Any], Any]:
    """``--report-json``, ``--junit`` and ``--report-html``; JUnit has a case per *unit*."""

    def decorate(func: Any) -> Any:
        for name, text in reversed(REPORT_OPTIONS):
            option = click.option(f"--{name}", type=click.Path(dir_okay=False),
                                  help=text.format(unit=unit))  # fmt: skip
            func = option(func)
        return func

    return decorate


def check_report_paths(given: dict[str, Any]) -> None:
    """Refuse, before anything is served or sent, a report path that could not be written.

    An empty path names no report (the writers skip it too).
    """
    for name, _ in REPORT_OPTIONS:
        path = given.get(name.replace("-", "_"))
        if path:
            check_writable(path, option=name)


def write_reports(
    reports: Sequence[Report], given: dict[str, str | None], *, secrets: Iterable[str] = ()
) -> None:
    """Write each report *given* names, saying where (the console has the findings already)."""
    from ..reports.html import write_html
    from ..reports.json_report import write_json
    from ..reports.junit import write_junit

    hidden = [secret for secret in secrets if secret]
    line = shlex.join(["capture-conformance", *sys.argv[1:]])
    if given.get("report_json"):
        write_json(reports, str(given["report_json"]), command=line, secrets=hidden)
        click.echo(f"JSON report: {given['report_json']}")
    if given.get("junit"):
        write_junit(reports, str(given["junit"]), secrets=hidden)
        click.echo(f"JUnit report: {given['junit']}")
    if given.get("report_html"):
        write_html(reports, str(given["report_html"]), command=line, secrets=hidden)
        click.echo(f"HTML report: {given['report_html']}")


def fail_unjudged(
    report: Report, log: TrafficLog, *, command: str, case_id: str, title: str, reason: str,
    expected: str,
) -> None:  # fmt: skip
    """Fail a listening run that judged nothing: one case and its finding, one line on the log.

    A CI gate that saw no traffic has judged nothing: that is not green.
    """
    from ..suite import CaseResult, Finding, Kind

    case = CaseResult(case_id, Kind.TRAFFIC, title)
    case.note = reason
    case.fail(Finding(check=case_id, message=reason, expected=expected, actual="none"))
    report.results.append(case)
    log.note(f"capture-conformance {command}: {reason}")
