"""The answer catalogue (specs/*/answers.yaml) and how conformance_traffic scripts its answers."""

from __future__ import annotations

import httpx
import pytest

from conformance._traffic import intercept
from conformance.answers import load_answers, select_answers
from conformance.errors import UsageError
from conformance.validator import Validator

MIDTRANS = "https://api.sandbox.midtrans.com"
PIVOT = "https://api-stg.pivot-payment.com"
AUTH = {"Authorization": "Basic U0ItTWlkLXNlcnZlci10ZXN0Og==", "Accept": "application/json"}


def json_answers() -> list[object]:
    """Every answer with a JSON body: transport faults and the HTML page have none to judge."""
    return [pytest.param(a, id=f"{a.provider}-{a.id}") for p in ("midtrans", "pivot")
            for a in load_answers(p) if a.is_json]  # fmt: skip


def test_only_faults_and_pages_go_unjudged() -> None:
    unjudged = {a.id for p in ("midtrans", "pivot") for a in load_answers(p) if not a.is_json}
    assert unjudged == {"capture-502-html", "capture-timeout-applied", "capture-timeout",
                        "capture-timeout-not-applied", "capture-reset"}  # fmt: skip


@pytest.mark.parametrize("answer", json_answers())
def test_every_answer_body_is_valid_against_the_specs(answer) -> None:
    validator = Validator(answer.provider, profile=answer.profile)
    found = validator.validate_response(answer.operation, answer.body, status=answer.http_status)
    assert found == []


def test_the_issue_s_answers_are_all_there() -> None:
    midtrans = {a.id: a for a in load_answers("midtrans")}
    assert (midtrans["capture-412"].http_status, midtrans["capture-412-http-200"].http_status) == (
        412, 200)  # fmt: skip
    assert midtrans["capture-404-http-200"].body["status_code"] == "404"
    assert "validation_messages" in midtrans["capture-400-validation"].body
    assert midtrans["capture-502-html"].body.startswith("<html>")
    assert {a.fault for a in midtrans.values()} >= {"timeout", "reset"}
    assert {"capture-401", "capture-407", "capture-500", "capture-503"} <= set(midtrans)
    pivot = {a.id: a for a in load_answers("pivot")}
    assert {(a.outcome, a.resolves) for a in pivot.values() if a.body and a.serve == "simulator"
            and a.operation == "capture" and a.meaning == "unknown"} == {
        ("captured", "read"), ("not-captured", "read"),
        ("captured", "callback"), ("not-captured", "callback"),
    }  # fmt: skip
    assert {"capture-success", "capture-400", "capture-422", "capture-401", "capture-404",
            "capture-422-payment-not-found", "capture-429", "capture-503",
            "capture-timeout"} <= set(pivot)  # fmt: skip


def test_selection_by_operation_profile_only_and_skip() -> None:
    capture = select_answers("midtrans", operation="capture")
    assert capture
    assert {a.operation for a in capture} == {"capture"}
    documented = select_answers("midtrans", profile="documented")
    assert "capture-404-http-200" not in {a.id for a in documented}
    assert [a.id for a in select_answers("midtrans", only=["capture-401"])] == ["capture-401"]
    assert "capture-401" not in {a.id for a in select_answers("midtrans", skip=["capture-401"])}
    with pytest.raises(UsageError, match="unknown midtrans answer id"):
        select_answers("midtrans", only=["capture-999"])


def capture_midtrans(traffic, answer_id: str) -> tuple[str, str]:
    """Script *answer_id*, capture, then read: (what the capture got, what the read shows)."""
    (answer,) = select_answers("midtrans", only=[answer_id])
    transaction_id = traffic.authorize("midtrans", 30000)
    traffic.script_answer(answer)
    body = {"transaction_id": transaction_id, "gross_amount": 30000}
    with httpx.Client() as client:
        try:
            got = str(client.post(f"{MIDTRANS}/v2/capture", json=body, headers=AUTH).status_code)
        except httpx.TransportError as exc:
            got = type(exc).__name__
        read = client.get(f"{MIDTRANS}/v2/{transaction_id}/status", headers=AUTH).json()
    return got, read["transaction_status"]


@pytest.mark.parametrize(
    ("answer_id", "expected"),
    [
        ("capture-success", ("200", "capture")),
        ("capture-412-http-200", ("200", "authorize")),
        ("capture-timeout-applied", ("ReadTimeout", "capture")),
        ("capture-timeout-not-applied", ("ReadTimeout", "authorize")),
        ("capture-reset", ("ReadError", "capture")),
        ("capture-502-html", ("502", "authorize")),
    ],
)
def test_a_scripted_answer_and_the_read_after_it_agree(answer_id, expected) -> None:
    with intercept() as traffic:
        assert capture_midtrans(traffic, answer_id) == expected
        assert traffic.violations() == []  # scripted answers are judged in the catalogue test


def test_a_second_capture_after_an_unknown_answer_without_a_read_is_noted() -> None:
    (answer,) = select_answers("midtrans", only=["capture-timeout-applied"])
    with intercept() as traffic:
        transaction_id = traffic.authorize("midtrans", 30000)
        script = traffic.script_answer(answer)
        body = {"transaction_id": transaction_id, "gross_amount": 30000}
        with httpx.Client() as client:
            with pytest.raises(httpx.ReadTimeout):
                client.post(f"{MIDTRANS}/v2/capture", json=body, headers=AUTH)
            again = client.post(f"{MIDTRANS}/v2/capture", json=body, headers=AUTH)
    assert again.json()["status_code"] == "412"  # the first one went through
    (problem,) = script.problems
    assert "second capture" in problem
    assert "capture-timeout-applied" in problem


def test_a_pivot_callback_answer_stays_pending_until_resolved() -> None:
    (answer,) = select_answers("pivot", only=["capture-pending-then-failed-callback"])
    received: list[dict[str, object]] = []

    async def handler(scope, receive, send) -> None:
        message = await receive()
        import json

        received.append(json.loads(message["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with intercept() as traffic:
        session = traffic.authorize("pivot", 30000, client_id="m-1", client_secret="s-1")
        traffic.deliver_to("pivot", handler)
        script = traffic.script_answer(answer)
        token = httpx.post(
            f"{PIVOT}/v1/access-token",
            json={"grantType": "client_credentials"},
            headers={"X-MERCHANT-ID": "m-1", "X-MERCHANT-SECRET": "s-1"},
        )
        bearer = {"Authorization": f"Bearer {token.json()['data']['accessToken']}"}
        captured = httpx.post(f"{PIVOT}/v2/payments/{session}/capture", headers=bearer,
                              json={"amount": {"value": 30000, "currency": "IDR"},
                                    "releaseRemainingAmount": False})  # fmt: skip
        assert captured.json()["data"]["status"] == "PENDING"
        assert script.truth() == "unknown"
        assert received == []
        script.resolve()
        assert script.truth() == "not-captured"
        assert received[-1]["event"] == "PAYMENT.CANCELLED"
        assert script.deliveries_after() == 1
