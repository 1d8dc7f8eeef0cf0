"""The Pivot capture-lifecycle state machine (see :mod:`conformance.suite.stateful`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    initialize,
    precondition,
    rule,
)

from ..specs import Spec
from ._hyp_common import (
    json_body,
)
from ._results import Exchange
from ._scenario_checks import amount_value
from ._stateful_base import AUTHORIZED, EXTRA, MAX_AUTHORIZATIONS, SHARES, Lifecycle

__all__ = ["PivotLifecycle"]


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
    captured_seen: Decimal = Decimal(0)

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


class PivotLifecycle(Lifecycle):
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
            # A refusal changes nothing: the read must show the captures as they were.
            self.refused = exchange
            try:
                self._read(session)
            finally:
                self.refused = None
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
        authorized = amount_value(charge.get("authorizedAmount"))
        if authorized is not None and authorized != session.authorized:
            self.fail(
                "status-agrees",
                f"authorizedAmount is {authorized}, the session authorized {session.authorized}",
                expected=session.authorized,
                actual=charge.get("authorizedAmount"),
                exchange=exchange,
                source="pivot.charge-object",
            )
        captured = amount_value(charge.get("capturedAmount"))
        if captured is None:
            return
        if captured > session.authorized:
            self.fail(
                "over-capture",
                f"capturedAmount {captured} exceeds the authorized {session.authorized}",
                expected=f"at most {session.authorized}",
                actual=charge.get("capturedAmount"),
                exchange=exchange,
                source="pivot.manual-capture-flow",
            )
        if captured > session.reserved:
            self.fail(
                "status-agrees",
                f"capturedAmount {captured} is more than the accepted captures "
                f"({session.reserved})",
                expected=f"at most {session.reserved} (it may lag behind, never run ahead)",
                actual=charge.get("capturedAmount"),
                exchange=exchange,
                source="pivot.async-capture",
            )
        if captured < session.captured_seen:
            self.fail(
                "transition",
                f"capturedAmount went down from {session.captured_seen} to {captured}",
                expected=f"at least {session.captured_seen}",
                actual=charge.get("capturedAmount"),
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
