"""Recorded deliveries: kept by ``record``, validated by ``cassettes lint``, re-checked by
``check --cassette``, classified by ``cassettes diff``, and re-signed when scrubbed.

Credentials are made up; the simulators accept any sandbox-shaped key.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes import diff, lint, load_cassette, record, replay
from conformance.cassettes._deliveries import PLACEHOLDER_KEY
from conformance.cassettes._format import Cassette, Interaction, dumps, loads
from conformance.cli import main
from conformance.signatures import midtrans_signature
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import Credentials
from conformance.suite._scenario_catalogue import load_catalogue

SERVER_KEY = "SB-Mid-server-made-up-delivery-key"
CALLBACK_KEY = "pivot-made-up-callback-key-for-recording"
CREDENTIALS = Credentials.resolve(
    server_key=SERVER_KEY, client_key="SB-Mid-client-made-up-delivery-key",
    client_id="pivot-made-up-merchant-id", client_secret="pivot-made-up-merchant-secret",
    callback_key=CALLBACK_KEY, env={},
)  # fmt: skip
KEYS = {"server_key": PLACEHOLDER_KEY["midtrans"], "callback_key": PLACEHOLDER_KEY["pivot"]}


def _record(provider: str, **options: Any) -> Cassette:
    if provider == "pivot":
        options.setdefault("callback_key", CALLBACK_KEY)
    recording = record(provider, simulator=create(provider, **options), credentials=CREDENTIALS)
    return loads(recording.text, f"{provider}.yaml")


@pytest.fixture(scope="module")
def recorded() -> dict[str, Cassette]:
    return {p: _record(p) for p in ("midtrans", "pivot")}


def _copy(cassette: Cassette) -> Cassette:
    return loads(dumps(cassette), cassette.path)


def _deliveries(cassette: Cassette) -> list[Interaction]:
    return [i for i in cassette if i.delivery is not None]


def _edit(item: Interaction, change: Any) -> None:
    body = json.loads(item.request_body())
    change(body)
    item.request.body = json.dumps(body).encode()


def _capture_delivery(cassette: Cassette, scenario: str, status: str) -> Interaction:
    return next(
        i for i in _deliveries(cassette)
        if i.scenario == scenario and json.loads(i.request_body()).get("transaction_status")
        == status
    )  # fmt: skip


# -- record ---------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_record_keeps_deliveries_tagged_with_their_scenarios(recorded, provider) -> None:
    cassette = recorded[provider]
    kept = _deliveries(cassette)
    assert len(kept) > 10
    catalogue = {s.id for s in load_catalogue(provider)}
    assert {i.scenario for i in kept} <= catalogue
    assert f"{provider}.full-capture" in {i.scenario for i in kept}
    path = "/notifications" if provider == "midtrans" else "/callbacks"
    assert {(i.method, i.path, i.status) for i in kept} == {("POST", path, 200)}
    assert all(i.delivery["provider"] == provider for i in kept)
    stated = cassette.metadata["capture-conformance"]["deliveries"]
    assert stated == {"received": len(kept), "key": PLACEHOLDER_KEY[provider]}
    # vcrpy's own loader reads the cassette; the mark is an extra key, like ``scenario``.
    from vcr.serializers import yamlserializer

    raw = yamlserializer.deserialize(dumps(cassette))
    assert sum("delivery" in i for i in raw["interactions"]) == len(kept)


def test_a_delivery_follows_the_call_it_came_with(recorded) -> None:
    items = recorded["midtrans"].interactions
    first = next(n for n, i in enumerate(items) if i.delivery is not None)
    assert items[first - 1].path == "/v2/charge"
    assert items[first - 1].request.headers["X-Override-Notification"].endswith("/notifications")


def test_pivot_callbacks_carry_the_placeholder_key_and_settled_reads_are_tagged(recorded) -> None:
    cassette = recorded["pivot"]
    assert {dict(i.request_headers())["x-api-key"] for i in _deliveries(cassette)} == {
        "scrubbed-callback-key"
    }
    reads = [i for i in cassette if i.scenario == "pivot.deliveries"]
    assert reads
    assert {i.method for i in reads} <= {"GET", "POST"}
    assert CALLBACK_KEY not in dumps(cassette)


def test_a_served_midtrans_records_its_notifications_over_loopback(tmp_path: Path) -> None:
    out = tmp_path / "served.yaml"
    with served(create("midtrans").app) as url:
        code = main(["record", "midtrans", "--base-url", url, "--out", str(out),
                     "--server-key", SERVER_KEY, "--no-progress"])  # fmt: skip
    assert code == 0
    kept = _deliveries(load_cassette(out))
    assert kept
    assert all(i.host == "127.0.0.1" and i.delivery["signature"] == "re-signed" for i in kept)
    assert SERVER_KEY not in out.read_text()


def test_a_served_pivot_records_callbacks_with_callback_listen(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "pivot.yaml"
    sim = create(
        "pivot", callback_url=f"http://127.0.0.1:{port}/callbacks", callback_key=CALLBACK_KEY
    )
    with served(sim.app) as url:
        code = main(["record", "pivot", "--base-url", url, "--out", str(out), "--no-progress",
                     "--callback-listen", f"127.0.0.1:{port}", "--callback-key", CALLBACK_KEY,
                     "--delivery-timeout", "2"])  # fmt: skip
    assert code == 0
    cassette = load_cassette(out)
    assert _deliveries(cassette)
    assert CALLBACK_KEY not in out.read_text()
    assert lint([cassette], **KEYS).exit_code == 0


# -- scrubbing re-signs ------------------------------------------------------------------------
def test_scrubbing_re_signs_with_the_placeholder_key(recorded) -> None:
    for item in _deliveries(recorded["midtrans"]):
        body = json.loads(item.request_body())
        fields = (body["order_id"], body["status_code"], body["gross_amount"])
        assert body["signature_key"] == midtrans_signature(*fields, PLACEHOLDER_KEY["midtrans"])
        assert body["signature_key"] != midtrans_signature(*fields, SERVER_KEY)
        assert item.delivery["signature"] == "re-signed"


def test_a_wrong_signature_stays_wrong_after_scrubbing(tmp_path: Path) -> None:
    cassette = _record("midtrans", quirk="notification-signature-wrong")
    marks = {i.delivery["signature"] for i in _deliveries(cassette)}
    assert marks == {"re-signed-wrong"}
    report = replay("midtrans", [cassette])
    assert report.exit_code == 1
    assert "midtrans.notification.signature" in report.checks_failed()
    # With the placeholder key lint fails it too, naming the mistake it was made with.
    result = lint([cassette], **KEYS)
    messages = [str(v) for c in result.failed for v in c.errors]
    assert any("transaction_status in place of status_code" in m for m in messages)
    # Without a key the signature is not judged, but the note says what the recording saw.
    assert lint([cassette]).exit_code == 0
    assert any("did not verify when recorded" in n for n in lint([cassette]).notes)


# -- lint -----------------------------------------------------------------------------------
def test_lint_passes_recorded_deliveries(recorded, tmp_path: Path, capsys) -> None:
    paths = []
    for provider, cassette in recorded.items():
        paths.append(tmp_path / f"{provider}.yaml")
        paths[-1].write_text(dumps(cassette), encoding="utf-8")
    code = main(["cassettes", "lint", *map(str, paths), "--server-key", "scrubbed-server-key",
                 "--callback-key", "scrubbed-callback-key"])  # fmt: skip
    assert code == 0, capsys.readouterr().out
    result = lint(paths, **KEYS)
    assert sum(c.operation == "notification" for c in result.checked) == sum(
        len(_deliveries(c)) for c in recorded.values()
    )


def test_lint_fails_a_forged_signature_when_a_server_key_is_given(
    recorded, tmp_path: Path, capsys, monkeypatch
) -> None:
    cassette = _copy(recorded["midtrans"])
    _edit(_deliveries(cassette)[0], lambda b: b.update(signature_key="ab" * 64))
    path = tmp_path / "forged.yaml"
    path.write_text(dumps(cassette), encoding="utf-8")
    monkeypatch.setenv("MIDTRANS_SERVER_KEY", SERVER_KEY)  # a real key: never for re-signed ones
    assert main(["cassettes", "lint", str(path)]) == 0
    assert "give --server-key scrubbed-server-key" in capsys.readouterr().out
    assert main(["cassettes", "lint", str(path), "--server-key", "scrubbed-server-key"]) == 1
    out = capsys.readouterr().out
    assert "midtrans.notification.signature" in out
    assert out.count("[error]") == 1


def test_lint_fails_a_wrong_x_api_key(recorded) -> None:
    cassette = _copy(recorded["pivot"])
    item = _deliveries(cassette)[0]
    item.request.headers["x-api-key"] = "scrubbed-callback-key-2"
    assert lint([cassette]).exit_code == 0  # present: without the key that is all it can say
    failed = lint([cassette], **KEYS).failed
    assert [c.index for c in failed] == [cassette.interactions.index(item)]
    assert {v.rule for v in failed[0].errors} == {"pivot.notification.api-key"}
    del item.request.headers["x-api-key"]
    assert {v.rule for c in lint([cassette]).failed for v in c.errors} == {
        "pivot.notification.api-key"
    }


# -- replay ---------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_replay_re_checks_the_deliveries(recorded, provider) -> None:
    report = replay(provider, [recorded[provider]])
    assert report.exit_code == 0
    summary = next(r for r in report.results if r.id == f"{provider}.deliveries")
    assert summary.outcome.value == "passed"
    assert "received at the recording" in summary.note
    assert report.deliveries == len(_deliveries(recorded[provider]))


def test_replay_fails_a_tampered_notification(recorded, tmp_path: Path, capsys) -> None:
    cassette = _copy(recorded["midtrans"])
    _edit(
        _capture_delivery(cassette, "midtrans.full-capture", "capture"),
        lambda b: b.update(gross_amount="1.00"),  # the signature no longer fits the body
    )
    path = tmp_path / "tampered.yaml"
    path.write_text(dumps(cassette), encoding="utf-8")
    assert main(["check", "midtrans", "--cassette", str(path), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "midtrans.notification.signature" in out
    assert "midtrans.full-capture" in out


def test_replay_reports_a_capture_whose_delivery_is_missing(recorded) -> None:
    cassette = _copy(recorded["midtrans"])
    # What came after the capture (its capture notification, and the settlement): gone.
    after = [i for i in _deliveries(cassette) if i.scenario == "midtrans.full-capture"
             and json.loads(i.request_body())["transaction_status"] != "authorize"]  # fmt: skip
    assert after
    cassette.interactions = [i for i in cassette if i not in after]
    report = replay("midtrans", [cassette])
    assert report.exit_code == 1
    case = next(r for r in report.results if r.id == "midtrans.full-capture")
    [finding] = [f for f in case.findings if f.check == "midtrans.notification.delivered"]
    assert finding.message.startswith("the recording holds no notification")


def test_a_recording_without_deliveries_skips_the_check_with_a_note(recorded) -> None:
    cassette = _copy(recorded["pivot"])
    cassette.interactions = [i for i in cassette if i.delivery is None]
    del cassette.metadata["capture-conformance"]["deliveries"]
    report = replay("pivot", [cassette])
    assert report.exit_code == 0
    summary = next(r for r in report.results if r.id == "pivot.deliveries")
    assert summary.outcome.value == "skipped"
    assert "the recording kept none" in summary.note


# -- diff -----------------------------------------------------------------------------------
def _rules(old: Cassette, new: Cassette) -> dict[str, str]:
    return {c.rule: c.severity for c in diff(old, new).changes}


def test_diff_of_two_recordings_is_empty(recorded) -> None:
    assert diff(recorded["midtrans"], _record("midtrans")).changes == []


def test_diff_a_removed_delivery_is_breaking(recorded) -> None:
    new = _copy(recorded["pivot"])
    new.interactions.remove(_deliveries(new)[-1])
    assert _rules(recorded["pivot"], new) == {"delivery.removed": "breaking"}
    assert _rules(new, recorded["pivot"]) == {"delivery.added": "non-breaking"}


def test_diff_a_signature_scheme_change_is_breaking(recorded) -> None:
    new = _copy(recorded["midtrans"])
    item = _capture_delivery(new, "midtrans.full-capture", "capture")

    def resign(body: dict[str, Any]) -> None:  # over transaction_status, not status_code
        fields = (body["order_id"], body["transaction_status"], body["gross_amount"])
        body["signature_key"] = midtrans_signature(*fields, PLACEHOLDER_KEY["midtrans"])

    _edit(item, resign)
    [change] = diff(recorded["midtrans"], new).changes
    assert (change.rule, change.severity) == ("delivery.signature-scheme-changed", "breaking")
    assert "order_id + transaction_status + gross_amount" in change.new


def test_diff_a_pivot_callback_without_its_key_is_a_scheme_change(recorded) -> None:
    new = _copy(recorded["pivot"])
    del _deliveries(new)[0].request.headers["x-api-key"]
    assert _rules(recorded["pivot"], new) == {"delivery.signature-scheme-changed": "breaking"}


def test_diff_a_new_delivery_field_is_not_breaking(recorded) -> None:
    new = _copy(recorded["midtrans"])
    _edit(_deliveries(new)[0], lambda b: b.update(three_ds_version="2"))
    [change] = diff(recorded["midtrans"], new).changes
    assert (change.rule, change.severity, change.pointer) == (
        "field.added", "non-breaking", "/three_ds_version",
    )  # fmt: skip
    assert change.where.startswith("delivery ")
