"""The simulators deliver: Midtrans notifications and Pivot callbacks, retries, targets, controls.

A :class:`Receiver` (a small ASGI app) plays the merchant: it records every
delivery and answers what the test tells it to. Every clean delivery is also
checked with the kit's own ``validate_notification``.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from conformance import Validator
from conformance.signatures import midtrans_signature
from conformance.simulators import create, quirks
from conformance.simulators._serve import served

SERVER_KEY = "SB-Mid-server-deliveries-made-up"
CLIENT_KEY = "SB-Mid-client-deliveries-made-up"
CALLBACK_KEY = "pivot-callback-key-made-up-for-tests"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()}
GOOD_CARD, DENIED_CARD = "4811 1111 1111 1114", "4911 1111 1111 1113"
HOOK = "http://merchant.test/hook"
MINUTE = 60


@dataclass
class Seen:
    method: str
    url: str
    headers: dict[str, str]
    content: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.content)

    @property
    def path(self) -> str:
        return httpx.URL(self.url).path

    def request(self) -> httpx.Request:
        return httpx.Request(self.method, self.url, headers=self.headers, content=self.content)


class Receiver:
    """A merchant endpoint: records deliveries; answers per path from a plan (the last repeats)."""

    def __init__(self, **plans: list[Any]) -> None:
        self.seen: list[Seen] = []
        self.plans = {f"/{k}": list(v) for k, v in plans.items()}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        content = await request.body()
        self.seen.append(Seen(request.method, str(request.url), dict(request.headers), content))
        plan = self.plans.get(request.url.path, [200])
        answer = plan.pop(0) if len(plan) > 1 else plan[0]
        status, location = answer if isinstance(answer, tuple) else (answer, None)
        headers = {"location": location} if location else {}
        await Response(b"ok", status_code=status, headers=headers)(scope, receive, send)


# -- Midtrans -----------------------------------------------------------------------------
class Merchant:
    """Drives a Midtrans simulator in-process; deliveries go to *receiver*."""

    def __init__(self, receiver: Receiver | None = None, **options: Any) -> None:
        self.sim = create("midtrans", seed=5, **options)
        self.receiver = receiver or Receiver()
        self.sim.deliver_to(self.receiver, url=options.pop("url", HOOK))
        self.client = TestClient(self.sim.app)
        self.orders = 0

    def charge(self, card: str = GOOD_CARD, authorize: bool = True, **headers: str) -> Any:
        query = {"card_number": card, "card_exp_month": "12", "card_exp_year": "2099"}
        token = self.client.get(
            "/v2/token", params={**query, "card_cvv": "123", "client_key": CLIENT_KEY}
        ).json()["token_id"]
        self.orders += 1
        body = {
            "payment_type": "credit_card",
            "transaction_details": {"order_id": f"dlv-{self.orders}", "gross_amount": 145000},
            "credit_card": {"token_id": token, **({"type": "authorize"} if authorize else {})},
        }
        return self.client.post("/v2/charge", json=body, headers={**BASIC, **headers}).json()

    def capture(self, tid: str, **headers: str) -> Any:
        body = {"transaction_id": tid}
        return self.client.post("/v2/capture", json=body, headers={**BASIC, **headers}).json()

    def status(self, tid: str) -> Any:
        return self.client.get(f"/v2/{tid}/status", headers=BASIC).json()

    def advance(self, seconds: float) -> None:
        answer = self.client.post("/_sim/clock", json={"advance": seconds})
        assert answer.status_code == 200


def signed(body: dict[str, Any], key: str = SERVER_KEY) -> bool:
    expected = midtrans_signature(body["order_id"], body["status_code"], body["gross_amount"], key)
    return bool(body["signature_key"] == expected)


def midtrans_violations(seen: Seen, status_read: Any = None) -> list[str]:
    found = Validator("midtrans").validate_notification(
        seen.request(), server_key=SERVER_KEY, transaction=status_read
    )
    return [f"{v.rule}: {v.message}" for v in found]


def test_authorize_capture_settlement_each_notify_signed_and_agreeing_with_the_status_read() -> (
    None
):
    m = Merchant()
    tid = m.charge()["transaction_id"]
    m.capture(tid)
    seen = m.receiver.seen
    assert [s.body["transaction_status"] for s in seen] == ["authorize", "capture"]
    read = m.status(tid)
    last = seen[-1]
    assert last.method == "POST"
    assert last.url == HOOK
    assert last.headers["content-type"] == "application/json"
    assert signed(last.body)
    assert last.body["gross_amount"] == "145000.00"
    assert last.body["status_code"] == "200"
    for name in (
        "transaction_id",
        "order_id",
        "gross_amount",
        "transaction_time",
        "masked_card",
        "bank",
        "fraud_status",
        "currency",
        "card_type",
        "approval_code",
        "payment_type",
    ):
        assert last.body[name] == read[name], name  # fmt: skip
    assert last.body["status_message"] == "midtrans payment notification"
    assert {"merchant_id", "eci", "channel_response_code", "channel_response_message"} <= set(
        last.body
    )
    assert midtrans_violations(last, read) == []
    m.advance(24 * 3600)  # past the next 19:00 Jakarta time
    assert [s.body["transaction_status"] for s in seen][-1] == "settlement"
    assert signed(seen[-1].body)
    assert m.status(tid)["transaction_status"] == "settlement"
    assert [d.status for d in m.sim.deliveries] == ["delivered"] * 3


def test_a_sale_notifies_capture_and_a_deny_notifies_202_without_approval_code() -> None:
    m = Merchant()
    m.charge(authorize=False)
    denied = m.charge(card=DENIED_CARD)
    bodies = [s.body for s in m.receiver.seen]
    assert [b["transaction_status"] for b in bodies] == ["capture", "deny"]
    assert bodies[1]["status_code"] == "202" == m.status(denied["transaction_id"])["status_code"]
    assert "approval_code" not in bodies[1]
    assert "approval_code" in bodies[0]
    assert all(signed(b) for b in bodies)
    assert midtrans_violations(m.receiver.seen[1]) == []


def test_an_authorization_left_seven_days_notifies_expire() -> None:
    m = Merchant()
    tid = m.charge()["transaction_id"]
    m.advance(7 * 24 * 3600)
    last = m.receiver.seen[-1].body
    assert last["transaction_status"] == "expire"
    assert last["status_code"] == m.status(tid)["status_code"] == "407"
    assert signed(last)


def test_override_and_append_headers_route_the_transactions_notifications() -> None:
    m = Merchant()
    m.charge(**{"X-Override-Notification": "http://a.test/one, http://b.test/two"})
    assert sorted(s.url for s in m.receiver.seen) == ["http://a.test/one", "http://b.test/two"]
    m.receiver.seen.clear()
    tid = m.charge(**{"X-Append-Notification": "http://c.test/three"})["transaction_id"]
    assert [s.url for s in m.receiver.seen] == [HOOK, "http://c.test/three"]
    m.receiver.seen.clear()
    m.capture(tid, **{"X-Override-Notification": "http://d.test/capture"})
    assert [(s.url, s.body["transaction_status"]) for s in m.receiver.seen] == [
        ("http://d.test/capture", "capture")
    ]


@pytest.mark.parametrize(
    "value", ["http://a.test/1,http://a.test/2,http://a.test/3,http://a.test/4", "ftp://x", ","]
)
def test_bad_notification_headers_are_refused_with_400(value: str) -> None:
    m = Merchant()
    answer = m.charge(**{"X-Append-Notification": value})
    assert answer["status_code"] == "400"
    assert "X-Append-Notification" in answer["validation_messages"][0]
    assert m.receiver.seen == []


def test_no_url_no_notification_and_notify_says_how_to_configure() -> None:
    sim = create("midtrans")
    client = TestClient(sim.app)
    with pytest.raises(ValueError, match="unknown transaction"):
        sim.notify("nope")
    m = Merchant()
    tid = m.charge()["transaction_id"]
    m.sim.deliver_to(None)
    with pytest.raises(ValueError, match="notification_url=URL"):
        m.sim.notify(tid)
    assert client.get("/_sim/deliveries").json() == {"deliveries": []}


def attempts_at(m: Merchant) -> list[float]:
    """Minutes after the first attempt at which each attempt of the first delivery was made."""
    attempts = m.sim.deliveries[0].attempts
    return [round((a.at - attempts[0].at) / timedelta(minutes=1)) for a in attempts]


@pytest.mark.parametrize(
    ("answer", "minutes", "final"),
    [
        (500, [0, 2], "failed"),
        (503, [0, 2, 12, 42, 132], "failed"),
        (404, [0, 2, 12], "failed"),
        (302, [0], "failed"),
        (418, [0, 2, 12, 42, 132, 342], "failed"),
    ],
)
def test_midtrans_retries_by_the_merchants_answer_on_the_simulated_clock(
    answer: int, minutes: list[int], final: str
) -> None:
    m = Merchant(Receiver(hook=[answer]))
    m.charge()
    for gap in (2, 10, 30, 90, 210, 400):
        made = len(attempts_at(m))
        m.advance(gap * MINUTE - 1)
        assert len(attempts_at(m)) == made, "a retry came early"
        m.advance(1)
    assert attempts_at(m) == minutes
    delivery = m.sim.deliveries[0]
    assert delivery.status == final
    assert {a.status_code for a in delivery.attempts} == {answer}
    assert len({s.content for s in m.receiver.seen}) == 1, "a retry must resend the same body"


def test_a_retry_that_succeeds_ends_the_delivery() -> None:
    m = Merchant(Receiver(hook=[503, 503, 200]))
    m.charge()
    m.advance(2 * MINUTE)
    m.advance(10 * MINUTE)
    m.advance(1000 * MINUTE)
    delivery = m.sim.deliveries[0]
    assert [a.status_code for a in delivery.attempts] == [503, 503, 200]
    assert delivery.status == "delivered"
    assert delivery.next_at is None


def test_307_and_308_are_followed_with_post_and_the_same_body() -> None:
    receiver = Receiver(hook=[(307, "/moved")], moved=[(308, "http://other.test/final")])
    m = Merchant(receiver)
    m.charge()
    methods_paths = [(s.method, s.path) for s in receiver.seen]
    assert methods_paths == [("POST", "/hook"), ("POST", "/moved"), ("POST", "/final")]
    assert len({s.content for s in receiver.seen}) == 1
    (attempt,) = m.sim.deliveries[0].attempts
    assert attempt.status_code == 200
    assert attempt.redirects == ["http://merchant.test/moved", "http://other.test/final"]


def test_more_than_five_redirects_is_a_failed_attempt() -> None:
    m = Merchant(Receiver(hook=[(307, "/hook")]))
    m.charge()
    (attempt,) = m.sim.deliveries[0].attempts
    assert attempt.error == "more than 5 redirects"
    assert len(m.receiver.seen) == 6
    assert m.sim.deliveries[0].status == "retrying"


def test_a_wsgi_app_receives_deliveries_in_process() -> None:
    got: list[tuple[str, bytes]] = []

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        got.append((environ["PATH_INFO"], environ["wsgi.input"].read(size)))
        start_response("204 No Content", [])
        return []

    sim = create("midtrans")
    sim.deliver_to(wsgi)
    assert sim.outbox.app_kind == "wsgi"
    m = Merchant()
    m.sim, m.client = sim, TestClient(sim.app)
    m.charge()
    assert [p for p, _ in got] == ["/notifications"]
    assert signed(json.loads(got[0][1]))
    assert sim.deliveries[0].status == "delivered"


def test_a_served_simulator_posts_to_a_loopback_receiver() -> None:
    receiver = Receiver()
    with served(receiver) as hook:
        sim = create("midtrans", notification_url=f"{hook}/notify")
        with served(sim.app) as url, httpx.Client(base_url=url, timeout=10) as client:
            m = Merchant()
            m.client = client  # type: ignore[assignment]
            tid = m.charge()["transaction_id"]
            flushed = client.post("/_sim/deliveries/flush").json()["deliveries"]
            assert [d["status"] for d in flushed] == ["delivered"]
            assert receiver.seen[0].path == "/notify"
            assert signed(receiver.seen[0].body)
            assert receiver.seen[0].body["transaction_id"] == tid


def test_a_connection_failure_is_a_failed_attempt_and_retried() -> None:
    with served(Receiver()) as hook:
        pass  # the port is closed again: nothing listens there any more
    sim = create("midtrans", notification_url=hook)
    m = Merchant()
    m.sim, m.client = sim, TestClient(sim.app)
    m.charge()
    (attempt,) = sim.deliveries[0].attempts
    assert attempt.status_code is None
    assert "Connect" in (attempt.error or "")
    sim.clock.advance(2 * MINUTE)  # the Python clock fires due retries too
    assert len(sim.deliveries[0].attempts) == 2


# -- Pivot --------------------------------------------------------------------------------
class PivotMerchant:
    def __init__(self, receiver: Receiver | None = None, sim: Any = None, **options: Any) -> None:
        self.receiver = receiver or Receiver()
        if sim is None:
            sim = create("pivot", seed=5, callback_key=CALLBACK_KEY, **options)
            sim.deliver_to(self.receiver, url="http://merchant.test/hook")
        self.sim = sim
        self.client = TestClient(self.sim.app)
        answer = self.client.post(
            "/v1/access-token",
            headers={"X-MERCHANT-ID": "m", "X-MERCHANT-SECRET": "s"},
            json={"grantType": "client_credentials"},
        )
        self.auth = {"Authorization": f"Bearer {answer.json()['data']['accessToken']}"}
        self.count = 0

    def session(self, amount: int = 12000) -> str:
        self.count += 1
        body = {
            "clientReferenceId": f"ref{self.count}",
            "amount": {"value": amount, "currency": "IDR"},
            "paymentType": "SINGLE",
            "mode": "API",
            "paymentMethod": {"type": "CARD", "card": {"number": "4440000112200001"}},
            "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
        }
        headers = {**self.auth, "X-REQUEST-ID": f"req{self.count:014d}"}
        return str(
            self.client.post("/v2/payments", json=body, headers=headers).json()["data"]["id"]
        )

    def capture(self, sid: str, body: Any) -> Any:
        answer = self.client.post(f"/v2/payments/{sid}/capture", json=body, headers=self.auth)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def get(self, sid: str) -> Any:
        return self.client.get(f"/v2/payments/{sid}", headers=self.auth).json()["data"]


def pivot_violations(seen: Seen, session: Any = None) -> list[str]:
    found = Validator("pivot").validate_notification(
        seen.request(), callback_key=CALLBACK_KEY, transaction=session
    )
    return [f"{v.rule}: {v.message}" for v in found]


@pytest.mark.parametrize(
    ("capture", "final"),
    [
        (
            {"amount": {"value": 12000, "currency": "IDR"}, "releaseRemainingAmount": False},
            ("PAID", "SUCCESS"),
        ),
        ({"releaseRemainingAmount": True}, ("CANCELLED", "FAILED")),
    ],
)
def test_a_pending_capture_settling_calls_back_with_the_session_as_get_answers(
    capture: Any, final: tuple[str, str]
) -> None:
    p = PivotMerchant()
    sid = p.session()
    assert p.capture(sid, capture)["status"] == "PENDING"
    assert [s.body["event"] for s in p.receiver.seen] == ["PAYMENT.PROCESSING"]
    p.client.post("/_sim/clock", json={"advance": 3})
    last = p.receiver.seen[-1]
    assert last.body["event"] == f"PAYMENT.{final[0]}"
    session = p.get(sid)
    assert last.body["data"] == session
    assert (session["status"], session["chargeDetails"][0]["status"]) == final
    assert last.headers["x-api-key"] == CALLBACK_KEY
    assert last.headers["content-type"] == "application/json"
    assert pivot_violations(last, session) == []


def test_pivot_retries_429_after_5_and_15_minutes_then_manual_retry() -> None:
    p = PivotMerchant(Receiver(hook=[429]))
    p.session()
    elapsed = 0
    for due in (5, 15, 60, 180, 360, 720):  # minutes after the first attempt
        made = len(p.sim.deliveries[0].attempts)
        p.sim.clock.advance((due - elapsed) * MINUTE - 1)
        assert len(p.sim.deliveries[0].attempts) == made, f"the retry due at {due} min came early"
        p.sim.clock.advance(1)
        elapsed = due
    delivery = p.sim.deliveries[0]
    offsets = [
        round((a.at - delivery.attempts[0].at) / timedelta(minutes=1)) for a in delivery.attempts
    ]
    assert offsets == [0, 5, 15, 60, 180, 360, 720]
    assert delivery.status == "manual-retry"
    assert delivery.next_at is None


@pytest.mark.parametrize(("answer", "attempts"), [(400, 1), (503, 7), (408, 7), (200, 1)])
def test_pivot_retries_only_5xx_408_and_429(answer: int, attempts: int) -> None:
    p = PivotMerchant(Receiver(hook=[answer]))
    p.session()
    for _ in range(30):
        p.sim.clock.advance(30 * MINUTE)
    assert len(p.sim.deliveries[0].attempts) == attempts


# -- control API, variants --------------------------------------------------------------
def fire(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/_sim/deliveries", json=body)


def test_control_api_lists_and_fires_each_midtrans_variant() -> None:
    m = Merchant()
    tid = m.charge()["transaction_id"]
    m.capture(tid)
    m.advance(24 * 3600)
    listed = m.client.get("/_sim/deliveries").json()["deliveries"]
    assert [d["event"] for d in listed] == ["authorize", "capture", "settlement"]
    assert listed[0]["attempts"][0]["status_code"] == 200
    assert listed[0]["body"]["signature_key"]

    (dup,) = fire(m.client, id=tid, variant="duplicate").json()["deliveries"]
    assert dup["body"] == listed[-1]["body"]
    assert dup["duplicate_of"] == listed[-1]["id"]
    (stale,) = fire(m.client, id=tid, variant="out-of-order").json()["deliveries"]
    assert stale["body"]["transaction_status"] == "capture"
    assert signed(stale["body"])
    (forged,) = fire(m.client, id=tid, variant="forged-signature").json()["deliveries"]
    assert not signed(forged["body"])
    assert forged["body"]["order_id"] == "dlv-1"
    (extra,) = fire(m.client, id="dlv-1", variant="extra-fields").json()["deliveries"]
    assert "x_sim_new_field" in extra["body"]
    assert signed(extra["body"])
    (failed,) = fire(m.client, id=tid, variant="failed").json()["deliveries"]
    assert failed["status"] == "retrying"
    assert failed["attempts"][0]["status_code"] is None
    assert "failed" in failed["attempts"][0]["error"]
    seen_before = len(m.receiver.seen)
    started = time.monotonic()
    (slow,) = fire(m.client, id=tid, variant="slow", delay=0.3).json()["deliveries"]
    assert time.monotonic() - started >= 0.3
    assert slow["status"] == "delivered"
    assert len(m.receiver.seen) == seen_before + 1  # "failed" sent nothing
    (chosen,) = fire(m.client, id=tid, status="authorize").json()["deliveries"]
    assert chosen["body"]["transaction_status"] == "authorize"
    assert signed(chosen["body"])
    assert midtrans_violations(m.receiver.seen[-1]) == []

    assert m.client.post("/_sim/reset").status_code == 200
    assert m.client.get("/_sim/deliveries").json() == {"deliveries": []}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id": "dlv-1", "variant": "teleport"}, "unknown variant 'teleport'"),
        ({"id": "dlv-1", "variant": "wrong-key"}, "unknown variant 'wrong-key'"),
        ({"id": "nope"}, "unknown transaction or order id 'nope"),
        ({"id": "dlv-1", "variant": "slow", "delay": 99}, "at most 30 s"),
        ({"id": "dlv-1", "delay": 1}, "only for the 'slow' variant"),
        ({"id": "dlv-1", "color": 1}, "unknown field(s) color"),
        ({"id": "dlv-1", "variant": "out-of-order"}, "no earlier status"),
    ],
)
def test_firing_errors_say_how_to_fix(body: dict[str, Any], message: str) -> None:
    m = Merchant()
    m.charge()
    answer = fire(m.client, **body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_pivot_variants_wrong_and_missing_key() -> None:
    p = PivotMerchant()
    sid = p.session()
    (wrong,) = p.sim.notify(sid, "wrong-key")
    (missing,) = p.sim.notify(sid, "missing-key")
    assert wrong.headers["X-API-Key"] not in ("", CALLBACK_KEY)
    assert "x-api-key" not in p.receiver.seen[-1].headers
    assert "X-API-Key" not in missing.headers
    rules = {v.split(":")[0] for v in pivot_violations(p.receiver.seen[-2])}
    assert rules == {"pivot.notification.api-key"}
    (extra,) = p.sim.notify(sid.upper(), "extra-fields")
    assert extra.body["data"] == p.get(sid)
    assert "x_sim_new_field" in extra.body


def test_the_target_can_be_set_through_the_control_api() -> None:
    receiver = Receiver()
    sim = create("pivot", callback_key=CALLBACK_KEY)
    client = TestClient(sim.app)
    assert client.get("/_sim/deliveries/target").json() == {"url": None, "in_process": False}
    assert client.put("/_sim/deliveries/target", json={"url": "ftp://x"}).status_code == 400
    with served(receiver) as hook:
        answer = client.put("/_sim/deliveries/target", json={"url": f"{hook}/cb"})
        assert answer.json() == {"url": f"{hook}/cb", "in_process": False}
        sid = PivotMerchant(receiver, sim=sim).session()
        assert [(s.path, s.body["data"]["id"]) for s in receiver.seen] == [("/cb", sid)]
    client.put("/_sim/deliveries/target", json={"url": None})
    assert client.get("/_sim/deliveries/target").json()["url"] is None


# -- quirks -------------------------------------------------------------------------------
def midtrans_quirk_run(quirk: str | None) -> tuple[list[Seen], Any]:
    m = Merchant(quirk=quirk)
    tid = m.charge()["transaction_id"]
    m.capture(tid)
    return m.receiver.seen, m.status(tid)


def pivot_quirk_run(quirk: str | None) -> tuple[list[Seen], Any]:
    p = PivotMerchant(quirk=quirk, settle="immediate")
    sid = p.session()
    p.capture(sid, {"amount": {"value": 12000, "currency": "IDR"}, "releaseRemainingAmount": False})
    return p.receiver.seen, p.get(sid)


DELIVERY_QUIRKS = [q for q in quirks.QUIRKS if q.kind == "delivery"]


@pytest.mark.parametrize("quirk", DELIVERY_QUIRKS, ids=lambda q: f"{q.provider}-{q.name}")
def test_each_delivery_quirk_changes_the_delivery_and_its_rule_fires(quirk: Any) -> None:
    run = midtrans_quirk_run if quirk.provider == "midtrans" else pivot_quirk_run
    clean, clean_state = run(None)
    bent, state = run(quirk.name)
    judge = midtrans_violations if quirk.provider == "midtrans" else pivot_violations
    assert [judge(s, clean_state) for s in clean] == [[]] * len(clean)
    if quirk.detected_by.endswith(".delivered"):
        assert clean
        assert bent == []
        return
    assert [s.content for s in bent] != [s.content for s in clean] or [s.headers for s in bent] != [
        s.headers for s in clean
    ]
    rules = {v.split(":")[0] for s in bent for v in judge(s, state)}
    assert quirk.detected_by in rules, rules


def test_delivery_quirks_are_marked_and_name_rules() -> None:
    names = {(q.provider, q.name) for q in DELIVERY_QUIRKS}
    assert ("midtrans", "notification-signature-wrong") in names
    assert ("pivot", "callback-key-missing") in names
    assert all(not q.detected_by.startswith("scenario:") for q in DELIVERY_QUIRKS)


def test_deliver_to_counts_what_exists_as_announced() -> None:
    sim = create("midtrans")
    m = Merchant()
    m.sim, m.client = sim, TestClient(sim.app)
    tid = m.charge()["transaction_id"]
    receiver = Receiver()
    sim.deliver_to(receiver)
    assert receiver.seen == []
    m.capture(tid)
    assert [s.body["transaction_status"] for s in receiver.seen] == ["capture"]
