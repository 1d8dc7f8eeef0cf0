"""What the proxy saw, as the suite's :class:`~conformance.suite.Report` values.

One :class:`~conformance.suite.CaseResult` (kind ``traffic``) per operation the
traffic used, id ``<provider>.proxy.<operationId>``: it counts the exchanges and
holds a finding per violation, each with its exchange as evidence. An exchange
the upstream did not answer is a ``<provider>.transport`` finding, as in the
suite. Requests that are no operation of ``specs/<provider>`` are forwarded but
not judged: the skipped case ``<provider>.proxy.unmatched`` lists them in its note.

>>> recorder = Recorder("pivot", "http://127.0.0.1:8001", "documented")
>>> recorder.unmatched("GET", "/healthz")
>>> report = recorder.finish()
>>> [(case.id, case.outcome.value, case.note) for case in report.results]
[('pivot.proxy.unmatched', 'skipped', 'forwarded, not judged: GET /healthz (1)')]
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from ..reports._redact import REDACTED, names_a_secret
from ..suite import CaseResult, Exchange, Finding, Kind, Outcome, Report
from ..violations import MISSING, Violation

__all__ = ["Recorder", "redact_violation"]

#: Distinct unmatched requests listed in the note; the rest are counted.
_LISTED = 20
#: Distinct unmatched requests remembered at all, so a scan of random paths cannot fill memory.
_REMEMBERED = 1000


def redact_violation(violation: Violation) -> Violation:
    """*violation* with the received value hidden when its pointer names a secret.

    The reports redact secrets by field name inside bodies and headers; a
    violation *of* a secret field (a malformed ``card_cvv``, a wrong
    ``Authorization``) carries the secret itself as its received value.

    >>> bad = Violation("midtrans.token.card-cvv", "'12x' is not 3 digits",
    ...                 pointer="/query/card_cvv", expected="3 digits", actual="12x")
    >>> shown = redact_violation(bad)
    >>> shown.actual, shown.message
    ('<redacted>', '<redacted> is not 3 digits')
    """
    if (
        not names_a_secret(violation.pointer)
        or violation.actual is MISSING
        or violation.actual in (None, "")
    ):
        return violation
    message = violation.message
    for shown in (repr(violation.actual), str(violation.actual)):
        message = message.replace(shown, REDACTED)
    return replace(violation, actual=REDACTED, message=message)


class Recorder:
    """Collects the proxy's exchanges into one :class:`Report` for *provider*."""

    def __init__(self, provider: str, target: str, profile: str) -> None:
        # The proxy generates nothing: seed 0 and one "example" (specs/report.schema.json).
        self.report = Report(provider, target, profile, seed=0, examples=1)
        self._cases: dict[str, CaseResult] = {}
        self._unmatched: Counter[str] = Counter()
        self._unmatched_total = 0
        self._started = time.monotonic()

    @property
    def provider(self) -> str:
        return self.report.provider

    def judged(self, exchange: Exchange, title: str) -> list[Finding]:
        """Record an exchange of a known operation; returns its findings (may be empty)."""
        case = self._cases.get(exchange.operation)
        if case is None:
            case_id = f"{self.provider}.proxy.{exchange.operation}"
            case = self._cases[exchange.operation] = CaseResult(case_id, Kind.TRAFFIC, title)
            self.report.results.append(case)
        case.exchanges += 1
        case.duration += exchange.elapsed
        found = [Finding.from_violation(redact_violation(v), exchange) for v in exchange.violations]
        if exchange.error is not None:
            found.insert(
                0,
                Finding(
                    check=f"{self.provider}.transport",
                    message=f"no answer: {exchange.error}",
                    expected="an HTTP answer",
                    actual=exchange.error,
                    exchange=exchange,
                ),
            )
        for finding in found:
            case.fail(finding)
        return found

    def unmatched(self, method: str, path: str) -> None:
        """Note a request that is no operation of the provider (forwarded, not judged)."""
        self._unmatched_total += 1
        key = f"{method} {path}"
        if key in self._unmatched or len(self._unmatched) < _REMEMBERED:
            self._unmatched[key] += 1

    def finish(self) -> Report:
        """The report, with its duration and the note of unmatched requests brought up to date."""
        self.report.duration = time.monotonic() - self._started
        if self._unmatched_total:
            case_id = f"{self.provider}.proxy.unmatched"
            case = self._cases.get(case_id)
            if case is None:
                title = f"requests that are no operation of specs/{self.provider}"
                case = self._cases[case_id] = CaseResult(case_id, Kind.TRAFFIC, title)
                case.outcome = Outcome.SKIPPED
                self.report.results.append(case)
            shown = self._unmatched.most_common(_LISTED)
            rest = self._unmatched_total - sum(count for _, count in shown)
            case.exchanges = self._unmatched_total
            case.note = "forwarded, not judged: " + ", ".join(f"{k} ({n})" for k, n in shown)
            if rest:
                case.note += f" and {rest} more"
        return self.report
