"""The proxy's live log: one line per exchange as it passes, every finding under it.

Plain text off a terminal (CI logs, pipes), coloured on one. Paths are shown
without their query string (Midtrans' ``GET /v2/token`` carries the card there),
and every value is redacted like the reports: secret fields and headers by name,
secret values seen in the exchange wherever they appear.

>>> import io
>>> from rich.console import Console
>>> out = io.StringIO()
>>> log = TrafficLog(Console(file=out, width=100, color_system=None))
>>> log.exchange("POST", "/v2/capture", 200, "capture", [])
>>> log.exchange("GET", "/healthz", 200, None, [])
>>> print(out.getvalue(), end="")
ok   POST /v2/capture -> 200 (capture)
--   GET /healthz -> 200: forwarded, not judged (no operation of the provider)
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from ..reports._evidence import display
from ..reports._redact import Redactor
from ..reports.console import verdict
from ..suite import CaseResult, Finding, Kind, Report
from ..violations import Severity

__all__ = ["TrafficLog"]

_INDENT = " " * 7
_VERDICT_STYLE = {0: "bold green", 1: "bold red", 2: "bold yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _redactor(findings: Sequence[Finding]) -> Redactor:
    # Redactor gathers the secrets of the exchanges in the reports it is given: a
    # one-case report of this exchange's findings is exactly the set to scrub.
    case = CaseResult("", Kind.TRAFFIC, "", findings=list(findings))
    return Redactor([Report("", "", "documented", 0, 1, results=[case])])


class TrafficLog:
    """Prints the proxy's traffic and findings on a :class:`rich.console.Console`."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console if console is not None else Console(highlight=False)

    def _line(self, *parts: str | tuple[str, str]) -> None:
        self.console.print(Text.assemble(*parts), soft_wrap=True, highlight=False)

    def exchange(
        self,
        method: str,
        path: str,
        status: int | None,
        operation: str | None,
        findings: Sequence[Finding],
    ) -> None:
        """One exchange: ``ok``/``FAIL``/``WARN``/``--`` (not judged), then its findings."""
        scrub = _redactor(findings)
        answer = "no answer" if status is None else str(status)
        head = scrub(f"{method} {path} -> {answer}")
        if operation is None:
            self._line(
                ("--   ", "dim"), head, ": forwarded, not judged (no operation of the provider)"
            )
            return
        errors = sum(f.severity is Severity.ERROR for f in findings)
        if not findings:
            self._line(("ok   ", "green"), head, f" ({operation})")
            return
        mark = ("FAIL ", "bold red") if errors else ("WARN ", "bold yellow")
        self._line(mark, head, f" ({operation}): {_plural(len(findings), 'finding')}")
        for finding in findings:
            self._finding(finding, scrub)

    def _finding(self, finding: Finding, scrub: Redactor) -> None:
        style = "red" if finding.severity is Severity.ERROR else "yellow"
        where = finding.pointer or "/"
        self._line(
            _INDENT,
            (finding.check, f"bold {style}"),
            f" at {where}: ",
            scrub(finding.message).replace("\n", " "),
        )
        expected, actual = display(finding.expected, scrub), display(finding.actual, scrub)
        self._line(_INDENT, "  ", ("expected ", "cyan"), expected, (", received ", "cyan"), actual)
        if finding.source is not None:
            src = finding.source
            text = scrub(f"{src.kind}, {src.ref}: {src.quote!r}")
            self._line(_INDENT, "  ", ("source: ", "cyan"), text)

    def note(self, text: str) -> None:
        """A line of the proxy's own (start, stop, reports written)."""
        self._line(text)

    def verdict(self, report: Report) -> None:
        """The one-line verdict of the whole run, as ``check`` prints it."""
        self._line((verdict(report), _VERDICT_STYLE[report.exit_code]))
