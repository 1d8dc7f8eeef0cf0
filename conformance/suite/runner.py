"""Running the suite: cases in order, one context each, under a global time limit.

A *case* is a scenario of the catalogue, a property-based run or a stateful
run. Each gets a :class:`CaseContext` through which it sends requests; every
answer is judged by the validator on the way back, so "on every exchange" checks
need no code in the cases themselves.

>>> from conformance.simulators import create
>>> from conformance.suite import SuiteOptions, Target, run_suite
>>> with Target("midtrans", app=create("midtrans").app) as target:
...     report = run_suite(target, SuiteOptions(examples=3, seed=1))
>>> report.exit_code
0
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
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
from ._results import CaseResult, Exchange, Finding, Kind, Outcome, Report
from ._setup import MIDTRANS_CARD, Authorization, Setup, SetupError
from ._target import Target

__all__ = [
    "CannotRun",
    "Case",
    "CaseContext",
    "OutOfTime",
    "Selection",
    "SuiteOptions",
    "all_cases",
    "run_suite",
]


class CannotRun(SetupError):
    """The target cannot be reached or refuses the setup: exit 2."""


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

    def __post_init__(self) -> None:
        check_choice("profile", self.profile, PROFILES)
        if self.examples < 1:
            raise UsageError(
                f"{{option}} must be at least 1; got {self.examples}", option="examples"
            )
        if self.time_limit <= 0:
            raise UsageError(
                f"{{option}} must be positive; got {self.time_limit}", option="time-limit"
            )
        if self.concurrency < 1:
            raise UsageError(
                f"{{option}} must be at least 1; got {self.concurrency}", option="concurrency"
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
        return tuple(p for p in self.options.only if _provider_of(p) in (None, self.provider))

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


def _provider_of(pattern: str) -> str | None:
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
        if exchange.error is not None:
            self.fail(
                f"{self.provider}.transport",
                f"no answer: {exchange.error}",
                expected="an HTTP answer",
                actual=exchange.error,
                exchange=exchange,
            )
        for violation in exchange.violations:
            if self.selection.keeps(violation.rule):
                self.result.fail(Finding.from_violation(violation, exchange))

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
    ) -> None:
        """Record a failed expectation (unless --skip/--only filter its check out)."""
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


def all_cases(provider: str, options: SuiteOptions) -> list[Case]:
    """Every case of *provider*, in run order: scenarios, then property and stateful runs."""
    from . import properties, scenarios, stateful

    if options.scenarios_only:
        return list(scenarios.cases(provider, options))
    return [
        *scenarios.cases(provider, options),
        *properties.cases(provider, options),
        *stateful.cases(provider, options),
    ]


Progress = Callable[[CaseResult, int, int], None]


def run_suite(target: Target, options: SuiteOptions, *, progress: Progress | None = None) -> Report:
    """Run every selected case against *target*; :class:`CannotRun` if it cannot start."""
    started = time.monotonic()
    deadline = started + options.time_limit
    cases = all_cases(target.provider, options)
    selection = Selection(options, target.provider, frozenset(c.id for c in cases))
    _check_ids(target.provider, options, cases)
    report = Report(
        provider=target.provider,
        target=target.label,
        profile=options.profile,
        seed=options.seed,
        examples=options.examples,
    )
    setup = Setup(target, None if options.authorizations is None else list(options.authorizations))
    _preflight(target, setup)
    # A provider left without cases reports "no case ran"; the CLI refuses a command
    # whose filters leave nothing at all to run.
    selected = [c for c in cases if selection.selects_case(c.id)]
    results = [CaseResult(case.id, case.kind, case.title) for case in selected]
    report.results.extend(results)
    done = itertools.count(1)
    lock = threading.Lock()

    def run_one(case: Case, result: CaseResult) -> None:
        if time.monotonic() > deadline:
            result.outcome, result.note = Outcome.SKIPPED, "time limit reached"
            report.interrupted = f"time limit of {options.time_limit:g} s reached"
        elif (note := target.begin_case(case.id)) is not None:
            result.outcome, result.note = Outcome.SKIPPED, note
        else:
            begun = time.monotonic()
            try:
                case.run(CaseContext(target, setup, selection, result, deadline, workers))
            except OutOfTime:
                result.note = "stopped by the time limit"
                report.interrupted = f"time limit of {options.time_limit:g} s reached"
            except SetupError as exc:
                result.outcome, result.note = Outcome.ERROR, str(exc)
            result.duration = time.monotonic() - begun
        if progress is not None:
            with lock:
                progress(result, next(done), len(selected))

    workers = options.concurrency if target.concurrent else 1
    pairs = list(zip(selected, results, strict=True))
    # Over a network most of a case's time is spent waiting for answers; hypothesis
    # runs (thread-safe since 6.136.9) overlap those waits. Scenarios go first, alone.
    together = [(c, r) for c, r in pairs if workers > 1 and c.kind is not Kind.SCENARIO]
    for case, result in pairs:
        if workers == 1 or case.kind is Kind.SCENARIO:
            run_one(case, result)
    if together:
        with ThreadPoolExecutor(workers, thread_name_prefix="conformance-case") as pool:
            for future in [pool.submit(run_one, *pair) for pair in together]:
                future.result()
    report.duration = time.monotonic() - started
    return report


def _check_ids(provider: str, options: SuiteOptions, cases: Sequence[Case]) -> None:
    """A typo in --only/--skip must not silently run (or skip) nothing."""
    from ..rules import known_rules

    known = {
        *known_rules(provider, options.profile),
        *(c.id for c in cases),
        *(check for c in cases for check in getattr(c, "checks", ())),
        f"{provider}.transport",
    }
    for flag, patterns in (("--only", options.only), ("--skip", options.skip)):
        for pattern in patterns:
            if _provider_of(pattern) not in (None, provider):
                continue  # names the other provider's checks (``run`` covers both)
            if not any(fnmatch.fnmatchcase(k, pattern) for k in known):
                raise UsageError(
                    f"{flag} {pattern!r} names no {provider} scenario, case or rule; ids look "
                    f"like {cases[0].id!r} or {provider}.capture-response.status-code"
                )


def _midtrans_keys(target: Target, seen: list[Exchange]) -> None:
    """Both Midtrans keys: the client key tokenises, the server key reads a status."""
    token = target.request(
        "GET", "/v2/token",
        params={**MIDTRANS_CARD, "client_key": target.credentials.client_key},
    )  # fmt: skip
    status = target.request(
        "GET",
        "/v2/00000000-0000-4000-8000-000000000000/status",
        headers={"Authorization": target.credentials.basic},
    )
    for operation, request, key in (("token", token, "client"), ("status", status, "server")):
        exchange = target.send(operation, request)
        seen.append(exchange)
        body = exchange.json() if exchange.response is not None else None
        refused = exchange.status == 401 or (
            isinstance(body, dict) and body.get("status_code") == "401"
        )
        if refused:
            raise SetupError(f"the target refused the {key} key (HTTP 401 on {request.url.path})")


def _preflight(target: Target, setup: Setup) -> None:
    """One authenticated setup call: an unreachable target or refused credentials stop here."""
    seen: list[Exchange] = []
    try:
        if target.provider == "pivot":
            setup.access_token(seen.append)
        else:
            _midtrans_keys(target, seen)
    except SetupError as exc:
        failed = next((e for e in seen if e.error is not None), None)
        if failed is not None:
            raise CannotRun(f"cannot reach {target.label}: {failed.error}") from None
        raise CannotRun(str(exc)) from None
    failed = next((e for e in seen if e.error is not None), None)
    if failed is not None:
        raise CannotRun(f"cannot reach {target.label}: {failed.error}")
