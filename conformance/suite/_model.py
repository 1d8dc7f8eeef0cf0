"""What the runner and the case families share: options, selection, the case context.

A *case* is a scenario of the catalogue, a property-based run or a stateful
run. Each gets a :class:`CaseContext` through which it sends requests; every
answer is judged by the validator on the way back, so "on every exchange" checks
need no code in the cases themselves. This module sits below both the runner
and the case families (``scenarios``, ``properties``, ``stateful``), so neither
imports the other for its types.

>>> SuiteOptions(examples=3, seed=1).profile
'documented'
>>> Selection(SuiteOptions(only=("pivot.*",), seed=1), "midtrans", frozenset()).only_elsewhere
True
"""

from __future__ import annotations

import fnmatch
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from .._constants import PROFILES, PROVIDERS
from ..errors import UsageError
from ..specs import check_choice
from ..violations import Severity
from ._results import CaseResult, Exchange, Finding, Kind, Outcome, related
from ._setup import Authorization, Setup
from ._target import Target, check_seconds

__all__ = [
    "Case",
    "CaseContext",
    "OutOfTime",
    "Selection",
    "SuiteOptions",
    "provider_of",
]


#: Exchanges a context keeps for reproductions (a long case forgets its oldest half).
_TRAIL = 4096


class OutOfTime(Exception):
    """The global time limit passed; raised inside a case to stop it where it stands."""


@dataclass(frozen=True)
class SuiteOptions:
    """How to run: the profile, hypothesis's budget and seed, filters, limits.

    ``only``/``skip`` hold scenario or rule ids, or glob patterns of them
    (``midtrans.capture-response.*``).
    """

    profile: str = "documented"
    examples: int = 10
    seed: int = field(default_factory=lambda: random.randrange(2**32))
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    time_limit: float = 120.0
    authorizations: tuple[Authorization, ...] | None = None
    #: Property and stateful runs at once against an HTTP target (scenarios, which
    #: may move a simulator's clock, always run one at a time, first).
    concurrency: int = 1
    #: Only the scenario catalogue (the deterministic part): cassette recording and replay.
    scenarios_only: bool = False
    #: Stop the run once this many cases have failed (--max-failures; --exitfirst is 1).
    max_failures: int | None = None

    def __post_init__(self) -> None:
        check_choice("profile", self.profile, PROFILES)
        if self.examples < 1:
            raise UsageError(
                f"{{option}} must be at least 1; got {self.examples}", option="examples"
            )
        check_seconds(self.time_limit, option="time-limit", minimum=0.001)
        if self.concurrency < 1:
            raise UsageError(
                f"{{option}} must be at least 1; got {self.concurrency}", option="concurrency"
            )
        if self.max_failures is not None and self.max_failures < 1:
            raise UsageError(
                f"{{option}} must be at least 1; got {self.max_failures}", option="max-failures"
            )
        if not 0 <= self.seed < 2**32:
            raise UsageError(
                f"{{option}} must be between 0 and 4294967295; got {self.seed}", option="seed"
            )


@dataclass(frozen=True)
class Selection:
    """What --only and --skip keep, given the provider and the case ids that exist.

    An id or pattern in --only that names a case selects cases; one that names
    only rules keeps every case and reports only those rules. Ids of the other
    provider (``run`` covers both) do not apply here; when --only names only
    those, no case of this provider runs.
    """

    options: SuiteOptions
    provider: str
    case_ids: frozenset[str]

    @property
    def only(self) -> tuple[str, ...]:
        return tuple(p for p in self.options.only if provider_of(p) in (None, self.provider))

    @property
    def only_elsewhere(self) -> bool:
        return bool(self.options.only) and not self.only

    @property
    def only_names_cases(self) -> bool:
        return any(_matches(i, self.only) for i in self.case_ids)

    def selects_case(self, case_id: str) -> bool:
        if _matches(case_id, self.options.skip) or self.only_elsewhere:
            return False
        return not self.only or not self.only_names_cases or _matches(case_id, self.only)

    def keeps(self, check: str) -> bool:
        """Whether a finding of rule or scenario *check* is reported."""
        if _matches(check, self.options.skip):
            return False
        return not self.only or self.only_names_cases or _matches(check, self.only)


def provider_of(pattern: str) -> str | None:
    head = pattern.split(".", 1)[0]
    return head if head in PROVIDERS else None


def _matches(value: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


class Case(Protocol):
    """Anything the runner can run."""

    id: str
    kind: Kind
    title: str

    def run(self, ctx: CaseContext) -> None: ...


class CaseContext:
    """What a case works with: the target, the setup flows, the options, its result."""

    def __init__(
        self,
        target: Target,
        setup: Setup,
        selection: Selection,
        result: CaseResult,
        deadline: float,
        workers: int = 1,
    ) -> None:
        self.target = target
        self.setup = setup
        self.selection = selection
        self.options = selection.options
        self.result = result
        self.deadline = deadline
        #: How many parts of this case may send at once (see :meth:`run_parts`).
        self.workers = workers
        #: Every exchange of this context, in order: what a finding's reproduction
        #: is taken from (:func:`~._results.related`).
        self.trail: list[Exchange] = []

    @property
    def provider(self) -> str:
        return self.target.provider

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise OutOfTime

    def send(self, operation: str, request: httpx.Request) -> Exchange:
        """Send, then turn every violation of the answer into a finding of this case."""
        self.check_time()
        exchange = self.target.send(operation, request)
        self.record(exchange)
        return exchange

    def record(self, exchange: Exchange) -> None:
        self.result.exchanges += 1
        if len(self.trail) >= _TRAIL:
            del self.trail[: _TRAIL // 2]
        self.trail.append(exchange)
        if self.target.deliveries is not None:  # an accepted capture: its delivery is due
            self.target.deliveries.expect(self.result.id, exchange)
        if exchange.error is not None:
            self.fail(
                f"{self.provider}.transport",
                f"no answer: {exchange.error}",
                expected="an HTTP answer",
                actual=exchange.error,
                exchange=exchange,
            )
        sequence: list[Exchange] | None = None
        for violation in exchange.violations:
            if self.selection.keeps(violation.rule):
                if sequence is None:
                    sequence = related(self.trail, exchange)
                self.result.fail(Finding.from_violation(violation, exchange, sequence))

    def fail(
        self,
        check: str,
        message: str,
        *,
        expected: Any = None,
        actual: Any = None,
        exchange: Exchange | None = None,
        source: str | None = None,
        pointer: str = "",
        example: Any = None,
        severity: Severity = Severity.ERROR,
        sequence: Sequence[Exchange] | None = None,
    ) -> None:
        """Record a failed expectation (unless --skip/--only filter its check out).

        *sequence*: the exchanges that reproduce it; by default, taken from this
        context's trail up to *exchange*.
        """
        if not self.selection.keeps(check):
            return
        self.result.fail(
            Finding(
                check=check,
                message=message,
                expected=expected,
                actual=actual,
                pointer=pointer,
                severity=severity,
                source=self.target.validator.spec.source(source),
                exchange=exchange,
                example=example,
                sequence=list(sequence) if sequence else related(self.trail, exchange),
            )
        )

    def run_parts(self, parts: Sequence[Callable[[CaseContext], None]]) -> None:
        """Run independent *parts* of this case, at once when the target allows it.

        Each part gets a context and result of its own; afterwards their exchanges,
        findings and notes become this case's, in the order of *parts*, so the
        outcome does not depend on which part finished first. A finding already
        made by an earlier part (same check, same place) is not repeated. The first
        exception a part raised (in part order) is raised once all have ended.
        """
        result = self.result
        contexts = [
            CaseContext(
                self.target,
                self.setup,
                self.selection,
                CaseResult(result.id, result.kind, result.title),
                self.deadline,
            )
            for _ in parts
        ]
        raised: list[BaseException | None] = [None] * len(parts)

        def run(index: int) -> None:
            try:
                parts[index](contexts[index])
            except Exception as exc:  # handed on below, after every part has ended
                raised[index] = exc

        if self.workers > 1 and len(parts) > 1:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="conformance-part") as pool:
                list(pool.map(run, range(len(parts))))
        else:
            for index in range(len(parts)):
                run(index)
        seen = {(f.check, f.pointer) for f in self.result.findings}
        for ctx in contexts:
            self.result.exchanges += ctx.result.exchanges
            for finding in ctx.result.findings:
                if (finding.check, finding.pointer) not in seen:
                    seen.add((finding.check, finding.pointer))
                    self.result.fail(finding)
            self.result.note = self.result.note or ctx.result.note
        if contexts and all(ctx.result.outcome is Outcome.SKIPPED for ctx in contexts):
            self.result.outcome = Outcome.SKIPPED
        first = next((exc for exc in raised if exc is not None), None)
        if first is not None:
            raise first

    def authorize(self, amount: int | None = None) -> Authorization | None:
        if amount is None:
            return self.setup.authorize(self.record)
        return self.setup.authorize(self.record, amount)

    def auth_headers(self) -> dict[str, str]:
        return self.setup.auth_headers(self.record)
