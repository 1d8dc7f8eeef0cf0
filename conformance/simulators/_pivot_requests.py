"""Reading the Pivot simulator's request bodies: JSON, types, and the documented formats.

Every failure is a :class:`PivotError` with HTTP 400 (``api_validation_error``):
these are the checks a server makes while decoding, before it looks at any state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .._json import loads
from ._pivot_errors import PivotError

__all__ = [
    "Amount",
    "CaptureRequest",
    "CreateRequest",
    "parse_amount",
    "parse_capture",
    "parse_create",
    "parse_json",
]

MAX_VALUE = 999_999_999_999_999_999  # "up to 18 characters"
CURRENCY = re.compile(r"[A-Z]{3}")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
REQUEST_ID = re.compile(r"[A-Za-z0-9]{16,36}")
CAPTURE_METHODS = ("automatic", "manual")


def parse_json(raw: bytes) -> Any:
    """The JSON document in *raw* (floats stay floats; NaN and Infinity are refused)."""
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PivotError(400, "request body is not valid JSON") from None


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PivotError(400, f"{field} must be a JSON object", field)
    return value


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str
    fractional: bool


def parse_amount(raw: Any, field: str = "amount") -> Amount:
    """An amount object ``{value: number, currency: ISO 4217}``, both required."""
    obj = _object(raw, field)
    value = obj.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PivotError(400, f"{field}.value must be a number", f"{field}.value")
    if abs(value) > MAX_VALUE:
        raise PivotError(400, f"{field}.value must have at most 18 digits", f"{field}.value")
    currency = obj.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise PivotError(
            400, f"{field}.currency must be an ISO 4217 code such as IDR", f"{field}.currency"
        )
    exact = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    return Amount(exact, currency, exact != exact.to_integral_value())


@dataclass(frozen=True)
class CaptureRequest:
    release: bool
    amount: Amount | None
    #: The request's amount object as sent, for the echo.
    raw_amount: dict[str, Any] | None


def parse_capture(raw: bytes) -> CaptureRequest:
    """``{releaseRemainingAmount: bool, amount?: Amount}``; unknown fields are ignored."""
    body = _object(parse_json(raw), "request body")
    release = body.get("releaseRemainingAmount")
    if not isinstance(release, bool):
        raise PivotError(
            400,
            "releaseRemainingAmount is required and must be true or false",
            "releaseRemainingAmount",
        )
    raw_amount = body.get("amount")
    if raw_amount is None:
        return CaptureRequest(release, None, None)
    return CaptureRequest(release, parse_amount(raw_amount), raw_amount)


@dataclass(frozen=True)
class CreateRequest:
    client_reference_id: str
    amount: Amount
    payment_type: str
    mode: str
    method_type: str
    #: False for a CARD session created before the customer gave a card.
    has_card: bool
    card_number: str | None
    capture_method: str | None


def _string(obj: dict[str, Any], key: str, field: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str) or not value:
        raise PivotError(400, f"{field} must be a non-empty string", field)
    return value


def parse_create(raw: bytes) -> CreateRequest:
    """The card subset of ``POST /v2/payments``; other payment method types are accepted
    (they make sessions that cannot be captured)."""
    body = _object(parse_json(raw), "request body")
    reference = _string(body, "clientReferenceId", "clientReferenceId")
    amount = parse_amount(body.get("amount"))
    if amount.value <= 0:
        raise PivotError(400, "amount value must be greater than 0", "amount.value")
    if amount.currency == "IDR" and amount.fractional:
        raise PivotError(400, "amount value is not permitted to use decimal format", "amount.value")
    # A session may be created before the customer picks a method (REQUIRE_PAYMENT_METHOD).
    raw_method = body.get("paymentMethod")
    method = {} if raw_method is None else _object(raw_method, "paymentMethod")
    method_type = "" if raw_method is None else _string(method, "type", "paymentMethod.type")
    number: str | None = None
    capture_method: str | None = None
    if method_type == "CARD" and method.get("card") is not None:
        card = _object(method.get("card"), "paymentMethod.card")
        number = card.get("number")
        has_token = any(
            isinstance(card.get(k), str) and card[k] for k in ("token", "encryptedCard")
        )
        # "Card PAN (String)": the document's type is the contract (a non-empty string);
        # the simulator authorizes any such number, as it does any digits (issue 17).
        if number is not None and (not isinstance(number, str) or not number):
            raise PivotError(400, "card number must be a non-empty string", "paymentMethod.card")
        if number is None and not has_token:
            raise PivotError(
                400, "card number (or token) is required for CARD", "paymentMethod.card.number"
            )
        options = body.get("paymentMethodOptions", {})
        card_options = _object(_object(options, "paymentMethodOptions").get("card", {}), "card")
        capture_method = card_options.get("captureMethod", "automatic")
        if capture_method not in CAPTURE_METHODS:
            raise PivotError(
                400,
                "captureMethod must be automatic or manual",
                "paymentMethodOptions.card.captureMethod",
            )
    return CreateRequest(
        client_reference_id=reference,
        amount=amount,
        payment_type=_string(body, "paymentType", "paymentType", "SINGLE"),
        mode=_string(body, "mode", "mode", "API"),
        method_type=method_type,
        has_card=method_type not in ("", "CARD") or method.get("card") is not None,
        card_number=number,
        capture_method=capture_method,
    )
