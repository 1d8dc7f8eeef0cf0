"""The scenario catalogue as suite cases: one per scenario of ``specs/<provider>/scenarios.yaml``.

A scenario authorizes (through the provider's own setup flow), sends its
steps' requests, and judges each answer against the alternatives its profile
accepts (``documented``, or ``observed`` where the sandbox differs). Every
answer is also validated against the specs by the runner's context, so a
scenario only states what the contract says about *this* situation: status
codes, body codes, catalogued statuses and fields; never message wording.

A failed expectation is a finding whose check is the scenario id, citing the
scenario's source. The first failed step ends the scenario: later steps build
on its state. A scenario that ``requires: [simulator-clock]`` is skipped, with a
note, when the target offers no ``/_sim/clock``.

>>> from conformance.simulators import create
>>> from conformance.suite import SuiteOptions, Target, run_suite
>>> with Target("midtrans", app=create("midtrans").app) as target:
...     report = run_suite(target, SuiteOptions(seed=1, only=("midtrans.second-capture",)))
>>> [(r.id, r.outcome.value) for r in report.results]
[('midtrans.second-capture', 'passed')]
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx

from ..violations import MISSING
from ._clock_checks import CLOCK_PATH, move_clock, offers_clock
from ._facts import Facts
from ._model import CaseContext, SuiteOptions
from ._results import Exchange, Kind, Outcome
from ._scenario_catalogue import (
    SIMULATOR_CLOCK,
    Alternative,
    ClockStep,
    Scenario,
    SendStep,
    TemplateError,
    load_catalogue,
    render,
    render_text,
)
from ._scenario_checks import NAMED_CHECKS, answer_line, describe, mismatch, resolve, shown
from ._setup import SetupError

__all__ = ["CLOCK_PATH", "ScenarioCase", "cases"]


def cases(provider: str, options: SuiteOptions) -> list[ScenarioCase]:
    """Every scenario of *provider*, in catalogue order."""
    del options  # every scenario runs in both profiles; the profile picks expectations
    return [ScenarioCase(s) for s in load_catalogue(provider)]


class ScenarioCase:
    """One scenario of the catalogue, runnable by the suite."""

    kind = Kind.SCENARIO

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.id = scenario.id
        self.title = scenario.title

    def __repr__(self) -> str:
        return f"ScenarioCase({self.id!r})"

    def run(self, ctx: CaseContext) -> None:
        _Run(ctx, self.scenario).run()


class _Stop(Exception):
    """The scenario ends here (a failure was recorded, or nothing came back)."""


@dataclass
class _Problem:
    message: str
    expected: Any
    actual: Any
    pointer: str = ""


class _Run:
    def __init__(self, ctx: CaseContext, scenario: Scenario) -> None:
        self.ctx = ctx
        self.scenario = scenario
        self.profile = ctx.options.profile
        self.spec = ctx.target.validator.spec
        self.variables: dict[str, Any] = {}
        self.outcomes: set[str] = set()
        #: What the setup established: every answer about the transaction agrees with it.
        self.facts = Facts(ctx.provider, recorded=ctx.target.recorded)
        self.last: Exchange | None = None  # the previous step's exchange, for evidence

    def run(self) -> None:
        ctx, sc = self.ctx, self.scenario
        if SIMULATOR_CLOCK in sc.requires and not offers_clock(ctx.target.client):
            self._skip(
                f"needs the simulator clock ({CLOCK_PATH} of the control API), "
                f"which the target ({ctx.target.label}) does not offer"
            )
            return
        rng = random.Random(f"{ctx.options.seed}:{sc.id}")
        self.variables["unknown.uuid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if sc.authorize:
            record = self.facts.learning(ctx.record)
            if sc.authorize is True:
                auth = ctx.setup.authorize(record)
            else:
                auth = ctx.setup.authorize(record, int(sc.authorize))
            if auth is None:
                self._skip("no authorization left in the --authorizations file")
                return
            half = auth.amount // 2
            self.variables.update(
                {
                    "auth.id": auth.id,
                    "auth.amount": auth.amount,
                    "auth.half": half,
                    "auth.rest": auth.amount - half,
                    "auth.currency": auth.currency,
                }
            )
        try:
            for step in sc.steps:
                if step.when is not None and step.when not in self.outcomes:
                    continue
                ctx.check_time()
                if isinstance(step, ClockStep):
                    self._advance(step)
                else:
                    self._send(step)
        except _Stop:
            return

    def _skip(self, note: str) -> None:
        self.ctx.result.outcome = Outcome.SKIPPED
        self.ctx.result.note = note

    def _fail(
        self,
        step: SendStep | None,
        problem: _Problem,
        exchange: Exchange | None,
        before: Exchange | None = None,
    ) -> NoReturn:
        """Record the failure; a failed read after a refused capture also shows that capture."""
        name = step.name if step is not None else "setup"
        example = None
        if (
            before is not None
            and step is not None
            and step.operation in ("status", "get-payment")
            and before.operation == "capture"
            and "refused" in self.outcomes
        ):
            example = {"the refused capture before this read": shown(before)}
        self.ctx.fail(
            self.scenario.id,
            f"{name}: {problem.message}",
            expected=problem.expected,
            actual=problem.actual,
            exchange=exchange,
            source=self.scenario.source_for(self.profile, step),
            pointer=problem.pointer,
            example=example,
        )
        raise _Stop

    # -- clock ------------------------------------------------------------------------
    def _advance(self, step: ClockStep) -> None:
        try:
            seconds = float(render(step.advance, self.variables))
        except (TemplateError, TypeError, ValueError) as exc:
            raise SetupError(f"{self.scenario.id}: cannot move the clock: {exc}") from None
        move_clock(self.ctx.target.client, seconds)
        # Access tokens were issued on the old time: the setup must not reuse one.
        # The target's clock moved on: its access tokens may have expired.
        self.ctx.setup.forget_token()

    # -- requests ---------------------------------------------------------------------
    def _send(self, step: SendStep) -> None:
        ctx = self.ctx
        try:
            request = self._request(step)
        except TemplateError as exc:
            self._fail(step, _Problem(f"cannot build the request: {exc}", None, None), None)
        exchange = (
            ctx.send(step.operation, request) if step.validate else self._unchecked(step, request)
        )
        if exchange.response is None:
            raise _Stop  # the context recorded the transport failure
        if step.validate:
            for fact in self.facts.judge(exchange, self.variables.get("auth.id")):
                ctx.fail(
                    self.facts.check, f"{step.name}: {fact.message}", expected=fact.expected,
                    actual=fact.actual, exchange=exchange, source=self.facts.source,
                    pointer=fact.pointer,
                )  # fmt: skip
        alternatives = step.expected(self.profile)
        matched, problem = self._judge(alternatives, exchange)
        before, self.last = self.last, exchange
        if matched is None:
            assert problem is not None
            self._fail(step, problem, exchange, before)
        if matched.outcome is not None:
            self.outcomes.add(matched.outcome)
        body = exchange.json()
        for name, pointer in step.save.items():
            value = resolve(body, pointer)
            if value is None or value is MISSING or isinstance(value, dict | list):
                shown = "absent" if value is MISSING else repr(value)
                problem = _Problem(
                    f"cannot read {pointer} for the next steps: {shown}",
                    "a string or number",
                    shown,
                    pointer,
                )
                self._fail(step, problem, exchange)
            self.variables[f"saved.{name}"] = value

    def _unchecked(self, step: SendStep, request: httpx.Request) -> Exchange:
        """Send a request that is no call of a documented operation: only the scenario judges it."""
        exchange = self.ctx.target.send(step.operation, request)
        exchange.violations = []
        self.ctx.record(exchange)
        return exchange

    def _request(self, step: SendStep) -> httpx.Request:
        target, variables = self.ctx.target, self.variables
        operation = self.spec.operation(step.operation)
        method = step.method or operation.method
        path = step.path
        if path is None:
            path = operation.path
            for name in operation.pattern.groupindex:
                path = path.replace(f"{{{name}}}", "${auth.id}")
        headers = self._auth_headers(step.auth)
        headers.update({k: str(render_text(v, variables)) for k, v in step.headers.items()})
        json_body: Any = None
        content: bytes | None = None
        if step.body is not None:
            kind, value = step.body
            if kind == "json":
                json_body = render(value, variables)
            else:
                content = str(render_text(value, variables)).encode()
        return target.request(
            method,
            str(render_text(path, variables)),
            json=json_body,
            content=content,
            headers=headers,
        )

    def _auth_headers(self, auth: Any) -> dict[str, str]:
        credentials = self.ctx.target.credentials
        if auth == "default":
            return self.ctx.auth_headers()
        if auth == "none":
            return {}
        if auth == "merchant":
            return {
                "X-MERCHANT-ID": credentials.client_id,
                "X-MERCHANT-SECRET": credentials.client_secret,
            }
        if "basic" in auth:
            user = str(render_text(auth["basic"], self.variables))
            return {"Authorization": "Basic " + base64.b64encode(f"{user}:".encode()).decode()}
        return {"Authorization": f"Bearer {render_text(auth['bearer'], self.variables)}"}

    # -- judging ----------------------------------------------------------------------
    def _judge(
        self, alternatives: tuple[Alternative, ...], exchange: Exchange
    ) -> tuple[Alternative | None, _Problem | None]:
        """The first alternative the answer satisfies, else the most telling problem."""
        body = exchange.json()
        fitting = [a for a in alternatives if _status_fits(a, exchange, body)]
        first: _Problem | None = None
        for alternative in fitting:
            problem = self._field_problem(alternative, body)
            if problem is None:
                return alternative, None
            first = first or problem
        if first is not None:
            return None, first
        summaries = [a.summary() for a in alternatives]
        actual = answer_line(exchange, body)
        return None, _Problem(f"expected {' or '.join(summaries)}; got {actual}", summaries, actual)

    def _field_problem(self, alternative: Alternative, body: Any) -> _Problem | None:
        for pointer, raw in alternative.fields.items():
            try:
                matcher = render(raw, self.variables)
            except TemplateError as exc:
                return _Problem(f"cannot check {pointer}: {exc}", None, None, pointer)
            value = resolve(body, pointer)
            why = mismatch(matcher, value)
            if why is not None:
                shown = None if value is MISSING else value
                return _Problem(f"{pointer} {why}", describe(matcher), shown, pointer)
        for name in alternative.checks:
            found = NAMED_CHECKS[name](body)
            if found is not None:
                pointer, why = found
                value = resolve(body, pointer)
                shown = None if value is MISSING else value
                return _Problem(f"{pointer} {why}", name, shown, pointer)
        return None


def _status_fits(alternative: Alternative, exchange: Exchange, body: Any) -> bool:
    if alternative.http and exchange.status not in alternative.http:
        return False
    fields = body if isinstance(body, dict) else {}
    if alternative.status_code and not _code_fits(
        alternative.status_code, fields.get("status_code")
    ):
        return False
    if alternative.code and not _code_fits(alternative.code, fields.get("code")):
        return False
    error = fields.get("error")
    kind = error.get("type") if isinstance(error, dict) else None
    return not alternative.error_type or kind in alternative.error_type


def _code_fits(expected: tuple[str, ...], actual: Any) -> bool:
    """Whether a body code is one of *expected*, judged by value.

    A code of the wrong JSON type (the number 200 for ``"200"``, 0 for ``"00"``)
    is the validator's to report on every exchange; the scenario judges what it says.
    """
    if isinstance(actual, str):
        return actual in expected
    if isinstance(actual, int) and not isinstance(actual, bool):
        return any(code.isdigit() and int(code) == actual for code in expected)
    return False
