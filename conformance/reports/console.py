"""The console report: a progress bar while the suite runs, then findings and a summary.

On a terminal the output is coloured and a transient progress bar shows once
a run takes more than a moment; anywhere else (a pipe, a file, CI logs) it is
plain text without ANSI codes and without a progress bar. Every value shown is
redacted like the JSON and JUnit reports.

>>> from conformance.suite import CaseResult, Kind, Report
>>> report = Report("pivot", "in-process pivot simulator", "documented", 7, 3)
>>> report.results.append(CaseResult("pivot.capture.full", Kind.SCENARIO, "Full capture"))
>>> print(render([report], width=80).splitlines()[-1])
pivot: PASSED - conformant: 1 case passed in 0 ms (exit 0)
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..suite import CaseResult, Finding, Outcome, Report
from ..violations import Severity
from ._evidence import QUIET_HEADERS, QUOTE_LIMIT, evidence, replay_args
from ._redact import Redactor
from .json_report import exit_code, summary

__all__ = ["ConsoleReporter", "ProgressCallback", "group", "render", "verdict"]

ProgressCallback = Callable[[CaseResult, int, int], None]

#: Bodies in the console are cut shorter than in the JSON report, which has them whole.
CONSOLE_BODY_LIMIT = 1200
_LABEL_WIDTH = len("replay with:")
_OUTCOME_STYLE = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "bold red",
    Outcome.ERROR: "bold yellow",
    Outcome.SKIPPED: "dim",
}
_VERDICT = {0: ("PASSED", "bold green"), 1: ("FAILED", "bold red"), 2: ("ERROR", "bold yellow")}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def verdict(report: Report) -> str:
    """One line: the provider, PASSED/FAILED/ERROR/INTERRUPTED, what happened, the exit code.

    INTERRUPTED (exit 2) is a run the time limit stopped with nothing failed so
    far; the line ends with the cases it did not run to their end.
    """
    return "".join(_verdict_parts(report))


def _verdict_parts(report: Report) -> tuple[str, str, str]:
    counts = summary(report)
    word = _VERDICT[report.exit_code][0]
    took = f"in {_seconds(report.duration)}"
    extra = []
    if counts["skipped"]:
        extra.append(f"{counts['skipped']} skipped")
    if counts["warnings"]:
        extra.append(_plural(counts["warnings"], "warning"))
    if report.exit_code == 1:
        errors = _plural(counts["errors"], "error finding")
        what = f"not conformant: {counts['failed']} of {counts['cases']} cases failed"
        if counts["error"]:
            what += f", {counts['error']} could not run"
        what += f", {errors}"
    elif report.exit_code == 2 and report.stopped and not counts["error"]:
        word = "INTERRUPTED"
        what = f"stopped early: {counts['passed']} of {counts['cases']} cases passed"
    elif report.exit_code == 2 and not counts["error"]:
        # Stopped by the time limit: what ran passed, but not everything ran. Not a pass.
        word = "INTERRUPTED"
        what = f"not run to its end: {counts['passed']} of {counts['cases']} cases passed"
    elif report.exit_code == 2:
        noted = next((r.note for r in report.results if r.outcome is Outcome.ERROR), "")
        what = (
            f"could not run: {counts['error']} of {_plural(counts['cases'], 'case')} "
            "could not run to its end"
        )
        if noted:
            what += f" ({noted})"
    elif counts["cases"] == 0:
        word = "NOT RUN"
        what = "no case of this provider was selected (--only/--skip)"
    else:
        what = f"conformant: {_plural(counts['passed'], 'case')} passed"
    rest = f" - {what}"
    if extra:
        rest += f" ({', '.join(extra)})"
    rest += f" {took}"
    ran = counts["cases"] - counts["skipped"]
    if report.suite_size and ran < report.suite_size and counts["cases"]:
        share = round(100 * ran / report.suite_size)
        rest += f"; {ran} of the suite's {report.suite_size} cases ran ({share}%)"
    if report.stopped:
        rest += f"; {report.stopped}, not a pass"
    if report.interrupted:
        rest += f"; interrupted: {report.interrupted}"
    return f"{report.provider}: ", word, f"{rest} (exit {report.exit_code})"


def _seconds(value: float) -> str:
    """A duration people can tell apart: ``12 ms`` under a second, else ``1.25 s``.

    >>> _seconds(0.0042), _seconds(0.0), _seconds(2.5)
    ('4 ms', '0 ms', '2.50 s')
    """
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _size(finding: Finding) -> tuple[int, int]:
    """How big an occurrence's reproduction is: the smallest is shown."""
    steps = finding.sequence or ([finding.exchange] if finding.exchange is not None else [])
    return len(steps), sum(len(e.request.content) for e in steps)


def group(report: Report) -> list[list[tuple[CaseResult, Finding]]]:
    """*report*'s findings by rule (and severity), in first-seen order, each group's
    smallest occurrence first."""
    groups: dict[tuple[str, str], list[tuple[CaseResult, Finding]]] = {}
    for case, finding in report.findings():
        groups.setdefault((finding.check, str(finding.severity)), []).append((case, finding))
    out = []
    for found in groups.values():
        first = min(range(len(found)), key=lambda i: (_size(found[i][1]), i))
        out.append([found[first], *found[:first], *found[first + 1 :]])
    return out


class ConsoleReporter:
    """Reports a suite run on a :class:`rich.console.Console`.

    ``with reporter.progress("midtrans") as tick: report = run_suite(..., progress=tick)``
    shows a transient progress bar (only on a terminal, only when *show_progress*,
    and only once the run has taken *progress_delay* seconds); then
    :meth:`report` prints every finding's evidence, a summary table per report
    and a one-line verdict.
    """

    def __init__(
        self,
        console: Console | None = None,
        *,
        show_progress: bool = True,
        progress_delay: float = 0.5,
        secrets: Iterable[str] = (),
    ) -> None:
        self.console = console if console is not None else Console(highlight=False)
        self.show_progress = show_progress
        self.progress_delay = progress_delay
        self.secrets = tuple(secrets)

    @property
    def progress_enabled(self) -> bool:
        return self.show_progress and self.console.is_terminal and not self.console.is_dumb_terminal

    @contextmanager
    def progress(self, label: str) -> Iterator[ProgressCallback]:
        """A callback for :func:`~conformance.suite.run_suite`'s ``progress=``."""
        enabled = self.progress_enabled
        bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[case]}", markup=False),
            console=self.console,
            transient=True,
            disable=not enabled,
        )
        started = time.monotonic()
        task: TaskID | None = None
        live = False

        def tick(result: CaseResult, index: int, total: int) -> None:
            nonlocal task, live
            if task is None:
                task = bar.add_task(label, total=total, case="")
            bar.update(task, completed=index, total=total, case=result.id)
            if enabled and not live and time.monotonic() - started >= self.progress_delay:
                bar.start()
                live = True

        try:
            yield tick
        finally:
            if live:
                bar.stop()

    def report(self, reports: Sequence[Report]) -> None:
        """Every report's findings, summary table and verdict; then the exit code if several."""
        scrub = Redactor(reports, extra=self.secrets)
        for report in reports:
            self.details(report, scrub)
            self.summary(report, scrub)
        if len(reports) > 1:
            self.console.print(Text(f"exit code {exit_code(reports)}", style="bold"))

    def details(self, report: Report, scrub: Redactor | None = None) -> None:
        """Each broken rule of *report* once: its count, its smallest occurrence's evidence,
        and the cases where the others are (the JSON and JUnit reports keep every one)."""
        scrub = scrub if scrub is not None else Redactor([report], extra=self.secrets)
        for found in group(report):
            self._finding(report, found, scrub)

    def _finding(
        self, report: Report, found: list[tuple[CaseResult, Finding]], scrub: Redactor
    ) -> None:
        print_ = self.console.print
        case, finding = found[0]
        error = finding.severity is Severity.ERROR
        mark = "FAIL" if error else "WARN"
        style = "bold red" if error else "bold yellow"
        title = Text.assemble((mark, style), " ", (finding.check, "bold"))
        cases = list(dict.fromkeys(c.id for c, _ in found))
        if len(found) > 1:
            title.append(f"  {_plural(len(found), 'time')} in {_plural(len(cases), 'case')}")
        elif case.id != finding.check:
            title.append(f"  in {case.id}")
        print_()
        print_(Rule(title, align="left", style=style))
        print_(Text(scrub(finding.message), style="bold"), soft_wrap=True)
        rows = evidence(
            report,
            finding,
            scrub,
            body_limit=CONSOLE_BODY_LIMIT,
            quiet_headers=QUIET_HEADERS,
            quote_limit=QUOTE_LIMIT,
        )
        if len(found) > 1:
            rows.insert(0, ("shown", f"the smallest occurrence, in {case.id}"))
            where = []
            for other in cases:
                pointers = sorted({f.pointer or "/" for c, f in found if c.id == other})
                count = sum(1 for c, _ in found if c.id == other)
                if other == case.id:
                    count -= 1
                if count:
                    at = (
                        f" at {', '.join(pointers)}" if pointers != [finding.pointer or "/"] else ""
                    )
                    where.append(f"{other}{f' ({count}x)' if count > 1 else ''}{at}")
            rows.insert(
                -1, ("also in", scrub(", ".join(where) + "  (every one in the JSON/JUnit reports)"))
            )
        for label, value in rows:
            first, *rest = value.splitlines() or [""]
            head = Text(f"{label + ':':<{_LABEL_WIDTH}} ", style="cyan")
            print_(Text.assemble(head, first), soft_wrap=True)
            for line in rest:
                print_(Text(f"{'':<{_LABEL_WIDTH}} {line}".rstrip()), soft_wrap=True)

    def summary(self, report: Report, scrub: Redactor | None = None) -> None:
        """A table of *report*'s cases and the verdict line."""
        scrub = scrub if scrub is not None else Redactor([report], extra=self.secrets)
        title = f"{report.provider}: {scrub(report.target)} - profile {report.profile}"
        if report.generated:
            title += f", seed {report.seed}, {_plural(report.examples, 'example')}"
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=False)
        # Ids are what a reader greps for and passes to --only: never cut or wrapped.
        widest = max((len(r.id) for r in report.results), default=4)
        table.add_column("case", no_wrap=True, min_width=widest)
        table.add_column("kind")
        table.add_column("outcome")
        table.add_column("findings", justify="right")
        table.add_column("duration", justify="right")
        for case in report.results:
            table.add_row(
                Text(case.id),
                Text(case.kind.value),
                Text(case.outcome.value, style=_OUTCOME_STYLE[case.outcome]),
                Text(str(len(case.findings))),
                Text(_seconds(case.duration)),
            )
        self.console.print()
        self.console.print(Text(title, style="bold"), soft_wrap=True)
        if report.results:
            self.console.print(table)
            # Notes are sentences: under the table, whole, rather than in a narrow column.
            for case in report.results:
                if case.note:
                    line = Text.assemble("note: ", (case.id, "bold"), f": {scrub(case.note)}")
                    self.console.print(line, soft_wrap=True)
            self.console.print()
        head, word, rest = _verdict_parts(report)
        style = _VERDICT[report.exit_code][1]
        self.console.print(
            Text.assemble((head, "bold"), (word, style), scrub(rest)), soft_wrap=True
        )
        for note in report.notes:
            self.console.print(Text(f"note: {scrub(note)}"), soft_wrap=True)
        if report.exit_code and report.generated:
            self.console.print(Text(f"replay with: {replay_args(report)}"), soft_wrap=True)


def render(reports: Sequence[Report], *, width: int = 100, secrets: Iterable[str] = ()) -> str:
    """The console report of *reports* as plain text (no colour, no progress bar)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=False, color_system=None, highlight=False
    )
    ConsoleReporter(console, show_progress=False, secrets=secrets).report(reports)
    return buffer.getvalue()
