"""Issue 17: answers agree with what is already known (facts, settled states, clock, the race)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conformance.receiver import simulator_target
from conformance.suite import SuiteOptions, run_suite
from conformance.suite._clock_checks import TOLERANCE, midtrans_problems, pivot_problems
from conformance.suite._facts import Facts, MidtransFacts, PivotFacts

NOW = datetime(2026, 1, 30, 4, 30, tzinfo=UTC)


def run(provider: str, only: tuple[str, ...], **options: object):
    with simulator_target(provider, deliveries="off", **options) as target:
        return run_suite(target, SuiteOptions(seed=7, examples=2, only=only))


def test_midtrans_facts_hold_answers_to_the_charge() -> None:
    facts = Facts("midtrans")
    facts.transactions["t1"] = MidtransFacts(
        order_id="order-123456", card="4811111111111114", charged={"bank": "bni"}
    )
    good = {"status_code": "200", "order_id": "order-123456", "masked_card": "48111111-1114",
            "bank": "BNI"}  # fmt: skip
    assert facts.judge_body("capture", good, "t1") == []
    bad = {**good, "order_id": "order-12", "masked_card": "41111111-1111", "bank": "bca"}
    pointers = {p.pointer for p in facts.judge_body("capture", bad, "t1")}
    assert pointers == {"/order_id", "/masked_card", "/bank"}
    # An error body names no transaction; an unknown transaction has no facts.
    assert facts.judge_body("capture", {"status_code": "412"}, "t1") == []
    assert facts.judge_body("capture", bad, "other") == []


def test_pivot_facts_keep_capture_ids_unique_and_histories_stable() -> None:
    facts = Facts("pivot")
    facts.sessions["s1"] = PivotFacts(reference="ref-1")
    capture = {"code": "00", "data": {"id": "c1", "paymentSessionClientReferenceId": "ref-1",
                                      "amount": {"value": 10, "currency": "IDR"},
                                      "status": "PENDING"}}  # fmt: skip
    assert facts.judge_body("capture", capture, "s1") == []
    again = facts.judge_body("capture", capture, "s1")
    assert [p.pointer for p in again] == ["/data/id"]  # the same id for a second capture
    history = [{"captureId": "c1", "capturedAmount": 10, "status": "SUCCESS"}]
    read = {"code": "00", "data": {"clientReferenceId": "ref-1",
                                   "chargeDetails": [{"captureHistories": history}]}}  # fmt: skip
    assert facts.judge_body("get-payment", read, "s1") == []
    history[0]["capturedAmount"] = 11
    assert facts.judge_body("get-payment", read, "s1")  # another amount than answered
    read["data"]["chargeDetails"][0]["captureHistories"] = []
    assert any("gone" in p.message for p in facts.judge_body("get-payment", read, "s1"))


def test_the_clock_reads_midtrans_as_gmt7_and_tolerates_skew() -> None:
    assert midtrans_problems({"transaction_time": "2026-01-30 11:30:00"}, NOW, fresh=True) == []
    skewed = NOW + TOLERANCE / 2
    assert midtrans_problems({"transaction_time": "2026-01-30 11:30:00"}, skewed, fresh=True) == []
    utc = midtrans_problems({"transaction_time": "2026-01-30 04:30:00"}, NOW, fresh=True)
    assert [p.pointer for p in utc] == ["/transaction_time"]
    # An old transaction read later is not "just made".
    assert midtrans_problems({"transaction_time": "2026-01-20 11:30:00"}, NOW, fresh=False) == []


def test_the_clock_reads_pivot_as_utc_in_order() -> None:
    body = {"code": "00", "data": {"createdAt": "2026-01-30T04:29:59.123456789Z",
                                   "updatedAt": "2026-01-30T04:30:00Z"}}  # fmt: skip
    assert pivot_problems("capture", body, NOW) == []
    body["data"]["updatedAt"] = "2026-01-30T04:29:00Z"
    assert [p.pointer for p in pivot_problems("capture", body, NOW)] == ["/data/updatedAt"]
    body["data"] = {"createdAt": "1970-01-01T00:00:00Z", "updatedAt": "1970-01-01T00:00:00Z"}
    assert any("placeholder" in p.message for p in pivot_problems("capture", body, NOW))


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_the_new_cases_pass_against_the_conformant_simulators(provider) -> None:
    cases = tuple(f"{provider}.{name}" for name in
                  ("transaction-facts", "settled-end-state", "capture-race"))  # fmt: skip
    report = run(provider, cases)
    assert [(r.id, r.outcome.value) for r in report.results] == [(c, "passed") for c in cases]


@pytest.mark.parametrize(
    ("provider", "quirk", "check"),
    [
        ("midtrans", "capture-race-window", "midtrans.capture-race"),
        ("pivot", "capture-race-window", "pivot.capture-race"),
        ("pivot", "release-ends-paid", "pivot.settled-end-state"),
    ],
)
def test_only_the_new_case_catches_its_quirk(provider, quirk, check) -> None:
    report = run(provider, (), quirk=quirk)
    assert report.exit_code == 1
    assert report.checks_failed() == {check}


def test_pivot_settles_by_polling_when_there_is_no_clock(monkeypatch) -> None:
    from conformance.suite import agreement

    monkeypatch.setattr(agreement, "has_clock", lambda ctx: False)
    report = run("pivot", ("pivot.settled-end-state",), settle_delay=0.3)
    assert report.exit_code == 0, [f.message for _, f in report.findings()]
    monkeypatch.setattr(agreement, "SETTLE_BOUND", 0.2)
    report = run("pivot", ("pivot.settled-end-state",), settle_delay=60)
    assert report.checks_failed() == {"pivot.settled-end-state"}  # never settled: a finding
    assert any("had not settled" in f.message for _, f in report.findings())


def test_the_race_is_not_run_on_authorizations_of_someone_else() -> None:
    from conformance.suite._setup import Authorization

    with simulator_target("pivot", deliveries="off") as target:
        options = SuiteOptions(seed=1, only=("pivot.capture-race",),
                               authorizations=(Authorization("x", 1000),))  # fmt: skip
        report = run_suite(target, options)
    (result,) = report.results
    assert result.outcome.value == "skipped"
    assert "authorizations the kit makes itself" in result.note
