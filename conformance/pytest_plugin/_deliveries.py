"""The ``conformance_deliveries`` fixture: the handler checks from a test.

    def test_webhook(conformance_deliveries):
        conformance_deliveries.check("midtrans", app, server_key=KEY, state=orders.status)

Registered by ``pytest_plugin/__init__.py`` (the fixture :func:`conformance_deliveries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..suite import Report

__all__ = ["HandlerChecks", "conformance_deliveries", "failure_text"]


@pytest.fixture
def conformance_deliveries(request: pytest.FixtureRequest) -> HandlerChecks:
    """Send your notification handler every kind of delivery; a broken check fails the test.

    def test_webhook(conformance_deliveries):
        conformance_deliveries.check("pivot", app, callback_key=KEY, state=shop.order_status)
    """
    return HandlerChecks(request.node)


class HandlerChecks:
    """``check(...)`` runs :func:`conformance.handler.check_handler` and fails on what it finds."""

    def __init__(self, node: pytest.Item) -> None:
        self._node = node
        self.reports: list[Report] = []

    def check(
        self,
        provider: str,
        handler: Any,
        *,
        state: Callable[[str], Any] | None = None,
        server_key: str | None = None,
        callback_key: str | None = None,
        orders: Callable[[], str] | None = None,
        path: str | None = None,
        skip: Iterable[str] = (),
    ) -> Report:
        """Run the checks against *handler* (a URL or an ASGI/WSGI app); fail the test if one fails.

        Skipped checks (no *state* oracle) and warnings are shown in the test's report.
        """
        from ..errors import ConformanceError
        from ..handler import check_handler

        try:
            report = check_handler(
                provider, handler, state=state, server_key=server_key,
                callback_key=callback_key, orders=orders, path=path, skip=skip,
            )  # fmt: skip
        except ConformanceError as exc:
            pytest.fail(f"conformance_deliveries: {exc}", pytrace=False)
        self.reports.append(report)
        notes = _notes(report)
        if notes:
            self._node.add_report_section("call", "capture-conformance handler checks", notes)
        text = failure_text(report)
        if text is not None:
            pytest.fail(text, pytrace=False)
        return report


def failure_text(report: Report) -> str | None:
    """Every failed or errored check with its findings, or ``None`` when all passed."""
    from ..suite import Outcome
    from ..violations import Severity

    bad = [r for r in report.results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    if not bad:
        return None
    lines = [f"capture-conformance: {len(bad)} handler check(s) failed ({report.provider}, "
             f"{report.target})"]  # fmt: skip
    for result in bad:
        lines.append(f"{result.id}: {result.title} [{result.outcome.value}]")
        for finding in result.findings:
            if finding.severity is not Severity.ERROR:
                continue
            lines.append(f"  {finding.message}")
            lines.append(f"    expected: {finding.expected!r}")
            lines.append(f"    actual:   {finding.actual!r}")
            if finding.source is not None:
                lines.append(f"    source:   {finding.source.id}: {finding.source}")
    return "\n".join(lines)


def _notes(report: Report) -> str:
    from ..suite import Outcome

    lines = [f"skipped {r.id}: {r.note}" for r in report.results if r.outcome is Outcome.SKIPPED]
    lines += [
        f"warning {r.id}: {f.message}"
        for r in report.results
        for f in r.findings
        if f.severity.value == "warning"
    ]
    return "\n".join(lines)
