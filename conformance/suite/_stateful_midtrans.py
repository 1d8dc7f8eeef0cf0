"""The Midtrans capture-lifecycle state machine (see :mod:`conformance.suite.stateful`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    initialize,
    precondition,
    rule,
)

from ._hyp_common import (
    json_body,
)
from ._scenario_checks import as_decimal
from ._stateful_base import AUTHORIZED, EXTRA, MAX_AUTHORIZATIONS, SHARES, Lifecycle

__all__ = ["MidtransLifecycle"]


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


class MidtransLifecycle(Lifecycle):
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

    def _read(self, transaction: MidtransTransaction, *, after_refusal: bool = False) -> None:
        """Read the status, right after a refused capture when *after_refusal*."""
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
        if after_refusal and transaction.status == "authorize" and status == "capture":
            self.fail(
                "status-agrees",
                f"the status read says 'capture' right after a capture of authorized "
                f"transaction {transaction.id} was refused",
                expected="transaction_status 'authorize': a refused capture changes nothing",
                exchange=exchange,
                source="midtrans.lifecycle",
            )
            transaction.status = status  # left out by --skip: follow the target
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
            # A refusal changes nothing: the read must not show the capture it refused.
            self.refused = exchange
            try:
                self._read(transaction, after_refusal=True)
            finally:
                self.refused = None
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
        answered = as_decimal(json_body(exchange).get("gross_amount"))
        # "gross_amount | Total amount of transaction": the amount captured, or the
        # transaction's total; the docs do not say which for a partial capture.
        if answered is not None and answered not in (value, transaction.authorized):
            self.fail(
                "status-agrees",
                f"an accepted capture of {value} answered gross_amount {answered}",
                expected=f"{value} (captured) or {transaction.authorized} (the transaction's)",
                actual=json_body(exchange).get("gross_amount"),
                exchange=exchange,
                source="midtrans.gross-amount-response",
            )
        transaction.captured += value
        transaction.status = "capture"
        self._read(transaction)  # the status read agrees with the capture at once
