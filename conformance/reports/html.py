"""The HTML report (``--report-html``): one self-contained page for people who would rather look.

No network and no external assets: the style and the small filter script are
inline, nothing is fetched. The page holds, per run (provider and profile), the
summary counts and the table of cases; then every finding grouped by rule, each
with the same redacted evidence as the console, JSON and JUnit reports
(:func:`._evidence.evidence`): pointer, expected vs received, source quote,
request, response, curl line, replay options. Two menus filter the findings by
rule and the cases by outcome; without script every finding and case shows.

>>> from conformance.suite import CaseResult, Finding, Kind, Report
>>> report = Report("pivot", "in-process pivot simulator", "documented", 7, 3)
>>> case = CaseResult("pivot.capture.full", Kind.SCENARIO, "Full capture")
>>> case.fail(Finding("pivot.capture-response.status", "not a documented status"))
>>> report.results.append(case)
>>> page = to_html([report])
>>> page.startswith("<!DOCTYPE html>"), "pivot.capture-response.status" in page
(True, True)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from ..suite import CaseResult, Finding, Report
from ..violations import Severity
from ._evidence import evidence, replay_args
from ._page import e as _e
from ._page import head as _head
from ._redact import Redactor
from .console import verdict
from .json_report import exit_code, summary, tool_version

__all__ = ["to_html", "write_html"]

# Hides what the menus leave out; the page reads the same without it.
_SCRIPT = """
(function(){
  var rule=document.getElementById('rule-filter'),outcome=document.getElementById('outcome-filter');
  function apply(){
    document.querySelectorAll('[data-rule]').forEach(function(el){
      el.hidden=rule.value!=='' && el.getAttribute('data-rule')!==rule.value;});
    document.querySelectorAll('[data-outcome]').forEach(function(el){
      el.hidden=outcome.value!=='' && el.getAttribute('data-outcome')!==outcome.value;});
  }
  rule.addEventListener('change',apply);outcome.addEventListener('change',apply);
})();
"""

_OUTCOMES = ("passed", "failed", "error", "skipped")
_COUNTS = ("cases", "passed", "failed", "error", "skipped", "findings", "warnings", "exchanges")


def _summary(report: Report, scrub: Redactor) -> list[str]:
    counts = summary(report)
    out = [
        f'<section class="run" id="run-{_e(report.provider)}-{_e(report.profile)}">',
        f"<h2>{_e(report.provider)} &middot; profile {_e(report.profile)}</h2>",
        f"<p>target <code>{_e(scrub(report.target))}</code>, seed {report.seed}, "
        f"{report.examples} example(s), {report.duration:.2f} s</p>",
        '<table class="summary"><tr>' + "".join(f"<th>{k}</th>" for k in _COUNTS) + "</tr><tr>",
        "".join(f'<td class="n">{counts[k]}</td>' for k in _COUNTS) + "</tr></table>",
        f'<p class="verdict {_OUTCOMES[min(report.exit_code, 2)]}">{_e(scrub(verdict(report)))}'
        "</p>",
    ]
    if report.exit_code:
        out.append(f"<p>replay with <code>{_e(replay_args(report))}</code></p>")
    if report.results:
        out.append(
            '<table class="cases"><tr><th>case</th><th>kind</th><th>outcome</th>'
            "<th>findings</th><th>duration</th><th>note</th></tr>"
        )
        out += [_case_row(case, scrub) for case in report.results]
        out.append("</table>")
    out.append("</section>")
    return out


def _case_row(case: CaseResult, scrub: Redactor) -> str:
    outcome = case.outcome.value
    return (
        f'<tr data-outcome="{_e(outcome)}"><td><code>{_e(case.id)}</code></td>'
        f'<td>{_e(case.kind.value)}</td><td class="{_e(outcome)}">{_e(outcome)}</td>'
        f'<td class="n">{len(case.findings)}</td><td class="n">{case.duration:.2f} s</td>'
        f"<td>{_e(scrub(case.note))}</td></tr>"
    )


def _finding(report: Report, case: CaseResult, finding: Finding, scrub: Redactor) -> str:
    warning = finding.severity is Severity.WARNING
    rows = "".join(
        f"<tr><th>{_e(label)}</th><td><pre>{_e(text)}</pre></td></tr>"
        for label, text in evidence(report, finding, scrub)
    )
    return (
        f'<div class="finding{" warning" if warning else ""}" '
        f'data-outcome="{_e(case.outcome.value)}">'
        f"<p><strong>{'WARN' if warning else 'FAIL'}</strong> {_e(scrub(finding.message))}"
        f" &middot; {_e(report.provider)}, case <code>{_e(case.id)}</code></p>"
        f'<table class="evidence">{rows}</table></div>'
    )


def _by_rule(reports: Sequence[Report], scrub: Redactor) -> tuple[list[str], list[str]]:
    grouped: dict[str, list[str]] = {}
    for report in reports:
        for case, finding in report.findings():
            grouped.setdefault(finding.check, []).append(_finding(report, case, finding, scrub))
    out: list[str] = []
    for rule in sorted(grouped):
        items = grouped[rule]
        out.append(f'<section class="rule" data-rule="{_e(rule)}" id="rule-{_e(rule)}">')
        out.append(f"<h3><code>{_e(rule)}</code> &middot; {len(items)} finding(s)</h3>")
        out += items
        out.append("</section>")
    return sorted(grouped), out


def to_html(
    reports: Sequence[Report], *, command: str | None = None, secrets: Iterable[str] = ()
) -> str:
    """The whole page for *reports* (one per provider), every value redacted.

    *secrets* are more values to scrub wherever they appear (the credentials in use);
    *command* is the command line shown under the title, its secret options hidden.
    """
    scrub = Redactor(reports, extra=secrets)
    rules, findings = _by_rule(reports, scrub)
    code = exit_code(reports)
    head = [
        _head(
            f"capture-conformance report (exit {code})",
            f"capture-conformance report &middot; exit {code}",
        ),
        f"<p>capture-conformance {_e(tool_version())}"
        + (f" &middot; <code>{_e(scrub.command(command))}</code>" if command else "")
        + "</p>",
    ]
    body: list[str] = []
    for report in reports:
        body += _summary(report, scrub)
    options = "".join(f'<option value="{_e(r)}">{_e(r)}</option>' for r in rules)
    outcomes = "".join(f'<option value="{o}">{o}</option>' for o in _OUTCOMES)
    body += [
        '<div class="filters"><label>rule <select id="rule-filter">'
        f'<option value="">all rules</option>{options}</select></label>'
        '<label>outcome <select id="outcome-filter">'
        f'<option value="">all outcomes</option>{outcomes}</select></label></div>',
        f"<h2>Findings by rule ({sum(1 for r in reports for _ in r.findings())})</h2>",
        *(findings or ["<p>No finding.</p>"]),
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(head + body) + "\n"


def write_html(
    reports: Sequence[Report],
    path: str | os.PathLike[str],
    *,
    command: str | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Write :func:`to_html` of *reports* to *path* at once (UTF-8).

    When it cannot be written, :class:`~conformance.errors.InputError` and the
    file that was there is kept (:func:`conformance._files.write_atomic`).
    """
    from .._files import write_atomic

    write_atomic(path, to_html(reports, command=command, secrets=secrets), what="report")
