"""Hand-written Pivot Payment documents: what must be rejected (and why), what must pass.

Each non-conformant case names the exact ``(rule id, JSON pointer)`` pairs it must produce
(no more, no fewer), and every violation must carry its source. Each conformant case is a
document a careless schema would reject but the contract allows (the seed's examples, the
facts' observed shapes).

Contract: ``seeds/000_54fc17d24e4c3c83.txt`` (the Capture page), the "Pivot Payment" section
of ``provider-facts.md`` and ``specs/pivot/DECISIONS.md``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance import MISSING, Validator, load_spec
from conformance.rules import all_rules

SANDBOX = "https://api-stg.pivot-payment.com"
SESSION_ID = "e03c2066-9e5b-454c-add6-c7c85b0b9d6b"
OTHER_SESSION_ID = "5b1f0a2e-8c3d-4e6f-9a7b-1c2d3e4f5a6b"
CAPTURE_URL = f"{SANDBOX}/v2/payments/{SESSION_ID}/capture"
TOKEN_URL = f"{SANDBOX}/v1/access-token"
PAYMENTS_URL = f"{SANDBOX}/v2/payments"
BEARER = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}
JSON_CT = {"Content-Type": "application/json"}
MERCHANT = {"X-MERCHANT-ID": "merchant-test-id", "X-MERCHANT-SECRET": "merchant-test-secret"}
REQUEST_ID = {"X-REQUEST-ID": "kit0123456789abcdef"}

SPEC = load_spec("pivot")
# Notification rules judge deliveries, not capture traffic: tests/test_notifications.py hits each.
PIVOT_RULES = {r.id: r for r in all_rules() if r.provider == "pivot" and r.phase != "notification"}
VALIDATORS = {p: Validator("pivot", profile=p) for p in ("documented", "observed")}
CAPTURE_STATUSES = ["PENDING", "SUCCESS", "FAILED"]

# --- the seed's documents, copied from seeds/000_54fc17d24e4c3c83.txt -----------------------

SEED_REQUEST = {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": 12000}}
SEED_RESPONSE = {
    "code": "00",
    "message": "Success",
    "data": {
        "id": "019c0d24-ec94-74b5-a4b7-b4da305bc41a",
        "paymentSessionId": SESSION_ID,
        "paymentSessionClientReferenceId": "1769746960",
        "releaseRemainingAmount": True,
        "amount": {"value": 12000, "currency": "IDR"},
        "status": "PENDING",
        "createdAt": "2026-01-30T04:24:09.620309094Z",
        "updatedAt": "2026-01-30T04:24:09.620309237Z",
    },
}
TOKEN_REQUEST = {"grantType": "client_credentials"}
TOKEN_RESPONSE = {
    "code": "00",
    "message": "Success",
    "data": {
        "accessToken": "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "expiresIn": "900",
        "tokenType": "Bearer",
    },
}
CREATE_REQUEST = {
    "clientReferenceId": "1769746960",
    "amount": {"value": 12000, "currency": "IDR"},
    "paymentType": "SINGLE",
    "mode": "API",
    "paymentMethod": {"type": "CARD", "card": {"token": "tok-test-0001"}},
    "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
}
SESSION_RESPONSE = {
    "code": "00",
    "message": "Success",
    "data": {
        "id": SESSION_ID,
        "clientReferenceId": "1769746960",
        "status": "PROCESSING",
        "amount": {"value": 12000, "currency": "IDR"},
        "paymentMethod": {"type": "CARD"},
        "chargeDetails": [
            {
                "id": "ch-0001",
                "status": "WAITING_FOR_CAPTURE",
                "authorizedAmount": {"value": 12000, "currency": "IDR"},
                "capturedAmount": {"value": 0, "currency": "IDR"},
                "isCaptured": False,
                "captureHistories": [
                    {
                        "captureId": "019c0d24-ec94-74b5-a4b7-b4da305bc41a",
                        "currency": "IDR",
                        "capturedAmount": 12000,
                        "status": "PENDING",
                        "createdAt": "2026-01-30T04:24:09.620309094Z",
                    }
                ],
            }
        ],
        "createdAt": "2026-01-30T04:20:00Z",
        "updatedAt": "2026-01-30T04:24:09.62Z",
    },
}


def with_data(base: dict[str, Any] = SEED_RESPONSE, **fields: Any) -> dict[str, Any]:
    """A copy of a success body with ``data`` fields replaced (``MISSING`` removes one)."""
    body = copy.deepcopy(base)
    for name, value in fields.items():
        if value is MISSING:
            del body["data"][name]
        else:
            body["data"][name] = value
    return body


def without(body: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(body)
    del out[name]
    return out


def capture_request(body: Any = SEED_REQUEST, *, url: str = CAPTURE_URL, **headers: str):
    """A capture ``httpx.Request``; *headers* replace the default Bearer + JSON ones."""
    chosen = headers or {**BEARER, **JSON_CT}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Request("POST", url, content=content, headers=chosen)


def session_at(index: int, **fields: Any) -> dict[str, Any]:
    body = copy.deepcopy(SESSION_RESPONSE)
    for path, value in fields.items():
        target = body["data"]["chargeDetails"][index]
        if path == "history_status":
            target["captureHistories"][0]["status"] = value
        else:
            target[path] = value
    return body


# --- cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    operation: str
    document: Any
    expected: frozenset[tuple[str, str]]
    phase: str = "response"
    status: int | None = None
    request: Any = None
    profile: str = "documented"
    bug: str | None = None

    def run(self, profile: str | None = None) -> list[Any]:
        validator = VALIDATORS[profile or self.profile]
        if self.phase == "request":
            return validator.validate_request(self.operation, self.document)
        if isinstance(self.document, httpx.Response):
            return validator.validate_response(self.operation, self.document, request=self.request)
        return validator.validate_response(
            self.operation, self.document, status=self.status, request=self.request
        )


def bad(case_id: str, operation: str, document: Any, *pairs: tuple[str, str], **kw: Any) -> Case:
    return Case(case_id, operation, document, frozenset(pairs), **kw)


def req(case_id: str, document: Any, *pairs: tuple[str, str], **kw: Any) -> Case:
    return bad(case_id, kw.pop("operation", "capture"), document, *pairs, phase="request", **kw)


def err(case_id: str, status: int, body: Any, *pairs: tuple[str, str], **kw: Any) -> Case:
    return bad(case_id, kw.pop("operation", "capture"), body, *pairs, status=status, **kw)


TS = "pivot.capture-response.created-at", "/data/createdAt"
UPDATED = "pivot.capture-response.updated-at", "/data/updatedAt"
CODE = "pivot.capture-response.code", "/code"
STATUS = "pivot.capture-response.status", "/data/status"
HTTP_CODE = "pivot.error.http-code"
AUTH = "pivot.request.authorization", "/headers/authorization"
CONTENT_TYPE = "pivot.request.content-type", "/headers/content-type"
UNDOCUMENTED = "pivot.response.undocumented-status", "/status"
ERROR_400 = {
    "code": "api_validation_error",
    "message": "The request was invalid",
    "error": {"type": "API_ERROR"},
}

NON_CONFORMANT = [
    # capture response: the success envelope
    bad("response-code-integer-0", "capture", {**SEED_RESPONSE, "code": 0}, CODE),
    bad("response-code-01-on-200", "capture", {**SEED_RESPONSE, "code": "01"}, CODE),
    bad(
        "response-without-message",
        "capture",
        without(SEED_RESPONSE, "message"),
        ("pivot.capture-response.message", "/message"),
    ),
    bad(
        "response-without-data",
        "capture",
        without(SEED_RESPONSE, "data"),
        ("pivot.capture-response.data", "/data"),
    ),
    bad(
        "response-data-is-a-list",
        "capture",
        {**SEED_RESPONSE, "data": []},
        ("pivot.capture-response.data", "/data"),
    ),
    # capture response: data fields
    bad("status-DONE", "capture", with_data(status="DONE"), STATUS),
    bad("status-lower-case-pending", "capture", with_data(status="pending"), STATUS),
    bad(
        "amount-value-string-12000",
        "capture",
        with_data(amount={"value": "12000", "currency": "IDR"}),
        ("pivot.amount.value", "/data/amount/value"),
    ),
    bad(
        "amount-value-19-digits",
        "capture",
        with_data(amount={"value": 10**18, "currency": "IDR"}),
        ("pivot.amount.value", "/data/amount/value"),
    ),
    bad(
        "response-currency-RUPIAH",
        "capture",
        with_data(amount={"value": 12000, "currency": "RUPIAH"}),
        ("pivot.amount.currency", "/data/amount/currency"),
    ),
    bad(
        "amount-null-although-request-had-one-documented",
        "capture",
        with_data(amount=None),
        ("pivot.capture-response.amount-echo", "/data/amount"),
        request=SEED_REQUEST,
    ),
    bad(
        "amount-missing-even-observed",
        "capture",
        with_data(amount=MISSING),
        ("pivot.capture-response.amount", "/data/amount"),
        profile="observed",
    ),
    bad("createdAt-30/01/2026", "capture", with_data(createdAt="30/01/2026"), TS),
    bad(
        "updatedAt-10-fractional-digits",
        "capture",
        with_data(updatedAt="2026-01-30T04:24:09.6203092371Z"),
        UPDATED,
    ),
    bad("createdAt-without-Z", "capture", with_data(createdAt="2026-01-30T04:24:09.620309094"), TS),
    bad("createdAt-offset-+07:00", "capture", with_data(createdAt="2026-01-30T11:24:09+07:00"), TS),
    bad("createdAt-lower-case-z", "capture", with_data(createdAt="2026-01-30T04:24:09z"), TS),
    bad("createdAt-leap-second", "capture", with_data(createdAt="2026-12-31T23:59:60Z"), TS),
    bad("createdAt-missing", "capture", with_data(createdAt=MISSING), TS),
    bad(
        "PaymentSessionClientReferenceId-capitalised",
        "capture",
        with_data(
            paymentSessionClientReferenceId=MISSING, PaymentSessionClientReferenceId="1769746960"
        ),
        (
            "pivot.capture-response.payment-session-client-reference-id",
            "/data/paymentSessionClientReferenceId",
        ),
    ),
    bad(
        "paymentSessionId-not-a-uuid",
        "capture",
        with_data(paymentSessionId="ps-1769746960"),
        ("pivot.capture-response.payment-session-id", "/data/paymentSessionId"),
    ),
    bad("capture-id-empty", "capture", with_data(id=""), ("pivot.capture-response.id", "/data/id")),
    bad(
        "response-releaseRemainingAmount-string",
        "capture",
        with_data(releaseRemainingAmount="true"),
        ("pivot.capture-response.release-remaining-amount", "/data/releaseRemainingAmount"),
    ),
    # capture response: what it echoes from the request
    bad(
        "paymentSessionId-not-the-path-id",
        "capture",
        SEED_RESPONSE,
        ("pivot.capture-response.session-id-echo", "/data/paymentSessionId"),
        request=capture_request(url=f"{SANDBOX}/v2/payments/{OTHER_SESSION_ID}/capture"),
    ),
    bad(
        "releaseRemainingAmount-echo-flipped",
        "capture",
        SEED_RESPONSE,
        ("pivot.capture-response.release-echo", "/data/releaseRemainingAmount"),
        request={**SEED_REQUEST, "releaseRemainingAmount": False},
    ),
    bad(
        "amount-echo-other-value",
        "capture",
        SEED_RESPONSE,
        ("pivot.capture-response.amount-echo", "/data/amount/value"),
        request={"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": 5000}},
    ),
    bad(
        "amount-echo-other-currency",
        "capture",
        SEED_RESPONSE,
        ("pivot.capture-response.amount-echo", "/data/amount/currency"),
        request={"releaseRemainingAmount": True, "amount": {"currency": "USD", "value": 12000}},
    ),
    bad(
        "amount-null-although-request-had-one-observed",
        "capture",
        with_data(amount=None),
        ("pivot.capture-response.amount-echo", "/data/amount"),
        request=SEED_REQUEST,
        profile="observed",
    ),
    # capture request body
    req(
        "request-missing-releaseRemainingAmount",
        {"amount": {"currency": "IDR", "value": 12000}},
        ("pivot.capture-request.release-remaining-amount", "/releaseRemainingAmount"),
    ),
    req(
        "releaseRemainingAmount-string-true",
        {"releaseRemainingAmount": "true"},
        ("pivot.capture-request.release-remaining-amount", "/releaseRemainingAmount"),
    ),
    req(
        "releaseRemainingAmount-an-object-as-the-table-says",
        {"releaseRemainingAmount": {"value": True}},
        ("pivot.capture-request.release-remaining-amount", "/releaseRemainingAmount"),
    ),
    req(
        "request-unknown-field",
        {**SEED_REQUEST, "referenceId": "r-1"},
        ("pivot.capture-request.unknown-field", "/referenceId"),
    ),
    req(
        "request-unknown-field-observed",
        {**SEED_REQUEST, "referenceId": "r-1"},
        ("pivot.capture-request.unknown-field", "/referenceId"),
        profile="observed",
    ),
    req(
        "request-amount-extra-field",
        {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": 1, "note": "x"}},
        ("pivot.capture-request.amount.unknown-field", "/amount/note"),
    ),
    req(
        "request-currency-RUPIAH",
        {"releaseRemainingAmount": True, "amount": {"currency": "RUPIAH", "value": 12000}},
        ("pivot.amount.currency", "/amount/currency"),
    ),
    req(
        "request-currency-lower-case-idr",
        {"releaseRemainingAmount": True, "amount": {"currency": "idr", "value": 12000}},
        ("pivot.amount.currency", "/amount/currency"),
    ),
    req(
        "request-amount-without-currency",
        {"releaseRemainingAmount": True, "amount": {"value": 12000}},
        ("pivot.amount.currency", "/amount/currency"),
    ),
    req(
        "request-amount-value-string",
        {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": "12000"}},
        ("pivot.amount.value", "/amount/value"),
    ),
    # A wrong type is a documented failure: same rule id in both profiles (DECISIONS D21
    # says otherwise, see the report).
    req(
        "request-amount-value-string-observed",
        {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": "12000"}},
        ("pivot.amount.value", "/amount/value"),
        profile="observed",
    ),
    req(
        "request-amount-null",
        {"releaseRemainingAmount": True, "amount": None},
        ("pivot.capture-request.amount", "/amount"),
    ),
    req("request-body-a-json-array", [], ("pivot.capture-request", "")),
    # capture request: HTTP level
    req("missing-authorization", capture_request(**JSON_CT), AUTH),
    req(
        "basic-instead-of-bearer",
        capture_request(Authorization="Basic bWVyY2hhbnQ6c2VjcmV0", **JSON_CT),
        AUTH,
    ),
    req("bearer-without-token", capture_request(Authorization="Bearer ", **JSON_CT), AUTH),
    req(
        "content-type-text/plain",
        capture_request(**BEARER, **{"Content-Type": "text/plain"}),
        CONTENT_TYPE,
    ),
    req("content-type-missing", capture_request(**BEARER), CONTENT_TYPE),
    req(
        "request-body-not-json",
        capture_request(b"releaseRemainingAmount=true"),
        ("pivot.request.json", ""),
    ),
    req(
        "path-id-not-a-uuid",
        capture_request(url=f"{SANDBOX}/v2/payments/1769746960/capture"),
        ("pivot.request.payment-id", "/path/id"),
    ),
    # capture errors
    err(
        "error-without-message",
        400,
        {"code": "api_validation_error", "error": {"type": "API_ERROR"}},
        ("pivot.error.message", "/message"),
    ),
    err("error-without-code", 400, without(ERROR_400, "code"), ("pivot.error.code", "/code")),
    err("error-code-00", 400, {**ERROR_400, "code": "00"}, ("pivot.error.code", "/code")),
    err(
        "error-code-integer",
        400,
        {**ERROR_400, "code": 400},
        ("pivot.error.code", "/code"),
    ),
    err("error-with-data-null", 400, {**ERROR_400, "data": None}, ("pivot.error.data", "/data")),
    err(
        "error-with-data-object",
        500,
        {"code": "internal_error", "message": "x", "error": {"type": "GATEWAY_ERROR"}, "data": {}},
        ("pivot.error.data", "/data"),
    ),
    err(
        "error-type-OOPS",
        400,
        {**ERROR_400, "error": {"type": "OOPS"}},
        ("pivot.error.type", "/error/type"),
    ),
    err(
        "error-object-a-string",
        400,
        {**ERROR_400, "error": "amount"},
        ("pivot.error.error", "/error"),
    ),
    err(
        "error-details-not-a-list",
        400,
        {**ERROR_400, "error": {"type": "API_ERROR", "details": "amount is required"}},
        ("pivot.error.details", "/error/details"),
    ),
    err(
        "error-details-field-integer",
        400,
        {**ERROR_400, "error": {"type": "API_ERROR", "details": [{"field": 1, "message": "m"}]}},
        ("pivot.error.details.field", "/error/details/0/field"),
    ),
    err(
        "error-traceId-number",
        400,
        {**ERROR_400, "error": {"type": "API_ERROR", "traceId": 12345}},
        ("pivot.error.trace-id", "/error/traceId"),
    ),
    err("404-with-api_validation_error", 404, ERROR_400, (HTTP_CODE, "/code")),
    # The documented envelope: every error carries an error object with its type.
    err(
        "error-without-error-object",
        404,
        {"code": "resource_missing", "message": "Payment session not found"},
        ("pivot.error.error", "/error"),
    ),
    err(
        "error-object-without-type",
        404,
        {"code": "resource_missing", "message": "not found", "error": {"traceId": "t"}},
        ("pivot.error.type", "/error/type"),
    ),
    err(
        "error-type-does-not-fit-code",
        404,
        {"code": "resource_missing", "message": "not found", "error": {"type": "API_ERROR"}},
        (HTTP_CODE, "/error/type"),
    ),
    err(
        "422-with-resource_missing-observed",
        422,
        {
            "code": "resource_missing",
            "message": "payment not found",
            "error": {"type": "GATEWAY_ERROR"},
        },
        (HTTP_CODE, "/code"),
        profile="observed",
    ),
    err("status-201-for-capture", 201, SEED_RESPONSE, UNDOCUMENTED),
    err("status-418-for-capture", 418, {"code": "teapot", "message": "no"}, UNDOCUMENTED),
    bad(
        "502-html-body",
        "capture",
        httpx.Response(502, text="<html>Bad gateway</html>"),
        ("pivot.response.json", ""),
        ("pivot.response.content-type", "/headers/content-type"),
    ),
    bad(
        "json-served-as-html",
        "capture",
        httpx.Response(200, json=SEED_RESPONSE, headers={"Content-Type": "text/html"}),
        ("pivot.response.content-type", "/headers/content-type"),
    ),
    bad(
        "repeated-code",
        "capture",
        httpx.Response(
            200,
            content=b'{"code": "99", ' + json.dumps(SEED_RESPONSE)[1:].encode(),
            headers=JSON_CT,
        ),
        ("pivot.response.duplicate-key", "/code"),
    ),
    req(
        "repeated-release-remaining-amount",
        capture_request(b'{"releaseRemainingAmount": false, "releaseRemainingAmount": true}'),
        ("pivot.request.duplicate-key", "/releaseRemainingAmount"),
    ),
    bad("200-empty-body", "capture", httpx.Response(200, content=b""), ("pivot.response.json", "")),
    # access-token
    req(
        "access-token-without-merchant-secret",
        httpx.Request(
            "POST", TOKEN_URL, json=TOKEN_REQUEST, headers={"X-MERCHANT-ID": "merchant-test-id"}
        ),
        ("pivot.request.merchant-credentials", "/headers/x-merchant-secret"),
        operation="access-token",
    ),
    req(
        "access-token-without-merchant-headers",
        httpx.Request("POST", TOKEN_URL, json=TOKEN_REQUEST),
        ("pivot.request.merchant-credentials", "/headers/x-merchant-id"),
        ("pivot.request.merchant-credentials", "/headers/x-merchant-secret"),
        operation="access-token",
    ),
    req(
        "access-token-content-type-text/plain",
        httpx.Request(
            "POST",
            TOKEN_URL,
            content=json.dumps(TOKEN_REQUEST).encode(),
            headers={**MERCHANT, "Content-Type": "text/plain"},
        ),
        CONTENT_TYPE,
        operation="access-token",
    ),
    req(
        "access-token-grantType-password",
        {"grantType": "password"},
        ("pivot.access-token-request.grant-type", "/grantType"),
        operation="access-token",
    ),
    req(
        "access-token-request-unknown-field",
        {**TOKEN_REQUEST, "scope": "payments"},
        ("pivot.access-token-request.unknown-field", "/scope"),
        operation="access-token",
    ),
    bad(
        "access-token-expiresIn-number-900",
        "access-token",
        with_data(TOKEN_RESPONSE, expiresIn=900),
        ("pivot.access-token-response.expires-in", "/data/expiresIn"),
    ),
    bad(
        "access-token-tokenType-lower-case",
        "access-token",
        with_data(TOKEN_RESPONSE, tokenType="bearer"),
        ("pivot.access-token-response.token-type", "/data/tokenType"),
    ),
    bad(
        "access-token-code-0-string",
        "access-token",
        {**TOKEN_RESPONSE, "code": "0"},
        ("pivot.envelope.code", "/code"),
    ),
    err(
        "access-token-status-404",
        404,
        {"code": "not_found", "message": "not found"},
        UNDOCUMENTED,
        operation="access-token",
    ),
    # create-payment
    req(
        "create-payment-without-X-REQUEST-ID",
        httpx.Request("POST", PAYMENTS_URL, json=CREATE_REQUEST, headers=BEARER),
        ("pivot.create-payment-request.x-request-id", "/headers/x-request-id"),
        operation="create-payment",
    ),
    req(
        "create-payment-X-REQUEST-ID-too-short",
        httpx.Request(
            "POST", PAYMENTS_URL, json=CREATE_REQUEST, headers={**BEARER, "X-REQUEST-ID": "k1"}
        ),
        ("pivot.create-payment-request.x-request-id", "/headers/x-request-id"),
        operation="create-payment",
    ),
    req(
        "create-payment-without-authorization",
        httpx.Request("POST", PAYMENTS_URL, json=CREATE_REQUEST, headers=REQUEST_ID),
        AUTH,
        operation="create-payment",
    ),
    req(
        "create-payment-empty-method-type",
        {**CREATE_REQUEST, "paymentMethod": {"type": ""}},
        ("pivot.create-payment-request.payment-method.type", "/paymentMethod/type"),
        operation="create-payment",
    ),
    req(
        "create-payment-captureMethod-later",
        {**CREATE_REQUEST, "paymentMethodOptions": {"card": {"captureMethod": "later"}}},
        ("pivot.create-payment-request.capture-method", "/paymentMethodOptions/card/captureMethod"),
        operation="create-payment",
    ),
    req(
        "create-payment-without-clientReferenceId",
        without(CREATE_REQUEST, "clientReferenceId"),
        ("pivot.create-payment-request.client-reference-id", "/clientReferenceId"),
        operation="create-payment",
    ),
    # get-payment
    req(
        "get-payment-without-authorization",
        httpx.Request("GET", f"{PAYMENTS_URL}/{SESSION_ID}"),
        AUTH,
        operation="get-payment",
    ),
    bad(
        "session-status-CAPTURED",
        "get-payment",
        with_data(SESSION_RESPONSE, status="CAPTURED"),
        ("pivot.session.status", "/data/status"),
    ),
    bad(
        "charge-status-CAPTURED",
        "get-payment",
        session_at(0, status="CAPTURED"),
        ("pivot.charge.status", "/data/chargeDetails/0/status"),
    ),
    bad(
        "capture-history-status-DONE",
        "get-payment",
        session_at(0, history_status="DONE"),
        ("pivot.capture-history.status", "/data/chargeDetails/0/captureHistories/0/status"),
    ),
    bad(
        "get-payment-charge-amount-a-string",
        "get-payment",
        session_at(0, capturedAmount="0"),
        ("pivot.charge.captured-amount", "/data/chargeDetails/0/capturedAmount"),
    ),
    bad(
        "get-payment-without-code",
        "get-payment",
        without(SESSION_RESPONSE, "code"),
        ("pivot.envelope.code", "/code"),
    ),
]


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in NON_CONFORMANT])
def test_non_conformant(case: Case) -> None:
    found = case.run()
    pairs = {(v.rule, v.pointer) for v in found}
    assert pairs == case.expected, "\n".join(str(v) for v in found)
    missing_source = [str(v) for v in found if v.source is None]
    assert not missing_source, missing_source


# --- observed-only rules: flagged in observed, not in documented ----------------------------

OBSERVED_ONLY = [
    req(
        "amount-missing-with-release-false",
        {"releaseRemainingAmount": False},
        ("pivot.capture-request.amount", "/amount"),
    ),
    req(
        "amount-value-0",
        {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 0}},
        ("pivot.capture-request.amount.value", "/amount/value"),
    ),
    req(
        "amount-value-negative",
        {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": -5}},
        ("pivot.capture-request.amount.value", "/amount/value"),
    ),
    req(
        "idr-value-12000.5",
        {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 12000.5}},
        ("pivot.capture-request.idr-decimal", "/amount/value"),
    ),
    bad(
        "capture-id-not-a-uuid",
        "capture",
        with_data(id="cap-0001"),
        ("pivot.capture-response.id", "/data/id"),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in OBSERVED_ONLY])
def test_observed_only_rule_flagged_in_observed(case: Case) -> None:
    found = case.run("observed")
    assert {(v.rule, v.pointer) for v in found} == case.expected, [str(v) for v in found]
    assert all(v.source is not None for v in found)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in OBSERVED_ONLY])
def test_observed_only_rule_silent_in_documented(case: Case) -> None:
    found = case.run("documented")
    assert found == [], [str(v) for v in found]


# --- conformant documents a careless schema would reject ------------------------------------


@dataclass(frozen=True)
class Good:
    id: str
    operation: str
    document: Any
    phase: str = "response"
    status: int | None = None
    request: Any = None
    profile: str = "documented"
    bug: str | None = None

    def run(self) -> list[Any]:
        case = Case(
            self.id,
            self.operation,
            self.document,
            frozenset(),
            self.phase,
            self.status,
            self.request,
            self.profile,
        )
        return case.run()


def fraction(digits: str) -> dict[str, Any]:
    stamp = "2026-01-30T04:24:09" + (f".{digits}" if digits else "") + "Z"
    return with_data(createdAt=stamp, updatedAt=stamp)


V7_ID = "0195f3a0-7c1e-7d2b-9a4f-3c2b1a0e9d8c"

CONFORMANT = [
    Good("seed-request", "capture", SEED_REQUEST, phase="request"),
    Good("seed-request-observed", "capture", SEED_REQUEST, phase="request", profile="observed"),
    Good("seed-response", "capture", SEED_RESPONSE, request=SEED_REQUEST),
    Good("seed-response-observed", "capture", SEED_RESPONSE, profile="observed"),
    Good(
        "seed-response-with-httpx-request",
        "capture",
        SEED_RESPONSE,
        request=capture_request(),
    ),
    Good(
        "unknown-fields-in-data-and-envelope",
        "capture",
        {
            **with_data(captureMethod="manual", metadata={"k": "v"}, capturedBy=None),
            "requestId": "abc",
        },
    ),
    Good(
        "capital-P-key-next-to-the-documented-one",
        "capture",
        with_data(PaymentSessionClientReferenceId="1769746960"),
    ),
    Good("timestamps-0-fractional-digits", "capture", fraction("")),
    Good("timestamps-1-fractional-digit", "capture", fraction("6")),
    Good("timestamps-3-fractional-digits", "capture", fraction("620")),
    Good("timestamps-6-fractional-digits", "capture", fraction("620309")),
    Good("timestamps-9-fractional-digits", "capture", fraction("620309094")),
    Good("status-SUCCESS", "capture", with_data(status="SUCCESS")),
    Good("status-FAILED", "capture", with_data(status="FAILED")),
    Good(
        "response-without-releaseRemainingAmount",
        "capture",
        with_data(releaseRemainingAmount=MISSING),
    ),
    Good(
        "amount-null-when-request-had-none-observed",
        "capture",
        with_data(amount=None),
        request={"releaseRemainingAmount": True},
        profile="observed",
    ),
    Good(
        "amount-null-when-request-had-none-documented",
        "capture",
        with_data(amount=None),
        request={"releaseRemainingAmount": True},
    ),
    Good("release-true-alone", "capture", {"releaseRemainingAmount": True}, phase="request"),
    Good(
        "release-true-alone-observed",
        "capture",
        {"releaseRemainingAmount": True},
        phase="request",
        profile="observed",
    ),
    Good(
        "release-false-without-amount-documented",
        "capture",
        {"releaseRemainingAmount": False},
        phase="request",
    ),
    Good(
        "partial-capture-observed",
        "capture",
        {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 5000}},
        phase="request",
        profile="observed",
    ),
    Good(
        "usd-with-cents-observed",
        "capture",
        {"releaseRemainingAmount": True, "amount": {"currency": "USD", "value": 10.5}},
        phase="request",
        profile="observed",
    ),
    Good(
        "full-httpx-request",
        "capture",
        capture_request(),
        phase="request",
    ),
    Good(
        "httpx-request-json-with-charset-observed",
        "capture",
        capture_request(**BEARER, **{"Content-Type": "application/json; charset=utf-8"}),
        phase="request",
        profile="observed",
    ),
    Good(
        "error-with-details-and-traceId",
        "capture",
        {
            "code": "api_validation_error",
            "message": "The request was invalid",
            "error": {
                "type": "API_ERROR",
                "details": [
                    {"field": "releaseRemainingAmount", "message": "is required"},
                    {"field": "amount.value", "message": "must be a number"},
                    {"field": "amount.currency", "message": "must be ISO 4217"},
                ],
                "traceId": "ed9ef145530fc386190ddd7612ed61c7",
            },
        },
        status=400,
    ),
    Good(
        "error-with-docs-trace_id-and-source",
        "capture",
        {
            "code": "internal_error",
            "message": "Internal error",
            "error": {"type": "GATEWAY_ERROR", "trace_id": "t-1", "source": "capture"},
        },
        status=500,
    ),
    Good(
        "error-code-outside-the-table",
        "capture",
        {"code": "data_not_found", "message": "Data not found", "error": {"type": "API_ERROR"}},
        status=404,
    ),
    Good(
        "422-api_validation_error-observed",
        "capture",
        {
            "code": "api_validation_error",
            "message": "payment not found",
            "error": {
                "type": "API_ERROR",
                "details": [{"field": "id", "message": "payment not found"}],
                "traceId": "ed9ef145530fc386190ddd7612ed61c7",
            },
        },
        status=422,
        profile="observed",
    ),
    Good(
        "422-charge-not-waiting-for-capture-observed",
        "capture",
        {
            "code": "api_validation_error",
            "message": "charge status must be WAITING_FOR_CAPTURE",
            "error": {"type": "API_ERROR", "details": [], "traceId": "abc"},
        },
        status=422,
        profile="observed",
    ),
    Good(
        "401-credentials_invalid",
        "capture",
        {
            "code": "credentials_invalid",
            "message": "Unauthorized",
            "error": {"type": "API_ERROR", "traceId": "abc"},
        },
        status=401,
    ),
    Good("capture-id-uuid-v7-observed", "capture", with_data(id=V7_ID), profile="observed"),
    Good(
        "capture-id-upper-case-uuid-observed",
        "capture",
        with_data(id=V7_ID.upper()),
        profile="observed",
    ),
    Good("capture-id-free-string-documented", "capture", with_data(id="cap-0001")),
    Good(
        "upper-case-path-id-echoed-in-lower-case",
        "capture",
        SEED_RESPONSE,
        request=capture_request(url=f"{SANDBOX}/v2/payments/{SESSION_ID.upper()}/capture"),
    ),
    Good("access-token-seed-response", "access-token", TOKEN_RESPONSE),
    Good(
        "access-token-httpx-request",
        "access-token",
        httpx.Request("POST", TOKEN_URL, json=TOKEN_REQUEST, headers=MERCHANT),
        phase="request",
    ),
    Good(
        "create-payment-httpx-request-with-undocumented-fields",
        "create-payment",
        httpx.Request(
            "POST",
            PAYMENTS_URL,
            json={**CREATE_REQUEST, "customer": {"email": "a@example.com"}, "autoConfirm": True},
            headers={**BEARER, **REQUEST_ID},
        ),
        phase="request",
    ),
    Good("get-payment-session", "get-payment", SESSION_RESPONSE),
    # The facts name the charge amounts without their shape: a bare number passes too.
    Good(
        "get-payment-charge-amounts-bare-numbers",
        "get-payment",
        session_at(0, authorizedAmount=12000, capturedAmount=0),
    ),
    Good(
        "get-payment-httpx-request",
        "get-payment",
        httpx.Request("GET", f"{PAYMENTS_URL}/{SESSION_ID}", headers=BEARER),
        phase="request",
    ),
]


@pytest.mark.parametrize(
    "good",
    [
        pytest.param(
            g, id=g.id, marks=[pytest.mark.xfail(strict=True, reason=g.bug)] if g.bug else []
        )
        for g in CONFORMANT
    ],
)
def test_conformant(good: Good) -> None:
    found = good.run()
    assert found == [], "\n".join(str(v) for v in found)


def test_seed_documents_are_the_openapi_examples() -> None:
    """The conformant seed cases above are the ones the spec itself ships."""
    capture = SPEC.openapi["paths"]["/v2/payments/{id}/capture"]["post"]
    request = capture["requestBody"]["content"]["application/json"]["examples"]["seed"]["value"]
    response = capture["responses"]["200"]["content"]["application/json"]["examples"]["seed"]
    assert request == SEED_REQUEST
    assert response["value"] == SEED_RESPONSE


# --- the violation as a value ---------------------------------------------------------------


def _one(found: list[Any], rule_id: str) -> Any:
    matching = [v for v in found if v.rule == rule_id]
    assert len(matching) == 1, [str(v) for v in found]
    return matching[0]


def test_status_done_violation_value() -> None:
    found = VALIDATORS["documented"].validate_response("capture", with_data(status="DONE"))
    violation = _one(found, "pivot.capture-response.status")
    assert violation.pointer == "/data/status"
    assert violation.expected == CAPTURE_STATUSES
    assert violation.expected == SPEC.catalogue_values("capture_status")
    assert violation.actual == "DONE"
    assert "received 'DONE'" in str(violation)
    assert violation.source is not None
    assert violation.source.kind == "documented"
    assert violation.source.id == "pivot.capture-status"
    assert "PENDING" in violation.source.quote


def test_missing_field_violation_value() -> None:
    found = VALIDATORS["documented"].validate_request("capture", {"amount": SEED_REQUEST["amount"]})
    violation = _one(found, "pivot.capture-request.release-remaining-amount")
    assert violation.actual is MISSING
    assert violation.pointer == "/releaseRemainingAmount"
    assert violation.source is not None
    assert violation.source.kind == "documented"


def test_expires_in_violation_value() -> None:
    found = VALIDATORS["documented"].validate_response(
        "access-token", with_data(TOKEN_RESPONSE, expiresIn=900)
    )
    violation = _one(found, "pivot.access-token-response.expires-in")
    assert violation.expected == "string"
    assert violation.actual == 900
    assert "received 900" in str(violation)


@pytest.mark.parametrize(
    ("body", "rule_id"),
    [
        pytest.param(
            {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 12000.5}},
            "pivot.capture-request.idr-decimal",
            id="idr-decimal",
        ),
        pytest.param(
            {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 0}},
            "pivot.capture-request.amount.value",
            id="amount-value-positive",
        ),
        pytest.param(
            {"releaseRemainingAmount": False},
            "pivot.capture-request.amount",
            id="amount-required-when-release-false",
        ),
    ],
)
def test_observed_request_rule_cites_an_observed_source(body: Any, rule_id: str) -> None:
    violation = _one(VALIDATORS["observed"].validate_request("capture", body), rule_id)
    assert violation.source is not None
    assert violation.source.kind == "observed"
    assert violation.source.id == "pivot.observed-capture-rules"


def test_idr_decimal_violation_value() -> None:
    body = {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 12000.5}}
    found = VALIDATORS["observed"].validate_request("capture", body)
    violation = _one(found, "pivot.capture-request.idr-decimal")
    assert violation.actual == 12000.5
    assert violation.pointer == "/amount/value"
    assert PIVOT_RULES["pivot.capture-request.idr-decimal"].profile == "observed"


def test_observed_capture_id_rule_cites_an_observed_source() -> None:
    found = VALIDATORS["observed"].validate_response("capture", with_data(id="cap-0001"))
    violation = _one(found, "pivot.capture-response.id")
    assert violation.source is not None
    assert violation.source.kind == "observed"
    assert violation.source.id == "pivot.capture-id"


# --- every registered Pivot rule is exercised -----------------------------------------------


def test_every_pivot_rule_is_hit_by_a_case() -> None:
    working = [c for c in NON_CONFORMANT + OBSERVED_ONLY if c.bug is None]
    hit = {rule_id for case in working for rule_id, _ in case.expected}
    assert PIVOT_RULES, "no pivot rules registered"
    assert set(PIVOT_RULES) - hit == set()


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in NON_CONFORMANT + OBSERVED_ONLY] + [g.id for g in CONFORMANT]
    assert len(ids) == len(set(ids))
    assert len(NON_CONFORMANT) >= 35
    assert len(CONFORMANT) >= 10


def test_partner_error_is_not_paired_with_a_code_by_the_table() -> None:
    # The error table pairs no code with PARTNER_ERROR, so the type is accepted with any code.
    body = {
        "code": "bad_gateway",
        "message": "Bank connection failed",
        "error": {"type": "PARTNER_ERROR", "details": [], "traceId": "trace-502"},
    }
    assert VALIDATORS["documented"].validate_response("capture", body, status=502) == []
    body["error"]["type"] = "API_ERROR"
    found = VALIDATORS["documented"].validate_response("capture", body, status=502)
    assert [(v.rule, v.pointer) for v in found] == [(HTTP_CODE, "/error/type")]
