"""Plumbing shared by the property-based and stateful runs.

* :func:`hypothesis_settings`: what every run uses (``options.examples``, no
  deadline, no example database, shrinking on, one bug reported);
* :class:`Failure`: raised (through :meth:`Driver.fail`) when a property's own
  expectation fails, carrying the evidence for the one finding;
* :class:`Stop`: a ``BaseException``, so hypothesis neither counts nor shrinks
  it, that ends a run at once: the time limit, a refused setup, no answer,
  or shrinking that has taken :data:`SHRINK_SECONDS`;
* :func:`run_hypothesis` runs a test and says what it ended on; :func:`finish`
  records that in the case; hypothesis's files go to :func:`storage_home`, not ``./.hypothesis``;
* :class:`Driver` sends a case's requests, each violation recorded once per
  case (shrinking replays the same exchanges many times), knows each provider's
  capture and status read, and how an answer is judged.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import httpx
from hypothesis import HealthCheck, Phase, Verbosity, configuration, settings
from hypothesis import control as _control
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.reporting import with_reporter

from ._model import CaseContext, OutOfTime
from ._results import Exchange, Finding, Outcome, related, request_example
from ._setup import Authorization, SetupError

__all__ = [
    "SHRINK_SECONDS",
    "Driver",
    "Failure",
    "Raw",
    "RunResult",
    "Stop",
    "answer_summary",
    "example_text",
    "finish",
    "hypothesis_settings",
    "json_body",
    "run_hypothesis",
    "storage_home",
]

#: Shrinking stops this long after the first failure and reports the smallest
#: failure found so far (against a remote sandbox each replay costs round trips).
SHRINK_SECONDS = 20.0


class Failure(Exception):
    """A property's own expectation failed: the evidence of one finding."""

    def __init__(
        self,
        check: str,
        message: str,
        *,
        expected: Any,
        actual: Any,
        exchange: Exchange | None,
        source: str | None,
        example: Any = None,
    ) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message
        self.expected = expected
        self.actual = actual
        self.exchange = exchange
        self.source = source
        self.example = example
        #: The exchanges of the example that reproduce it (set by :meth:`Driver.fail`).
        self.sequence: list[Exchange] = []


class Stop(BaseException):
    """Ends a hypothesis run at once; *cause* goes on to the runner after *failure*
    (the smallest failure found so far, if any) is recorded."""

    def __init__(
        self, cause: BaseException | None, note: str = "", failure: Failure | None = None
    ) -> None:
        super().__init__(note or repr(cause))
        self.cause, self.note, self.failure = cause, note, failure


@dataclass(frozen=True)
class Raw:
    """A request body sent as these bytes (not JSON), e.g. a truncated document."""

    text: str


def hypothesis_settings(examples: int, *, steps: int | None = None) -> settings:
    """``max_examples=examples``, reproducible (no database), shrinking on, one bug.

    The seed is given per test with ``@hypothesis.seed(options.seed)``.
    """
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.normal,
        stateful_step_count=steps if steps is not None else 50,
    )


@dataclass
class RunResult:
    """What a hypothesis run ended on: the failure to report, what hypothesis
    printed, a note for the case, and an exception to pass on to the runner."""

    failure: Failure | None
    printed: list[str]
    note: str = ""
    cause: BaseException | None = None


def storage_home() -> Path:
    """Where hypothesis keeps its files (caches) in the kit's runs: the user cache folder."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return Path(cache or Path.home() / ".cache") / "capture-conformance" / "hypothesis"


_home = threading.Lock()
_home_runs: list[Path | None] = []  # per run going on, the home before it (first: the real one)


@contextmanager
def _kit_home() -> Iterator[None]:
    """Hypothesis's home is :func:`storage_home` while kit runs go on, never ``./.hypothesis``,
    unless the user chose one (``HYPOTHESIS_STORAGE_DIRECTORY``, ``set_hypothesis_home_dir``)."""
    known, set_home = vars(configuration), configuration.set_hypothesis_home_dir
    with _home:
        before = known.get("__hypothesis_home_directory")
        chosen = before not in (None, known.get("__hypothesis_home_directory_default"))
        if mine := bool(_home_runs) or not (os.getenv("HYPOTHESIS_STORAGE_DIRECTORY") or chosen):
            _home_runs.append(before)
            if len(_home_runs) == 1:
                set_home(storage_home())
    try:
        yield
    finally:
        with _home:
            if mine:
                before = _home_runs.pop()
                if not _home_runs:
                    set_home(before)


def run_hypothesis(test: Callable[[], None], driver: Driver) -> RunResult:
    """Run *test*; the minimal failure it ends on (if any) and what hypothesis printed.

    A failure that does not come back on replay (a flaky target) is still
    reported, with a note saying so.
    """
    printed: list[str] = []
    with _kit_home(), with_reporter(lambda value: printed.append(str(value))):
        try:
            test()
        except Stop as stop:
            return RunResult(stop.failure, printed, stop.note, stop.cause)
        except Failure as failure:
            return RunResult(failure, printed)
        except Flaky as flaky:
            # A Stop in the middle of a replay can surface as hypothesis's complaint
            # that the replay drew less data than before: it is still the Stop.
            stopped = next(_chain(flaky, Stop), None)
            if isinstance(stopped, Stop):
                return RunResult(stopped.failure, printed, stopped.note, stopped.cause)
            found = next(_chain(flaky, Failure), driver.best)
            if not isinstance(found, Failure):
                raise
            return RunResult(found, printed, "the failure did not come back on replay")
        except Unsatisfiable as exc:
            return RunResult(None, printed, f"hypothesis found no example to run: {exc}")
    return RunResult(None, printed)


def _chain(
    exc: BaseException, kind: type[BaseException], depth: int = 0
) -> Iterator[BaseException]:
    """Exceptions of *kind* in *exc*, its groups, causes and contexts."""
    if depth > 20:
        return
    if isinstance(exc, kind):
        yield exc
    for inner in getattr(exc, "exceptions", ()):
        yield from _chain(inner, kind, depth + 1)
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            yield from _chain(linked, kind, depth + 1)


def finish(ctx: CaseContext, result: RunResult) -> None:
    """Record *result*'s failure (one finding) and note, then pass its cause on."""
    failure = result.failure
    if failure is not None:
        ctx.fail(
            failure.check, failure.message, expected=failure.expected, actual=failure.actual,
            exchange=failure.exchange, source=failure.source, example=failure.example,
            sequence=failure.sequence,
        )  # fmt: skip
    if result.note:
        ctx.result.note = result.note
        if result.note.startswith("stopped") and ctx.result.exchanges == 0:
            ctx.result.outcome = Outcome.SKIPPED
    if result.cause is not None:
        raise result.cause


def json_body(exchange: Exchange) -> dict[str, Any]:
    body = exchange.json()
    return body if isinstance(body, dict) else {}


def answer_summary(exchange: Exchange) -> Any:
    """What came back, for ``actual=``: HTTP status and the body's outcome fields."""
    body = exchange.json()
    if not isinstance(body, dict):
        text = exchange.response.text[:200] if exchange.response is not None else ""
        return {"http": exchange.status, "body": text}
    keep = ("status_code", "status_message", "transaction_status", "code", "message")
    shown: dict[str, Any] = {"http": exchange.status}
    shown.update({k: body[k] for k in keep if k in body})
    data = body.get("data")
    if isinstance(data, Mapping):
        shown["data.status"] = data.get("status")
        if "amount" in data:
            shown["data.amount"] = data.get("amount")
    return shown


def example_text(body: Any) -> Any:
    """A request body as a finding's example: a copy of the JSON value, or the raw text."""
    if isinstance(body, Raw):
        return body.text
    return json.loads(json.dumps(body))


class Driver:
    """Requests of one case against one provider, recorded in its result.

    Every violation of an answer becomes a finding of the case, but only the
    first time its rule and place are seen: hypothesis replays the same
    requests while it shrinks, and one broken field should read as one finding.
    """

    def __init__(self, ctx: CaseContext, *, shrink_seconds: float | None = None) -> None:
        self.ctx = ctx
        self.provider = ctx.provider
        self.shrink_seconds = SHRINK_SECONDS if shrink_seconds is None else shrink_seconds
        #: The latest (so, while shrinking, the smallest) failure, and when the first came.
        self.best: Failure | None = None
        self._first_failure: float | None = None
        self._seen: dict[tuple[str, str], Finding] = {}
        #: The exchanges of the example being run (hypothesis's build context tells
        #: one example from the next), setup calls included.
        self._example: object = None
        self._steps: list[Exchange] = []

    def _note(self, exchange: Exchange) -> None:
        current = _control._current_build_context.value
        if current is not self._example:
            self._example, self._steps = current, []
        self._steps.append(exchange)

    def _record_setup(self, exchange: Exchange) -> None:
        self._note(exchange)
        self.ctx.record(exchange)

    def fail(self, failure: Failure) -> NoReturn:
        """Remember *failure* as the smallest so far and raise it."""
        if not failure.sequence:
            failure.sequence = related(self._steps, failure.exchange)
        self.best = failure
        if self._first_failure is None:
            self._first_failure = time.monotonic()
        raise failure

    def _stop(self, cause: BaseException | None, note: str) -> NoReturn:
        raise Stop(cause, note, self.best)

    # -- sending ----------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None) -> httpx.Request:
        """An authenticated request with *body* (JSON, or :class:`Raw` bytes)."""
        ctx = self.ctx
        try:
            headers = dict(ctx.auth_headers())
        except (OutOfTime, SetupError) as exc:
            why = "time limit" if isinstance(exc, OutOfTime) else str(exc)
            self._stop(exc, f"stopped: {why}")
        if isinstance(body, Raw):
            headers["Content-Type"] = "application/json"
            return ctx.target.request(method, path, content=body.text.encode(), headers=headers)
        return ctx.target.request(method, path, json=body, headers=headers)

    def send(self, operation: str, method: str, path: str, body: Any = None) -> Exchange:
        """Send *body*; :class:`Stop` at the time limit or when there is no answer."""
        return self.send_request(operation, self.request(method, path, body))

    def send_request(self, operation: str, request: httpx.Request) -> Exchange:
        ctx = self.ctx
        first = self._first_failure
        if first is not None and time.monotonic() - first > self.shrink_seconds:
            self._stop(None, f"shrinking stopped after {self.shrink_seconds:g} s")
        try:
            ctx.check_time()
        except OutOfTime as exc:
            self._stop(exc, "stopped by the time limit")
        exchange = ctx.target.send(operation, request)
        self._note(exchange)
        # Recorded without its violations: each becomes a finding here, once per rule
        # and place, with the example that shows it; a smaller one seen later (while
        # hypothesis shrinks) takes its place.
        ctx.record(replace(exchange, violations=[]))
        sequence: list[Exchange] | None = None
        for violation in exchange.violations:
            if not ctx.selection.keeps(violation.rule):
                continue
            if sequence is None:
                sequence = related(self._steps, exchange)
            key = (violation.rule, violation.pointer)
            known = self._seen.get(key)
            if known is None:
                self._seen[key] = finding = Finding.from_violation(violation, exchange, sequence)
                ctx.result.fail(finding)
            elif _size(exchange, sequence) < _size(known.exchange, known.sequence):
                known.exchange, known.sequence = exchange, sequence
                known.example = request_example(exchange.request)
                known.expected, known.actual = violation.expected, violation.actual
                known.message = violation.message
        if exchange.response is None:
            self._stop(None, f"stopped: no answer from the target ({exchange.error})")
        return exchange

    def authorize(self, amount: int | None = None) -> Authorization:
        """A fresh authorization; :class:`Stop` when the setup is refused or none is left."""
        try:
            self.ctx.check_time()
            setup, record = self.ctx.setup, self._record_setup
            authorization = setup.authorize(record, *(() if amount is None else (amount,)))
        except OutOfTime as exc:
            self._stop(exc, "stopped by the time limit")
        except SetupError as exc:
            self._stop(exc, f"stopped: {exc}")
        if authorization is None:
            self._stop(None, "stopped: the given authorizations are used up")
        return authorization

    # -- the provider's operations ------------------------------------------------------
    def capture_request(self, authorization_id: str, body: Any) -> httpx.Request:
        if self.provider == "midtrans":
            return self.request("POST", "/v2/capture", body)
        return self.request("POST", f"/v2/payments/{authorization_id}/capture", body)

    def capture(self, authorization_id: str, body: Any) -> Exchange:
        return self.send_request("capture", self.capture_request(authorization_id, body))

    def read(self, authorization_id: str) -> Exchange:
        """The status read: ``GET /v2/{id}/status`` (Midtrans), ``GET /v2/payments/{id}``."""
        if self.provider == "midtrans":
            return self.send("status", "GET", f"/v2/{authorization_id}/status")
        return self.send("get-payment", "GET", f"/v2/payments/{authorization_id}")

    # -- judging answers ----------------------------------------------------------------
    def accepted(self, exchange: Exchange) -> bool:
        """Whether the target took the request: Midtrans by the BODY ``status_code``
        ``"200"`` (errors come with HTTP 200 too); Pivot HTTP 200 with code ``"00"``."""
        body = json_body(exchange)
        if self.provider == "midtrans":
            return body.get("status_code") == "200"
        return exchange.status == 200 and body.get("code") == "00"

    def code(self, exchange: Exchange) -> Any:
        """The code that says what happened: Midtrans body status_code; Pivot HTTP status."""
        if self.provider == "midtrans":
            return json_body(exchange).get("status_code")
        return exchange.status


def _size(exchange: Exchange | None, sequence: list[Exchange]) -> tuple[int, int]:
    """How big a reproduction is: its requests, then their bytes (smaller reads better)."""
    steps = sequence or ([exchange] if exchange is not None else [])
    return len(steps), sum(len(e.request.content) + len(str(e.request.url)) for e in steps)
