"""The JUnit XML report (``--junit``): for CI systems that show test results.

One ``<testsuite>`` per provider run, holding

* one ``<testcase>`` per case (``classname="<provider>.<kind>"``, named by the
  case id): failed cases carry a ``<failure>``, cases that could not run an
  ``<error>``, skipped ones a ``<skipped>``;
* one ``<testcase>`` per rule the kit knows for the provider
  (``classname="<provider>.rule"``, named by the rule id): every ``x-rule`` of
  ``specs/<provider>/`` and every named rule of :mod:`conformance.rules`. A
  rule fails when an error-severity finding names it; a rule of the other
  profile only is ``<skipped>``, and so is every rule of a run that made no
  request, and every delivery rule (``<provider>.notification…``) of a run that
  judged no delivery (with the run's note on why). A passing rule means no
  finding named it, not that every path to it was exercised.

A ``<failure>``'s message is the first finding on one line (expected vs
received); its text is every finding's evidence, redacted: source quote,
request, response, curl, example and the seed to replay with.
"""

from __future__ import annotations

import functools
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from .._files import write_atomic
from ..rules import known_rules
from ..suite import CaseResult, Finding, Outcome, Report
from ..suite._results import delivery_rule
from ..violations import Severity
from ._evidence import QUIET_HEADERS, evidence, one_line, replay_args
from ._redact import Redactor
from .json_report import TOOL

__all__ = [
    "failure_details",
    "failure_message",
    "to_junit",
    "write_junit",
]

#: Findings whose full evidence goes into one failure's text; the rest are counted.
_DETAILED = 20
_MESSAGE_LIMIT = 1000
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@functools.cache
def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def failure_details(
    report: Report,
    findings: Sequence[tuple[CaseResult, Finding]],
    scrub: Redactor,
    *,
    limit: int | None = _DETAILED,
    rest: str = "see the JSON report",
) -> str:
    """The evidence of the first *limit* findings (every one when None); the line after
    them counts the others and says where they are (*rest*)."""
    limit = len(findings) if limit is None else limit
    blocks = []
    for case, finding in findings[:limit]:
        head = f"{finding.check} [{Severity(finding.severity).value}] in {case.id}"
        lines = [head, f"  {scrub(finding.message)}"]
        for label, text in evidence(report, finding, scrub, quiet_headers=QUIET_HEADERS):
            first, *more = text.splitlines() or [""]
            lines.append(f"  {label + ':':<12} {first}")
            lines += [f"  {'':<12} {line}" if line else "" for line in more]
        blocks.append("\n".join(lines))
    if len(findings) > limit:
        blocks.append(f"… and {len(findings) - limit} more findings ({rest})")
    return "\n\n".join(blocks) + "\n"


def failure_message(findings: Sequence[tuple[CaseResult, Finding]], scrub: Redactor) -> str:
    text = one_line(findings[0][1], scrub)
    if len(text) > _MESSAGE_LIMIT:
        text = text[:_MESSAGE_LIMIT] + "…"
    if len(findings) > 1:
        text += f" (+{len(findings) - 1} more)"
    return text


class _Counts:
    def __init__(self) -> None:
        self.tests = self.failures = self.errors = self.skipped = 0

    def add(self, other: _Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped

    def attrs(self, element: ET.Element) -> None:
        element.set("tests", str(self.tests))
        element.set("failures", str(self.failures))
        element.set("errors", str(self.errors))
        element.set("skipped", str(self.skipped))


def _testcase(parent: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(parent, "testcase", classname=classname, name=name, time=_seconds(seconds))


def _suite(report: Report, scrub: Redactor) -> tuple[ET.Element, _Counts]:
    counts = _Counts()
    suite = ET.Element("testsuite", name=f"{TOOL}.{report.provider}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("provider", report.provider),
        ("target", scrub(report.target)),
        ("profile", report.profile),
        ("seed", str(report.seed)),
        ("examples", str(report.examples)),
        ("replay", replay_args(report)),
        ("exit_code", str(report.exit_code)),
        ("interrupted", report.interrupted or ""),
    ):
        ET.SubElement(properties, "property", name=name, value=value)

    for case in report.results:
        counts.tests += 1
        element = _testcase(suite, f"{report.provider}.{case.kind.value}", case.id, case.duration)
        errors = [(case, f) for f in case.findings if f.severity is Severity.ERROR]
        warnings = [(case, f) for f in case.findings if f.severity is not Severity.ERROR]
        if case.outcome is Outcome.FAILED:
            counts.failures += 1
            shown = errors or [(case, f) for f in case.findings]
            if shown:
                failure = ET.SubElement(element, "failure", type=shown[0][1].check)
                failure.set("message", failure_message(shown, scrub))
                failure.text = failure_details(report, [*errors, *warnings], scrub)
            else:
                ET.SubElement(element, "failure", message=scrub(case.note) or "failed")
        elif case.outcome is Outcome.ERROR:
            counts.errors += 1
            error = ET.SubElement(element, "error", message=scrub(case.note) or "could not run")
            if case.findings:
                error.text = failure_details(report, [(case, f) for f in case.findings], scrub)
        elif case.outcome is Outcome.SKIPPED:
            counts.skipped += 1
            ET.SubElement(element, "skipped", message=scrub(case.note) or "skipped")
        elif case.findings:  # passed, with warnings only
            out = ET.SubElement(element, "system-out")
            out.text = failure_details(report, warnings, scrub)
        if case.note and case.outcome is Outcome.PASSED:
            ET.SubElement(element, "system-err").text = scrub(case.note)

    by_rule: dict[str, list[tuple[CaseResult, Finding]]] = {}
    for case, finding in report.findings():
        if finding.severity is Severity.ERROR:
            by_rule.setdefault(finding.check, []).append((case, finding))
    rules = dict(known_rules(report.provider, report.profile))
    for _, finding in report.findings():  # validator rules outside the catalogue (fallback ids)
        exchange = finding.exchange
        if exchange is not None and any(v.rule == finding.check for v in exchange.violations):
            rules.setdefault(finding.check, True)
    for rule_id, applies in sorted(rules.items()):
        counts.tests += 1
        failed = by_rule.get(rule_id, [])
        element = _testcase(suite, f"{report.provider}.rule", rule_id, 0.0)
        if failed:
            counts.failures += 1
            failure = ET.SubElement(element, "failure", type=rule_id)
            failure.set("message", failure_message(failed, scrub))
            failure.text = failure_details(report, failed, scrub)
        elif not applies:
            counts.skipped += 1
            other = "observed" if report.profile == "documented" else "documented"
            ET.SubElement(
                element,
                "skipped",
                message=f"checked only in the {other} profile; this run used {report.profile}",
            )
        elif report.exchanges == 0:
            counts.skipped += 1
            ET.SubElement(element, "skipped", message="the run made no request")
        elif delivery_rule(rule_id) and not report.deliveries:
            counts.skipped += 1
            note = scrub(report.delivery_note) or "the run judged no delivery"
            ET.SubElement(element, "skipped", message=note)

    counts.attrs(suite)
    suite.set("time", _seconds(report.duration))
    return suite, counts


def to_junit(reports: Sequence[Report], *, secrets: Iterable[str] = ()) -> ET.Element:
    """The ``<testsuites>`` element of *reports*; *secrets* are extra values to scrub."""
    scrub = Redactor(reports, extra=secrets)
    root = ET.Element("testsuites", name=TOOL)
    total = _Counts()
    for report in reports:
        suite, counts = _suite(report, scrub)
        root.append(suite)
        total.add(counts)
    total.attrs(root)
    root.set("time", _seconds(sum(r.duration for r in reports)))
    for element in root.iter():
        element.attrib = {k: _clean(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _clean(element.text)
    return root


def write_junit(
    reports: Sequence[Report], path: str | os.PathLike[str], *, secrets: Iterable[str] = ()
) -> None:
    """Write the JUnit XML of *reports* to *path* (UTF-8, with an XML declaration).

    Serialized whole, then written at once (:func:`conformance._files.write_atomic`):
    when it cannot be, :class:`~conformance.errors.InputError` and the file that
    was there is kept.
    """
    root = to_junit(reports, secrets=secrets)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    write_atomic(path, data, what="report")
