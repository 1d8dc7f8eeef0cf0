"""The Pivot simulator's stored objects, their JSON shapes, and lazy settlement.

Times are integer nanoseconds since the Unix epoch (served with nine fractional
digits, like the seed's ``2026-01-30T04:24:09.620309094Z``); money is
:class:`~decimal.Decimal`, so partial captures add up exactly.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "NS",
    "Capture",
    "Charge",
    "Ids",
    "Session",
    "add_capture",
    "amount_json",
    "capture_answer",
    "epoch_ns",
    "initial_status",
    "number",
    "settle",
    "stamp",
]

NS = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Capture statuses, and the session / charge statuses this simulator moves through.
PENDING, SUCCESS = "PENDING", "SUCCESS"
SESSION_FINAL = frozenset({"CANCELLED", "EXPIRED", "INACTIVE", "PAID"})


def epoch_ns(moment: datetime) -> int:
    """*moment* as integer nanoseconds since the epoch (exact: no float rounding)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1_000


def stamp(ns: int) -> str:
    """RFC 3339 UTC with nine fractional digits.

    >>> stamp(1769747049620309094)
    '2026-01-30T04:24:09.620309094Z'
    """
    seconds, fraction = divmod(ns, NS)
    return f"{_whole_seconds(seconds)}.{fraction:09d}Z"


@functools.lru_cache(maxsize=64)
def _whole_seconds(seconds: int) -> str:
    # Every answer carries a few stamps of the same second; strftime is the costly part.
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def number(value: Decimal) -> int | float:
    """A JSON number for *value*: an integer when it has no fraction.

    >>> number(Decimal("12000")), number(Decimal("10.50"))
    (12000, 10.5)
    """
    return int(value) if value == value.to_integral_value() else float(value)


def amount_json(value: Decimal, currency: str) -> dict[str, Any]:
    return {"value": number(value), "currency": currency}


class Ids:
    """Seeded identifiers, so that a run with the same seed serves the same ids."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._random = random.Random(seed)

    def reset(self) -> None:
        self._random = random.Random(self._seed)

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def uuid7(self, ns: int) -> str:
        """A UUID v7 (RFC 9562): 48-bit Unix milliseconds, then random bits."""
        millis = (ns // 1_000_000) & ((1 << 48) - 1)
        value = (
            millis << 80
            | 0x7 << 76
            | self._random.getrandbits(12) << 64
            | 0b10 << 62
            | self._random.getrandbits(62)
        )
        return str(uuid.UUID(int=value))

    def trace_id(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def jitter(self) -> int:
        """Sub-microsecond digits: the clock only has microseconds, Pivot serves nanoseconds."""
        return self._random.randrange(1_000)

    def token(self, merchant: str, issued_ns: int, lifetime: int) -> str:
        """A JWT-shaped opaque token (``eyJ...``), as in Pivot's example."""

        def part(obj: Any) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        claims = {
            "sub": merchant,
            "iat": issued_ns // NS,
            "exp": issued_ns // NS + lifetime,
            "jti": self.uuid4(),
        }
        signature = base64.urlsafe_b64encode(self._random.randbytes(32)).rstrip(b"=").decode()
        return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


@dataclass
class Capture:
    """One accepted capture call. ``value`` is 0 for a release without an amount."""

    id: str
    value: Decimal
    currency: str
    release: bool
    status: str
    created_ns: int
    updated_ns: int
    due_ns: int

    @classmethod
    def new(cls, id: str, value: Decimal, currency: str, release: bool, at_ns: int) -> Capture:
        """A capture made at *at_ns*, ``PENDING`` and due at once (set ``due_ns`` to delay it)."""
        return cls(id, value, currency, release, PENDING, at_ns, at_ns, at_ns)

    def history_json(self) -> dict[str, Any]:
        return {
            "captureId": self.id,
            "currency": self.currency,
            "capturedAmount": number(self.value),
            "status": self.status,
            "createdAt": stamp(self.created_ns),
            "updatedAt": stamp(self.updated_ns),
        }

    def state_json(self, session_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "paymentSessionId": session_id,
            "amount": amount_json(self.value, self.currency),
            "releaseRemainingAmount": self.release,
            "status": self.status,
            "createdAt": stamp(self.created_ns),
            "updatedAt": stamp(self.updated_ns),
            "settlesAt": stamp(self.due_ns),
        }


@dataclass
class Charge:
    """The session's single card charge."""

    id: str
    status: str
    authorized: Decimal | None
    created_ns: int
    updated_ns: int
    captures: list[Capture] = field(default_factory=list)
    auto_captured: Decimal = Decimal(0)

    def reserved(self) -> Decimal:
        """Captured or still settling: what no further capture may take again."""
        return self.auto_captured + sum((c.value for c in self.captures), Decimal(0))

    def captured(self) -> Decimal:
        settled = (c.value for c in self.captures if c.status == SUCCESS)
        return self.auto_captured + sum(settled, Decimal(0))


@dataclass
class Session:
    """A payment session, its charge, and what is needed to answer for it."""

    id: str
    merchant: str
    request_id: str
    request_body: Any
    client_reference_id: str
    value: Decimal
    currency: str
    payment_type: str
    mode: str
    method_type: str
    capture_method: str | None
    status: str
    charge: Charge
    created_ns: int
    updated_ns: int
    released: bool = False
    # As created: what GET serves under the "history-not-updated" quirk.
    initial: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.initial = (self.status, self.charge.status)

    @property
    def final(self) -> bool:
        return self.status in SESSION_FINAL

    def json(self, *, hide_captures: bool = False) -> dict[str, Any]:
        """The session object of ``POST /v2/payments`` and ``GET /v2/payments/{id}``."""
        status = self.initial[0] if hide_captures else self.status
        body: dict[str, Any] = {
            "id": self.id,
            "clientReferenceId": self.client_reference_id,
            "amount": amount_json(self.value, self.currency),
            "paymentType": self.payment_type,
            "mode": self.mode,
            "status": status,
            "paymentMethod": {"type": self.method_type},
        }
        if self.capture_method is not None:
            body["paymentMethodOptions"] = {"card": {"captureMethod": self.capture_method}}
        body["chargeDetails"] = [self.charge_json(hide_captures=hide_captures)]
        body["createdAt"] = stamp(self.created_ns)
        body["updatedAt"] = stamp(self.created_ns if hide_captures else self.updated_ns)
        return body

    def charge_json(self, *, hide_captures: bool = False) -> dict[str, Any]:
        """The charge object of ``chargeDetails[]``; *hide_captures* serves it as created."""
        charge = self.charge
        status = self.initial[1] if hide_captures else charge.status
        captured = charge.auto_captured if hide_captures else charge.captured()
        body: dict[str, Any] = {
            "id": charge.id,
            "paymentSessionId": self.id,
            "paymentSessionClientReferenceId": self.client_reference_id,
            "amount": amount_json(self.value, self.currency),
            "status": status,
        }
        if charge.authorized is not None:
            body["authorizedAmount"] = amount_json(charge.authorized, self.currency)
        body["capturedAmount"] = amount_json(captured, self.currency)
        body["isCaptured"] = captured > 0
        body["captureHistories"] = (
            [] if hide_captures else [c.history_json() for c in charge.captures]
        )
        body["createdAt"] = stamp(charge.created_ns)
        body["updatedAt"] = stamp(charge.created_ns if hide_captures else charge.updated_ns)
        return body

    def state_json(self) -> dict[str, Any]:
        body = self.json()
        del body["chargeDetails"]
        body.update(
            merchantId=self.merchant,
            requestId=self.request_id,
            chargeId=self.charge.id,
            releaseRequested=self.released,
        )
        return body


def initial_status(req: Any, three_ds_card: str) -> tuple[str, str, Decimal | None, Decimal]:
    """``(session status, charge status, authorized, auto-captured)`` of a new session."""
    value: Decimal = req.amount.value
    if not req.has_card:
        return "REQUIRE_PAYMENT_METHOD", "WAITING_FOR_USER_ACTION", None, Decimal(0)
    if req.method_type != "CARD":
        return "PROCESSING", "WAITING_FOR_USER_ACTION", None, Decimal(0)
    if req.card_number == three_ds_card:
        return "REQUIRE_ACTION", "WAITING_FOR_AUTHENTICATION", None, Decimal(0)
    if req.capture_method == "manual":
        return "PROCESSING", "WAITING_FOR_CAPTURE", value, Decimal(0)
    return "PAID", "SUCCESS", value, value


def add_capture(session: Session, capture: Capture, *, settled: bool) -> None:
    """Add *capture* to *session*'s charge; a charge with nothing left waits in PROCESSING."""
    charge = session.charge
    authorized = charge.authorized if charge.authorized is not None else Decimal(0)
    if settled:
        capture.status = SUCCESS
    charge.captures.append(capture)
    charge.updated_ns = session.updated_ns = capture.created_ns
    session.released = session.released or capture.release
    reserved = charge.reserved() >= authorized
    if charge.status == "WAITING_FOR_CAPTURE" and (capture.release or reserved):
        charge.status = "PROCESSING"


def settle(session: Session, now_ns: int, *, empty_pays: bool = False) -> None:
    """Apply every capture outcome that is due at *now_ns* (lazily: no background task).

    A charge that a capture finished (everything reserved, or the remainder
    released) waits in ``PROCESSING`` until its last capture settles; then the
    session is ``PAID`` / charge ``SUCCESS`` if anything was captured, else
    ``CANCELLED`` / ``FAILED``.
    """
    charge = session.charge
    for capture in charge.captures:
        if capture.status == PENDING and capture.due_ns <= now_ns:
            capture.status = SUCCESS
            capture.updated_ns = max(capture.due_ns, capture.created_ns + 1)
            charge.updated_ns = max(charge.updated_ns, capture.updated_ns)
            session.updated_ns = max(session.updated_ns, capture.updated_ns)
    if charge.status != "PROCESSING" or any(c.status == PENDING for c in charge.captures):
        return
    done = max((c.updated_ns for c in charge.captures), default=charge.updated_ns)
    if charge.captured() > 0 or empty_pays:  # *empty_pays*: the "release-ends-paid" quirk
        charge.status, session.status = "SUCCESS", "PAID"
    else:
        charge.status, session.status = "FAILED", "CANCELLED"
    charge.updated_ns = session.updated_ns = max(done, charge.updated_ns)


def capture_answer(
    session: Session,
    capture: Capture,
    *,
    path_id: str,
    release: bool,
    raw_amount: dict[str, Any] | None,
    updated_ns: int,
    null_echo: bool,
    quirk: str | None,
    other_id: Callable[[], str],
) -> dict[str, Any]:
    """``data`` of a capture answer (always ``PENDING``), with the response-shape quirks applied.

    The amount echoes the request's; without one it is 0 in the session's
    currency, or ``null`` (observed) when *null_echo* is set.
    """
    amount: dict[str, Any] | None
    if raw_amount is not None:
        amount = {"value": raw_amount["value"], "currency": raw_amount["currency"]}
    elif null_echo:
        amount = None
    else:
        amount = amount_json(capture.value, session.currency)
    if amount is not None and quirk == "amount-echo-wrong":
        amount["value"] = amount["value"] + 1
    if amount is not None and quirk == "amount-value-string":
        amount["value"] = str(amount["value"])
    reference_key = (
        "PaymentSessionClientReferenceId"
        if quirk == "client-reference-id-capitalised"
        else "paymentSessionClientReferenceId"
    )
    created_at, updated_at = stamp(capture.created_ns), stamp(updated_ns)
    if quirk == "created-at-jakarta":  # Jakarta wall time, written as if it were UTC
        created_at, updated_at = (
            stamp(capture.created_ns + 7 * 3600 * NS),
            stamp(updated_ns + 7 * 3600 * NS),
        )
    reference = session.client_reference_id
    if quirk == "client-reference-id-wrong":
        reference = reference[: len(reference) // 2] or "0"  # cut: another session's, perhaps
    if quirk == "created-at-local":
        created_at = datetime.fromtimestamp(capture.created_ns // NS, UTC).strftime("%d/%m/%Y")
    return {
        "id": capture.id,
        "paymentSessionId": other_id() if quirk == "session-id-mismatch" else path_id,
        reference_key: reference,
        "releaseRemainingAmount": (not release) if quirk == "release-echo-flipped" else release,
        "amount": amount,
        "status": "DONE" if quirk == "status-done" else PENDING,
        "createdAt": created_at,
        "updatedAt": updated_at,
    }
