"""What a suite run found, as values: exchanges, findings, case results, the report.

A :class:`Finding` is one failed expectation: a validator violation seen on an
exchange, or a scenario/property/stateful expectation that did not hold. It
keeps the evidence a developer needs: the exchange (redacted when shown), the
expectation and what came, the source, a minimal example and a ``curl`` line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._json import loads
from ..violations import Severity, Source, Violation

__all__ = [
    "CaseResult",
    "Exchange",
    "Finding",
    "Kind",
    "Outcome",
    "Report",
    "delivery_rule",
    "related",
    "request_example",
]

_UNPARSED: Any = object()


class Kind(enum.StrEnum):
    SCENARIO = "scenario"
    PROPERTY = "property"
    STATEFUL = "stateful"
    TRAFFIC = "traffic"  # exchanges seen by ``capture-conformance proxy``, one case per operation


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the case could not run to its end (setup refused, transport failure)
    SKIPPED = "skipped"


@dataclass
class Exchange:
    """One request the suite sent, and what came back (or why nothing did)."""

    operation: str
    request: httpx.Request
    response: httpx.Response | None
    error: str | None = None
    elapsed: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    _body: Any = field(default=_UNPARSED, init=False, repr=False, compare=False)

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status_code

    def json(self) -> Any:
        """The response body as JSON, or ``None`` when there is none or it is not JSON.

        Parsed once: the checks of one exchange ask for it several times.
        """
        if self._body is _UNPARSED:
            try:
                self._body = None if self.response is None else loads(self.response.content)
            except ValueError:
                self._body = None
        return self._body


@dataclass
class Finding:
    """One failed expectation, with its evidence."""

    check: str
    message: str
    expected: Any = None
    actual: Any = None
    pointer: str = ""
    severity: Severity = Severity.ERROR
    source: Source | None = None
    exchange: Exchange | None = None
    example: Any = None
    #: The exchanges that reproduce the finding, in order: the setup calls that made
    #: its authorization, then the request it was seen on (empty: that request alone).
    sequence: list[Exchange] = field(default_factory=list)

    @classmethod
    def from_violation(
        cls, violation: Violation, exchange: Exchange | None, sequence: list[Exchange] | None = None
    ) -> Finding:
        return cls(
            check=violation.rule,
            message=violation.message,
            expected=violation.expected,
            actual=violation.actual,
            pointer=violation.pointer,
            severity=violation.severity,
            source=violation.source,
            exchange=exchange,
            example=None if exchange is None else request_example(exchange.request),
            sequence=list(sequence or ()),
        )


@dataclass
class CaseResult:
    """One scenario, property run or stateful run."""

    id: str
    kind: Kind
    title: str
    outcome: Outcome = Outcome.PASSED
    findings: list[Finding] = field(default_factory=list)
    duration: float = 0.0
    exchanges: int = 0
    note: str = ""

    def fail(self, finding: Finding) -> None:
        self.findings.append(finding)
        if finding.severity is Severity.ERROR and self.outcome is Outcome.PASSED:
            self.outcome = Outcome.FAILED


@dataclass
class Report:
    """A whole run against one provider's target."""

    provider: str
    target: str
    profile: str
    seed: int
    examples: int
    results: list[CaseResult] = field(default_factory=list)
    duration: float = 0.0
    #: Why the run stopped before its end (the time limit, and the cases it cut), or None.
    interrupted: str | None = None
    #: Deliveries (notifications, callbacks) judged during the run; with none, the
    #: delivery rules were not checked, and :attr:`delivery_note` says why.
    deliveries: int = 0
    delivery_note: str = ""
    #: Whether the run generated examples (false for a replay of recordings: no seed
    #: or example budget applies).
    generated: bool = True
    #: How many cases the provider's suite has, before --only/--skip.
    suite_size: int = 0
    #: Why the run stopped early on failures (--max-failures, --exitfirst), or None.
    stopped: str | None = None
    #: Sentences about the run as a whole (retried answers, authorizations too few).
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 conformant, 1 violations found (errors or failed cases), 2 could not run.

        A run the time limit stopped (:attr:`interrupted`) did not check everything:
        it is never 0; 1 when what it did check failed, else 2.
        """
        if self.failed:
            return 1
        if (
            self.interrupted
            or self.stopped
            or any(r.outcome is Outcome.ERROR for r in self.results)
        ):
            return 2
        return 0

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]

    def findings(self) -> Iterator[tuple[CaseResult, Finding]]:
        for result in self.results:
            for finding in result.findings:
                yield result, finding

    def checks_failed(self) -> set[str]:
        """Every rule or scenario id with at least one error-severity finding."""
        return {f.check for _, f in self.findings() if f.severity is Severity.ERROR}

    @property
    def exchanges(self) -> int:
        return sum(r.exchanges for r in self.results)


def delivery_rule(rule_id: str) -> bool:
    """Whether *rule_id* judges deliveries (``<provider>.notification[.…]``), not exchanges.

    A run that judged no delivery has not checked such a rule: its reports show it
    skipped, never passed.

    >>> delivery_rule("midtrans.notification.signature"), delivery_rule("pivot.notification")
    (True, True)
    >>> delivery_rule("midtrans.capture-response.gross-amount")
    False
    """
    return rule_id.split(".")[1:2] == ["notification"]


def request_example(request: httpx.Request) -> Any:
    """The body of *request* as a finding's example: its JSON value, its text, or ``None``."""
    raw = request.content
    if not raw:
        return None
    try:
        return loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


#: Setup calls whose request carries ids an earlier setup answer handed out (the token).
_SETUP = frozenset({"charge"})


def related(trail: Sequence[Exchange], exchange: Exchange | None) -> list[Exchange]:
    """The exchanges of *trail* up to *exchange* that reproduce it, in order.

    The setup calls that made the authorization *exchange* uses (the token and
    charge of Midtrans, the payment session of Pivot) and any earlier request on
    the same authorization; what else the case sent is left out. Empty when
    *exchange* is not in *trail* or needs nothing before it.

    >>> first = Exchange("charge", httpx.Request("POST", "http://x/v2/charge"),
    ...                  httpx.Response(200, json={"transaction_id": "tx-123456789"}))
    >>> other = Exchange("charge", httpx.Request("POST", "http://x/v2/charge"),
    ...                  httpx.Response(200, json={"transaction_id": "tx-999999999"}))
    >>> capture = Exchange("capture", httpx.Request("POST", "http://x/v2/capture",
    ...                    json={"transaction_id": "tx-123456789"}), None)
    >>> [e.operation for e in related([first, other, capture], capture)]
    ['charge', 'capture']
    """
    if exchange is None:
        return []
    index = next((i for i, e in enumerate(trail) if e is exchange), None)
    if index is None:
        return []
    needles = _ids(_request_text(exchange.request))
    kept = [exchange]
    for earlier in reversed(trail[:index]):
        if not needles:
            break
        text = _request_text(earlier.request)
        answer = "" if earlier.response is None else earlier.response.text
        if earlier.operation == "access-token":
            continue  # the report says how to get a token; it is not part of the story
        if any(n in text or n in answer for n in needles):
            kept.append(earlier)
            if earlier.operation in _SETUP:
                needles |= _ids(text)
    return list(reversed(kept)) if len(kept) > 1 else []


def _request_text(request: httpx.Request) -> str:
    return f"{request.url} {request.content.decode('utf-8', 'replace')}"


def _ids(text: str) -> set[str]:
    """Id-like values in *text*: long runs of letters, digits and dashes with a digit."""
    import re

    found = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]{11,}", text))
    return {f for f in found if any(c.isdigit() for c in f) and not f.isdigit()}
