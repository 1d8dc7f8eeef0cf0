"""The Pivot reference simulator: the documented flow, its errors, the controls, every quirk.

Every answer of a conformant simulator is checked with ``Validator("pivot")`` in
both profiles against the request that produced it (see :class:`Pivot`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from conformance import Validator
from conformance.simulators import quirks
from conformance.simulators.pivot import FRICTIONLESS_CARD, THREE_DS_CARD, PivotSimulator

VALIDATORS = (Validator("pivot"), Validator("pivot", profile="observed"))
DOCUMENTED = VALIDATORS[0]
NANO_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z")
UNKNOWN_ID = "e03c2066-9e5b-454c-add6-c7c85b0b9d6b"


def violations(operation: str, response: httpx.Response, validator: Validator) -> list[str]:
    found = validator.validate_response(operation, response, request=response.request)
    return [f"{v.rule} at {v.pointer}: {v.message}" for v in found]


def assert_conformant(operation: str, response: httpx.Response) -> None:
    for validator in VALIDATORS:
        assert violations(operation, response, validator) == [], validator.profile


def detail(response: httpx.Response) -> tuple[int, str, str, str]:
    """(HTTP status, code, error.type, error.details[0].message) of an error answer."""
    body = response.json()
    assert "data" not in body
    assert body["message"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["error"]["traceId"])
    details = body["error"]["details"]
    return response.status_code, body["code"], body["error"]["type"], details[0]["message"]


def brief(response: httpx.Response) -> tuple[int, str]:
    """(HTTP status, error.details[0].message) of an error answer."""
    status, _, _, message = detail(response)
    return status, message


class Pivot:
    """A merchant's client of one simulator; with *validate*, every answer must conform."""

    def __init__(
        self, sim: PivotSimulator, *, validate: bool = True, merchant: str = "kit-merchant"
    ) -> None:
        self.sim = sim
        self.client = TestClient(sim.app)
        self.validate = validate
        self.merchant = merchant
        self.sessions = 0
        self.token = ""

    def call(self, operation: str, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Accept": "application/json", **kw.pop("headers", {})}
        if self.token and operation != "access-token":
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = self.client.request(method, path, headers=headers, **kw)
        if self.validate:
            assert_conformant(operation, response)
        return response

    def access_token(
        self, merchant: str | None = None, secret: str = "kit-secret", body: Any = None
    ) -> httpx.Response:
        headers = {"X-MERCHANT-ID": merchant or self.merchant, "X-MERCHANT-SECRET": secret}
        body = {"grantType": "client_credentials"} if body is None else body
        return self.call("access-token", "POST", "/v1/access-token", headers=headers, json=body)

    def login(self) -> str:
        response = self.access_token()
        assert response.status_code == 200, response.text
        self.token = response.json()["data"]["accessToken"]
        return self.token

    def create(
        self,
        *,
        amount: Any = 12000,
        currency: str = "IDR",
        card: str = FRICTIONLESS_CARD,
        capture_method: str = "manual",
        request_id: str | None = None,
        method_type: str = "CARD",
    ) -> httpx.Response:
        if not self.token:
            self.login()
        self.sessions += 1
        body = {
            "clientReferenceId": f"ref{self.sessions}",
            "amount": {"value": amount, "currency": currency},
            "paymentType": "SINGLE",
            "mode": "API",
            "paymentMethod": {
                "type": method_type,
                "card": {"number": card, "expMonth": 1, "expYear": 39, "cvc": "999"},
            },
            "paymentMethodOptions": {"card": {"captureMethod": capture_method}},
        }
        key = request_id or f"kitrequest{self.sessions:010d}"
        return self.call(
            "create-payment", "POST", "/v2/payments", json=body, headers={"X-REQUEST-ID": key}
        )

    def session(self, amount: Any = 12000, **kw: Any) -> str:
        response = self.create(amount=amount, **kw)
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["id"])

    def get(self, session_id: str) -> httpx.Response:
        return self.call("get-payment", "GET", f"/v2/payments/{session_id}")

    def charge(self, session_id: str) -> dict[str, Any]:
        response = self.get(session_id)
        assert response.status_code == 200, response.text
        charge: dict[str, Any] = response.json()["data"]["chargeDetails"][0]
        return charge

    def capture(
        self, session_id: str, body: Any = None, *, content: bytes | None = None
    ) -> httpx.Response:
        path = f"/v2/payments/{session_id}/capture"
        if content is not None:
            return self.call("capture", "POST", path, content=content)
        return self.call("capture", "POST", path, json=body)

    def take(self, session_id: str, value: Any, release: bool = False) -> httpx.Response:
        body = {"releaseRemainingAmount": release, "amount": {"value": value, "currency": "IDR"}}
        return self.capture(session_id, body)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, f"/_sim/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advance": seconds})


@pytest.fixture
def pv() -> Pivot:
    return Pivot(PivotSimulator())


# -- the documented flow --------------------------------------------------------------


def test_token_create_get_capture_settle(pv: Pivot) -> None:
    token = pv.access_token().json()
    assert (token["code"], token["message"]) == ("00", "Success")
    assert token["data"]["expiresIn"] == "900"
    assert token["data"]["tokenType"] == "Bearer"
    assert token["data"]["accessToken"].startswith("eyJ")
    pv.token = token["data"]["accessToken"]

    created = pv.create(amount=12000).json()["data"]
    sid = created["id"]
    assert created["status"] == "PROCESSING"
    charge = created["chargeDetails"][0]
    assert charge["status"] == "WAITING_FOR_CAPTURE"
    assert charge["authorizedAmount"] == {"value": 12000, "currency": "IDR"}
    assert (charge["capturedAmount"]["value"], charge["isCaptured"]) == (0, False)

    answer = pv.take(sid, 12000)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["message"]) == ("00", "Success")
    data = body["data"]
    assert uuid.UUID(data["id"]).version == 7
    assert data["paymentSessionId"] == sid
    assert data["paymentSessionClientReferenceId"] == created["clientReferenceId"]
    assert data["releaseRemainingAmount"] is False
    assert data["amount"] == {"value": 12000, "currency": "IDR"}
    assert data["status"] == "PENDING"
    assert NANO_STAMP.fullmatch(data["createdAt"])
    assert NANO_STAMP.fullmatch(data["updatedAt"])
    assert data["updatedAt"] > data["createdAt"]

    pending = pv.charge(sid)
    assert [h["status"] for h in pending["captureHistories"]] == ["PENDING"]
    assert pending["capturedAmount"]["value"] == 0
    assert pending["status"] == "PROCESSING"  # everything reserved: waiting for the outcome

    pv.advance(5)
    settled = pv.get(sid).json()["data"]
    assert settled["status"] == "PAID"
    charge = settled["chargeDetails"][0]
    assert charge["status"] == "SUCCESS"
    assert charge["capturedAmount"] == {"value": 12000, "currency": "IDR"}
    assert charge["isCaptured"] is True
    [history] = charge["captureHistories"]
    assert (history["captureId"], history["status"]) == (data["id"], "SUCCESS")
    assert (history["capturedAmount"], history["currency"]) == (12000, "IDR")
    assert history["createdAt"] == data["createdAt"]
    json.dumps(pv.sim.state())


def test_partial_and_repeated_captures_then_release_pays(pv: Pivot) -> None:
    sid = pv.session(10000)
    assert pv.take(sid, 3000).status_code == 200
    assert pv.take(sid, 4000).status_code == 200
    pv.advance(5)
    charge = pv.charge(sid)
    assert charge["status"] == "WAITING_FOR_CAPTURE"
    assert charge["capturedAmount"]["value"] == 7000

    released = pv.capture(sid, {"releaseRemainingAmount": True}).json()["data"]
    assert released["status"] == "PENDING"
    assert released["releaseRemainingAmount"] is True
    assert released["amount"] == {"value": 0, "currency": "IDR"}
    assert pv.get(sid).json()["data"]["status"] == "PROCESSING"
    pv.advance(5)
    session = pv.get(sid).json()["data"]
    assert session["status"] == "PAID"
    charge = session["chargeDetails"][0]
    assert (charge["status"], charge["capturedAmount"]["value"]) == ("SUCCESS", 7000)
    assert [h["capturedAmount"] for h in charge["captureHistories"]] == [3000, 4000, 0]


def test_capture_with_release_finishes_the_session(pv: Pivot) -> None:
    sid = pv.session(10000)
    assert pv.take(sid, 2500, release=True).json()["data"]["amount"]["value"] == 2500
    pv.advance(5)
    session = pv.get(sid).json()["data"]
    assert session["status"] == "PAID"
    assert session["chargeDetails"][0]["capturedAmount"]["value"] == 2500


def test_release_with_nothing_captured_cancels(pv: Pivot) -> None:
    sid = pv.session(10000)
    assert pv.capture(sid, {"releaseRemainingAmount": True}).status_code == 200
    pv.advance(5)
    session = pv.get(sid).json()["data"]
    assert session["status"] == "CANCELLED"
    charge = session["chargeDetails"][0]
    assert (charge["status"], charge["isCaptured"]) == ("FAILED", False)


def test_automatic_capture_is_paid_at_once_and_not_capturable(pv: Pivot) -> None:
    created = pv.create(amount=5000, capture_method="automatic").json()["data"]
    assert created["status"] == "PAID"
    charge = created["chargeDetails"][0]
    assert (charge["status"], charge["capturedAmount"]["value"]) == ("SUCCESS", 5000)
    refused = pv.take(created["id"], 5000)
    assert detail(refused) == (
        422,
        "api_validation_error",
        "API_ERROR",
        "capture method must be manual",
    )


def test_3ds_card_asks_for_action_and_cannot_be_captured(pv: Pivot) -> None:
    created = pv.create(card=THREE_DS_CARD).json()["data"]
    assert created["status"] == "REQUIRE_ACTION"
    assert created["chargeDetails"][0]["status"] == "WAITING_FOR_AUTHENTICATION"
    assert "authorizedAmount" not in created["chargeDetails"][0]
    refused = pv.take(created["id"], 1000)
    assert brief(refused) == (422, "charge status must be WAITING_FOR_CAPTURE")


def test_other_payment_methods_are_not_capturable(pv: Pivot) -> None:
    sid = pv.session(method_type="VIRTUAL_ACCOUNT")
    assert brief(pv.take(sid, 1000)) == (422, "payment method type is not CARD")


# -- capture errors -------------------------------------------------------------------

CAPTURE_ERRORS = [
    ({"releaseRemainingAmount": False, "amount": {"value": 12001, "currency": "IDR"}},
     400, "capture amount exceeds authorized amount"),
    ({"releaseRemainingAmount": False, "amount": {"value": 1000, "currency": "USD"}},
     400, "currency is not match"),
    ({"releaseRemainingAmount": False, "amount": {"value": 1000.5, "currency": "IDR"}},
     422, "amount value is not permitted to use decimal format"),
    ({"releaseRemainingAmount": False, "amount": {"value": 0, "currency": "IDR"}},
     422, "amount value must be greater than 0"),
    ({"releaseRemainingAmount": True, "amount": {"value": -5, "currency": "IDR"}},
     422, "amount value must be greater than 0"),
    ({"releaseRemainingAmount": False},
     422, "amount is required when releaseRemainingAmount is false"),
    ({"releaseRemainingAmount": "true"},
     400, "releaseRemainingAmount: must be of type 'boolean', received 'string'"),
    ({"amount": {"value": 1000, "currency": "IDR"}},
     400, "releaseRemainingAmount: required field 'releaseRemainingAmount' is missing"),
    ({"releaseRemainingAmount": True, "amount": {"value": "1000", "currency": "IDR"}},
     400, "amount.value: must be of type 'number', received 'string'"),
    ({"releaseRemainingAmount": True, "amount": {"value": 1000, "currency": "rupiah"}},
     400, "amount.currency: must be length <= 3"),
    ({"releaseRemainingAmount": True, "amount": 1000},
     400, "amount: must be of type 'object', received 'integer'"),
    ([True], 400, "body: must be of type 'object', received 'array'"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "message"), CAPTURE_ERRORS)
def test_capture_errors(pv: Pivot, body: Any, status: int, message: str) -> None:
    sid = pv.session(12000)
    error_type = "API_ERROR"
    assert detail(pv.capture(sid, body)) == (status, "api_validation_error", error_type, message)
    assert pv.charge(sid)["captureHistories"] == []


def test_over_capture_counts_pending_captures(pv: Pivot) -> None:
    sid = pv.session(10000)
    assert pv.take(sid, 6000).status_code == 200
    assert brief(pv.take(sid, 4001)) == (400, "capture amount exceeds authorized amount")
    assert pv.take(sid, 4000).status_code == 200


def test_malformed_json_is_400(pv: Pivot) -> None:
    sid = pv.session()
    answer = pv.capture(sid, content=b'{"releaseRemainingAmount": tru')
    assert detail(answer) == (
        400,
        "api_validation_error",
        "API_ERROR",
        "request body is not valid JSON",
    )


def test_path_id_not_a_uuid_is_400(pv: Pivot) -> None:
    pv.login()
    for answer in (pv.take("not-a-uuid", 1000), pv.get("12345")):
        assert brief(answer) == (400, "id must be a UUID")


def test_unknown_session(pv: Pivot) -> None:
    pv.login()
    # Capture answers the observed 422; reading the session answers the documented 404.
    assert detail(pv.take(UNKNOWN_ID, 1000)) == (
        422, "api_validation_error", "API_ERROR", "payment not found"
    )  # fmt: skip
    assert detail(pv.get(UNKNOWN_ID)) == (
        404, "resource_missing", "GATEWAY_ERROR", "payment not found"
    )  # fmt: skip


def test_sessions_belong_to_their_merchant() -> None:
    sim = PivotSimulator()
    owner, other = Pivot(sim), Pivot(sim, merchant="someone-else")
    sid = owner.session()
    other.login()
    assert other.get(sid).status_code == 404
    assert other.take(sid, 1000).status_code == 422
    assert owner.take(sid, 1000).status_code == 200


def test_capture_after_final_is_422(pv: Pivot) -> None:
    sid = pv.session(5000)
    pv.take(sid, 5000)
    # Still settling: the charge has left WAITING_FOR_CAPTURE.
    assert brief(pv.take(sid, 1)) == (422, "charge status must be WAITING_FOR_CAPTURE")
    pv.advance(5)
    assert brief(pv.take(sid, 1)) == (422, "payment is already in a final status")
    assert detail(pv.capture(sid, {"releaseRemainingAmount": True}))[0] == 422


# -- authentication -------------------------------------------------------------------


def test_token_expires_after_900_simulated_seconds(pv: Pivot) -> None:
    sid = pv.session()
    pv.advance(890)  # a margin for the real seconds a slow machine adds to the clock
    assert pv.get(sid).status_code == 200
    pv.advance(10)
    assert detail(pv.get(sid)) == (
        401, "credentials_invalid", "API_ERROR", "access token is expired"
    )  # fmt: skip
    assert detail(pv.take(sid, 1000))[0] == 401
    pv.login()
    assert pv.get(sid).status_code == 200


def test_v2_routes_need_a_bearer_token(pv: Pivot) -> None:
    sid = pv.session()
    for authorization in ("", "Basic a2l0OnNlY3JldA==", "Bearer ", "Bearer eyJforged"):
        answer = pv.call(
            "get-payment", "GET", f"/v2/payments/{sid}", headers={"Authorization": authorization}
        )
        assert detail(answer)[:3] == (401, "credentials_invalid", "API_ERROR"), authorization


def test_bad_credentials_are_401() -> None:
    pinned = Pivot(PivotSimulator(client_id="kit-merchant", client_secret="kit-secret"))
    assert pinned.access_token().status_code == 200
    assert detail(pinned.access_token(secret="wrong"))[:2] == (401, "credentials_invalid")
    assert detail(pinned.access_token(merchant="another"))[:2] == (401, "credentials_invalid")
    assert detail(pinned.access_token(secret=""))[:2] == (401, "credentials_invalid")
    anyone = Pivot(PivotSimulator())
    assert anyone.access_token(merchant="whoever", secret="whatever").status_code == 200


def test_access_token_needs_client_credentials_grant(pv: Pivot) -> None:
    answer = pv.access_token(body={"grantType": "password"})
    assert brief(answer) == (400, "grantType: must be 'client_credentials'")


# -- create-payment idempotency -------------------------------------------------------


def test_same_request_id_returns_the_same_session(pv: Pivot) -> None:
    first = pv.create(request_id="sameRequestId0001").json()["data"]
    pv.sessions -= 1  # the same clientReferenceId: the same request again
    again = pv.create(request_id="sameRequestId0001").json()["data"]
    assert again["id"] == first["id"]
    assert len(pv.sim.state()["sessions"]) == 1
    changed = pv.create(amount=999, request_id="sameRequestId0001")
    assert detail(changed)[:3] == (409, "idempotency_error", "API_ERROR")
    missing = pv.create(request_id="short")
    assert detail(missing)[:2] == (400, "api_validation_error")


# -- routing --------------------------------------------------------------------------


def test_wrong_method_is_405_in_the_envelope(pv: Pivot) -> None:
    pv.validate = False
    sid = pv.session()
    for method, path in (("GET", f"/v2/payments/{sid}/capture"), ("DELETE", f"/v2/payments/{sid}")):
        answer = pv.call("capture", method, path)
        body = answer.json()
        assert answer.status_code == 405
        assert (body["code"], body["error"]["type"]) == ("method_not_allowed", "API_ERROR")
        assert "data" not in body
        # The body is the error envelope; only the status is one no operation documents.
        found = {v.rule for v in DOCUMENTED.validate_response("capture", answer)}
        assert found == {"pivot.response.undocumented-status"}


def test_unknown_route_is_404_not_found(pv: Pivot) -> None:
    answer = pv.call("capture", "POST", "/v2/nothing/here", json={})
    assert answer.status_code == 404
    body = answer.json()
    assert (body["code"], body["error"]["type"]) == ("not_found", "GATEWAY_ERROR")


# -- settlement -----------------------------------------------------------------------


def test_settle_immediate_shows_success_at_once_while_answering_pending() -> None:
    pv = Pivot(PivotSimulator(settle="immediate"))
    sid = pv.session(8000)
    assert pv.take(sid, 3000).json()["data"]["status"] == "PENDING"
    charge = pv.charge(sid)
    assert [h["status"] for h in charge["captureHistories"]] == ["SUCCESS"]
    assert charge["capturedAmount"]["value"] == 3000
    pv.take(sid, 5000)
    assert pv.get(sid).json()["data"]["status"] == "PAID"


def test_settle_delayed_waits_for_the_delay() -> None:
    pv = Pivot(PivotSimulator(settle="delayed", settle_delay=10))
    sid = pv.session(8000)
    pv.take(sid, 3000)
    # The simulated clock is the wall clock plus what tests add: leave real time a
    # margin on a slow machine (9.9 s once settled it, with the test's own 0.1 s).
    pv.advance(5)
    assert [h["status"] for h in pv.charge(sid)["captureHistories"]] == ["PENDING"]
    pv.advance(5)
    charge = pv.charge(sid)
    assert [h["status"] for h in charge["captureHistories"]] == ["SUCCESS"]
    assert charge["capturedAmount"]["value"] == 3000


# -- controls -------------------------------------------------------------------------


def test_fault_injection_answers_in_the_pivot_envelope(pv: Pivot) -> None:
    sid = pv.session()
    pv.control("POST", "faults", {"kind": "error", "status": 503, "count": 1})
    failed = pv.take(sid, 1000)
    assert failed.status_code == 503
    body = failed.json()
    assert (body["code"], body["error"]["type"]) == ("service_unavailable", "GATEWAY_ERROR")
    assert pv.charge(sid)["captureHistories"] == []  # the fault answered before the handler
    assert pv.take(sid, 1000).status_code == 200
    assert pv.control("GET", "faults") == {"faults": []}


def test_reset_forgets_sessions_tokens_and_time(pv: Pivot) -> None:
    sid = pv.session()
    pv.take(sid, 1000)
    pv.advance(3600)
    assert pv.control("POST", "reset") == {"reset": True}
    state = pv.control("GET", "state")
    assert state["state"] == {"sessions": [], "charges": [], "captures": [], "tokens": 0}
    assert state["provider"] == "pivot"
    assert detail(pv.get(sid))[:2] == (401, "credentials_invalid")
    pv.login()
    assert pv.get(sid).status_code == 404


def test_state_lists_sessions_charges_captures_and_tokens(pv: Pivot) -> None:
    sid = pv.session(9000)
    captured = pv.take(sid, 4000).json()["data"]["id"]
    state = pv.sim.state()
    assert [s["id"] for s in state["sessions"]] == [sid]
    assert state["sessions"][0]["merchantId"] == "kit-merchant"
    assert state["charges"][0]["authorizedAmount"]["value"] == 9000
    assert [(c["id"], c["status"]) for c in state["captures"]] == [(captured, "PENDING")]
    assert state["tokens"] == 1
    assert json.loads(json.dumps(state)) == state


def test_amount_null_echo_answers_a_release_without_amount_with_null() -> None:
    pv = Pivot(PivotSimulator(amount_null_echo=True))
    sid = pv.session()
    answer = pv.capture(sid, {"releaseRemainingAmount": True})
    assert answer.json()["data"]["amount"] is None
    # The request named no amount: null is the observed echo, in both profiles.
    assert violations("capture", answer, VALIDATORS[1]) == []
    assert violations("capture", answer, DOCUMENTED) == []


def test_same_seed_same_ids() -> None:
    def ids(seed: int) -> list[str]:
        pv = Pivot(PivotSimulator(seed=seed))
        token, session = pv.login(), pv.session()
        _, claims, signature = token.split(".")
        jti = json.loads(base64.urlsafe_b64decode(claims + "=="))["jti"]
        # The token's iat/exp follow the wall clock (two calls may straddle a second);
        # its id and signature, and the session id, come from the seed.
        return [jti, signature, session]

    assert ids(7) == ids(7)
    assert ids(7) != ids(8)


def test_concurrent_captures_never_exceed_the_authorization() -> None:
    sim = PivotSimulator()
    pv = Pivot(sim)
    sid = pv.session(10000)
    headers = {"Authorization": f"Bearer {pv.token}"}
    body = {"releaseRemainingAmount": False, "amount": {"value": 100, "currency": "IDR"}}

    async def storm() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=sim.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            path = f"/v2/payments/{sid}/capture"
            return await asyncio.gather(
                *(client.post(path, headers=headers, json=body) for _ in range(200))
            )

    responses = asyncio.run(storm())
    for response in responses:
        assert_conformant("capture", response)
    statuses = sorted(r.status_code for r in responses)
    # Once everything is reserved the charge leaves WAITING_FOR_CAPTURE: the rest are 422.
    assert statuses == [200] * 100 + [422] * 100
    refused = {detail(r)[3] for r in responses if r.status_code != 200}
    assert refused == {"charge status must be WAITING_FOR_CAPTURE"}
    accepted = {r.json()["data"]["id"] for r in responses if r.status_code == 200}
    captures = sim.state()["captures"]
    assert {c["id"] for c in captures} == accepted
    assert len(captures) == 100
    pv.advance(5)
    charge = pv.charge(sid)
    assert charge["capturedAmount"]["value"] == 10000
    assert pv.get(sid).json()["data"]["status"] == "PAID"


# -- construction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "hint"),
    [
        ({"settle": "later"}, "settle must be 'immediate' or 'delayed'"),
        ({"settle_delay": -1}, "settle_delay must be a number of seconds from 0 to 3600"),
        ({"settle_delay": float("nan")}, "settle_delay"),
        ({"settle_delay": "2"}, "settle_delay"),
        ({"client_id": ""}, "client_id must be a non-empty string, or None"),
        ({"client_secret": 42}, "client_secret"),
        ({"amount_null_echo": "yes"}, "amount_null_echo must be True or False"),
        ({"quirk": "teleport"}, "unknown pivot quirk 'teleport'"),
        ({"seed": "1"}, "seed must be an integer"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, Any], hint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(hint)):
        PivotSimulator(**kwargs)


# -- quirks ---------------------------------------------------------------------------


def _captured(pv: Pivot) -> httpx.Response:
    return pv.take(pv.session(12000), 12000)


def _error(pv: Pivot) -> httpx.Response:
    return pv.take(pv.session(12000), 0)


def _unknown_session(pv: Pivot) -> httpx.Response:
    pv.login()
    return pv.get(UNKNOWN_ID)


def _over(pv: Pivot) -> httpx.Response:
    return pv.take(pv.session(12000), 12001)


def _after_release(pv: Pivot) -> httpx.Response:
    sid = pv.session(12000)
    pv.take(sid, 5000, release=True)
    pv.advance(5)
    return pv.take(sid, 1000)


def _decimal(pv: Pivot) -> httpx.Response:
    return pv.take(pv.session(12000), 1000.5)


def _malformed_id(pv: Pivot) -> httpx.Response:
    pv.login()
    return pv.take("not-a-uuid", 1000)


def _status_after_capture(pv: Pivot) -> httpx.Response:
    sid = pv.session(12000)
    pv.take(sid, 12000)
    pv.advance(5)
    return pv.get(sid)


def _expired(pv: Pivot) -> httpx.Response:
    sid = pv.session()
    pv.advance(901)
    return pv.get(sid)


def _data(name: str) -> Any:
    return lambda r: r.json()["data"].get(name, "<absent>")


def _status(r: httpx.Response) -> int:
    return r.status_code


def _status_after_over(pv: Pivot) -> httpx.Response:
    sid = pv.session(12000)
    pv.take(sid, 12001)
    return pv.get(sid)


def _histories(r: httpx.Response) -> Any:
    charge = r.json()["data"]["chargeDetails"][0]
    return charge["captureHistories"], charge["capturedAmount"], charge["status"]


# quirk -> (scenario, what to compare, the operation the answer belongs to)
QUIRK_CHECKS: dict[str, tuple[Any, Any, str]] = {
    "code-integer": (_captured, lambda r: r.json()["code"], "capture"),
    "status-done": (_captured, _data("status"), "capture"),
    "amount-value-string": (_captured, lambda r: r.json()["data"]["amount"]["value"], "capture"),
    "created-at-local": (_captured, lambda r: bool(NANO_STAMP.fullmatch(_data("createdAt")(r))),
                         "capture"),
    "client-reference-id-capitalised": (_captured, _data("paymentSessionClientReferenceId"),
                                        "capture"),
    "session-id-mismatch": (_captured, lambda r: _data("paymentSessionId")(r) in r.request.url.path,
                            "capture"),
    "release-echo-flipped": (_captured, _data("releaseRemainingAmount"), "capture"),
    "amount-echo-wrong": (_captured, lambda r: r.json()["data"]["amount"], "capture"),
    "error-with-data": (_error, lambda r: "data" in r.json(), "capture"),
    "capture-accepted-202": (_captured, lambda r: r.status_code, "capture"),
    "content-type": (_captured, lambda r: r.headers["content-type"].split(";")[0], "capture"),
    # The answer's first name, repeated with null before its value: the text starts otherwise.
    "duplicate-key": (_captured, lambda r: r.text[:12], "capture"),
    "html-errors": (_error, lambda r: r.headers["content-type"].split(";")[0], "capture"),
    "error-without-message": (_error, lambda r: "message" in r.json(), "capture"),
    "error-code-mismatch": (_unknown_session, lambda r: r.json()["code"], "get-payment"),
    "over-capture-accepted": (_over, _status, "capture"),
    "capture-after-release-accepted": (_after_release, _status, "capture"),
    "decimal-idr-accepted": (_decimal, _status, "capture"),
    "non-uuid-id-404": (_malformed_id, _status, "capture"),
    "history-not-updated": (_status_after_capture, _histories, "get-payment"),
    "refused-capture-applied": (_status_after_over, _histories, "get-payment"),
    "expired-token-accepted": (_expired, _status, "get-payment"),
    "client-reference-id-wrong": (_captured, _data("paymentSessionClientReferenceId"), "capture"),
    "created-at-jakarta": (_captured, _data("createdAt"), "capture"),
    "capture-id-not-uuid": (_captured, lambda r: "-" in r.json()["data"]["id"], "capture"),
}  # fmt: skip
#: Quirks that show only in concurrent captures, after settlement or after a partial
#: capture: the suite's cases catch them (tests/test_agreement.py and the gallery).
LIVE_ONLY = {"capture-race-window", "release-ends-paid", "over-capture-after-partial-accepted"}
#: Checks the suite makes across exchanges, not the validator on one answer.
SUITE_CHECKS = (".transaction-facts", ".clock", ".settled-end-state", ".capture-race")


# Delivery quirks bend notifications, not answers: tests/test_simulator_deliveries.py.
RESPONSE_QUIRKS = [q.name for q in quirks.QUIRKS if q.provider == "pivot" and q.kind == "response"]


def test_every_quirk_has_a_check() -> None:
    assert sorted([*QUIRK_CHECKS, *LIVE_ONLY]) == sorted(RESPONSE_QUIRKS)


@pytest.mark.parametrize("name", RESPONSE_QUIRKS)
def test_quirk_produces_its_deviation(name: str) -> None:
    if name in LIVE_ONLY:
        pytest.skip("shows only in concurrent captures, after settlement or a partial capture")
    scenario, observe, operation = QUIRK_CHECKS[name]
    conformant = scenario(Pivot(PivotSimulator(seed=3)))
    quirky = scenario(Pivot(PivotSimulator(seed=3, quirk=name), validate=False))
    assert observe(quirky) != observe(conformant)
    detector = quirks.get("pivot", name).detected_by
    suite = detector.endswith(SUITE_CHECKS)
    if not detector.startswith("scenario:") and ".stateful." not in detector and not suite:
        found = DOCUMENTED.validate_response(operation, quirky, request=quirky.request)
        found += VALIDATORS[1].validate_response(operation, quirky, request=quirky.request)
        assert detector in {v.rule for v in found}, [str(v) for v in found]


def test_quirk_can_be_switched_at_runtime(pv: Pivot) -> None:
    sid = pv.session(1000)
    assert pv.control("PUT", "quirk", {"name": "status-done"})["quirk"] == "status-done"
    pv.validate = False
    assert pv.take(sid, 100).json()["data"]["status"] == "DONE"
    pv.control("PUT", "quirk", {"name": None})
    pv.validate = True
    assert pv.take(sid, 100).json()["data"]["status"] == "PENDING"
