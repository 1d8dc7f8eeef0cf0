"""``assert_conformant``: for tests that mock HTTP themselves and want one clear assertion."""

from __future__ import annotations

import json

import httpx
import pytest
import requests

from conformance import (
    ConformanceAssertionError,
    ConformanceError,
    UsageError,
    assert_conformant,
)

pytest_plugins = ["pytester"]

CAPTURE = "https://api.sandbox.midtrans.com/v2/capture"
PIVOT_ID = "5ba91faf-7a02-4204-b7c1-bd874da5e709"
PIVOT_CAPTURE = f"https://api-stg.pivot-payment.com/v2/payments/{PIVOT_ID}/capture"
HEADERS = {"Accept": "application/json", "Authorization": "Basic U0ItTWlkLXNlcnZlci10ZXN0Og=="}
REFUSED_412 = {"status_code": "412", "status_message": "Merchant cannot modify the status"}
GROSS_AMOUNT_SOURCE = (
    "      source:   https://docs.midtrans.com/reference/capture-transaction-card (documented): "
    "'gross_amount | Total amount of transaction in IDR. By default it captures whole "
    "transaction amount. Note: Decimal values are invalid. | Long | Optional |'"
)


def pivot_answer(session_id: str) -> dict[str, object]:
    return {
        "code": "00",
        "message": "Success",
        "data": {
            "id": "01a200db-6af1-7cf6-b9bd-16429a164106",
            "paymentSessionId": session_id,
            "paymentSessionClientReferenceId": "order-1",
            "releaseRemainingAmount": False,
            "amount": {"value": 30000, "currency": "IDR"},
            "status": "PENDING",
            "createdAt": "2026-11-22T01:25:09.489847722Z",
            "updatedAt": "2026-11-22T01:25:09.489920150Z",
        },
    }


def pivot_capture_request() -> httpx.Request:
    return httpx.Request(
        "POST",
        PIVOT_CAPTURE,
        json={"amount": {"value": 30000, "currency": "IDR"}, "releaseRemainingAmount": False},
        headers={"Authorization": "Bearer made-up-token", "Accept": "application/json"},
    )


def test_a_conformant_bare_request_body_passes() -> None:
    assert_conformant("midtrans", "capture", {"transaction_id": "t-1", "gross_amount": 30000})


def test_a_bare_request_body_failure_names_rule_field_values_and_source() -> None:
    with pytest.raises(ConformanceAssertionError) as raised:
        assert_conformant("midtrans", "capture", {"transaction_id": "t-1", "gross_amount": 30000.0})
    assert str(raised.value).splitlines() == [
        "midtrans capture request breaks the contract (profile 'documented'): 1 violation",
        "  midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount is written as a "
        "decimal; decimal values are invalid",
        "      expected: 'an integer (Long) without a decimal point'",
        "      sent:     30000.0",
        GROSS_AMOUNT_SOURCE,
    ]
    assert [v.rule for v in raised.value.violations] == ["midtrans.gross-amount.decimal-literal"]


def test_it_is_an_assertion_error_and_a_conformance_error() -> None:
    with pytest.raises(AssertionError):
        assert_conformant("pivot", "capture", {"amount": {"value": 1, "currency": "IDR"}})
    with pytest.raises(ConformanceError):
        assert_conformant("pivot", "capture", {"amount": {"value": 1, "currency": "IDR"}})


def test_a_bare_body_with_a_status_is_a_response() -> None:
    assert_conformant("midtrans", "capture", REFUSED_412, status=412)
    with pytest.raises(ConformanceAssertionError) as raised:
        assert_conformant("midtrans", "capture", REFUSED_412, status=404)
    assert str(raised.value).splitlines()[:4] == [
        "midtrans capture response breaks the contract (profile 'documented'): 1 violation",
        "  midtrans.response.http-status at /status_code: HTTP status contradicts the body "
        "status_code",
        "      expected: 'HTTP 200 or HTTP 412'",
        "      received: \"HTTP 404 with body status_code '412'\"",
    ]


def test_httpx_request_and_response_with_the_echo_checks() -> None:
    request = pivot_capture_request()
    assert_conformant("pivot", "capture", request)
    assert_conformant(
        "pivot", "capture", httpx.Response(200, json=pivot_answer(PIVOT_ID)), request=request
    )
    # A response that knows its request is checked against it without being told.
    wrong = httpx.Response(200, json=pivot_answer("00000000-0000-4000-8000-000000000000"))
    wrong.request = request
    with pytest.raises(ConformanceAssertionError) as raised:
        assert_conformant("pivot", "capture", wrong)
    assert "at /data/paymentSessionId" in str(raised.value)
    assert f"expected: '{PIVOT_ID}'" in str(raised.value)


def test_requests_objects_are_accepted() -> None:
    prepared = requests.Request(
        "POST", CAPTURE, data=json.dumps({"transaction_id": "t-1", "gross_amount": 30000.0}),
        headers={**HEADERS, "Content-Type": "application/json"},
    ).prepare()  # fmt: skip
    with pytest.raises(ConformanceAssertionError, match="at /gross_amount"):
        assert_conformant("midtrans", "capture", prepared)

    response = requests.Response()
    response.status_code = 412
    response._content = json.dumps(REFUSED_412).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = prepared
    assert_conformant("midtrans", "capture", response)
    response._content = json.dumps({**REFUSED_412, "status_code": 412}).encode()
    with pytest.raises(ConformanceAssertionError, match="at /status_code"):
        assert_conformant("midtrans", "capture", response)


def test_warnings_do_not_fail() -> None:
    request = httpx.Request(
        "POST", CAPTURE, json={"transaction_id": "t-1"},
        headers={"Authorization": HEADERS["Authorization"], "Accept": "text/html"},
    )  # fmt: skip
    assert_conformant("midtrans", "capture", request)  # midtrans.request.accept is a warning


def test_secret_headers_are_redacted() -> None:
    request = httpx.Request(
        "POST", CAPTURE, json={"transaction_id": "t-1"},
        headers={"Authorization": "Token SB-Mid-server-secret123", "Accept": "application/json"},
    )  # fmt: skip
    with pytest.raises(ConformanceAssertionError) as raised:
        assert_conformant("midtrans", "capture", request)
    assert "      sent:     <redacted>" in str(raised.value).splitlines()
    assert "secret123" not in str(raised.value)


def test_profile_is_honoured() -> None:
    body = {"releaseRemainingAmount": False}
    assert_conformant("pivot", "capture", body)
    with pytest.raises(ConformanceAssertionError, match="profile 'observed'"):
        assert_conformant("pivot", "capture", body, profile="observed")


def test_bad_arguments_are_usage_errors_not_assertion_failures() -> None:
    with pytest.raises(UsageError, match="unknown provider 'stripe'"):
        assert_conformant("stripe", "capture", {})
    with pytest.raises(UsageError, match="unknown midtrans operation 'refund'"):
        assert_conformant("midtrans", "refund", {})
    assert not issubclass(UsageError, AssertionError)


def test_in_a_test_run_it_is_a_failure_with_the_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import respx, httpx
        from conformance import assert_conformant

        @respx.mock
        def test_own_mock():
            respx.post("https://api.sandbox.midtrans.com/v2/capture").respond(
                200, json={"status_code": "200", "gross_amount": 30000})
            answer = httpx.post("https://api.sandbox.midtrans.com/v2/capture", json={})
            assert_conformant("midtrans", "capture", answer)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '>       assert_conformant("midtrans", "capture", answer)',
            "E *conformance.assertions.ConformanceAssertionError: midtrans capture response "
            "breaks the contract (profile 'documented'): 10 violations",
            "E *midtrans.capture-response.gross-amount at /gross_amount: *",
            "E *received: 30000",
        ]
    )


def test_secret_fields_of_a_bare_body_are_redacted() -> None:
    charge = {
        "payment_type": "credit_card",
        "transaction_details": {"order_id": "o-1", "gross_amount": 1000},
        "credit_card": {"token_id": 481111111114, "type": "authorize"},
    }
    with pytest.raises(ConformanceAssertionError) as raised:
        assert_conformant("midtrans", "charge", charge)
    lines = str(raised.value).splitlines()
    assert lines[1].startswith("  midtrans.charge-request.token-id at /credit_card/token_id: ")
    assert lines[3] == "      sent:     <redacted>"
    assert "481111111114" not in str(raised.value)
