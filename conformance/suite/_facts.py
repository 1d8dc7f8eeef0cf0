"""What the setup established about each transaction, and later answers held to it.

The kit makes its own authorizations (``_setup.py``), so it knows what no schema
can know: the order id it charged with, the card it charged, what the charge
answered, the session's ``clientReferenceId``, the capture ids each capture
answer gave. :class:`Facts` learns these from the setup and capture exchanges
(``learn``) and judges every later answer about the same transaction against
them (``judge``), as ``<provider>.transaction-facts``:

- **Midtrans**: ``order_id`` is the one charged, whole; ``transaction_id``,
  ``payment_type`` and ``bank`` are the charge answer's where it gave them;
  ``masked_card`` shows the charged card's first 6 and last 4 digits.
- **Pivot**: ``paymentSessionClientReferenceId`` (capture answers, charges) and
  ``clientReferenceId`` (the session) are the session's own; every capture id is
  new within its session; ``captureHistories[]`` names each capture once, with
  the amount its answer gave, a status its answer allows, and an entry once
  shown is shown again, with the same amount.

>>> facts = Facts("pivot")
>>> facts.sessions["s1"] = PivotFacts(reference="order-1")
>>> facts.judge_body("capture", {"code": "00", "data": {"paymentSessionId": "s1",
...     "paymentSessionClientReferenceId": "order-"}}, "s1")[0].pointer
'/data/paymentSessionClientReferenceId'
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._results import Exchange, request_example
from ._scenario_checks import amount_value, as_decimal

__all__ = [
    "FACTS_SOURCE",
    "Facts",
    "MidtransFacts",
    "PivotFacts",
    "Problem",
    "answer_body",
    "answer_data",
    "check_id",
]

#: The source each provider's facts rest on.
FACTS_SOURCE = {"midtrans": "midtrans.transaction-facts", "pivot": "pivot.transaction-facts"}


def check_id(provider: str) -> str:
    return f"{provider}.transaction-facts"


@dataclass(frozen=True)
class Problem:
    """One answer that contradicts a known fact."""

    pointer: str
    expected: Any
    actual: Any
    message: str


@dataclass
class MidtransFacts:
    order_id: str | None = None
    card: str | None = None  # the digits of the card charged
    charged: dict[str, Any] = field(default_factory=dict)  # the charge answer's fields


@dataclass
class PivotFacts:
    reference: str | None = None
    #: capture id -> (amount value, status answered)
    captures: dict[str, tuple[Decimal | None, str | None]] = field(default_factory=dict)
    #: capture id -> amount shown in captureHistories, once shown
    shown: dict[str, Decimal | None] = field(default_factory=dict)


_DIGITS = re.compile(r"[0-9]+")


def answer_body(exchange: Exchange) -> dict[str, Any]:
    """The answer's JSON object; ``{}`` when it is none."""
    body = exchange.json()
    return body if isinstance(body, dict) else {}


def answer_data(exchange: Exchange) -> dict[str, Any]:
    """The ``data`` object of the answer (Pivot); ``{}`` when it is none."""
    return _data(answer_body(exchange))


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def _request_json(exchange: Exchange) -> dict[str, Any]:
    body = request_example(exchange.request)
    return body if isinstance(body, dict) else {}


class Facts:
    """The facts of every transaction one case made, and the judge of later answers."""

    def __init__(self, provider: str, *, recorded: bool = False) -> None:
        #: A replay answers with what the recording's target said to the ids sent
        #: *then*: the ids a case made anew cannot match, so they are learnt from
        #: the recorded answers (whose agreement with their own request was the
        #: live run's to judge).
        self.recorded = recorded
        self.provider = provider
        self.check = check_id(provider)
        self.source = FACTS_SOURCE[provider]
        self.transactions: dict[str, MidtransFacts] = {}
        self.sessions: dict[str, PivotFacts] = {}
        self._card: str | None = None
        self._lock = threading.Lock()

    # -- learning -----------------------------------------------------------------------
    def learn(self, exchange: Exchange) -> None:
        """Remember what a setup exchange established (token, charge, payment session)."""
        if exchange.response is None or exchange.status is None or exchange.status >= 300:
            return
        with self._lock:
            if exchange.operation == "token":
                number = exchange.request.url.params.get("card_number", "")
                digits = "".join(_DIGITS.findall(number))
                self._card = digits or None
            elif exchange.operation == "charge":
                self._learn_charge(exchange)
            elif exchange.operation == "create-payment":
                data = answer_data(exchange)
                sent = data if self.recorded else _request_json(exchange)
                reference = sent.get("clientReferenceId")
                if isinstance(data.get("id"), str) and isinstance(reference, str):
                    self.sessions[data["id"].lower()] = PivotFacts(reference=reference)

    def _learn_charge(self, exchange: Exchange) -> None:
        body = answer_body(exchange)
        details = _request_json(exchange).get("transaction_details")
        order = details.get("order_id") if isinstance(details, dict) else None
        if self.recorded:
            order = body.get("order_id")
        tid = body.get("transaction_id")
        if body.get("status_code") not in ("200", "201") or not isinstance(tid, str):
            return
        kept: dict[str, Any] = {
            k: body[k] for k in ("payment_type", "bank", "order_id") if k in body
        }
        self.transactions[tid] = MidtransFacts(
            order_id=order if isinstance(order, str) else None, card=self._card, charged=kept
        )

    def learning(self, record: Any) -> Any:
        """A setup ``record`` callback that also learns from what it records."""

        def both(exchange: Exchange) -> None:
            record(exchange)
            self.learn(exchange)

        return both

    # -- judging ------------------------------------------------------------------------
    def judge(self, exchange: Exchange, subject: str | None = None) -> list[Problem]:
        """What *exchange*'s answer contradicts; *subject* is the transaction it is about."""
        if exchange.response is None or exchange.status is None or exchange.status >= 300:
            return []
        if exchange.operation in ("capture", "status", "get-payment"):
            request = _request_json(exchange)
            subject = subject or request.get("transaction_id") or _path_id(exchange)
        return self.judge_body(exchange.operation, answer_body(exchange), subject)

    def judge_body(self, operation: str, body: dict[str, Any], subject: Any) -> list[Problem]:
        if not isinstance(subject, str):
            return []
        with self._lock:
            if self.provider == "midtrans":
                known = self.transactions.get(subject)
                return [] if known is None else _midtrans(known, body)
            session = self.sessions.get(subject.lower())
            if session is None or body.get("code") not in ("00", 0):
                return []
            if operation == "capture":
                return _pivot_capture(session, _data(body))
            if operation == "get-payment":
                return _pivot_session(session, _data(body))
        return []


def _path_id(exchange: Exchange) -> str | None:
    parts = exchange.request.url.path.strip("/").split("/")
    # /v2/{id}/status (Midtrans), /v2/payments/{id}[/capture] (Pivot)
    if len(parts) >= 3 and parts[0] == "v2" and parts[1] == "payments":
        return parts[2]
    if len(parts) == 3 and parts[0] == "v2" and parts[2] == "status":
        return parts[1]
    return None


def _midtrans(known: MidtransFacts, body: dict[str, Any]) -> list[Problem]:
    if body.get("status_code") not in ("200", "201", "202", "407") and "transaction_status" not in (
        body
    ):
        return []  # an error body names no transaction
    found = []
    if known.order_id is not None and "order_id" in body and body["order_id"] != known.order_id:
        found.append(
            Problem("/order_id", known.order_id, body["order_id"],
                    "order_id is not the order id the transaction was charged with")
        )  # fmt: skip
    for name in ("payment_type", "bank"):
        had = known.charged.get(name)
        got = body.get(name)
        if isinstance(had, str) and isinstance(got, str) and had.lower() != got.lower():
            found.append(Problem(f"/{name}", had, got, f"{name} differs from the charge answer's"))
    masked = body.get("masked_card")
    if known.card is not None and isinstance(masked, str):
        runs = _DIGITS.findall(masked)
        if len(runs) >= 2 and len(runs[0]) >= 6 and len(runs[-1]) >= 4:
            first, last = runs[0][:6], runs[-1][-4:]
            if (first, last) != (known.card[:6], known.card[-4:]):
                found.append(
                    Problem(
                        "/masked_card",
                        f"{known.card[:6]}… … {known.card[-4:]} (the card charged)",
                        masked,
                        "masked_card is not the card that was charged "
                        "(its first 6 and last 4 digits differ)",
                    )
                )
    return found


def _pivot_capture(session: PivotFacts, data: dict[str, Any]) -> list[Problem]:
    found = _reference(session, data, "/data/paymentSessionClientReferenceId")
    capture_id = data.get("id")
    if isinstance(capture_id, str) and capture_id:
        # An id, not a spelling: the facts name no case for it (session ids are UUIDs).
        key = capture_id.lower()
        if key in session.captures:
            found.append(
                Problem("/data/id", "a capture id new within the session", capture_id,
                        "the capture id was already given to an earlier capture of this session")
            )  # fmt: skip
        else:
            amount = data.get("amount")
            value = amount_value(amount) if isinstance(amount, dict) else Decimal(0)
            status = data.get("status")
            session.captures[key] = (value, status if isinstance(status, str) else None)
    return found


def _reference(session: PivotFacts, holder: dict[str, Any], pointer: str) -> list[Problem]:
    key = pointer.rsplit("/", 1)[1]
    got = holder.get(key)
    if session.reference is None or key not in holder or got == session.reference:
        return []
    message = f"{key} is not the session's clientReferenceId"
    return [Problem(pointer, session.reference, got, message)]


#: What a capture answered -> what its history entry may say.
_HISTORY_AFTER = {"PENDING": {"PENDING", "SUCCESS", "FAILED"}, "SUCCESS": {"SUCCESS"}}


def _pivot_session(session: PivotFacts, data: dict[str, Any]) -> list[Problem]:
    found = _reference(session, data, "/data/clientReferenceId")
    charges = data.get("chargeDetails")
    seen: dict[str, Decimal | None] = {}
    for index, charge in enumerate(charges if isinstance(charges, list) else []):
        if not isinstance(charge, dict):
            continue
        where = f"/data/chargeDetails/{index}"
        found += _reference(session, charge, f"{where}/paymentSessionClientReferenceId")
        histories = charge.get("captureHistories")
        for position, entry in enumerate(histories if isinstance(histories, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("captureId"), str):
                continue
            at, capture_id = f"{where}/captureHistories/{position}", entry["captureId"]
            key = capture_id.lower()
            value = as_decimal(entry.get("capturedAmount"))
            if key in seen:
                found.append(
                    Problem(f"{at}/captureId", "each capture once", capture_id,
                            "captureHistories names the same capture id twice")
                )  # fmt: skip
            seen[key] = value
            answered = session.captures.get(key)
            if answered is not None:
                amount, status = answered
                if amount is not None and value is not None and amount > 0 and value != amount:
                    found.append(
                        Problem(f"{at}/capturedAmount", amount, entry.get("capturedAmount"),
                                "captureHistories shows another amount than the capture answered")
                    )  # fmt: skip
                allowed = _HISTORY_AFTER.get(status or "", set())
                if allowed and entry.get("status") not in allowed:
                    found.append(
                        Problem(f"{at}/status", sorted(allowed), entry.get("status"),
                                f"the capture answered {status}; its history cannot say this")
                    )  # fmt: skip
            before = session.shown.get(key, value)
            if before is not None and value is not None and before != value:
                found.append(
                    Problem(f"{at}/capturedAmount", before, entry.get("capturedAmount"),
                            "a capture's amount changed between two reads")
                )  # fmt: skip
    for capture_id in session.shown:
        if capture_id not in seen:
            found.append(
                Problem("/data/chargeDetails", f"captureHistories with captureId {capture_id}",
                        sorted(seen), "a capture shown by an earlier read is gone (or its id "
                        "changed)")
            )  # fmt: skip
    session.shown.update(seen)
    return found
