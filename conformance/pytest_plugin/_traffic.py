"""The end of a test that used ``conformance_traffic``: its traffic, judged.

A test whose traffic broke the contract fails with every violation listed; when
the test had already failed (say the client library raised on the provider's
400), the list is added to that exception as a note, so both show.
"""

from __future__ import annotations

import pytest

from .._traffic._explain import explain, plural, redactor_for
from .._traffic._session import Finding, Traffic, provider_of
from ..reports._redact import redact_url
from ..violations import Severity

__all__ = ["failure_text", "settle", "warning_text"]


def failure_text(traffic: Traffic, findings: list[Finding] | None = None) -> str | None:
    """Why *traffic* fails its test, or ``None`` when it does not."""
    findings = traffic.findings() if findings is None else findings
    errors = _select(findings, Severity.ERROR)
    count = sum(len(found) for _, found in errors)
    if not count and not traffic.problems:
        return None
    parts = []
    if count:
        parts.append(plural(count, "contract violation"))
    if traffic.problems:
        parts.append(plural(len(traffic.problems), "call") + " not checked")
    head = (
        f"capture-conformance: {' and '.join(parts)} in this test's provider traffic "
        f"(profile {traffic.profile!r})"
    )
    return "\n".join([head, *_describe(errors), *_problems(traffic)])


def warning_text(findings: list[Finding]) -> str | None:
    """The warnings (advice, not failures) among *findings*, or ``None``."""
    warnings = _select(findings, Severity.WARNING)
    return "\n".join(_describe(warnings)).lstrip("\n") if warnings else None


def settle(item: pytest.Item, traffic: Traffic, raised: BaseException | None) -> None:
    """Judge *traffic* at the end of *item*'s call.

    Warnings go to a report section (shown with the test's output). Errors fail
    the test without a traceback, the text says it all; when the test already
    raised, they are added to its exception as a note instead, so both show.
    """
    findings = traffic.findings()
    warnings = warning_text(findings)
    if warnings is not None:
        item.add_report_section("call", "capture-conformance warnings", warnings)
    text = failure_text(traffic, findings)
    if text is None:
        return
    if raised is not None:
        raised.add_note(text)
    else:
        pytest.fail(text, pytrace=False)


def _select(findings: list[Finding], severity: Severity) -> list[Finding]:
    out = []
    for exchange, found in findings:
        kept = [(side, v) for side, v in found if v.severity == severity]
        if kept:
            out.append((exchange, kept))
    return out


def _describe(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    for exchange, found in findings:
        request = exchange.request
        answer = f"HTTP {exchange.status}" if exchange.response is not None else exchange.error
        lines.append("")
        lines.append(
            f"{request.method} {redact_url(str(request.url))} "
            f"({provider_of(request)} {exchange.operation}) -> {answer}"
        )
        scrub = redactor_for(request, exchange.response)
        for side, violation in found:
            first, *rest = explain(violation, side, scrub)
            lines.append(f"  {side}: {first}")
            lines += [f"  {line}" for line in rest]
    return lines


def _problems(traffic: Traffic) -> list[str]:
    return ["", *traffic.problems] if traffic.problems else []
