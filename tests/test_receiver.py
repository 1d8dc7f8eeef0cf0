"""The webhook receiver (``receive``) and ``validate PROVIDER notification``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.cli import main
from conformance.receiver import MAX_BODY, Inbox, ReceiverApp
from conformance.reports.json_report import report_schema
from conformance.signatures import midtrans_signature

SERVER_KEY = "SB-Mid-server-test-receiver-0001"
CALLBACK_KEY = "cb-test-receiver-0001"


def midtrans_body(order_id: str = "order-rcv-1", *, key: str = SERVER_KEY) -> dict[str, Any]:
    body = {
        "transaction_time": "2026-12-04 10:00:00",
        "transaction_status": "capture",
        "transaction_id": "0b9d7a5e-6c1f-4c43-9d53-1c2b0f6f7a10",
        "status_message": "midtrans payment notification",
        "status_code": "200",
        "payment_type": "credit_card",
        "order_id": order_id,
        "merchant_id": "G000000001",
        "masked_card": "48111111-1114",
        "gross_amount": "10000.00",
        "fraud_status": "accept",
        "currency": "IDR",
        "card_type": "credit",
        "bank": "bni",
        "approval_code": "1578569243927",
    }
    body["signature_key"] = midtrans_signature(order_id, "200", "10000.00", key)
    return body


def _pivot_session() -> dict[str, Any]:
    examples = [e for e in _pivot_examples() if e["event"] == "PAYMENT.PAID"]
    assert examples, "the Pivot spec carries a PAYMENT.PAID callback example"
    return examples[0]["data"]


def _pivot_examples() -> list[dict[str, Any]]:
    import yaml

    from conformance.specs import specs_root

    document = yaml.safe_load(specs_root().joinpath("pivot", "openapi.yaml").read_text())
    post = next(iter(document["webhooks"].values()))["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    return [example["value"] for example in examples.values()]


def delivery(body: Any, **headers: str) -> httpx.Request:
    return httpx.Request(
        "POST", "http://127.0.0.1/notify", json=body, headers={"X-Test": "1", **headers}
    )


# -- the inbox ---------------------------------------------------------------------


def test_a_genuine_notification_is_taken_without_findings() -> None:
    inbox = Inbox("midtrans", server_key=SERVER_KEY)
    taken = inbox.accept(delivery(midtrans_body()))
    assert taken.violations == []
    assert (taken.event, taken.subject, taken.status) == ("capture", "order-rcv-1", "capture")
    report = inbox.report()
    assert report.exit_code == 0
    assert [case.id for case in report.results] == ["midtrans.receive.capture"]


def test_a_forged_signature_is_a_finding_with_its_rule() -> None:
    inbox = Inbox("midtrans", server_key=SERVER_KEY)
    inbox.accept(delivery(midtrans_body(key="SB-Mid-server-test-someone-else")))
    report = inbox.report()
    assert report.exit_code == 1
    assert "midtrans.notification.signature" in report.checks_failed()


def test_without_a_key_the_report_says_the_signature_was_not_checked() -> None:
    inbox = Inbox("midtrans")
    inbox.accept(delivery(midtrans_body(key="SB-Mid-server-test-someone-else")))
    notes = [case.note for case in inbox.report().results if case.note]
    assert notes == ["signature_key not checked: give --server-key or MIDTRANS_SERVER_KEY"]


def test_pivot_callbacks_are_judged_by_their_key() -> None:
    inbox = Inbox("pivot", callback_key=CALLBACK_KEY)
    body = {"event": "PAYMENT.PAID", "data": _pivot_session()}
    assert inbox.accept(delivery(body, **{"X-API-Key": CALLBACK_KEY})).violations == []
    wrong = inbox.accept(delivery(body, **{"X-API-Key": "cb-test-wrong"}))
    assert [v.rule for v in wrong.violations if "key" in v.rule] != []
    assert inbox.report().exit_code == 1


def test_wait_for_sees_a_delivery_that_arrives_later() -> None:
    inbox = Inbox("midtrans", server_key=SERVER_KEY)
    timer = threading.Timer(0.2, inbox.accept, [delivery(midtrans_body("order-late"))])
    timer.start()
    try:
        found = inbox.wait_for(lambda d: d.subject == "order-late", timeout=5)
    finally:
        timer.join()
    assert found is not None
    assert found.subject == "order-late"
    started = time.monotonic()
    assert inbox.wait_for(lambda d: d.subject == "order-never", timeout=0.3) is None
    assert 0.25 <= time.monotonic() - started < 3


# -- the ASGI app --------------------------------------------------------------------


def test_the_app_answers_200_to_a_post_and_405_to_anything_else() -> None:
    app = ReceiverApp(Inbox("midtrans", server_key=SERVER_KEY))
    client = TestClient(app)
    assert client.post("/any/path", json=midtrans_body()).status_code == 200
    assert client.get("/any/path").status_code == 405
    assert len(app.inbox) == 1


def test_the_app_refuses_a_body_too_large_to_hold() -> None:
    app = ReceiverApp(Inbox("midtrans"))
    answer = TestClient(app).post("/n", content=b"x" * (MAX_BODY + 1))
    assert answer.status_code == 413
    assert len(app.inbox) == 0


# -- capture-conformance validate PROVIDER notification --------------------------------


def _validate(tmp_path: Path, body: Any, *args: str) -> int:
    path = tmp_path / "delivery.json"
    path.write_text(json.dumps(body) if not isinstance(body, bytes) else body.decode())
    return main(["validate", *args, str(path)])


def test_validate_notification_passes_a_genuine_one(tmp_path: Path, capsys) -> None:
    code = _validate(tmp_path, midtrans_body(), "midtrans", "notification",
                     "--server-key", SERVER_KEY)  # fmt: skip
    assert code == 0, capsys.readouterr().out
    assert capsys.readouterr().out.strip().endswith("conformant")


def test_validate_notification_fails_a_forged_one(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIDTRANS_SERVER_KEY", SERVER_KEY)  # the key from the environment
    forged = midtrans_body(key="SB-Mid-server-test-someone-else")
    args = [str(tmp_path / "delivery.json")]
    (tmp_path / "delivery.json").write_text(json.dumps(forged))
    assert main(["validate", "midtrans", "notification", *args]) == 1
    assert "midtrans.notification.signature" in capsys.readouterr().out


def test_validate_notification_of_pivot_checks_the_header(tmp_path: Path, capsys) -> None:
    body = {"event": "PAYMENT.PAID", "data": _pivot_session()}
    good = ["pivot", "notification", "--callback-key", CALLBACK_KEY]
    assert _validate(tmp_path, body, *good, "-H", f"X-API-Key: {CALLBACK_KEY}") == 0
    assert _validate(tmp_path, body, *good, "-H", "X-API-Key: cb-test-wrong") == 1
    assert CALLBACK_KEY not in capsys.readouterr().out


def test_validate_notification_that_is_not_json_is_a_violation(tmp_path: Path, capsys) -> None:
    assert _validate(tmp_path, b"<html>502</html>", "midtrans", "notification") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["pivot", "notification", "--server-key", "k"], "--server-key is Midtrans's"),
        (["midtrans", "notification", "--callback-key", "k"], "--callback-key is Pivot's"),
        (["midtrans", "response", "--server-key", "k"], "go with PHASE notification"),
        (["pivot", "notification", "-H", "no colon"], "is not 'NAME: VALUE'"),
    ],
)
def test_validate_notification_usage_errors_are_one_line(
    tmp_path: Path, capsys, args: list[str], says: str
) -> None:
    assert _validate(tmp_path, {}, *args) == 2
    err = capsys.readouterr().err
    assert says in err
    assert len(err.strip().splitlines()) == 1


# -- capture-conformance receive, served -----------------------------------------------


def test_receive_validates_each_delivery_and_writes_reports(tmp_path: Path) -> None:
    report_path, junit_path = tmp_path / "r.json", tmp_path / "j.xml"
    env = {**os.environ, "MIDTRANS_SERVER_KEY": SERVER_KEY, "COLUMNS": "200"}
    command = [sys.executable, "-m", "conformance", "receive", "midtrans", "--port", "0",
               "--report-json", str(report_path), "--junit", str(junit_path)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.post("/notify", json=midtrans_body("order-ok")).status_code == 200
            forged = midtrans_body("order-forged", key="SB-Mid-server-test-someone-else")
            assert client.post("/notify", json=forged).status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, err
    assert "midtrans.notification.signature" in out
    assert "Traceback" not in err
    document = json.loads(report_path.read_text())
    import jsonschema

    jsonschema.validate(document, report_schema())
    (run,) = document["runs"]
    assert run["summary"]["exchanges"] == 2
    assert "midtrans.notification.signature" in run["checks_failed"]
    for text in (out, err, report_path.read_text(), junit_path.read_text()):
        assert SERVER_KEY not in text


# -- serve ... --notification-url / --callback-url, into a receiver --------------------


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_a_served_simulator_delivers_to_the_receiver(provider: str) -> None:
    from conformance.simulators._serve import served
    from conformance.suite import Credentials, Setup, Target

    keys = {"server_key": SERVER_KEY} if provider == "midtrans" else {"callback_key": CALLBACK_KEY}
    inbox = Inbox(provider, **keys)
    with served(ReceiverApp(inbox)) as receiver:
        url_option = "--notification-url" if provider == "midtrans" else "--callback-url"
        key_option = ["--server-key", SERVER_KEY] if provider == "midtrans" else [
            "--callback-key", CALLBACK_KEY]  # fmt: skip
        command = [sys.executable, "-m", "conformance", "serve", provider, "--port", "0",
                   url_option, f"{receiver}/deliveries", *key_option]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            credentials = Credentials.resolve({}, server_key=SERVER_KEY)
            with Target(provider, base_url=base_url, credentials=credentials) as target:
                authorization = Setup(target).authorize(lambda exchange: None)
            assert authorization is not None
            found = inbox.wait_for(lambda d: authorization.id in str(d.body), timeout=10)
        finally:
            process.terminate()
            process.communicate(timeout=10)
    assert found is not None, "no delivery reached the receiver"
    assert found.violations == []
    if provider == "midtrans":
        assert found.status == "authorize"
    else:
        assert found.event == f"PAYMENT.{found.status}"


def test_serve_refuses_a_delivery_url_that_is_not_http(capsys) -> None:
    assert main(["serve", "midtrans", "--notification-url", "ftp://x", "--port", "0"]) == 2
    assert "http:// or https://" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "code"), [([], 1), (["--allow-empty"], 0)])
def test_receive_with_no_delivery_fails_unless_allowed(
    tmp_path: Path, extra: list[str], code: int
) -> None:
    report_path = tmp_path / "r.json"
    command = [sys.executable, "-m", "conformance", "receive", "pivot", "--port", "0",
               "--report-json", str(report_path), *extra]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        # Anything but a POST is no delivery: the receiver answers 405 and keeps nothing.
        assert httpx.get(f"{url}/callback", timeout=10).status_code == 405
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, err
    failed = json.loads(report_path.read_text())["runs"][0]["checks_failed"]
    assert failed == ([] if code == 0 else ["pivot.receive.deliveries"])
    if code:
        assert "no pivot delivery reached the receiver" in out


def test_the_callback_key_never_reaches_a_report(tmp_path: Path) -> None:
    from conformance.reports.json_report import to_json

    inbox = Inbox("pivot", callback_key=CALLBACK_KEY)
    body = {"event": "PAYMENT.PAID", "data": _pivot_session()}
    body["data"]["status"] = "CANCELLED"  # a finding, so the delivery is shown as evidence
    inbox.accept(delivery(body, **{"X-API-Key": CALLBACK_KEY}))
    document = json.dumps(to_json([inbox.report()], command="receive pivot"))
    assert "pivot.notification.event-status" in document
    assert CALLBACK_KEY not in document
