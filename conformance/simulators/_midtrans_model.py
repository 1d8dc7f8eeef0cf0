"""The Midtrans simulator's data: card tokens, transactions and their lifecycle, amounts, times.

Everything here is synchronous and free of I/O; the simulator in
``midtrans.py`` turns it into HTTP answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .._json import loads

__all__ = [
    "AUTHORIZATION_LIFETIME",
    "DENIED_CARDS",
    "IDEMPOTENCY_WINDOW",
    "JAKARTA",
    "Amount",
    "ChargeRequest",
    "Token",
    "Transaction",
    "check_amount",
    "luhn_ok",
    "money",
    "parse_capture",
    "parse_card",
    "parse_charge",
    "parse_json",
    "timestamp",
]

#: Midtrans writes every timestamp in Jakarta time (WIB, UTC+7) without a zone suffix.
JAKARTA = timezone(timedelta(hours=7), "WIB")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: An authorization not captured within 7 days expires (provider-facts.md); the
#: simulator's ``expiry_time`` shows this same instant, so it never promises more
#: time than it grants (DECISIONS.md 9 allows 7 or 8 days).
AUTHORIZATION_LIFETIME = timedelta(days=7)
#: Captured card transactions settle at the next 19:00 Jakarta time, as in the
#: seed's example (captured 14:46:44, ``settlement_time`` 19:00:00 the same day).
SETTLEMENT_HOUR = 19
IDEMPOTENCY_WINDOW = timedelta(minutes=5)
MAX_LONG = 2**63 - 1
#: Sandbox test cards the bank denies; any other Luhn-valid number is approved.
DENIED_CARDS = frozenset({"4911111111111113"})

Amount = int | float


def timestamp(moment: datetime) -> str:
    """*moment* as Midtrans writes it: ``YYYY-MM-DD HH:MM:SS`` in Jakarta time.

    >>> timestamp(datetime(2014, 10, 31, 7, 46, 44, tzinfo=UTC))
    '2014-10-31 14:46:44'
    """
    return moment.astimezone(JAKARTA).strftime(TIME_FORMAT)


def money(amount: Amount) -> str:
    """An IDR amount as Midtrans answers it: a string with exactly two decimals.

    >>> money(30000), money(1500.5), money(2**63 - 1)
    ('30000.00', '1500.50', '9223372036854775807.00')
    """
    if isinstance(amount, int):
        return f"{amount}.00"  # formatting through float would round large Longs
    return str(Decimal(repr(amount)).quantize(Decimal("0.01")))


def luhn_ok(digits: str) -> bool:
    """Whether *digits* pass the Luhn check every card number carries.

    >>> luhn_ok("4811111111111114"), luhn_ok("4811111111111115")
    (True, False)
    """
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def next_settlement(moment: datetime) -> datetime:
    local = moment.astimezone(JAKARTA)
    cut = local.replace(hour=SETTLEMENT_HOUR, minute=0, second=0, microsecond=0)
    return cut if cut > local else cut + timedelta(days=1)


def parse_json(raw: bytes) -> Any:
    """The JSON document in *raw*; ``ValueError`` when it is not one (``NaN`` or nesting
    past the kit's reader's bound included: :mod:`conformance._json`).

    Floats stay floats, so ``30000.0`` can be told apart from ``30000``.
    """
    return loads(raw)


def check_amount(value: Any, field: str, *, allow_decimal: bool = False) -> str | None:
    """Why *value* is not a valid request amount (a positive Long), or ``None``.

    >>> check_amount(30000.0, "gross_amount")
    'gross_amount must be an integer without decimals'
    >>> check_amount(30000, "gross_amount") is None
    True
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{field} must be an integer"
    if isinstance(value, float) and not (allow_decimal and math.isfinite(value)):
        return f"{field} must be an integer without decimals"
    if value <= 0:
        return f"{field} must be greater than 0"
    if value > MAX_LONG:
        return f"{field} must be at most {MAX_LONG}"
    return None


def parse_card(query: Mapping[str, str], now: datetime) -> tuple[str, list[str]]:
    """The card number of a token request (spaces removed) and the validation messages."""
    messages = []
    number = query.get("card_number", "").replace(" ", "")
    if not number:
        messages.append("card_number is required")
    elif not (number.isdigit() and 12 <= len(number) <= 19 and luhn_ok(number)):
        messages.append("card_number is invalid")
    month, year = query.get("card_exp_month", ""), query.get("card_exp_year", "")
    month_ok = month.isdigit() and len(month) <= 2 and 1 <= int(month) <= 12
    year_ok = year.isdigit() and len(year) == 4
    if not month_ok:
        messages.append("card_exp_month must be a month from 01 to 12")
    if not year_ok:
        messages.append("card_exp_year must be a year of four digits")
    if month_ok and year_ok:
        today = now.astimezone(JAKARTA)
        if (int(year), int(month)) < (today.year, today.month):
            messages.append("card is expired: card_exp_month/card_exp_year is in the past")
    cvv = query.get("card_cvv", "")
    if not (cvv.isdigit() and 3 <= len(cvv) <= 4):
        messages.append("card_cvv must be 3 or 4 digits")
    return number, messages


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str
    gross_amount: int
    token_id: str | None
    authorize: bool
    bank: str | None
    channel: str | None


def parse_charge(body: Any) -> tuple[ChargeRequest | None, list[str]]:
    """A card charge request, or the validation messages that reject it.

    A missing or non-string ``credit_card.token_id`` is not a validation message:
    Midtrans answers it with status 411, like an unknown token.
    """
    if not isinstance(body, dict):
        return None, ["request body must be a JSON object"]
    messages = []
    if body.get("payment_type") != "credit_card":
        messages.append("payment_type must be credit_card (the only type this simulator serves)")
    details, card = body.get("transaction_details"), body.get("credit_card")
    if not isinstance(details, dict):
        messages.append("transaction_details is required and must be an object")
        details = {}
    if not isinstance(card, dict):
        messages.append("credit_card is required and must be an object")
        card = {}
    order_id, amount = details.get("order_id"), details.get("gross_amount")
    if not isinstance(order_id, str) or not order_id:
        messages.append("transaction_details.order_id is required and must be a string")
    elif len(order_id) > 50:
        messages.append("transaction_details.order_id must be at most 50 characters")
    if "gross_amount" not in details:
        messages.append("transaction_details.gross_amount is required")
    elif problem := check_amount(amount, "transaction_details.gross_amount"):
        messages.append(problem)
    if "type" in card and card["type"] != "authorize":
        messages.append("credit_card.type must be authorize (leave it out for a sale)")
    bank, channel = card.get("bank"), card.get("channel")
    for name, value in (("bank", bank), ("channel", channel)):
        if value is not None and not isinstance(value, str):
            messages.append(f"credit_card.{name} must be a string")
    if messages:
        return None, messages
    token = card.get("token_id")
    assert isinstance(amount, int)  # check_amount accepted it
    return ChargeRequest(
        order_id=str(order_id),
        gross_amount=amount,
        token_id=token if isinstance(token, str) and token else None,
        authorize="type" in card,
        bank=bank.lower() if isinstance(bank, str) and bank else None,
        channel=channel if isinstance(channel, str) and channel else None,
    ), []


def parse_capture(body: Any, *, allow_decimal: bool) -> tuple[str, Amount | None, list[str]]:
    """``(transaction_id, gross_amount or None, validation messages)`` of a capture request.

    Unknown fields are ignored, as Midtrans ignores them; the kit's validator
    reports them on the client side.
    """
    if not isinstance(body, dict):
        return "", None, ["request body must be a JSON object"]
    messages = []
    transaction_id = body.get("transaction_id")
    if "transaction_id" not in body:
        messages.append("transaction_id is required")
    elif not isinstance(transaction_id, str):
        messages.append("transaction_id must be a string")
    elif not 1 <= len(transaction_id) <= 255:
        messages.append("transaction_id must be 1 to 255 characters")
    amount = body.get("gross_amount")
    if "gross_amount" in body:
        problem = check_amount(amount, "gross_amount", allow_decimal=allow_decimal)
        if problem:
            messages.append(problem)
    if messages:
        return "", None, messages
    return str(transaction_id), amount, []


@dataclass
class Token:
    """A card token: single use, spent by the first charge that reaches the bank."""

    token_id: str
    card_number: str
    created_at: datetime
    used: bool = False

    def snapshot(self) -> dict[str, Any]:
        masked = f"{self.card_number[:8]}-{self.card_number[-4:]}"
        return {"token_id": self.token_id, "masked_card": masked, "used": self.used}


@dataclass
class Transaction:
    """One card transaction and where it is in its lifecycle.

    ``authorize`` becomes ``expire`` once :data:`AUTHORIZATION_LIFETIME` has passed
    uncaptured; ``capture`` becomes ``settlement`` at its settlement time. Both
    happen lazily, when :meth:`refresh` is called with the simulated time.
    """

    transaction_id: str
    order_id: str
    card_number: str
    bank: str
    channel: str | None
    authorized_amount: int
    created_at: datetime
    status: str
    approval_code: str | None
    pre_authorized: bool
    captured_amount: Amount = 0
    capture_count: int = 0
    captured_at: datetime | None = None
    settles_at: datetime | None = None

    @property
    def expires_at(self) -> datetime | None:
        if not self.pre_authorized or self.status == "deny":
            return None
        return self.created_at + AUTHORIZATION_LIFETIME

    @property
    def masked_card(self) -> str:
        return f"{self.card_number[:8]}-{self.card_number[-4:]}"

    @property
    def gross_amount(self) -> Amount:
        """What Midtrans shows as ``gross_amount``: the captured amount once captured.

        A partial capture releases the rest of the authorization, so the
        transaction's amount becomes what was captured.
        """
        return self.captured_amount if self.capture_count else self.authorized_amount

    def refresh(self, now: datetime) -> None:
        expires = self.expires_at
        if self.status == "authorize" and expires is not None and now >= expires:
            self.status = "expire"
        if self.status == "capture" and self.settles_at is not None and now >= self.settles_at:
            self.status = "settlement"

    def capture(self, amount: Amount, now: datetime) -> None:
        self.status = "capture"
        self.captured_amount += amount
        self.capture_count += 1
        self.captured_at = now
        self.settles_at = next_settlement(now)

    def snapshot(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.astimezone(UTC).isoformat()

        return {
            "transaction_id": self.transaction_id,
            "order_id": self.order_id,
            "status": self.status,
            "payment_type": "credit_card",
            "pre_authorized": self.pre_authorized,
            "masked_card": self.masked_card,
            "bank": self.bank,
            "authorized_amount": self.authorized_amount,
            "captured_amount": self.captured_amount,
            "capture_count": self.capture_count,
            "transaction_time": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "captured_at": iso(self.captured_at),
            "settles_at": iso(self.settles_at),
        }
