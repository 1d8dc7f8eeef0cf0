"""The machine-readable report: one JSON document for a whole ``run`` (``--report-json``).

Its format is ``specs/report.schema.json`` (shipped in the wheel beside the
provider specs). Every request, response and value in it is redacted: secret
headers, secret query parameters and secret JSON fields become ``<redacted>``,
and any secret value seen in the traffic is scrubbed from free text as well.

>>> from conformance.suite import Report
>>> doc = to_json([Report("midtrans", "in-process", "documented", 7, 3)], command="run midtrans")
>>> doc["exit_code"], doc["runs"][0]["replay"]
(0, '--seed 7 --examples 3 --profile documented')

:func:`exit_code` and :func:`summary` are shared by the JUnit and console
reporters; the evidence they show comes from :mod:`._evidence`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..suite import CaseResult, Finding, Outcome, Report
from ..violations import Severity
from ._curl import curl
from ._evidence import jsonable, replay_args, request_view, response_view
from ._redact import Redactor, redact_json

__all__ = [
    "FORMAT_VERSION",
    "TOOL",
    "exit_code",
    "report_schema",
    "summary",
    "to_json",
    "tool_version",
    "write_json",
]

TOOL = "capture-conformance"
#: Bumped when a field changes meaning or goes away (adding fields does not bump it).
FORMAT_VERSION = 1


def tool_version() -> str:
    try:
        return version(TOOL)
    except PackageNotFoundError:  # pragma: no cover - a bare checkout without an install
        return "unknown"


def exit_code(reports: Iterable[Report]) -> int:
    """The process exit code of a run: the highest of its reports' (0, 1 or 2)."""
    return max((r.exit_code for r in reports), default=0)


def _finding(report: Report, finding: Finding, scrub: Redactor) -> dict[str, Any]:
    source = finding.source
    exchange = finding.exchange
    out: dict[str, Any] = {
        "check": finding.check,
        "severity": Severity(finding.severity).value,
        "message": finding.message,
        "pointer": finding.pointer,
        "expected": jsonable(redact_json(finding.expected)),
        "actual": jsonable(redact_json(finding.actual)),
        "source": None
        if source is None
        else {
            "id": source.id,
            "kind": source.kind,
            "ref": source.ref,
            "quote": source.quote,
            **({"url": source.url} if source.url else {}),
        },
        "example": None if finding.example is None else jsonable(redact_json(finding.example)),
        "operation": None if exchange is None else exchange.operation,
        "elapsed": None if exchange is None else round(exchange.elapsed, 6),
        "request": None if exchange is None else request_view(exchange.request),
        "response": None
        if exchange is None or exchange.response is None
        else response_view(exchange.response),
        "transport_error": None if exchange is None else exchange.error,
        "curl": None if exchange is None else curl(exchange.request, report.provider),
        "replay": replay_args(report),
    }
    return {k: scrub.deep(v) for k, v in out.items()}


def _case(report: Report, case: CaseResult, scrub: Redactor) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind.value,
        "title": case.title,
        "outcome": case.outcome.value,
        "duration": round(case.duration, 6),
        "exchanges": case.exchanges,
        "note": scrub(case.note),
        "findings": [_finding(report, f, scrub) for f in case.findings],
    }


def summary(report: Report) -> dict[str, int]:
    """Counts of cases by outcome, findings by severity, and exchanges."""
    outcomes = [r.outcome for r in report.results]
    findings = [f for _, f in report.findings()]
    return {
        "cases": len(report.results),
        "passed": outcomes.count(Outcome.PASSED),
        "failed": outcomes.count(Outcome.FAILED),
        "error": outcomes.count(Outcome.ERROR),
        "skipped": outcomes.count(Outcome.SKIPPED),
        "findings": len(findings),
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "exchanges": report.exchanges,
    }


def _run(report: Report, scrub: Redactor) -> dict[str, Any]:
    return {
        "provider": report.provider,
        "target": scrub(report.target),
        "profile": report.profile,
        "seed": report.seed,
        "examples": report.examples,
        "duration": round(report.duration, 6),
        "interrupted": report.interrupted,
        "exit_code": report.exit_code,
        "replay": replay_args(report),
        "summary": summary(report),
        "checks_failed": sorted(report.checks_failed()),
        "cases": [_case(report, c, scrub) for c in report.results],
    }


def to_json(
    reports: Sequence[Report], *, command: str, secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON report of *reports* (one run per provider), as a dict.

    *command* is the command line that ran them (secret option values are
    hidden); *secrets* are extra values to scrub wherever they appear, e.g.
    the credentials in use.
    """
    scrub = Redactor(reports, extra=secrets)
    return {
        "format": FORMAT_VERSION,
        "tool": {"name": TOOL, "version": tool_version()},
        "command": scrub.command(command),
        "exit_code": exit_code(reports),
        "runs": [_run(r, scrub) for r in reports],
    }


def write_json(
    reports: Sequence[Report],
    path: str | os.PathLike[str],
    *,
    command: str,
    secrets: Iterable[str] = (),
) -> None:
    """Write :func:`to_json` of *reports* to *path* (UTF-8, indented, ``-`` is not special).

    Written at once (:func:`conformance._files.write_atomic`): when it cannot be,
    :class:`~conformance.errors.InputError` and the file that was there is kept.
    """
    from .._files import write_atomic

    document = to_json(reports, command=command, secrets=secrets)
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    write_atomic(path, text + "\n", what="report")


def report_schema() -> dict[str, Any]:
    """``specs/report.schema.json``: the JSON Schema (draft 2020-12) of :func:`to_json`'s output."""
    # The kit's own format, not a provider contract: never read from a --specs-dir of the user's.
    packaged = files("conformance").joinpath("specs").joinpath("report.schema.json")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:  # a checkout or an editable install: the wheel's force-include is not applied
        text = (Path(__file__).resolve().parents[2] / "specs" / "report.schema.json").read_text(
            encoding="utf-8"
        )
    schema: dict[str, Any] = json.loads(text)
    return schema
