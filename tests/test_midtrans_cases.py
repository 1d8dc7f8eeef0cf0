"""Hand-written Midtrans Core API documents: what must be rejected (and why), what must pass.

Each non-conformant case names the exact ``(rule id, JSON pointer)`` pairs it must produce
(no more, no fewer). Each conformant case is a document a careless schema would reject
but the contract allows (seed examples, pre-2023 recordings, observed traffic).

Contract: ``seeds/001_f7368d281d2f7060.txt`` (the Capture page), the "Midtrans Core API"
section of ``provider-facts.md`` and ``specs/midtrans/DECISIONS.md``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance import MISSING, Severity, Validator, load_spec
from conformance.rules import all_rules

SANDBOX = "https://api.sandbox.midtrans.com"
CAPTURE_URL = f"{SANDBOX}/v2/capture"
CHARGE_URL = f"{SANDBOX}/v2/charge"
TOKEN_URL = f"{SANDBOX}/v2/token"
SERVER_KEY = "SB-Mid-server-test-made-up-key"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
HEADERS = {"Authorization": BASIC, "Content-Type": "application/json", "Accept": "application/json"}

SPEC = load_spec("midtrans")
# Notification rules judge deliveries, not capture traffic: tests/test_notifications.py hits each.
MIDTRANS_RULES = {
    r.id: r for r in all_rules() if r.provider == "midtrans" and r.phase != "notification"
}

# Rules that run only in the observed profile; none is registered today (the only
# observed-only constraint, fraud_status "challenge", is a schema relaxation).
OBSERVED_ONLY_RULES: frozenset[str] = frozenset()
WARNING_RULES = frozenset(
    {
        "midtrans.request.accept",
        "midtrans.response.content-type",
        "midtrans.request.duplicate-key",
        "midtrans.response.duplicate-key",
    }
)


# --- the seed's documents and other baselines ------------------------------------------------

SEED_REQUEST = {"transaction_id": "be4f3e44-d6ee-4355-8c64-c1d1dc7f4590", "gross_amount": 145000}
SEED_SUCCESS = {
    "status_code": "200",
    "status_message": "Success, Credit Card capture transaction is successful",
    "transaction_id": "ca297170-be4c-45ed-9dc9-be5ba99d30ee",
    "masked_card": "45111111-1117",
    "order_id": "testing-0.4555-1414741517",
    "payment_type": "credit_card",
    "transaction_time": "2014-10-31 14:46:44",
    "transaction_status": "capture",
    "fraud_status": "accept",
    "bank": "bni",
    "gross_amount": "30000.00",
    "channel": "dragon",
    "expiry_time": "2014-11-08 14:46:44",
    "settlement_time": "2014-10-31 19:00:00",
}
SEED_412 = {
    "status_code": "412",
    "status_message": "Merchant cannot modify the status of the transaction",
}
NOT_FOUND_404 = {"status_code": "404", "status_message": "The requested resource is not found"}
CHARGE_REQUEST = {
    "payment_type": "credit_card",
    "transaction_details": {"order_id": "kit-0001", "gross_amount": 145000},
    "credit_card": {"token_id": "481111-1114-d1f1b1a0", "type": "authorize"},
}
CHARGE_SUCCESS = {
    "status_code": "200",
    "status_message": "Success, Credit Card transaction is successful",
    "transaction_id": "1eae238a-cb9e-4f92-b284-aac8b39e4eab",
    "order_id": "kit-0001",
    "gross_amount": "145000.00",
    "payment_type": "credit_card",
    "transaction_time": "2016-06-28 09:42:20",
    "transaction_status": "authorize",
    "fraud_status": "accept",
    "approval_code": "256084",
    "masked_card": "48111111-1114",
    "bank": "bni",
}
STATUS_BODY = {
    "status_code": "200",
    "status_message": "Success, transaction is found",
    "transaction_id": "ca297170-be4c-45ed-9dc9-be5ba99d30ee",
    "order_id": "testing-0.4555-1414741517",
    "gross_amount": "30000.00",
    "payment_type": "credit_card",
    "transaction_time": "2014-10-31 14:46:44",
    "transaction_status": "authorize",
    "fraud_status": "accept",
    "masked_card": "45111111-1117",
    "bank": "bni",
}
TOKEN_SUCCESS = {
    "status_code": "200",
    "status_message": "Credit card token is created as Token ID.",
    "token_id": "481111-1114-d1f1b1a0-0e4c-4b0e-9c47-1a2b3c4d5e6f",
    "hash": "481111-1114-mami",
}
TOKEN_QUERY = {
    "card_number": "4811 1111 1111 1114",
    "card_exp_month": "12",
    "card_exp_year": "2030",
    "card_cvv": "123",
    "client_key": "SB-Mid-client-test-made-up-key",
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of *base* with *changes*; a change to ``MISSING`` removes the field."""
    out = dict(base)
    for key, value in changes.items():
        if value is MISSING:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def capture_request(body: Any = None, *, content: bytes | None = None, **headers: Any) -> Any:
    """``POST /v2/capture`` with the documented headers; ``None`` drops a header."""
    merged = {k: v for k, v in {**HEADERS, **_h(headers)}.items() if v is not None}
    if content is not None:
        return httpx.Request("POST", CAPTURE_URL, content=content, headers=merged)
    return httpx.Request(
        "POST", CAPTURE_URL, json=SEED_REQUEST if body is None else body, headers=merged
    )


def status_request(
    transaction_id: str = "ca297170-be4c-45ed-9dc9-be5ba99d30ee", **headers: Any
) -> httpx.Request:
    merged = {"Authorization": BASIC, "Accept": "application/json", **_h(headers)}
    merged = {k: v for k, v in merged.items() if v is not None}
    return httpx.Request("GET", f"{SANDBOX}/v2/{transaction_id}/status", headers=merged)


def token_request(**query: Any) -> httpx.Request:
    params = {k: v for k, v in {**TOKEN_QUERY, **query}.items() if v is not None}
    return httpx.Request("GET", TOKEN_URL, params=params, headers={"Accept": "application/json"})


def _h(headers: dict[str, Any]) -> dict[str, Any]:
    return {k.replace("_", "-").title(): v for k, v in headers.items()}


# --- cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    op: str
    phase: str
    doc: Any
    expect: frozenset[tuple[str, str]] = frozenset()
    status: int | None = None
    request: Any = None
    profile: str = "documented"


def run(case: Case, profile: str | None = None) -> list[Any]:
    validator = Validator("midtrans", profile=profile or case.profile)
    if case.phase == "request":
        return validator.validate_request(case.op, case.doc)
    return validator.validate_response(case.op, case.doc, status=case.status, request=case.request)


def req(case_id: str, op: str, doc: Any, *pairs: tuple[str, str]) -> Any:
    return pytest.param(Case(op, "request", doc, frozenset(pairs)), id=case_id)


def resp(
    case_id: str,
    op: str,
    doc: Any,
    *pairs: tuple[str, str],
    status: int | None = None,
    request: Any = None,
    profile: str = "documented",
) -> Any:
    case = Case(op, "response", doc, frozenset(pairs), status, request, profile)
    return pytest.param(case, id=case_id)


CR = "midtrans.capture-request"
CS = "midtrans.capture-response"
GROSS_REQ = (f"{CR}.gross-amount", "/gross_amount")
DECIMAL = ("midtrans.gross-amount.decimal-literal", "/gross_amount")
HTTP_STATUS = ("midtrans.response.http-status", "/status_code")
UNDOCUMENTED = ("midtrans.response.undocumented-status", "/status")
AUTH = ("midtrans.request.authorization", "/headers/authorization")
CONTENT_TYPE = ("midtrans.request.content-type", "/headers/content-type")
FULL_PAN = ("midtrans.masked-card.full-pan", "/masked_card")

BAD = [
    # capture request bodies
    req(
        "capture-request/gross-amount-145000.5",
        "capture",
        with_(SEED_REQUEST, gross_amount=145000.5),
        GROSS_REQ,
    ),
    req(
        "capture-request/gross-amount-30000.0-decimal-literal",
        "capture",
        with_(SEED_REQUEST, gross_amount=30000.0),
        DECIMAL,
    ),
    req(
        "capture-request/gross-amount-30000.0-sent-by-httpx",
        "capture",
        capture_request(with_(SEED_REQUEST, gross_amount=30000.0)),
        DECIMAL,
    ),
    req(
        "capture-request/gross-amount-3e4-exponent-literal",
        "capture",
        capture_request(content=b'{"transaction_id": "t-1", "gross_amount": 3e4}'),
        DECIMAL,
    ),
    req(
        "capture-request/gross-amount-zero",
        "capture",
        with_(SEED_REQUEST, gross_amount=0),
        GROSS_REQ,
    ),
    req(
        "capture-request/gross-amount-negative",
        "capture",
        with_(SEED_REQUEST, gross_amount=-145000),
        GROSS_REQ,
    ),
    req(
        "capture-request/gross-amount-above-long",
        "capture",
        with_(SEED_REQUEST, gross_amount=2**63),
        GROSS_REQ,
    ),
    req(
        "capture-request/gross-amount-as-string",
        "capture",
        with_(SEED_REQUEST, gross_amount="145000"),
        GROSS_REQ,
    ),
    req(
        "capture-request/gross-amount-boolean",
        "capture",
        with_(SEED_REQUEST, gross_amount=True),
        GROSS_REQ,
    ),
    req(
        "capture-request/without-transaction-id",
        "capture",
        {"gross_amount": 145000},
        (f"{CR}.transaction-id", "/transaction_id"),
    ),
    req(
        "capture-request/unknown-field",
        "capture",
        with_(SEED_REQUEST, order_id="testing-0.4555-1414741517"),
        (f"{CR}.unknown-field", "/order_id"),
    ),
    req(
        "capture-request/transaction-id-256-chars",
        "capture",
        with_(SEED_REQUEST, transaction_id="a" * 256),
        (f"{CR}.transaction-id", "/transaction_id"),
    ),
    req(
        "capture-request/transaction-id-empty",
        "capture",
        with_(SEED_REQUEST, transaction_id=""),
        (f"{CR}.transaction-id", "/transaction_id"),
    ),
    req(
        "capture-request/transaction-id-integer",
        "capture",
        with_(SEED_REQUEST, transaction_id=12345),
        (f"{CR}.transaction-id", "/transaction_id"),
    ),
    req("capture-request/body-is-an-array", "capture", [SEED_REQUEST], (CR, "")),
    req(
        "capture-request/seed-with-stray-v-is-not-json",
        "capture",
        capture_request(content=json.dumps(SEED_REQUEST).encode() + b"v"),
        ("midtrans.request.json", ""),
    ),
    # request headers
    req(
        "capture-request/missing-authorization",
        "capture",
        capture_request(authorization=None),
        AUTH,
    ),
    req(
        "capture-request/bearer-instead-of-basic",
        "capture",
        capture_request(authorization="Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"),
        AUTH,
    ),
    req(
        "capture-request/basic-without-colon",
        "capture",
        capture_request(authorization="Basic " + base64.b64encode(SERVER_KEY.encode()).decode()),
        AUTH,
    ),
    req(
        "capture-request/content-type-text-plain",
        "capture",
        capture_request(content_type="text/plain"),
        CONTENT_TYPE,
    ),
    req(
        "capture-request/missing-content-type",
        "capture",
        capture_request(content=json.dumps(SEED_REQUEST).encode(), content_type=None),
        CONTENT_TYPE,
    ),
    req(
        "capture-request/accept-text-html",
        "capture",
        capture_request(accept="text/html"),
        ("midtrans.request.accept", "/headers/accept"),
    ),
    req("status-request/missing-authorization", "status", status_request(authorization=None), AUTH),
    # charge and token requests
    req(
        "charge-request/gross-amount-10000.0-decimal-literal",
        "charge",
        {**CHARGE_REQUEST, "transaction_details": {"order_id": "kit-1", "gross_amount": 10000.0}},
        ("midtrans.gross-amount.decimal-literal", "/transaction_details/gross_amount"),
    ),
    req(
        "charge-request/gross-amount-10000.5",
        "charge",
        {**CHARGE_REQUEST, "transaction_details": {"order_id": "kit-1", "gross_amount": 10000.5}},
        ("midtrans.charge-request.gross-amount", "/transaction_details/gross_amount"),
    ),
    req(
        "charge-request/order-id-51-chars",
        "charge",
        {**CHARGE_REQUEST, "transaction_details": {"order_id": "o" * 51, "gross_amount": 1}},
        ("midtrans.charge-request.order-id", "/transaction_details/order_id"),
    ),
    req(
        "charge-request/credit-card-type-sale",
        "charge",
        {**CHARGE_REQUEST, "credit_card": {"token_id": "t-1", "type": "sale"}},
        ("midtrans.charge-request.type", "/credit_card/type"),
    ),
    req(
        "token-request/without-client-key",
        "token",
        token_request(client_key=None),
        ("midtrans.token-request.client-key", "/query/client_key"),
    ),
    # openapi.yaml declares x-rule midtrans.token-request.card-number on this parameter
    req(
        "token-request/card-number-with-letters",
        "token",
        token_request(card_number="4811-abcd-1111-1114"),
        ("midtrans.token-request.card-number", "/query/card_number"),
    ),
    # capture success bodies
    resp(
        "capture-response/gross-amount-number-30000",
        "capture",
        with_(SEED_SUCCESS, gross_amount=30000),
        (f"{CS}.gross-amount", "/gross_amount"),
    ),
    resp(
        "capture-response/gross-amount-30000-no-decimals",
        "capture",
        with_(SEED_SUCCESS, gross_amount="30000"),
        (f"{CS}.gross-amount", "/gross_amount"),
    ),
    resp(
        "capture-response/gross-amount-30000.5-one-decimal",
        "capture",
        with_(SEED_SUCCESS, gross_amount="30000.5"),
        (f"{CS}.gross-amount", "/gross_amount"),
    ),
    resp(
        "capture-response/gross-amount-30000.0-one-decimal",
        "capture",
        with_(SEED_SUCCESS, gross_amount="30000.0"),
        (f"{CS}.gross-amount", "/gross_amount"),
    ),
    resp(
        "capture-response/status-code-integer-200",
        "capture",
        with_(SEED_SUCCESS, status_code=200),
        (f"{CS}.status-code", "/status_code"),
    ),
    resp(
        "capture-response/status-message-integer",
        "capture",
        with_(SEED_SUCCESS, status_message=200),
        (f"{CS}.status-message", "/status_message"),
    ),
    resp(
        "capture-response/transaction-status-captured",
        "capture",
        with_(SEED_SUCCESS, transaction_status="captured"),
        (f"{CS}.transaction-status", "/transaction_status"),
    ),
    resp(
        "capture-response/success-without-transaction-id",
        "capture",
        with_(SEED_SUCCESS, transaction_id=MISSING),
        (f"{CS}.transaction-id", "/transaction_id"),
    ),
    resp(
        "capture-response/success-without-order-id",
        "capture",
        with_(SEED_SUCCESS, order_id=MISSING),
        (f"{CS}.order-id", "/order_id"),
    ),
    resp(
        "capture-response/masked-card-full-pan",
        "capture",
        with_(SEED_SUCCESS, masked_card="4811111111111114"),
        (f"{CS}.masked-card", "/masked_card"),
        FULL_PAN,
    ),
    resp(
        "capture-response/masked-card-full-pan-with-spaces",
        "capture",
        with_(SEED_SUCCESS, masked_card="4811 1111 1111 1114"),
        (f"{CS}.masked-card", "/masked_card"),
        FULL_PAN,
    ),
    resp(
        "capture-response/fraud-status-maybe",
        "capture",
        with_(SEED_SUCCESS, fraud_status="maybe"),
        (f"{CS}.fraud-status", "/fraud_status"),
    ),
    resp(
        "capture-response/fraud-status-challenge-documented-profile",
        "capture",
        with_(SEED_SUCCESS, fraud_status="challenge"),
        (f"{CS}.fraud-status", "/fraud_status"),
    ),
    resp(
        "capture-response/transaction-time-iso-8601",
        "capture",
        with_(SEED_SUCCESS, transaction_time="2014-10-31T14:46:44+07:00"),
        (f"{CS}.transaction-time", "/transaction_time"),
    ),
    resp(
        "capture-response/transaction-time-month-13",
        "capture",
        with_(SEED_SUCCESS, transaction_time="2014-13-31 14:46:44"),
        (f"{CS}.transaction-time", "/transaction_time"),
    ),
    resp(
        "capture-response/expiry-time-iso-8601",
        "capture",
        with_(SEED_SUCCESS, expiry_time="2014-11-08T14:46:44Z"),
        (f"{CS}.expiry-time", "/expiry_time"),
    ),
    resp(
        "capture-response/payment-type-bank-transfer",
        "capture",
        with_(SEED_SUCCESS, payment_type="bank_transfer"),
        (f"{CS}.payment-type", "/payment_type"),
    ),
    resp(
        "capture-response/channel-number",
        "capture",
        with_(SEED_SUCCESS, channel=7),
        (f"{CS}.channel", "/channel"),
    ),
    resp("capture-response/body-is-an-array", "capture", [SEED_SUCCESS], (CS, "")),
    resp(
        "capture-response/transaction-id-echo-differs",
        "capture",
        SEED_SUCCESS,
        (f"{CS}.transaction-id-echo", "/transaction_id"),
        request=SEED_REQUEST,
    ),
    resp(
        "capture-response/transaction-id-echo-differs-httpx-request",
        "capture",
        SEED_SUCCESS,
        (f"{CS}.transaction-id-echo", "/transaction_id"),
        request=capture_request(),
    ),
    # capture error bodies
    resp(
        "capture-error/without-status-message-http-412",
        "capture",
        with_(SEED_412, status_message=MISSING),
        ("midtrans.error.status-message", "/status_message"),
        status=412,
    ),
    resp(
        "capture-error/without-status-message-http-200",
        "capture",
        with_(SEED_412, status_message=MISSING),
        ("midtrans.error.status-message", "/status_message"),
        status=200,
    ),
    resp(
        "capture-error/status-code-999-http-200",
        "capture",
        {"status_code": "999", "status_message": "Unknown"},
        ("midtrans.error.status-code", "/status_code"),
        status=200,
    ),
    resp(
        "capture-error/status-code-999-http-400",
        "capture",
        {"status_code": "999", "status_message": "Unknown"},
        ("midtrans.error.status-code", "/status_code"),
        HTTP_STATUS,
        status=400,
    ),
    resp(
        "status-error/without-status-message-http-200",
        "status",
        {"status_code": "404"},
        ("midtrans.error.status-message", "/status_message"),
        status=200,
    ),
    resp(
        "capture-error/validation-messages-as-string",
        "capture",
        {"status_code": "400", "status_message": "Invalid", "validation_messages": "bad"},
        ("midtrans.error.validation-messages", "/validation_messages"),
        status=400,
    ),
    resp(
        "capture-error/id-as-integer",
        "capture",
        with_(SEED_412, id=42),
        ("midtrans.error.id", "/id"),
        status=412,
    ),
    # HTTP status vs body, undocumented statuses, unreadable bodies
    resp(
        "http/500-with-body-200",
        "capture",
        SEED_SUCCESS,
        ("midtrans.error.status-code", "/status_code"),
        HTTP_STATUS,
        status=500,
    ),
    resp("http/404-with-body-412", "capture", SEED_412, HTTP_STATUS, status=404),
    resp(
        "http/201-with-body-503-charge",
        "charge",
        {"status_code": "503", "status_message": "Bank is unavailable"},
        HTTP_STATUS,
        status=201,
    ),
    resp("http/418-capture", "capture", SEED_412, UNDOCUMENTED, HTTP_STATUS, status=418),
    resp(
        "http/201-capture",
        "capture",
        {"status_code": "201", "status_message": "Pending"},
        UNDOCUMENTED,
        status=201,
    ),
    resp(
        "http/502-html-body",
        "capture",
        httpx.Response(502, text="<html>bad gateway</html>"),
        ("midtrans.response.json", ""),
        ("midtrans.response.content-type", "/headers/content-type"),
    ),
    resp(
        "http/json-served-as-html",
        "capture",
        httpx.Response(200, json=SEED_SUCCESS, headers={"Content-Type": "text/html"}),
        ("midtrans.response.content-type", "/headers/content-type"),
    ),
    resp(
        "http/json-without-content-type",
        "capture",
        httpx.Response(200, content=json.dumps(SEED_SUCCESS).encode()),
        ("midtrans.response.content-type", "/headers/content-type"),
    ),
    resp(
        "http/nan-in-answer",
        "capture",
        httpx.Response(
            200,
            content=json.dumps(SEED_SUCCESS).replace('"30000.00"', "NaN").encode(),
            headers={"Content-Type": "application/json"},
        ),
        ("midtrans.response.json", ""),
    ),
    resp(
        "http/repeated-status-code",
        "capture",
        httpx.Response(
            200,
            content=b'{"status_code": "412", ' + json.dumps(SEED_SUCCESS)[1:].encode(),
            headers={"Content-Type": "application/json"},
        ),
        ("midtrans.response.duplicate-key", "/status_code"),
    ),
    req(
        "capture-request/repeated-gross-amount",
        "capture",
        capture_request(content=b'{"transaction_id": "t-1", "gross_amount": 1, "gross_amount": 2}'),
        ("midtrans.request.duplicate-key", "/gross_amount"),
    ),
    resp(
        "capture-response/success-still-authorize",
        "capture",
        with_(SEED_SUCCESS, transaction_status="authorize"),
        ("midtrans.capture-response.captured-state", "/transaction_status"),
    ),
    resp(
        "capture-response/success-expire",
        "capture",
        with_(SEED_SUCCESS, transaction_status="expire"),
        ("midtrans.capture-response.captured-state", "/transaction_status"),
    ),
    resp(
        "http/200-empty-body",
        "capture",
        httpx.Response(200, content=b""),
        ("midtrans.response.json", ""),
    ),
    # status, token and charge responses
    resp(
        "status-response/gross-amount-number",
        "status",
        with_(STATUS_BODY, gross_amount=30000),
        ("midtrans.status-response.gross-amount", "/gross_amount"),
    ),
    resp(
        "status-response/transaction-status-authorized",
        "status",
        with_(STATUS_BODY, transaction_status="authorized"),
        ("midtrans.status-response.transaction-status", "/transaction_status"),
    ),
    resp(
        "token-response/without-token-id",
        "token",
        with_(TOKEN_SUCCESS, token_id=MISSING),
        ("midtrans.token-response.token-id", "/token_id"),
    ),
    resp(
        "token-response/status-code-integer-200",
        "token",
        with_(TOKEN_SUCCESS, status_code=200),
        ("midtrans.token-response.status-code", "/status_code"),
    ),
    resp(
        "charge-response/masked-card-full-pan-http-201",
        "charge",
        with_(
            CHARGE_SUCCESS,
            status_code="201",
            transaction_status="pending",
            masked_card="4811111111111114",
        ),
        ("midtrans.charge-response.masked-card", "/masked_card"),
        FULL_PAN,
        status=201,
    ),
]

GOOD = [
    req("capture-request/seed", "capture", SEED_REQUEST),
    req(
        "capture-request/without-gross-amount", "capture", with_(SEED_REQUEST, gross_amount=MISSING)
    ),
    req(
        "capture-request/gross-amount-long-max",
        "capture",
        with_(SEED_REQUEST, gross_amount=2**63 - 1),
    ),
    req("capture-request/httpx-basic-auth-json-headers", "capture", capture_request()),
    req(
        "capture-request/httpx-content-type-with-charset",
        "capture",
        capture_request(content_type="application/json; charset=utf-8"),
    ),
    req("capture-request/httpx-accept-wildcard", "capture", capture_request(accept="*/*")),
    req(
        "charge-request/card-preauth-with-extra-fields",
        "charge",
        httpx.Request(
            "POST",
            CHARGE_URL,
            headers=HEADERS,
            json={**CHARGE_REQUEST, "customer_details": {"first_name": "Budi"}},
        ),
    ),
    req("status-request/httpx-get-without-body", "status", status_request()),
    req("token-request/client-key-without-server-key", "token", token_request()),
    resp("capture-response/seed-success", "capture", SEED_SUCCESS),
    resp("capture-response/seed-success-httpx", "capture", httpx.Response(200, json=SEED_SUCCESS)),
    resp(
        "capture-response/before-july-2023-without-channel-expiry-settlement",
        "capture",
        with_(SEED_SUCCESS, channel=MISSING, expiry_time=MISSING, settlement_time=MISSING),
    ),
    resp(
        "capture-response/unknown-extra-fields",
        "capture",
        with_(SEED_SUCCESS, approval_code="256084", currency="IDR", metadata={"k": [1, None]}),
    ),
    resp(
        "capture-response/masked-card-48111111-1114",
        "capture",
        with_(SEED_SUCCESS, masked_card="48111111-1114"),
    ),
    resp(
        "capture-response/fraud-status-deny",
        "capture",
        with_(SEED_SUCCESS, fraud_status="deny", transaction_status="deny"),
    ),
    resp(
        "capture-response/success-already-settled",
        "capture",
        with_(SEED_SUCCESS, transaction_status="settlement"),
    ),
    resp(
        "capture-response/transaction-id-echo-matches",
        "capture",
        SEED_SUCCESS,
        request=with_(SEED_REQUEST, transaction_id=SEED_SUCCESS["transaction_id"]),
    ),
    resp("capture-error/seed-412-http-200", "capture", SEED_412),
    resp("capture-error/seed-412-http-412", "capture", SEED_412, status=412),
    resp(
        "capture-error/newer-412-wording",
        "capture",
        {"status_code": "412", "status_message": "Transaction status cannot be updated."},
        status=412,
    ),
    resp(
        "capture-error/newer-400-with-trace-id-and-validation-messages",
        "capture",
        {
            "status_code": "400",
            "status_message": "One or more parameters in the payload is invalid.",
            "id": "4a3b2c1d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "validation_messages": ["gross_amount must be an integer"],
        },
        status=400,
    ),
    resp(
        "capture-error/401-older-wording",
        "capture",
        {"status_code": "401", "status_message": "Unknown Merchant server_key/id"},
        status=401,
    ),
    resp("http/200-with-body-404-observed", "capture", NOT_FOUND_404),
    resp(
        "http/200-with-body-503",
        "capture",
        {"status_code": "503", "status_message": "Bank is unavailable"},
    ),
    resp(
        "status-response/407-expire-transaction-body",
        "status",
        with_(
            STATUS_BODY,
            status_code="407",
            transaction_status="expire",
            status_message="Success, transaction is found",
        ),
        status=407,
    ),
    resp(
        "status-response/200-with-body-404",
        "status",
        {"status_code": "404", "status_message": "Transaction doesn't exist."},
    ),
    resp("charge-response/authorize", "charge", CHARGE_SUCCESS),
    resp(
        "charge-response/pending-http-201",
        "charge",
        with_(
            CHARGE_SUCCESS,
            status_code="201",
            transaction_status="pending",
            redirect_url="https://api.sandbox.midtrans.com/v2/token/rba/redirect/x",
        ),
        status=201,
    ),
    resp("token-response/success", "token", TOKEN_SUCCESS),
]

OBSERVED_GOOD = [
    resp(
        "capture-response/fraud-status-challenge",
        "capture",
        with_(SEED_SUCCESS, fraud_status="challenge"),
        profile="observed",
    ),
]


# --- non-conformant documents ----------------------------------------------------------------


@pytest.mark.parametrize("case", BAD)
def test_non_conformant_document_reports_exactly_the_expected_rules(case: Case) -> None:
    found = run(case)
    pairs = {(x.rule, x.pointer) for x in found}
    assert case.expect, "a non-conformant case must expect something"
    missing = case.expect - pairs
    assert not missing, f"expected {sorted(missing)}; got {[str(x) for x in found]}"
    unexpected = pairs - case.expect
    assert not unexpected, f"unexpected {sorted(unexpected)}; got {[str(x) for x in found]}"
    for violation in found:
        assert violation.source is not None, violation
        assert SPEC.sources[violation.source.id] == violation.source
        want = Severity.WARNING if violation.rule in WARNING_RULES else Severity.ERROR
        assert violation.severity is want, violation


def test_there_are_enough_non_conformant_cases() -> None:
    assert len(BAD) >= 35
    assert len({p.id for p in BAD}) == len(BAD)


# --- conformant documents --------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["documented", "observed"])
@pytest.mark.parametrize("case", GOOD)
def test_conformant_document_passes(case: Case, profile: str) -> None:
    assert run(case, profile) == []


@pytest.mark.parametrize("case", OBSERVED_GOOD)
def test_observed_only_document_passes_only_in_observed(case: Case) -> None:
    assert run(case, "observed") == []
    assert run(case, "documented") != []


def test_challenge_is_observed_only_per_decisions() -> None:
    # DECISIONS.md 8: the catalogue's challenge entry carries x-profile: observed.
    entries = {e["const"]: e for e in SPEC.catalogue("fraud_status")}
    assert entries["challenge"].get("x-profile") == "observed"
    assert SPEC.sources[entries["challenge"]["x-source"]].kind == "observed"
    doc = with_(SEED_SUCCESS, fraud_status="challenge")
    (violation,) = Validator("midtrans").validate_response("capture", doc)
    assert violation.rule == f"{CS}.fraud-status"
    assert violation.expected == ["accept", "deny"]
    assert violation.actual == "challenge"
    assert violation.source is not None
    assert violation.source.kind == "documented"


def test_there_are_enough_conformant_cases() -> None:
    assert len(GOOD) + len(OBSERVED_GOOD) >= 10


# --- violation values ------------------------------------------------------------------------


def _one(found: list[Any], rule: str) -> Any:
    matching = [x for x in found if x.rule == rule]
    assert len(matching) == 1, [str(x) for x in found]
    return matching[0]


def test_number_gross_amount_violation_carries_expected_actual_message_and_source() -> None:
    found = Validator("midtrans").validate_response(
        "capture", with_(SEED_SUCCESS, gross_amount=30000), status=200
    )
    violation = _one(found, f"{CS}.gross-amount")
    assert violation.pointer == "/gross_amount"
    assert violation.expected == "string"
    assert violation.actual == 30000
    assert type(violation.actual) is int
    assert violation.message == "must be of type 'string', received 'integer'"
    assert violation.severity is Severity.ERROR
    text = str(violation)
    assert text.startswith(f"[error] {CS}.gross-amount at /gross_amount: ")
    assert re.search(r"expected .+, received 30000\)$", text), text
    assert violation.source is not None
    assert violation.source.kind == "documented"
    assert violation.source.id == "midtrans.gross-amount-response"
    assert '"30000.00"' in violation.source.quote
    as_dict = violation.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["actual"] == 30000
    assert as_dict["source"]["kind"] == "documented"


def test_two_decimal_string_violation_says_what_pattern_was_expected() -> None:
    found = Validator("midtrans").validate_response(
        "capture", with_(SEED_SUCCESS, gross_amount="30000.5")
    )
    violation = _one(found, f"{CS}.gross-amount")
    assert violation.actual == "30000.5"
    assert r"[0-9]{2}" in violation.expected
    assert "received '30000.5'" in str(violation)


def test_decimal_literal_violation_keeps_the_float() -> None:
    found = Validator("midtrans").validate_request(
        "capture", capture_request(with_(SEED_REQUEST, gross_amount=30000.0))
    )
    violation = _one(found, "midtrans.gross-amount.decimal-literal")
    assert type(violation.actual) is float
    assert violation.actual == 30000.0
    assert "received 30000.0)" in str(violation)
    assert violation.source is not None
    assert "Decimal values are invalid" in violation.source.quote


def test_authorization_violation_never_echoes_the_credential() -> None:
    secret = "Bearer eyJhbGciOiJIUzI1NiJ9.super-secret.sig"
    found = Validator("midtrans").validate_request("capture", capture_request(authorization=secret))
    violation = _one(found, "midtrans.request.authorization")
    assert violation.actual == "<redacted>"
    assert "super-secret" not in str(violation)
    assert "super-secret" not in json.dumps(violation.to_dict())

    found = Validator("midtrans").validate_request("capture", capture_request(authorization=None))
    violation = _one(found, "midtrans.request.authorization")
    assert violation.actual is MISSING
    assert violation.to_dict()["actual"] == "<missing>"


def test_accept_violation_is_only_a_warning() -> None:
    found = Validator("midtrans").validate_request("capture", capture_request(accept="text/html"))
    assert [(x.rule, x.severity) for x in found] == [("midtrans.request.accept", Severity.WARNING)]
    assert found[0].actual == "text/html"
    assert str(found[0]).startswith("[warning] midtrans.request.accept at /headers/accept")


def test_http_status_violation_names_both_codes() -> None:
    found = Validator("midtrans").validate_response("capture", SEED_SUCCESS, status=500)
    violation = _one(found, "midtrans.response.http-status")
    assert "500" in violation.actual
    assert "'200'" in violation.actual
    assert "HTTP 200" in violation.expected
    assert violation.source is not None
    assert violation.source.id == "midtrans.http-status-vs-body"


def test_undocumented_status_lists_the_documented_ones() -> None:
    found = Validator("midtrans").validate_response("capture", SEED_412, status=418)
    violation = _one(found, "midtrans.response.undocumented-status")
    assert violation.actual == 418
    assert "412" in violation.expected
    assert "200" in violation.expected
    assert "418" not in violation.expected
    assert "201" not in violation.expected  # capture documents no 201 (charge/status do)


# --- coverage of the rule registry -----------------------------------------------------------


def _expected_rules() -> set[str]:
    return {rule for param in BAD for rule, _ in param.values[0].expect}


def _declared_rules() -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("x-rule"), str):
                found.add(node["x-rule"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([SPEC.openapi, *SPEC.schemas.values()])
    return found


def test_observed_only_rules_are_listed_explicitly() -> None:
    registered = {rid for rid, r in MIDTRANS_RULES.items() if r.profile == "observed"}
    assert registered == OBSERVED_ONLY_RULES


def test_every_midtrans_python_rule_is_hit_by_a_non_conformant_case() -> None:
    assert MIDTRANS_RULES, "no midtrans rules registered"
    documented = set(MIDTRANS_RULES) - OBSERVED_ONLY_RULES
    missing = documented - _expected_rules()
    assert not missing, f"rules no case in this file reaches: {sorted(missing)}"


def test_every_expected_rule_id_is_declared_somewhere() -> None:
    declared = set(MIDTRANS_RULES) | _declared_rules()
    declared |= {f"{rule}.unknown-field" for rule in _declared_rules()}
    undeclared = _expected_rules() - declared
    assert not undeclared, sorted(undeclared)
