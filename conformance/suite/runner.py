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

import dataclasses
import fnmatch
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from ..errors import UsageError
from ._deliveries import Deliveries
from ._model import Case, CaseContext, OutOfTime, Selection, SuiteOptions, provider_of
from ._results import CaseResult, Exchange, Kind, Outcome, Report
from ._setup import MIDTRANS_CARD, Setup, SetupError
from ._target import Target

__all__ = ["CannotRun", "CaseFamily", "Progress", "all_cases", "families", "run_suite"]


class CaseFamily(Protocol):
    """A module of cases: ``scenarios``, ``properties`` or ``stateful``."""

    def cases(self, provider: str, options: SuiteOptions) -> Sequence[Case]: ...


def families() -> tuple[CaseFamily, ...]:
    """The case families, in run order: the one list the runner takes its cases from.

    Imported here, when a run starts: the families build on ``_model`` and never
    import the runner, so the two do not import each other.
    """
    from . import agreement, properties, race, scenarios, stateful

    return (scenarios, properties, stateful, agreement, race)


class CannotRun(SetupError):
    """The target cannot be reached or refuses the setup: exit 2."""


def all_cases(provider: str, options: SuiteOptions) -> list[Case]:
    """Every case of *provider*, in run order: scenarios, then property and stateful runs."""
    chosen = families()[:1] if options.scenarios_only else families()
    return [case for family in chosen for case in family.cases(provider, options)]


Progress = Callable[[CaseResult, int, int], None]


def run_suite(target: Target, options: SuiteOptions, *, progress: Progress | None = None) -> Report:
    """Run every selected case against *target*; :class:`CannotRun` if it cannot start."""
    started = time.monotonic()
    deadline = started + options.time_limit
    cases = all_cases(target.provider, options)
    options = _prefixed(target.provider, options, cases)
    selection = Selection(options, target.provider, frozenset(c.id for c in cases))
    _check_ids(target.provider, options, cases)
    report = Report(
        provider=target.provider,
        target=target.label,
        profile=options.profile,
        seed=options.seed,
        examples=options.examples,
        generated=not options.scenarios_only,
        suite_size=len(cases),
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
    cut: set[str] = set()  # cases the time limit kept from running to their end
    halted: list[str] = []  # cases --max-failures kept from running
    short: dict[str, int] = {}  # case -> authorizations it asked for when the list ran out
    limit = options.max_failures

    def run_one(case: Case, result: CaseResult) -> None:
        failing = sum(r.outcome is Outcome.FAILED for r in results)
        if time.monotonic() > deadline:
            result.outcome, result.note = Outcome.SKIPPED, "time limit reached"
            cut.add(case.id)
        elif limit is not None and failing >= limit:
            result.outcome = Outcome.SKIPPED
            result.note = f"not run: the run stopped after {_plural(limit, 'failing case')}"
            halted.append(case.id)
        elif (note := target.begin_case(case.id)) is not None:
            result.outcome, result.note = Outcome.SKIPPED, note
        else:
            begun = time.monotonic()
            asked, missing = setup.asked, setup.missing
            try:
                case.run(CaseContext(target, setup, selection, result, deadline, workers))
            except OutOfTime:
                result.note = "stopped by the time limit"
                if result.outcome is Outcome.PASSED:  # what it checked passed; not all of it
                    result.outcome = Outcome.SKIPPED
                cut.add(case.id)
            except SetupError as exc:
                result.outcome, result.note = Outcome.ERROR, str(exc)
            result.duration = time.monotonic() - begun
            if setup.missing > missing:
                short[case.id] = setup.asked - asked
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
    if selected and isinstance(target.deliveries, Deliveries):
        target.deliveries.conclude(
            report,
            lambda result: CaseContext(target, setup, selection, result, deadline),
            deadline,
            summary=selection.selects_case(f"{target.provider}.deliveries"),
        )
    report.duration = time.monotonic() - started
    if halted:
        flag = "--exitfirst" if limit == 1 else f"--max-failures {limit}"
        report.stopped = (
            f"stopped after {_plural(limit or 0, 'failing case')} ({flag}); "
            f"{_plural(len(halted), 'case')} not run"
        )
    if short:
        report.notes.append(_too_few(setup.given, short))
    retried = getattr(target, "retried", 0)
    if retried:
        report.notes.append(
            f"{_plural(retried, 'answer')} asked the suite to wait (429/503 with Retry-After) and "
            f"{'was' if retried == 1 else 'were'} retried after {target.waited:.1f} s of waiting"
        )
    if cut:
        report.interrupted = _interrupted(
            options.time_limit, [c.id for c in selected if c.id in cut]
        )
    return report


#: Case ids an interruption names; more are counted.
_NAMED = 10


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _too_few(given: int, short: dict[str, int]) -> str:
    """What --authorizations lacked: how many authorizations each case that ran out asked for.

    >>> _too_few(1, {"pivot.full-capture": 1, "pivot.second-capture": 2})[:78]
    '--authorizations gave 1, too few: pivot.full-capture asked for 1, pivot.second'
    """
    named = ", ".join(
        f"{case} {'asked ' if i == 0 else ''}for {n}" for i, (case, n) in enumerate(short.items())
    )
    return f"--authorizations gave {given}, too few: {named}; those cases did not run to their end"


def _prefixed(provider: str, options: SuiteOptions, cases: Sequence[Case]) -> SuiteOptions:
    """--only/--skip ids without the provider prefix (``over-capture``) get this provider's.

    A pattern that names nothing as written but names something once prefixed with
    this provider (``midtrans.over-capture``) is read that way.
    """
    from ..rules import known_rules

    known = {*known_rules(provider, options.profile), *(c.id for c in cases)}

    def fix(patterns: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for pattern in patterns:
            bare = provider_of(pattern) is None and not any(
                fnmatch.fnmatchcase(k, pattern) for k in known
            )
            if bare and any(fnmatch.fnmatchcase(k, f"{provider}.{pattern}") for k in known):
                pattern = f"{provider}.{pattern}"
            out.append(pattern)
        return tuple(out)

    only, skip = fix(options.only), fix(options.skip)
    if (only, skip) == (options.only, options.skip):
        return options
    return dataclasses.replace(options, only=only, skip=skip)


def _interrupted(limit: float, cut: Sequence[str]) -> str:
    """Why the run stopped, and which cases it did not run to their end.

    >>> _interrupted(2, ["pivot.a", "pivot.b"])
    'time limit of 2 s reached; 2 cases not run to their end: pivot.a, pivot.b'
    """
    named = ", ".join(cut[:_NAMED]) + (
        f" and {len(cut) - _NAMED} more" if len(cut) > _NAMED else ""
    )
    noun = "case" if len(cut) == 1 else "cases"
    return f"time limit of {limit:g} s reached; {len(cut)} {noun} not run to their end: {named}"


def _check_ids(provider: str, options: SuiteOptions, cases: Sequence[Case]) -> None:
    """A typo in --only/--skip must not silently run (or skip) nothing."""
    from ..rules import known_rules

    known = {
        *known_rules(provider, options.profile),
        *(c.id for c in cases),
        *(check for c in cases for check in getattr(c, "checks", ())),
        f"{provider}.transport",
        f"{provider}.deliveries",
    }
    for flag, patterns in (("--only", options.only), ("--skip", options.skip)):
        for pattern in patterns:
            if provider_of(pattern) not in (None, provider):
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
    """One authenticated setup call: an unreachable target or refused credentials stop here.

    So does a target that is not this provider's API at that base URL: every setup
    route answered 404, or answered with the other provider's error envelope.
    """
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
        raise CannotRun(_wrong_target(target, seen) or str(exc)) from None
    failed = next((e for e in seen if e.error is not None), None)
    if failed is not None:
        raise CannotRun(f"cannot reach {target.label}: {failed.error}")
    wrong = _wrong_target(target, seen)
    if wrong is not None:
        raise CannotRun(wrong)


def _envelope(body: object) -> str | None:
    """Whose error envelope *body* is: ``midtrans`` (status_code, status_message),
    ``pivot`` (code, message and an error object), or None."""
    if not isinstance(body, dict):
        return None
    if "status_code" in body and "status_message" in body:
        return "midtrans"
    if "code" in body and "message" in body and ("error" in body or "data" in body):
        return "pivot"
    return None


def _wrong_target(target: Target, seen: Sequence[Exchange]) -> str | None:
    """One line saying the target is not *target.provider*'s API at its base URL, or None."""
    answered = [e for e in seen if e.response is not None]
    if not answered:
        return None
    other = next(p for p in ("midtrans", "pivot") if p != target.provider)
    routes = ", ".join(f"{e.request.method} {e.request.url.path}" for e in answered[:1])
    if all(_envelope(e.json()) == other for e in answered):
        name = "a Midtrans" if other == "midtrans" else "a Pivot"
        return (
            f"{target.label} does not look like the {target.provider} API: it answers the setup "
            f"call {routes} with {name} error envelope; did you mean "
            f"`capture-conformance check {other}`?"
        )
    # The first setup route (the token, the access token) exists on every deployment
    # of the API: a 404 or 405 there means the base URL does not point at it.
    first = answered[0]
    if first.status in (404, 405):
        return (
            f"the setup route {first.request.method} {first.request.url.path} answered HTTP "
            f"{first.status} at {target.label}: is the base URL (and its path prefix) that "
            f"of the {target.provider} API?"
        )
    return None
