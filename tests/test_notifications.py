"""Deliveries to the merchant: Midtrans HTTP notifications and Pivot payment callbacks.

Each rule is shown firing on the quirk it exists for and staying silent on the
conformant delivery, starting from the specs' own examples.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest

from conformance import UsageError, Validator, load_spec, validate_notification
from conformance.signatures import midtrans_signature
from conformance.violations import Severity

KEY = "SB-Mid-server-test-capture-conformance"  # the key the specs' examples are signed with
CALLBACK_KEY = "pivot-callback-test-key-0001"


def _example(provider: str, hook: str, label: str) -> dict:
    post = load_spec(provider).openapi["webhooks"][hook]["post"]
    return copy.deepcopy(
        post["requestBody"]["content"]["application/json"]["examples"][label]["value"]
    )


@pytest.fixture
def capture() -> dict:
    return _example("midtrans", "httpNotification", "cardCapture")


@pytest.fixture
def paid() -> dict:
    return _example("pivot", "paymentCallback", "paymentPaid")


def _rules(found) -> list[str]:
    return [v.rule for v in found]


def _resign(body: dict, key: str = KEY) -> dict:
    fields = (body["order_id"], body["status_code"], body["gross_amount"])
    return body | {"signature_key": midtrans_signature(*fields, key)}


def _post(body, headers=None, method="POST") -> httpx.Request:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Request(method, "https://merchant.example/hooks", content=content, headers=headers)


# --- Midtrans: the body and its signature ------------------------------------------


def test_the_facts_sample_passes_with_its_key(capture) -> None:
    assert validate_notification("midtrans", capture, server_key=KEY) == []
    request = _post(capture, {"Content-Type": "application/json"})
    assert validate_notification("midtrans", request, server_key=KEY) == []


def test_a_forged_signature_is_caught(capture) -> None:
    forged = capture | {"signature_key": "ab" * 64}
    [found] = validate_notification("midtrans", forged, server_key=KEY)
    assert (found.rule, found.pointer, found.actual) == (
        "midtrans.notification.signature",
        "/signature_key",
        "ab" * 64,
    )
    assert found.expected == capture["signature_key"]
    assert found.source.id == "midtrans.notification-signature"
    assert KEY not in str(found)
    assert KEY not in json.dumps(found.to_dict())


def test_a_signature_for_another_server_key_is_caught(capture) -> None:
    found = validate_notification("midtrans", capture, server_key="SB-Mid-server-test-other")
    assert _rules(found) == ["midtrans.notification.signature"]


def test_any_change_to_a_signed_field_breaks_the_signature(capture) -> None:
    for field, value in (
        ("order_id", "other-order"),
        ("status_code", "201"),
        ("gross_amount", "1.00"),
    ):
        changed = capture | {field: value}
        assert _rules(validate_notification("midtrans", changed, server_key=KEY)) == [
            "midtrans.notification.signature"
        ], field


def test_a_signature_over_transaction_status_is_named(capture) -> None:
    fields = (capture["order_id"], capture["transaction_status"], capture["gross_amount"])
    wrong = capture | {"signature_key": midtrans_signature(*fields, KEY)}
    [found] = validate_notification("midtrans", wrong, server_key=KEY)
    assert found.rule == "midtrans.notification.signature"
    assert "transaction_status in place of status_code" in found.message


def test_the_signature_is_compared_case_insensitively(capture) -> None:
    upper = capture | {"signature_key": capture["signature_key"].upper()}
    assert validate_notification("midtrans", upper, server_key=KEY) == []


def test_without_a_server_key_the_signature_is_not_judged(capture) -> None:
    forged = capture | {"signature_key": "ab" * 64}
    assert validate_notification("midtrans", forged) == []
    # ...but its shape still is: 128 hex digits
    short = capture | {"signature_key": "abc"}
    assert _rules(validate_notification("midtrans", short)) == [
        "midtrans.notification.signature-key"
    ]


@pytest.mark.parametrize(
    ("field", "number"), [("gross_amount", 10000), ("gross_amount", 10000.0), ("status_code", 200)]
)
def test_a_number_in_place_of_a_signed_string_has_its_own_rule(capture, field, number) -> None:
    body = capture | {field: number}
    [found] = validate_notification("midtrans", body, server_key=KEY)
    assert (found.rule, found.pointer, found.expected, found.actual) == (
        "midtrans.notification.signed-string",
        f"/{field}",
        "string",
        number,
    )
    assert found.source.id == "midtrans.notification-signature"


def test_a_string_of_the_wrong_shape_is_the_fields_own_rule(capture) -> None:
    body = _resign(capture | {"gross_amount": "10000"})
    assert _rules(validate_notification("midtrans", body, server_key=KEY)) == [
        "midtrans.notification.gross-amount"
    ]


def test_unknown_fields_and_a_missing_approval_code_are_tolerated(capture) -> None:
    body = capture | {"new_field_2031": {"nested": [1, 2]}, "issuer": "bni"}
    del body["approval_code"]
    assert validate_notification("midtrans", body, server_key=KEY) == []
    denied = _example("midtrans", "httpNotification", "cardDeny")
    assert "approval_code" not in denied
    assert validate_notification("midtrans", denied, server_key=KEY) == []


def test_a_missing_signed_field_is_reported_under_its_rule(capture) -> None:
    del capture["gross_amount"]
    [found] = validate_notification("midtrans", capture, server_key=KEY)
    assert (found.rule, found.pointer) == ("midtrans.notification.gross-amount", "/gross_amount")


@pytest.mark.parametrize("raw", [b"<html>oops</html>", b"", "status_code=200"])
def test_a_body_that_is_not_json_is_a_violation(raw) -> None:
    [found] = validate_notification("midtrans", raw, server_key=KEY)
    assert (found.rule, found.pointer, found.expected) == (
        "midtrans.notification.json",
        "",
        "a JSON body",
    )
    raw = raw if isinstance(raw, bytes) else raw.encode()
    request = _post(raw, {"X-API-Key": CALLBACK_KEY})
    [found] = validate_notification("pivot", request, callback_key=CALLBACK_KEY)
    assert found.rule == "pivot.notification.json"


@pytest.mark.parametrize("raw", [b'{"a": [NaN]}', b"[" * 100_000 + b"]" * 100_000])
def test_nan_and_deep_nesting_are_not_json(raw) -> None:
    [found] = validate_notification("midtrans", raw, server_key=KEY)
    assert found.rule == "midtrans.notification.json"


def test_a_repeated_name_is_a_warning_naming_it(capture, paid) -> None:
    raw = b'{"transaction_status": "deny", ' + json.dumps(capture).encode()[1:]
    [found] = validate_notification("midtrans", raw, server_key=KEY)
    assert (found.rule, found.pointer, found.severity) == (
        "midtrans.notification.duplicate-key",
        "/transaction_status",
        Severity.WARNING,
    )
    raw = json.dumps(paid).encode()[:-1] + b', "event": "PAYMENT.PAID"}'
    [found] = validate_notification("pivot", raw)
    assert (found.rule, found.pointer) == ("pivot.notification.duplicate-key", "/event")


def test_raw_json_text_and_bytes_are_parsed(capture) -> None:
    assert validate_notification("midtrans", json.dumps(capture), server_key=KEY) == []
    assert validate_notification("midtrans", json.dumps(capture).encode(), server_key=KEY) == []


def test_headers_of_a_request_are_judged(capture) -> None:
    no_type = _post(capture, {"Content-Type": "text/plain"})
    assert _rules(validate_notification("midtrans", no_type, server_key=KEY)) == [
        "midtrans.notification.content-type"
    ]
    put = _post(capture, {"Content-Type": "application/json"}, method="PUT")
    assert _rules(validate_notification("midtrans", put, server_key=KEY)) == [
        "midtrans.notification.method"
    ]


# --- Midtrans: the delivered status against the transaction ---------------------------


def test_expected_status_is_exact(capture) -> None:
    assert validate_notification("midtrans", capture, expected_status="capture") == []
    assert (
        validate_notification("midtrans", capture, expected_status={"capture", "settlement"}) == []
    )
    [found] = validate_notification("midtrans", capture, expected_status="settlement")
    assert (found.rule, found.pointer, found.expected, found.actual) == (
        "midtrans.notification.state",
        "/transaction_status",
        ["settlement"],
        "capture",
    )


@pytest.mark.parametrize(
    ("known", "delivered", "agrees"),
    [
        ("capture", "capture", True),
        ("capture", "settlement", True),  # later news
        ("settlement", "capture", True),  # stale news: documented to arrive out of order
        ("capture", "authorize", True),
        ("authorize", "expire", True),
        ("capture", "deny", False),  # contradicts the capture answer
        ("capture", "expire", False),
        ("deny", "settlement", False),
        ("settlement", "cancel", False),
        ("capture", "pending", True),  # no documented place on the path: not judged
    ],
)
def test_the_status_agrees_with_the_known_transaction(capture, known, delivered, agrees) -> None:
    answer = {
        "status_code": "200",
        "transaction_id": capture["transaction_id"],
        "transaction_status": known,
    }
    body = capture | {"transaction_status": delivered}
    found = validate_notification("midtrans", body, server_key=KEY, transaction=answer)
    assert _rules(found) == ([] if agrees else ["midtrans.notification.state"])
    if not agrees:
        assert found[0].actual == delivered
        assert repr(known) in found[0].message


def test_a_delivery_for_another_transaction_is_caught(capture) -> None:
    answer = {"transaction_id": "another-id", "transaction_status": "capture"}
    [found] = validate_notification("midtrans", capture, transaction=answer)
    assert (found.rule, found.pointer, found.expected) == (
        "midtrans.notification.state",
        "/transaction_id",
        "another-id",
    )


def test_a_status_read_response_can_be_the_transaction(capture) -> None:
    read = httpx.Response(
        200, json={"transaction_status": "deny", "transaction_id": capture["transaction_id"]}
    )
    assert _rules(validate_notification("midtrans", capture, transaction=read)) == [
        "midtrans.notification.state"
    ]


# --- Pivot: the callback ------------------------------------------------------------------


def test_the_callback_example_passes_with_its_key(paid) -> None:
    assert validate_notification("pivot", paid) == []
    request = _post(paid, {"X-API-Key": CALLBACK_KEY})
    assert validate_notification("pivot", request, callback_key=CALLBACK_KEY) == []


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}])
def test_a_missing_api_key_is_caught(paid, headers) -> None:
    for key in (None, CALLBACK_KEY):
        [found] = validate_notification("pivot", _post(paid, headers), callback_key=key)
        assert (found.rule, found.pointer) == ("pivot.notification.api-key", "/headers/x-api-key")
        assert found.source.id == "pivot.callback-api-key"


def test_a_wrong_api_key_is_caught_and_never_shown(paid) -> None:
    request = _post(paid, {"X-API-Key": "a-guessed-key"})
    [found] = validate_notification("pivot", request, callback_key=CALLBACK_KEY)
    assert found.rule == "pivot.notification.api-key"
    shown = json.dumps(found.to_dict())
    assert "a-guessed-key" not in shown
    assert CALLBACK_KEY not in shown
    # without a configured key only presence is judged
    assert validate_notification("pivot", request) == []


def test_a_bare_body_has_no_headers_to_judge(paid) -> None:
    assert validate_notification("pivot", paid, callback_key=CALLBACK_KEY) == []


def test_a_callback_is_a_post(paid) -> None:
    request = _post(paid, {"X-API-Key": CALLBACK_KEY}, method="GET")
    assert _rules(validate_notification("pivot", request, callback_key=CALLBACK_KEY)) == [
        "pivot.notification.method"
    ]


@pytest.mark.parametrize(
    ("event", "status"),
    [("PAYMENT.PAID", "CANCELLED"), ("PAYMENT.CANCELLED", "PAID"), ("PAYMENT.PROCESSING", "PAID")],
)
def test_an_event_that_contradicts_data_status_is_caught(paid, event, status) -> None:
    body = paid | {"event": event, "data": paid["data"] | {"status": status}}
    [found] = validate_notification("pivot", body)
    assert (found.rule, found.pointer, found.actual) == (
        "pivot.notification.event-status",
        "/data/status",
        status,
    )
    assert found.expected == event.removeprefix("PAYMENT.")


def test_observed_events_follow_the_same_construction(paid) -> None:
    observed = Validator("pivot", profile="observed")
    expired = paid | {"event": "PAYMENT.EXPIRED", "data": paid["data"] | {"status": "EXPIRED"}}
    assert observed.validate_notification(expired) == []
    assert _rules(observed.validate_notification(expired | {"event": "PAYMENT.PAID"})) == [
        "pivot.notification.event-status"
    ]
    charge = paid | {"event": "CHARGE.SUCCESS"}
    assert observed.validate_notification(charge) == []
    assert _rules(Validator("pivot").validate_notification(charge)) == ["pivot.notification.event"]
    assert _rules(observed.validate_notification(paid | {"event": "paid"})) == [
        "pivot.notification.event"
    ]


def test_data_is_judged_as_the_session_it_is(paid) -> None:
    body = paid | {"data": paid["data"] | {"status": "SETTLED"}, "extra": True}
    del body["data"]["amount"]
    found = validate_notification("pivot", body)
    assert sorted((v.rule, v.pointer) for v in found) == [
        ("pivot.session.amount", "/data/amount"),
        ("pivot.session.status", "/data/status"),
    ]


def test_the_session_state_is_judged(paid) -> None:
    session = copy.deepcopy(paid["data"]) | {"status": "PROCESSING"}
    assert validate_notification("pivot", paid, transaction=session) == []
    envelope = {"code": "00", "message": "Success", "data": session | {"status": "CANCELLED"}}
    [found] = validate_notification("pivot", paid, transaction=envelope)
    assert (found.rule, found.pointer, found.actual) == (
        "pivot.notification.state",
        "/data/status",
        "PAID",
    )
    other = session | {"id": "00000000-0000-4000-8000-000000000001"}
    assert _rules(validate_notification("pivot", paid, transaction=other)) == [
        "pivot.notification.state"
    ]
    assert _rules(validate_notification("pivot", paid, expected_status="PROCESSING")) == [
        "pivot.notification.state"
    ]


# --- Usage -----------------------------------------------------------------------------------


def test_keys_and_states_that_do_not_fit_the_provider_are_usage_errors(capture, paid) -> None:
    with pytest.raises(UsageError, match="server_key applies to midtrans"):
        validate_notification("pivot", paid, server_key=KEY)
    with pytest.raises(UsageError, match="callback_key applies to pivot"):
        validate_notification("midtrans", capture, callback_key=CALLBACK_KEY)
    with pytest.raises(UsageError, match="server_key is empty"):
        validate_notification("midtrans", capture, server_key="")
    with pytest.raises(UsageError, match="not a midtrans transaction_status"):
        validate_notification("midtrans", capture, expected_status="captured")
    capture_answer = {"code": "00", "data": {"id": "c-1", "status": "PENDING"}}
    with pytest.raises(UsageError, match="not a capture answer"):
        validate_notification("pivot", paid, transaction=capture_answer)


# "midtrans.notification.delivered", "pivot.notification.delivered": a missing delivery is
# judged by the suite, never on one message; they fire in tests/test_suite_deliveries.py
# and tests/test_gallery.py.


def test_every_notification_rule_fires_in_this_file() -> None:
    """No rule id is registered without a test above that makes it fire."""
    from conformance.rules import all_rules

    text = Path(__file__).read_text(encoding="utf-8")
    named = [r.id for r in all_rules() if r.phase == "notification"]
    assert [i for i in named if f'"{i}"' not in text] == []
