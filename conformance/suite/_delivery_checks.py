"""The judgement behind :meth:`~._deliveries.Deliveries.conclude`: captures against deliveries.

:class:`Judge` pairs each accepted capture with its delivery (Midtrans: the
transaction's first notification that is not the earlier ``authorize`` news;
Pivot: the settled session's callback), validates it against what the capture
or the session read says, and writes missing ones as
``<provider>.notification.delivered``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ..errors import UsageError
from ._clock_checks import move_clock
from ._inbox import ACCEPTED, Delivery, Inbox
from ._model import CaseContext, OutOfTime
from ._results import CaseResult, Exchange, Finding
from ._setup import SetupError

__all__ = ["SETTLE_ADVANCE", "Capture", "Judge", "Owner", "captured", "delivery_exchange"]

#: The status a transaction had before its capture: its deliveries are earlier news.
_BEFORE = {"midtrans": "authorize", "pivot": "PROCESSING"}
#: How far the judge moves a simulator clock to settle Pivot captures still PENDING
#: (the simulator holds one back at most an hour: ``settle_delay`` <= 3600 s).
SETTLE_ADVANCE = 3600.0
_POLL = 0.2


class Owner(Protocol):
    """What the judge reads of its :class:`~._deliveries.Deliveries`."""

    provider: str
    inbox: Inbox | None
    timeout: float
    receiver: str
    latencies: list[float]


@dataclass
class Capture:
    case_id: str
    subject: str  # Midtrans transaction_id, Pivot payment session id
    exchange: Exchange
    sent: float  # wall time the capture was sent (Delivery.received is wall time too)
    due: float  # monotonic deadline for its delivery


class Judge:
    """One conclusion: which case gets which finding, and which deliveries were matched."""

    def __init__(
        self,
        owner: Owner,
        cases: dict[str, CaseResult],
        context: Callable[[CaseResult], CaseContext],
        deadline: float,
    ) -> None:
        assert owner.inbox is not None
        self.owner, self.inbox, self.cases = owner, owner.inbox, cases
        self.context, self.deadline = context, deadline
        self.selection = context(next(iter(cases.values()))).selection if cases else None
        self.matched: set[int] = set()
        self.checked = self.subjects = 0
        self.not_due = ""
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, case: CaseResult, finding: Finding) -> None:
        key = (case.id, finding.check, finding.pointer)
        selection = self.selection
        if key in self._seen or (selection is not None and not selection.keeps(finding.check)):
            return
        self._seen.add(key)
        case.fail(finding)

    def _wait(self, subject: str, due: float) -> Delivery | None:
        before = _BEFORE[self.owner.provider]

        def fits(d: Delivery) -> bool:
            return _subject(d) == subject and d.status is not None and d.status != before

        left = min(due, self.deadline) - time.monotonic()
        return self.inbox.wait_for(fits, max(left, 0.0))

    def _judge(self, capture: Capture, delivery: Delivery, transaction: Any) -> None:
        self.matched.add(id(delivery))
        self.checked += 1
        self.owner.latencies.append(max(delivery.received - capture.sent, 0.0))
        validator = self.context(self.cases[capture.case_id]).target.validator
        server_key, callback_key = self.inbox.server_key, self.inbox.callback_key
        try:
            found = validator.validate_notification(
                delivery.request, server_key=server_key, callback_key=callback_key,
                transaction=transaction,
            )  # fmt: skip
        except UsageError:  # the answer carries no status to hold the delivery to
            found = validator.validate_notification(
                delivery.request, server_key=server_key, callback_key=callback_key
            )
        exchange = delivery_exchange(delivery, found)
        for violation in found:
            self.add(self.cases[capture.case_id], Finding.from_violation(violation, exchange))

    def _missing(self, capture: Capture, what: str) -> tuple[CaseResult, Finding]:
        provider = self.owner.provider
        others = sorted({d.status or "?" for d in self.inbox if _subject(d) == capture.subject})
        came = f"only {', '.join(map(repr, others))} for it" if others else "none"
        check = f"{provider}.notification.delivered"
        validator = self.context(self.cases[capture.case_id]).target.validator
        source = next((r.source for r in _rules() if r.id == check), None)
        if getattr(self.owner, "recorded", False):  # a replay: the recording is all there is
            message = f"the recording holds no {what} for {capture.subject}"
            expected = f"a {what}, recorded with it"
        else:
            message = (
                f"no {what} for {capture.subject} reached {self.owner.receiver} "
                f"within {self.owner.timeout:g} s"
            )
            expected = f"a {what} within {self.owner.timeout:g} s"
        finding = Finding(
            check=check,
            message=message,
            expected=expected,
            actual=came,
            source=validator.spec.source(source),
            exchange=capture.exchange,
        )
        return self.cases[capture.case_id], finding

    # -- Midtrans: the capture's own notification -----------------------------------------
    def midtrans(self, captures: list[Capture]) -> list[tuple[CaseResult, Finding]]:
        missing = []
        self.subjects = len(captures)
        for capture in captures:
            delivery = self._wait(capture.subject, capture.due)
            if delivery is None:
                missing.append(self._missing(capture, "notification after the capture"))
            else:
                self._judge(capture, delivery, capture.exchange.json())
        return missing

    # -- Pivot: the session's callback once it settled ------------------------------------
    def pivot(self, captures: list[Capture]) -> list[tuple[CaseResult, Finding]]:
        first: dict[str, Capture] = {}
        for capture in captures:
            first.setdefault(capture.subject, capture)
        self.subjects = len(first)
        settled: dict[str, tuple[Capture, Any, float]] = {}  # (capture, read, due)
        pending = dict(first)
        moved = False
        partial = 0
        while pending:
            for sid, capture in list(pending.items()):
                read = self._read(capture)
                if read is None or not _settling(read):
                    del pending[sid]
                    if read is not None and _status(read) in _SETTLED:
                        due = time.monotonic() + self.owner.timeout  # settled by now
                        settled[sid] = (capture, read, due)
                    elif read is not None:
                        partial += 1
            if not pending or time.monotonic() > self.deadline:
                break
            if not moved:
                moved = self._advance_clock(next(iter(pending.values())))
                if moved:
                    continue
            if time.monotonic() > max(c.due for c in pending.values()):
                break
            time.sleep(_POLL)
        missing = []
        for capture, read, due in settled.values():
            delivery = self._wait(capture.subject, due)
            if delivery is None:
                missing.append(self._missing(capture, f"callback of its {_status(read)} session"))
            else:
                self._judge(capture, delivery, read)
        notes = []
        if partial:
            notes.append(f"{partial} sessions stayed PROCESSING (partial: no callback due)")
        if pending:
            notes.append(f"{len(pending)} sessions had not settled within the bound")
        self.not_due = "; ".join(notes)
        return missing

    def _read(self, capture: Capture) -> Any:
        ctx = self.context(self.cases[capture.case_id])
        try:
            headers = ctx.auth_headers()
        except (OutOfTime, SetupError):  # no token: the session cannot be read
            return None
        request = ctx.target.request("GET", f"/v2/payments/{capture.subject}", headers=headers)
        try:
            exchange = ctx.send("get-payment", request)
        except OutOfTime:
            return None
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict):
            return None
        data = body.get("data")
        return data if isinstance(data, dict) else None

    def _advance_clock(self, capture: Capture) -> bool:
        ctx = self.context(self.cases[capture.case_id])
        try:
            move_clock(ctx.target.client, SETTLE_ADVANCE)
        except SetupError:
            return False
        ctx.setup.forget_token()  # tokens were issued on the old time
        return True


_SETTLED = frozenset({"PAID", "CANCELLED"})  # the documented events after PROCESSING


def _status(session: Any) -> Any:
    return session.get("status")


def _settling(session: dict[str, Any]) -> bool:
    """A PROCESSING session whose charge waits on a capture still PENDING."""
    if _status(session) != "PROCESSING":
        return False
    return any(
        charge.get("status") == "PROCESSING"
        or any(c.get("status") == "PENDING" for c in _dicts(charge.get("captureHistories")))
        for charge in _dicts(session.get("chargeDetails"))
    )


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    return (v for v in (value if isinstance(value, list) else []) if isinstance(v, dict))


def captured(provider: str, exchange: Exchange) -> str | None:
    """The transaction (Midtrans) or session (Pivot) of an accepted capture, else ``None``."""
    body = exchange.json()
    if not isinstance(body, dict):
        return None
    if provider == "midtrans":
        ident = body.get("transaction_id")
        return ident if body.get("status_code") == "200" and isinstance(ident, str) else None
    if exchange.status != 200 or body.get("code") != "00":
        return None
    parts = exchange.request.url.path.rstrip("/").split("/")
    return parts[-2].lower() if len(parts) >= 2 and parts[-1] == "capture" else None


def _subject(delivery: Delivery) -> str | None:
    """Midtrans: the transaction id; Pivot: the session id (lower case, as the path)."""
    body = delivery.body
    if not isinstance(body, dict):
        return None
    if delivery.provider == "midtrans":
        value = body.get("transaction_id")
        return value if isinstance(value, str) else None
    subject = delivery.subject
    return subject.lower() if subject else None


def delivery_exchange(delivery: Delivery, violations: list[Any]) -> Exchange:
    answer = httpx.Response(200, json=ACCEPTED, request=delivery.request)
    return Exchange("notification", delivery.request, answer, None, 0.0, list(violations))


def _rules() -> Any:
    from ..rules import all_rules

    return all_rules()
