"""Stateful runs: a hypothesis state machine per provider over the capture lifecycle.

One ``RuleBasedStateMachine`` per provider (``Kind.STATEFUL``, case id
``<provider>.capture-lifecycle``) authorizes, captures the whole remaining
amount, captures a part of it, tries to capture more than is left, releases the
remainder (Pivot ``releaseRemainingAmount: true``; Midtrans has no release) and
reads the status (Midtrans ``GET /v2/{id}/status``, Pivot
``GET /v2/payments/{id}``), in any order and on several authorizations, while a
model says what the target must do. Each failed invariant is one finding:

``<provider>.stateful.over-capture``
    A capture was accepted although it takes more than is left of the
    authorization, or a status read shows more captured than authorized.
``<provider>.stateful.capture-after-final``
    A capture was accepted when nothing can be captured any more: Midtrans once
    the transaction left ``authorize`` (capture is only valid from there, so a
    second capture is one); Pivot once the remainder was released, everything
    was captured or the session is final.
``<provider>.stateful.capture-refused``
    A capture the model calls valid (inside what is left, on a capturable
    authorization) was not accepted.
``<provider>.stateful.transition``
    A status moved in a way the documented lifecycle does not allow: Midtrans
    ``authorize`` -> capture | deny | cancel | expire, ``capture`` -> settlement
    | cancel (refunds and chargebacks, outside the capture contract, may follow);
    Pivot session ``PROCESSING`` -> PAID | CANCELLED | EXPIRED, charge
    ``WAITING_FOR_CAPTURE`` -> PROCESSING | SUCCESS | FAILED | EXPIRED,
    ``PROCESSING`` -> SUCCESS | FAILED, capture ``PENDING`` -> SUCCESS | FAILED;
    final statuses (the catalogues' ``x-final``) never change; a charge's
    ``capturedAmount`` never goes down.
``<provider>.stateful.status-agrees``
    A status read contradicts the capture answers: Midtrans still
    ``authorize`` after an accepted capture; Pivot without an accepted capture
    in ``captureHistories`` (or with another amount), showing more captured
    than was accepted, a charge status the captures do not allow (a partial
    capture without release keeps ``WAITING_FOR_CAPTURE``; ``SUCCESS``/``PAID``
    needs something captured), or session and charge statuses that do not pair.

Besides the random status reads, every accepted capture is followed at once by
a status read, so "reads agree with the capture answers" never depends on the
budget.

Pivot captures are asynchronous: a capture answers ``PENDING`` and settles
later, so the model accepts ``PENDING`` or ``SUCCESS`` in ``captureHistories``,
lets ``capturedAmount`` lag behind the captures (never ahead), and accepts a
charge that is still ``WAITING_FOR_CAPTURE``/``PROCESSING`` after its last
capture as well as one already ``SUCCESS``. A capture answered ``FAILED``
captured nothing. What it does require at once is the accepted capture's entry
in ``captureHistories`` (the place its outcome arrives, ``pivot.async-capture``);
a release without an amount (a capture of 0) need not have one.

The finding's ``example`` is the shrunk step sequence, as hypothesis reports it
for the final replay (``state.capture_partial(share=1, transaction=transactions_0)``;
the machine's own log of the same form when shrinking was cut short). An
invariant left out with ``--skip``/``--only`` does not stop the run: the model
then follows the target, so the run can find the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from hypothesis import seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ..specs import Spec
from ._hyp_common import (
    Driver,
    Failure,
    answer_summary,
    finish,
    hypothesis_settings,
    json_body,
    run_hypothesis,
)
from ._results import Exchange, Kind
from .runner import Case, CaseContext, SuiteOptions

__all__ = ["CHECKS", "STEPS", "CaptureLifecycle", "cases"]

#: The invariants, each reported as ``<provider>.stateful.<name>``.
CHECKS = ("over-capture", "capture-after-final", "capture-refused", "transition", "status-agrees")
#: Steps per generated example (hypothesis ``stateful_step_count``).
STEPS = 10
#: Authorizations per example: a few, so that steps meet on the same one.
MAX_AUTHORIZATIONS = 2
#: Amounts authorized by the machines (IDR).
AUTHORIZED = st.integers(min_value=10_000, max_value=1_000_000)
#: How far an over-capture attempt goes past what is left.
EXTRA = st.integers(min_value=1, max_value=100_000)
SHARES = st.integers(min_value=1, max_value=99)


def cases(provider: str, options: SuiteOptions) -> list[Case]:
    return [CaptureLifecycle(provider)]


class CaptureLifecycle:
    """The capture lifecycle as a hypothesis state machine against the target."""

    kind = Kind.STATEFUL

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.capture-lifecycle"
        release = ", release" if provider == "pivot" else ""
        self.title = (
            f"authorize, capture, partial capture{release} and status reads follow the model"
        )
        #: The check ids its findings carry (besides the validator's rules).
        self.checks = tuple(f"{provider}.stateful.{name}" for name in CHECKS)

    def run(self, ctx: CaseContext) -> None:
        base: type[_Lifecycle] = (
            _MidtransLifecycle if self.provider == "midtrans" else _PivotLifecycle
        )
        name = (
            "MidtransCaptureLifecycle" if self.provider == "midtrans" else "PivotCaptureLifecycle"
        )
        driver = Driver(ctx)
        machine = cast("type[_Lifecycle]", type(name, (base,), {"driver": driver}))
        machine.setup_model(ctx.target.validator.spec)
        seeded = seed(ctx.options.seed)(machine)
        settings = hypothesis_settings(ctx.options.examples, steps=STEPS)
        outcome = run_hypothesis(
            lambda: run_state_machine_as_test(seeded, settings=settings), driver
        )
        if outcome.failure is not None:
            # The steps of the minimal run as hypothesis reports them: attached to the
            # exception as notes (older versions print them through the reporter).
            # When shrinking was cut short, the machine's own log of that run.
            notes = getattr(outcome.failure, "__notes__", [])
            steps = _steps([*notes, *outcome.printed])
            if steps:
                outcome.failure.example = steps
        finish(ctx, outcome)


def _steps(printed: Iterable[str]) -> list[str]:
    """The step lines of hypothesis's report of the final (minimal) run."""
    steps = []
    for chunk in printed:
        for line in chunk.splitlines():
            text = line.strip()
            if text == "state.teardown()":
                continue
            if text.startswith("state") or " = state." in text:
                steps.append(text)
    return steps


class _Lifecycle(RuleBasedStateMachine):
    """What both machines share: the driver, a log of the steps, how a failure is raised."""

    driver: ClassVar[Driver]

    def __init__(self) -> None:
        super().__init__()
        self.steps = [f"state = {type(self).__name__}()"]
        self._counts: dict[str, int] = {}
        #: The model of every authorization made, in order.
        self.made: list[Any] = []

    @property
    def authorizations(self) -> int:
        return len(self.made)

    def name(self, bundle: str) -> str:
        """The variable name hypothesis gives the next value of *bundle*."""
        count = self._counts.get(bundle, 0)
        self._counts[bundle] = count + 1
        return f"{bundle}_{count}"

    def step(self, rule: str, result: Any = None, **arguments: Any) -> None:
        """Log a step the way hypothesis prints it."""
        shown = ", ".join(
            f"{key}={getattr(value, 'name', None) or repr(value)}"
            for key, value in sorted(arguments.items())
        )
        target = f"{result.name} = " if result is not None else ""
        self.steps.append(f"{target}state.{rule}({shown})")

    @classmethod
    def setup_model(cls, spec: Spec) -> None:
        """Read what the model needs from the specs (catalogue statuses)."""

    def fail(
        self,
        check: str,
        message: str,
        *,
        expected: Any,
        exchange: Exchange,
        source: str,
        actual: Any = None,
    ) -> None:
        """Raise the failure of invariant *check*, unless --only/--skip leave it out:
        then the run goes on as if the target were right, to find the others."""
        check_id = f"{self.driver.provider}.stateful.{check}"
        if not self.driver.ctx.selection.keeps(check_id):
            return
        self.driver.fail(
            Failure(
                check_id,
                message,
                expected=expected,
                actual=answer_summary(exchange) if actual is None else actual,
                exchange=exchange,
                source=source,
                example=list(self.steps),
            )
        )


# -- Midtrans -----------------------------------------------------------------------------

#: Documented lifecycle (provider-facts "Transaction lifecycle"): where each status may go.
_MIDTRANS_AFTER_PAYMENT = frozenset(
    {"refund", "partial_refund", "chargeback", "partial_chargeback"}
)
MIDTRANS_NEXT: dict[str, frozenset[str]] = {
    "authorize": frozenset({"capture", "deny", "cancel", "expire"}),
    "capture": frozenset({"settlement", "cancel"}) | _MIDTRANS_AFTER_PAYMENT,
    "settlement": _MIDTRANS_AFTER_PAYMENT,
    **{status: _MIDTRANS_AFTER_PAYMENT for status in _MIDTRANS_AFTER_PAYMENT},
}


@dataclass(eq=False)
class MidtransTransaction:
    """The model of one authorized transaction."""

    name: str
    id: str
    authorized: int
    captured: int = 0
    status: str = "authorize"

    @property
    def remaining(self) -> int:
        return self.authorized - self.captured


class _MidtransLifecycle(_Lifecycle):
    transactions = Bundle("transactions")

    def _authorize(self, rule: str, amount: int) -> MidtransTransaction:
        auth = self.driver.authorize(amount)
        transaction = MidtransTransaction(self.name("transactions"), auth.id, auth.amount)
        self.made.append(transaction)
        self.step(rule, transaction, amount=amount)
        return transaction

    @initialize(target=transactions, amount=AUTHORIZED)
    def first_authorization(self, amount: int) -> MidtransTransaction:
        return self._authorize("first_authorization", amount)

    @precondition(lambda self: self.authorizations < MAX_AUTHORIZATIONS)
    @rule(target=transactions, amount=AUTHORIZED)
    def authorize(self, amount: int) -> MidtransTransaction:
        return self._authorize("authorize", amount)

    @rule(transaction=transactions, named=st.booleans())
    def capture_full(self, transaction: MidtransTransaction, named: bool) -> None:
        """The whole authorization: ``gross_amount`` left out (the default) or named."""
        self.step("capture_full", named=named, transaction=transaction)
        self._capture(transaction, transaction.authorized if named else None)

    @rule(transaction=transactions, share=SHARES)
    def capture_partial(self, transaction: MidtransTransaction, share: int) -> None:
        self.step("capture_partial", share=share, transaction=transaction)
        amount = max(1, min(transaction.authorized - 1, transaction.authorized * share // 100))
        self._capture(transaction, amount)

    @rule(extra=EXTRA)
    def capture_more(self, extra: int) -> None:
        """An over-capture attempt: *extra* more than is left, on the first authorization
        still in ``authorize`` (the latest when there is none)."""
        self.step("capture_more", extra=extra)
        made: list[MidtransTransaction] = self.made
        transaction = next((t for t in made if t.status == "authorize"), made[-1])
        self._capture(transaction, transaction.remaining + extra)

    @rule(transaction=transactions)
    def read_status(self, transaction: MidtransTransaction) -> None:
        self.step("read_status", transaction=transaction)
        self._read(transaction)

    def _read(self, transaction: MidtransTransaction) -> None:
        exchange = self.driver.read(transaction.id)
        status = json_body(exchange).get("transaction_status")
        if not isinstance(status, str):
            self.fail(
                "status-agrees",
                f"the status read of authorized transaction {transaction.id} "
                "shows no transaction_status",
                expected=f"transaction_status {transaction.status!r} or a later one",
                exchange=exchange,
                source="midtrans.setup-endpoints",
            )
            return
        if status == transaction.status:
            return
        if status in MIDTRANS_NEXT.get(transaction.status, frozenset()):
            transaction.status = status
            return
        allowed = sorted(MIDTRANS_NEXT.get(transaction.status, frozenset()))
        if transaction.captured and status == "authorize":
            self.fail(
                "status-agrees",
                f"the status read says {status!r} although a capture of "
                f"{transaction.captured} was accepted",
                expected=f"transaction_status {transaction.status!r} or one of {allowed}",
                exchange=exchange,
                source="midtrans.lifecycle",
            )
        self.fail(
            "transition",
            f"transaction_status went from {transaction.status!r} to {status!r}",
            expected=f"{transaction.status!r} or one of {allowed}",
            exchange=exchange,
            source="midtrans.lifecycle",
        )
        transaction.status = status  # both checks left out: follow the target

    def _capture(self, transaction: MidtransTransaction, amount: int | None) -> None:
        body: dict[str, Any] = {"transaction_id": transaction.id}
        if amount is not None:
            body["gross_amount"] = amount
        value = transaction.authorized if amount is None else amount
        capturable = transaction.status == "authorize"
        remaining = transaction.remaining
        exchange = self.driver.capture(transaction.id, body)
        if not self.driver.accepted(exchange):
            if capturable and value <= remaining:
                self.fail(
                    "capture-refused",
                    f"a capture of {value} of an authorization of {transaction.authorized} "
                    "in 'authorize' was not accepted",
                    expected='body status_code "200"',
                    exchange=exchange,
                    source="midtrans.capture-scope",
                )
            return
        if not capturable:
            self.fail(
                "capture-after-final",
                f"a capture was accepted although the transaction is {transaction.status!r}; "
                "capture is only valid from 'authorize'",
                expected="a refusal (observed: body status_code 412)",
                exchange=exchange,
                source="midtrans.lifecycle",
            )
        if value > remaining:
            self.fail(
                "over-capture",
                f"a capture of {value} was accepted with only {remaining} of "
                f"{transaction.authorized} authorized",
                expected="a refusal (observed: body status_code 412)",
                exchange=exchange,
                source="midtrans.capture-scope",
            )
        status = json_body(exchange).get("transaction_status")
        if status != "capture":
            self.fail(
                "transition",
                f"an accepted capture of an 'authorize' transaction answered "
                f"transaction_status {status!r}",
                expected="transaction_status 'capture'",
                exchange=exchange,
                source="midtrans.lifecycle",
            )
        transaction.captured += value
        transaction.status = "capture"
        self._read(transaction)  # the status read agrees with the capture at once


# -- Pivot --------------------------------------------------------------------------------

PENDING, SUCCESS, FAILED = "PENDING", "SUCCESS", "FAILED"
#: The manual capture flow (provider-facts "Payment session lifecycle"); final
#: statuses are added from the catalogue (``x-final``), each going only to itself.
PIVOT_SESSION_NEXT = {"PROCESSING": {"PROCESSING", "PAID", "CANCELLED", "EXPIRED"}}
PIVOT_CHARGE_NEXT = {
    "WAITING_FOR_CAPTURE": {"WAITING_FOR_CAPTURE", "PROCESSING", SUCCESS, FAILED, "EXPIRED"},
    "PROCESSING": {"PROCESSING", SUCCESS, FAILED},
}
PIVOT_CAPTURE_NEXT = {PENDING: {PENDING, SUCCESS, FAILED}}
#: Session status that goes with each charge status.
PIVOT_PAIRS = {
    "WAITING_FOR_CAPTURE": "PROCESSING",
    "PROCESSING": "PROCESSING",
    SUCCESS: "PAID",
    FAILED: "CANCELLED",
    "EXPIRED": "EXPIRED",
}


@dataclass(eq=False)
class PivotCapture:
    id: Any
    value: int
    release: bool
    status: str


@dataclass(eq=False)
class PivotSession:
    """The model of one manual-capture payment session."""

    name: str
    id: str
    authorized: int
    currency: str
    captures: list[PivotCapture] = field(default_factory=list)
    released: bool = False
    session_status: str = "PROCESSING"
    charge_status: str = "WAITING_FOR_CAPTURE"
    captured_seen: float = 0

    @property
    def reserved(self) -> int:
        """Captured or settling: accepted captures that did not fail."""
        return sum(c.value for c in self.captures if c.status != FAILED)

    @property
    def remaining(self) -> int:
        return self.authorized - self.reserved

    @property
    def finished(self) -> bool:
        """Nothing more can be captured: released, or everything reserved."""
        return self.released or self.reserved >= self.authorized

    @property
    def capturable(self) -> bool:
        return not self.finished and self.charge_status == "WAITING_FOR_CAPTURE"


class _PivotLifecycle(_Lifecycle):
    sessions = Bundle("sessions")
    session_next: ClassVar[dict[str, set[str]]] = {}
    charge_next: ClassVar[dict[str, set[str]]] = {}
    capture_next: ClassVar[dict[str, set[str]]] = {}

    @classmethod
    def setup_model(cls, spec: Spec) -> None:
        def table(base: dict[str, set[str]], catalogue: str) -> dict[str, set[str]]:
            out = {k: set(v) for k, v in base.items()}
            for entry in spec.catalogue(catalogue):
                if entry.get("x-final"):
                    out[entry["const"]] = {entry["const"]}
            return out

        cls.session_next = table(PIVOT_SESSION_NEXT, "session_status")
        cls.charge_next = table(PIVOT_CHARGE_NEXT, "charge_status")
        cls.capture_next = table(PIVOT_CAPTURE_NEXT, "capture_status")

    def _authorize(self, rule: str, amount: int) -> PivotSession:
        auth = self.driver.authorize(amount)
        session = PivotSession(self.name("sessions"), auth.id, auth.amount, auth.currency)
        self.made.append(session)
        self.step(rule, session, amount=amount)
        return session

    @initialize(target=sessions, amount=AUTHORIZED)
    def first_authorization(self, amount: int) -> PivotSession:
        return self._authorize("first_authorization", amount)

    @precondition(lambda self: self.authorizations < MAX_AUTHORIZATIONS)
    @rule(target=sessions, amount=AUTHORIZED)
    def authorize(self, amount: int) -> PivotSession:
        return self._authorize("authorize", amount)

    @rule(session=sessions, release=st.booleans())
    def capture_full(self, session: PivotSession, release: bool) -> None:
        """Everything that is left, named in ``amount``."""
        self.step("capture_full", release=release, session=session)
        self._capture(session, max(1, session.remaining), release)

    @rule(session=sessions, share=SHARES, release=st.booleans())
    def capture_partial(self, session: PivotSession, share: int, release: bool) -> None:
        self.step("capture_partial", release=release, session=session, share=share)
        self._capture(session, max(1, session.remaining * share // 100), release)

    @rule(extra=EXTRA)
    def capture_more(self, extra: int) -> None:
        """An over-capture attempt: *extra* more than is left, on the first session that
        can still take a capture (the latest when there is none)."""
        self.step("capture_more", extra=extra)
        made: list[PivotSession] = self.made
        session = next((s for s in made if s.capturable), made[-1])
        self._capture(session, session.remaining + extra, False)

    @rule(session=sessions, with_amount=st.booleans(), share=SHARES)
    def release(self, session: PivotSession, with_amount: bool, share: int) -> None:
        """``releaseRemainingAmount: true``, alone or with a last capture."""
        self.step("release", session=session, share=share, with_amount=with_amount)
        amount = max(1, session.remaining * share // 100) if with_amount else None
        self._capture(session, amount, True)

    def _capture(self, session: PivotSession, amount: int | None, release: bool) -> None:
        body: dict[str, Any] = {"releaseRemainingAmount": release}
        if amount is not None:
            body["amount"] = {"value": amount, "currency": session.currency}
        value = amount or 0
        capturable, remaining = session.capturable, session.remaining
        exchange = self.driver.capture(session.id, body)
        if not self.driver.accepted(exchange):
            if capturable and value <= remaining:
                self.fail(
                    "capture-refused",
                    f"a capture of {value} (release {release}) was not accepted with {remaining} "
                    f"of {session.authorized} left and the charge WAITING_FOR_CAPTURE",
                    expected='HTTP 200, code "00"',
                    exchange=exchange,
                    source="pivot.manual-capture-flow",
                )
            return
        if not capturable:
            why = (
                "the remainder was released"
                if session.released
                else f"the charge is {session.charge_status}"
                if session.charge_status != "WAITING_FOR_CAPTURE"
                else "everything authorized was captured"
            )
            self.fail(
                "capture-after-final",
                f"a capture of {value} was accepted although {why}",
                expected="a refusal (observed: HTTP 422 or 400)",
                exchange=exchange,
                source="pivot.release-remaining"
                if session.released
                else ("pivot.manual-capture-flow"),
            )
        if value > remaining:
            self.fail(
                "over-capture",
                f"a capture of {value} was accepted with only {remaining} of "
                f"{session.authorized} left",
                expected="a refusal (observed: HTTP 400 'capture amount exceeds authorized "
                "amount')",
                exchange=exchange,
                source="pivot.manual-capture-flow",
            )
        data = json_body(exchange).get("data")
        data = data if isinstance(data, dict) else {}
        status = data.get("status")
        known = status if status in self.capture_next else PENDING
        session.captures.append(PivotCapture(data.get("id"), value, release, known))
        session.released = session.released or release
        self._read(session)  # the capture shows in captureHistories at once (PENDING)

    @rule(session=sessions)
    def read_status(self, session: PivotSession) -> None:
        self.step("read_status", session=session)
        self._read(session)

    def _read(self, session: PivotSession) -> None:
        exchange = self.driver.read(session.id)
        answer = json_body(exchange)
        data = answer.get("data")
        if not self.driver.accepted(exchange) or not isinstance(data, dict):
            self.fail(
                "status-agrees",
                f"the payment session {session.id} could not be read",
                expected='HTTP 200, code "00" with the session in data',
                exchange=exchange,
                source="pivot.async-capture",
            )
            return
        charges = data.get("chargeDetails")
        charge = charges[0] if isinstance(charges, list) and charges else None
        if not isinstance(charge, dict):
            if session.captures:
                self.fail(
                    "status-agrees",
                    "the session shows no charge although captures were accepted",
                    expected="chargeDetails[0] with the captures",
                    exchange=exchange,
                    source="pivot.async-capture",
                )
            return
        self._check_histories(session, charge, exchange)
        self._check_captured(session, charge, exchange)
        self._check_statuses(session, data.get("status"), charge.get("status"), exchange)

    def _check_histories(
        self, session: PivotSession, charge: dict[str, Any], exchange: Exchange
    ) -> None:
        raw = charge.get("captureHistories")
        histories = {
            h.get("captureId"): h
            for h in (raw if isinstance(raw, list) else [])
            if isinstance(h, dict)
        }
        for capture in session.captures:
            history = histories.get(capture.id)
            if history is None:
                if capture.value > 0:
                    self.fail(
                        "status-agrees",
                        f"accepted capture {capture.id} of {capture.value} is missing from "
                        "captureHistories",
                        expected=f"captureHistories with captureId {capture.id}",
                        actual={"captureHistories": raw},
                        exchange=exchange,
                        source="pivot.async-capture",
                    )
                continue
            amount = history.get("capturedAmount")
            if (
                isinstance(amount, int | float)
                and not isinstance(amount, bool)
                and (amount != capture.value)
            ):
                self.fail(
                    "status-agrees",
                    f"capture {capture.id} was accepted for {capture.value} but "
                    f"captureHistories shows {amount}",
                    expected=capture.value,
                    actual=amount,
                    exchange=exchange,
                    source="pivot.async-capture",
                )
            status = history.get("status")
            if status not in self.capture_next:
                continue  # not a catalogued status: the schema check reports it
            if status not in self.capture_next.get(capture.status, set()):
                self.fail(
                    "transition",
                    f"capture {capture.id} went from {capture.status} to {status}",
                    expected=sorted(self.capture_next.get(capture.status, set())),
                    actual=status,
                    exchange=exchange,
                    source="pivot.capture-status",
                )
            capture.status = status

    def _check_captured(
        self, session: PivotSession, charge: dict[str, Any], exchange: Exchange
    ) -> None:
        authorized = _value(charge.get("authorizedAmount"))
        if authorized is not None and authorized != session.authorized:
            self.fail(
                "status-agrees",
                f"authorizedAmount is {authorized}, the session authorized {session.authorized}",
                expected=session.authorized,
                actual=authorized,
                exchange=exchange,
                source="pivot.charge-object",
            )
        captured = _value(charge.get("capturedAmount"))
        if captured is None:
            return
        if captured > session.authorized:
            self.fail(
                "over-capture",
                f"capturedAmount {captured} exceeds the authorized {session.authorized}",
                expected=f"at most {session.authorized}",
                actual=captured,
                exchange=exchange,
                source="pivot.manual-capture-flow",
            )
        if captured > session.reserved:
            self.fail(
                "status-agrees",
                f"capturedAmount {captured} is more than the accepted captures "
                f"({session.reserved})",
                expected=f"at most {session.reserved} (it may lag behind, never run ahead)",
                actual=captured,
                exchange=exchange,
                source="pivot.async-capture",
            )
        if captured < session.captured_seen:
            self.fail(
                "transition",
                f"capturedAmount went down from {session.captured_seen} to {captured}",
                expected=f"at least {session.captured_seen}",
                actual=captured,
                exchange=exchange,
                source="pivot.charge-object",
            )
        session.captured_seen = captured

    def _check_statuses(
        self, session: PivotSession, status: Any, charge_status: Any, exchange: Exchange
    ) -> None:
        shown = {"status": status, "chargeDetails[0].status": charge_status}
        for now, before, table, source in (
            (status, session.session_status, self.session_next, "pivot.session-lifecycle"),
            (charge_status, session.charge_status, self.charge_next, "pivot.charge-status"),
        ):
            if now not in table:
                return  # not a catalogued status: the schema check reports it
            if now not in table.get(before, set()):
                self.fail(
                    "transition",
                    f"a status went from {before} to {now}",
                    expected=f"{before} or one of {sorted(table.get(before, set()) - {before})}",
                    actual=shown,
                    exchange=exchange,
                    source=source,
                )
        allowed = self._charge_statuses(session)
        if charge_status not in allowed or PIVOT_PAIRS.get(charge_status) != status:
            self.fail(
                "status-agrees",
                f"session {status} / charge {charge_status} does not agree with the captures "
                f"({session.reserved} of {session.authorized} captured or settling, "
                f"remainder {'released' if session.released else 'not released'})",
                expected=[f"{PIVOT_PAIRS[c]} / {c}" for c in sorted(allowed)],
                actual=shown,
                exchange=exchange,
                source="pivot.manual-capture-flow",
            )
        session.session_status, session.charge_status = status, charge_status

    def _charge_statuses(self, session: PivotSession) -> set[str]:
        """The charge statuses the accepted captures allow (the session's follows the pair)."""
        if not session.finished:
            return {"WAITING_FOR_CAPTURE", "EXPIRED"}
        allowed = {"WAITING_FOR_CAPTURE", "PROCESSING"}  # captures may still be settling
        if session.reserved > 0:
            allowed.add(SUCCESS)
        if session.reserved == 0 or any(c.status == FAILED for c in session.captures):
            allowed.add(FAILED)
        return allowed


def _value(amount: Any) -> float | None:
    value = amount.get("value") if isinstance(amount, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None
