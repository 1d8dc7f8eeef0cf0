"""The JSON bodies the Midtrans simulator answers, and how each shape quirk bends them."""

from __future__ import annotations

from datetime import UTC
from http import HTTPStatus
from typing import Any

from ._midtrans_model import JAKARTA, TIME_FORMAT, Amount, Transaction, money, timestamp

__all__ = [
    "DEFAULT_MESSAGES",
    "STATUS_CODES",
    "VALIDATION_MESSAGE",
    "capture_body",
    "charged_body",
    "default_message",
    "denied_body",
    "error_body",
    "quirk_capture_body",
    "status_body",
    "transaction_body",
]

CHARGED = "Success, Credit Card transaction is successful"
CAPTURED = "Success, Credit Card capture transaction is successful"
FOUND = "Success, transaction is found"
VALIDATION_MESSAGE = "One or more parameters in the payload is invalid."

#: The body status_code a status read answers for each transaction_status.
STATUS_CODES = {
    "authorize": "200",
    "capture": "200",
    "settlement": "200",
    "deny": "202",
    "expire": "407",
}

#: Wording for error bodies; clients must match on status_code, never on these texts.
DEFAULT_MESSAGES = {
    400: VALIDATION_MESSAGE,
    401: "Access denied due to unauthorized transaction, please check client or server key",
    402: "Merchant doesn't have access for this payment type",
    403: "The request cannot be processed: the Accept or Content-Type header is not acceptable",
    404: "The requested resource is not found",
    405: "HTTP method is not allowed",
    406: (
        "The request could not be completed due to a conflict with the current state of the "
        "target resource, please try again"
    ),
    407: "Transaction is expired",
    408: "Wrong data type in the request",
    409: "Too many transactions for the same card in a short time",
    410: "Merchant account is deactivated",
    411: "Token id is missing, invalid, or timed out",
    412: "Merchant cannot modify the status of the transaction",
    413: "The request cannot be processed due to malformed syntax in the request body",
    429: "API rate limit exceeded, please try again later",
    500: "Sorry. Our system is recovering from unexpected issues. Please retry.",
    501: "The feature is not available",
    502: "Internal server error: bank connection problem",
    503: "Internal server error: the bank or partner is temporarily unavailable",
    504: "Fraud detection system is unavailable",
}


def default_message(status: int) -> str:
    """The simulator's wording for a body *status* code without a message of its own."""
    if status in DEFAULT_MESSAGES:
        return DEFAULT_MESSAGES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(
    status: int, message: str, trace_id: str, validation_messages: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": str(status), "status_message": message, "id": trace_id}
    if validation_messages:
        body["validation_messages"] = list(validation_messages)
    return body


def transaction_body(tx: Transaction, status_code: str, message: str) -> dict[str, Any]:
    """A transaction as the charge and status endpoints show it."""
    body: dict[str, Any] = {
        "status_code": status_code,
        "status_message": message,
        "transaction_id": tx.transaction_id,
        "order_id": tx.order_id,
        "gross_amount": money(tx.gross_amount),
        "currency": "IDR",
        "payment_type": "credit_card",
        "transaction_time": timestamp(tx.created_at),
        "transaction_status": tx.status,
        "fraud_status": "accept",
        "masked_card": tx.masked_card,
        "bank": tx.bank,
        "card_type": "credit",
    }
    if tx.approval_code is not None:
        body["approval_code"] = tx.approval_code
    _add_optional_times(body, tx)
    return body


def charged_body(tx: Transaction) -> dict[str, Any]:
    return transaction_body(tx, "200", CHARGED)


def denied_body(tx: Transaction) -> dict[str, Any]:
    """A charge the bank denied: the whole transaction, with body status_code "202"."""
    message = f"Deny by Bank [{tx.bank.upper()}] with code [05] and message [Do not honour]"
    body = transaction_body(tx, "202", message)
    body["channel_response_code"] = "05"
    body["channel_response_message"] = "Do not honour"
    return body


def status_body(tx: Transaction) -> dict[str, Any]:
    return transaction_body(tx, STATUS_CODES.get(tx.status, "200"), FOUND)


def capture_body(tx: Transaction, amount: Amount) -> dict[str, Any]:
    """The seed's success body, field for field, for a capture of *amount*."""
    body: dict[str, Any] = {
        "status_code": "200",
        "status_message": CAPTURED,
        "transaction_id": tx.transaction_id,
        "masked_card": tx.masked_card,
        "order_id": tx.order_id,
        "payment_type": "credit_card",
        "transaction_time": timestamp(tx.created_at),
        "transaction_status": "capture",
        "fraud_status": "accept",
        "bank": tx.bank,
        "gross_amount": money(amount),
    }
    _add_optional_times(body, tx)
    return body


def quirk_capture_body(
    body: dict[str, Any], quirk: str | None, tx: Transaction, amount: Amount, other_id: str
) -> None:
    """Bend a capture success *body* in place the way the shape *quirk* says."""
    if quirk == "gross-amount-number":
        body["gross_amount"] = amount
    elif quirk == "gross-amount-one-decimal":
        body["gross_amount"] = f"{amount:.1f}" if isinstance(amount, float) else f"{amount}.0"
    elif quirk == "status-code-integer":
        body["status_code"] = 200
    elif quirk == "transaction-status-captured":
        body["transaction_status"] = "captured"
    elif quirk == "masked-card-full-pan":
        body["masked_card"] = tx.card_number
    elif quirk == "missing-transaction-id":
        del body["transaction_id"]
    elif quirk == "transaction-time-iso":
        body["transaction_time"] = tx.created_at.astimezone(JAKARTA).isoformat(timespec="seconds")
    elif quirk == "fraud-status-unknown":
        body["fraud_status"] = "unchecked"
    elif quirk == "transaction-id-echo":
        body["transaction_id"] = other_id
    elif quirk == "capture-still-authorize":
        body["transaction_status"] = "authorize"
    elif quirk == "transaction-time-utc":
        body["transaction_time"] = tx.created_at.astimezone(UTC).strftime(TIME_FORMAT)
    quirk_identity(body, quirk)


def quirk_identity(body: dict[str, Any], quirk: str | None) -> None:
    """Misname the transaction: cut its order id, or show another (well-shaped) card."""
    if quirk == "order-id-truncated" and isinstance(body.get("order_id"), str):
        body["order_id"] = body["order_id"][: len(body["order_id"]) // 2]
    elif quirk == "masked-card-other-card" and "masked_card" in body:
        body["masked_card"] = "41111111-1111"


def _add_optional_times(body: dict[str, Any], tx: Transaction) -> None:
    # channel is "Provided if channel attribute on charge api request is present" (seed).
    if tx.channel is not None:
        body["channel"] = tx.channel
    if tx.expires_at is not None:
        body["expiry_time"] = timestamp(tx.expires_at)
    if tx.settles_at is not None:
        body["settlement_time"] = timestamp(tx.settles_at)
