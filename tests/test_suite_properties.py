"""The property-based and stateful runs of the suite, against the reference simulators.

* the conformant simulators pass every run, in both profiles, Midtrans with
  both HTTP-status modes and Pivot with delayed and immediate settlement;
* each behaviour quirk the runs are meant to catch is caught, under the right
  check id, with the minimal example as evidence;
* the same seed sends the same requests; another seed sends others;
* hypothesis really shrinks: a target that refuses captures from some amount
  up is reported with exactly that amount.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.simulators import create
from conformance.suite import (
    Authorization,
    CaseResult,
    Finding,
    Kind,
    Outcome,
    Report,
    SuiteOptions,
    Target,
    _hyp_common,
    run_suite,
)
from conformance.suite._hyp_mutations import DROP, Cut, Near, apply, mutation_kinds
from conformance.suite.properties import InvalidCaptures
from conformance.validator import Validator

CASES = ("valid-captures", "invalid-captures", "capture-lifecycle")
#: Operations whose requests the runs build themselves (setup requests carry
#: run-unique order / request ids by design and are left out of comparisons).
OWN_OPERATIONS = {"capture", "status", "get-payment"}


def case_ids(provider: str) -> tuple[str, ...]:
    return tuple(f"{provider}.{case}" for case in CASES)


def run(
    provider: str,
    *,
    profile: str = "documented",
    seed: int = 7,
    examples: int = 10,
    app: ASGIApp | None = None,
    wrap: Callable[[Target], None] | None = None,
    time_limit: float = 120.0,
    **simulator: Any,
) -> Report:
    """Only the property and stateful cases of *provider*, against a fresh simulator."""
    with Target(provider, app=app or create(provider, **simulator).app, profile=profile) as target:
        if wrap is not None:
            wrap(target)
        options = SuiteOptions(
            profile=profile,
            seed=seed,
            examples=examples,
            only=case_ids(provider),
            time_limit=time_limit,
        )
        return run_suite(target, options)


def findings_of(report: Report, check: str) -> list[tuple[CaseResult, Finding]]:
    return [(result, f) for result, f in report.findings() if f.check == check]


def sent_body(finding: Finding) -> Any:
    assert finding.exchange is not None
    return json.loads(finding.exchange.request.content)


# -- conformant simulators pass ----------------------------------------------------------

CONFORMANT = [
    ("midtrans", {"http_status": "mirror"}),
    ("midtrans", {"http_status": "always-200"}),
    ("pivot", {"settle": "delayed"}),
    ("pivot", {"settle": "immediate"}),
]


@pytest.mark.parametrize("profile", ["documented", "observed"])
@pytest.mark.parametrize(("provider", "simulator"), CONFORMANT)
def test_conformant_simulators_pass_every_run(
    provider: str, simulator: dict[str, Any], profile: str
) -> None:
    report = run(provider, profile=profile, **simulator)
    assert [r.id for r in report.results] == list(case_ids(provider))
    assert [r.kind for r in report.results] == [Kind.PROPERTY, Kind.PROPERTY, Kind.STATEFUL]
    assert [(f.check, f.message) for _, f in report.findings()] == []
    assert all(r.outcome is Outcome.PASSED and r.note == "" for r in report.results)
    assert all(r.exchanges > 10 for r in report.results)
    assert report.exit_code == 0


def test_pivot_captures_that_settle_during_the_run_still_pass() -> None:
    # Captures settle 2 ms after they are made: reads see PENDING and SUCCESS mixed.
    report = run("pivot", settle_delay=0.002, examples=20)
    assert report.checks_failed() == set()


# -- quirks are caught --------------------------------------------------------------------

QUIRKS = [
    # provider, quirk, profile, check, what the last step of a stateful example is
    (
        "midtrans",
        "double-capture-accepted",
        "documented",
        "stateful.capture-after-final",
        "capture",
    ),
    ("midtrans", "over-capture-accepted", "documented", "stateful.over-capture", "capture_more"),
    ("midtrans", "decimal-amount-accepted", "documented", "invalid-captures", None),
    ("midtrans", "status-not-updated", "documented", "stateful.status-agrees", "capture"),
    ("pivot", "over-capture-accepted", "documented", "stateful.over-capture", "capture_more"),
    ("pivot", "capture-after-release-accepted", "documented", "stateful.capture-after-final", ""),
    ("pivot", "decimal-idr-accepted", "observed", "invalid-captures", None),
    ("pivot", "history-not-updated", "documented", "stateful.status-agrees", "capture"),
]


@pytest.mark.parametrize(("provider", "quirk", "profile", "check", "last"), QUIRKS)
def test_behaviour_quirks_are_caught_with_a_minimal_example(
    provider: str, quirk: str, profile: str, check: str, last: str | None
) -> None:
    report = run(provider, profile=profile, quirk=quirk)
    check_id = f"{provider}.{check}"
    assert check_id in report.checks_failed()
    found = findings_of(report, check_id)
    assert len(found) == 1  # one finding per failed property, however often it failed
    result, finding = found[0]
    assert result.outcome is Outcome.FAILED
    assert finding.example
    assert finding.source is not None
    assert finding.exchange is not None
    assert finding.exchange.response is not None
    if last is None:  # a property: the example is the request body that was sent
        assert sent_body(finding) == finding.example
    else:  # the stateful run: the shrunk steps, as hypothesis prints them
        steps = finding.example
        machine = "MidtransCaptureLifecycle" if provider == "midtrans" else "PivotCaptureLifecycle"
        assert steps[0] == f"state = {machine}()"
        assert "first_authorization(amount=10000)" in steps[1]
        assert steps[-1].startswith(f"state.{last}")
        assert len(steps) <= 5
    if quirk == "capture-after-release-accepted":
        # The remainder is released before the capture that should have been refused.
        released = [s for s in finding.example[:-1] if "release(" in s or "release=True" in s]
        assert released
        assert finding.source.id == "pivot.release-remaining"


def test_decimal_amounts_are_reported_with_the_simplest_decimal() -> None:
    # Tried first as explicit examples (one per mutation kind), already minimal.
    midtrans = run("midtrans", quirk="decimal-amount-accepted")
    (_, finding), *_ = findings_of(midtrans, "midtrans.invalid-captures")
    assert finding.example == {
        "transaction_id": finding.example["transaction_id"],
        "gross_amount": 1.0,
    }
    assert finding.source is not None
    assert finding.source.id == "midtrans.gross-amount-request"

    pivot = run("pivot", profile="observed", quirk="decimal-idr-accepted")
    (_, finding), *_ = findings_of(pivot, "pivot.invalid-captures")
    assert finding.example == {
        "releaseRemainingAmount": False,
        "amount": {"value": 1.5, "currency": "IDR"},
    }
    assert finding.source is not None
    assert finding.source.id == "pivot.observed-capture-rules"


def test_decimal_idr_is_not_required_to_be_refused_in_the_documented_profile() -> None:
    # "IDR has no fraction" is an observed rule only.
    report = run("pivot", profile="documented", quirk="decimal-idr-accepted")
    assert "pivot.invalid-captures" not in report.checks_failed()


def test_the_stateful_example_is_the_shrunk_sequence() -> None:
    report = run("pivot", quirk="over-capture-accepted")
    (_, finding), *_ = findings_of(report, "pivot.stateful.over-capture")
    assert finding.example == [
        "state = PivotCaptureLifecycle()",
        "sessions_0 = state.first_authorization(amount=10000)",
        "state.capture_more(extra=1)",
    ]
    assert sent_body(finding) == {
        "releaseRemainingAmount": False,
        "amount": {"value": 10001, "currency": "IDR"},
    }


class RefuseFrom:
    """Wraps the Midtrans simulator: a capture naming ``gross_amount >= threshold`` is
    refused with body "412", anything else goes through unchanged."""

    def __init__(self, app: ASGIApp, threshold: int) -> None:
        self.app = app
        self.threshold = threshold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v2/capture":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            amount = json.loads(raw).get("gross_amount")
        except (ValueError, AttributeError):
            amount = None
        if isinstance(amount, int) and amount >= self.threshold:
            body = json.dumps({"status_code": "412", "status_message": "refused"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 412,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)


def test_a_failing_property_is_shrunk_to_the_boundary() -> None:
    threshold = 23_456
    app = RefuseFrom(create("midtrans").app, threshold)
    report = run("midtrans", app=app, examples=30)
    found = findings_of(report, "midtrans.valid-captures")
    assert len(found) == 1
    _, finding = found[0]
    assert finding.example["gross_amount"] == threshold
    assert sent_body(finding) == finding.example
    assert finding.expected == 'body status_code "200" with transaction_status "capture"'
    assert finding.actual["status_code"] == "412"


# -- reproducibility ----------------------------------------------------------------------


def recorder(into: list[tuple[str, str, str, Any]]) -> Callable[[Target], None]:
    def wrap(target: Target) -> None:
        send = target.send

        def recording(operation: str, request: httpx.Request) -> Any:
            if operation in OWN_OPERATIONS:
                into.append((operation, request.method, request.url.path, request.content))
            return send(operation, request)

        target.send = recording  # type: ignore[method-assign]

    return wrap


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_the_same_seed_sends_the_same_requests(provider: str) -> None:
    first: list[tuple[str, str, str, Any]] = []
    second: list[tuple[str, str, str, Any]] = []
    other: list[tuple[str, str, str, Any]] = []
    run(provider, seed=11, wrap=recorder(first))
    run(provider, seed=11, wrap=recorder(second))
    run(provider, seed=12, wrap=recorder(other))
    assert len(first) > 50
    assert first == second
    assert first != other


def test_the_same_seed_finds_the_same_minimal_example() -> None:
    one = run("midtrans", seed=3, quirk="double-capture-accepted")
    two = run("midtrans", seed=3, quirk="double-capture-accepted")
    check = "midtrans.stateful.capture-after-final"
    assert [f.example for _, f in findings_of(one, check)] == [
        f.example for _, f in findings_of(two, check)
    ]


# -- limits -------------------------------------------------------------------------------


def test_shrinking_cut_short_still_reports_the_smallest_failure_so_far(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_hyp_common, "SHRINK_SECONDS", 0.0)
    report = run("midtrans", quirk="over-capture-accepted")
    found = findings_of(report, "midtrans.stateful.over-capture")
    assert len(found) == 1
    result, finding = found[0]
    assert result.note == "shrinking stopped after 0 s"
    steps = finding.example
    assert steps[0] == "state = MidtransCaptureLifecycle()"
    assert steps[-1].startswith("state.capture_more(")


def test_the_time_limit_stops_a_run_where_it_stands() -> None:
    def slow(target: Target) -> None:
        import time

        send = target.send

        def sleepy(operation: str, request: httpx.Request) -> Any:
            time.sleep(0.05)
            return send(operation, request)

        target.send = sleepy  # type: ignore[method-assign]

    # 1.5 s: room for a fresh xdist worker's first imports before the first case starts,
    # far too little for the first case's runs (each example sends twice, 50 ms each).
    report = run("pivot", wrap=slow, time_limit=1.5)
    assert report.interrupted is not None
    stopped = [r for r in report.results if r.note == "stopped by the time limit"]
    assert len(stopped) == 1
    assert report.checks_failed() == set()


def test_a_skipped_invariant_lets_the_run_find_the_next_one() -> None:
    with Target("midtrans", app=create("midtrans", quirk="double-capture-accepted").app) as t:
        options = SuiteOptions(
            seed=1,
            only=("midtrans.capture-lifecycle",),
            skip=("midtrans.stateful.capture-after-final",),
        )
        report = run_suite(t, options)
    # Two full captures of the same authorization: the second is also an over-capture.
    assert report.checks_failed() == {"midtrans.stateful.over-capture"}


# -- the mutations ------------------------------------------------------------------------


def kind_names(provider: str) -> set[str]:
    validator = Validator(provider)
    return {k.name for k in mutation_kinds(validator.spec, capture_schema(validator))}


def capture_schema(validator: Validator) -> str:
    uri = validator.spec.operation("capture").request_schema
    assert uri is not None
    return uri


def test_mutations_come_from_the_request_schema() -> None:
    assert {
        "body: type:array",
        "body: malformed JSON",
        "transaction_id: missing",
        "transaction_id: type:integer",
        "transaction_id: type:null",
        "transaction_id: minLength",
        "transaction_id: maxLength",
        "gross_amount: type:string",
        "gross_amount: exclusiveMinimum",
        "gross_amount: maximum",
        "gross_amount: decimal",
    } <= kind_names("midtrans")
    assert {
        "releaseRemainingAmount: missing",
        "releaseRemainingAmount: type:string",
        "releaseRemainingAmount: type:null",
        "amount: type:string",
        "amount.value: missing",
        "amount.value: type:string",
        "amount.value: maximum",
        "amount.value: exclusiveMinimum",  # from the observed allOf item
        "amount.value: decimal",
        "amount.currency: pattern",
    } <= kind_names("pivot")


def test_no_unknown_fields_and_no_null_for_optional_fields() -> None:
    names = kind_names("midtrans") | kind_names("pivot")
    assert not any("additional" in n or "unknown" in n for n in names)
    assert "gross_amount: type:null" not in names
    assert "amount: type:null" not in names


@pytest.mark.parametrize(
    ("provider", "profile", "kept", "left_out"),
    [
        ("pivot", "documented", "amount.currency: pattern", "amount.value: decimal"),
        ("pivot", "documented", "amount.value: maximum", "amount.value: exclusiveMinimum"),
        ("pivot", "documented", "releaseRemainingAmount: missing", "amount: missing"),
        ("pivot", "observed", "amount.value: decimal", None),
        ("pivot", "observed", "amount.value: exclusiveMinimum", None),
        ("pivot", "observed", "amount: missing", None),
        ("midtrans", "documented", "gross_amount: decimal", "gross_amount: missing"),
    ],
)
def test_only_mutations_the_profile_refuses_count(
    provider: str, profile: str, kept: str, left_out: str | None
) -> None:
    names = {
        k.name for k, _ in InvalidCaptures(provider).kinds(Validator(provider, profile=profile))
    }
    assert kept in names
    if left_out is not None:
        assert left_out not in names


@pytest.mark.parametrize("profile", ["documented", "observed"])
@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_every_explicit_example_breaks_the_contract(provider: str, profile: str) -> None:
    validator = Validator(provider, profile=profile)
    case = InvalidCaptures(provider)
    sample = Authorization("be4f3e44-d6ee-4355-8c64-c1d1dc7f4590", 100_000)
    kinds = case.kinds(validator)
    assert len(kinds) > 15
    for kind, base in kinds:
        body = apply(case.valid_body(sample, *base), kind, kind.canonical, 100_000, json.dumps)
        if isinstance(kind.canonical, Cut):  # not JSON at all: judged on the raw bytes
            path = "/v2/capture" if provider == "midtrans" else f"/v2/payments/{sample.id}/capture"
            body = httpx.Request(
                "POST",
                f"https://sandbox.invalid{path}",
                content=body.text.encode(),
                headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
            )
        assert case.violations(validator, body), kind.name


def test_apply_sets_drops_and_resolves_relative_values() -> None:
    validator = Validator("pivot")
    kinds = {k.name: k for k in mutation_kinds(validator.spec, capture_schema(validator))}
    body = {"releaseRemainingAmount": True, "amount": {"value": 5, "currency": "IDR"}}
    dropped = apply(body, kinds["amount.currency: missing"], DROP, 100_000, json.dumps)
    assert dropped == {"releaseRemainingAmount": True, "amount": {"value": 5}}
    near = apply(body, kinds["amount.value: decimal"], Near(10, 0.5), 100_000, json.dumps)
    assert near["amount"]["value"] == 10_000.5
    assert body["amount"] == {"value": 5, "currency": "IDR"}  # the valid body is left alone


@pytest.mark.parametrize(
    ("provider", "body", "over"),
    [
        ("midtrans", {"transaction_id": "t", "gross_amount": 9223372036854775808}, True),
        ("midtrans", {"transaction_id": "t", "gross_amount": 100_001.5}, True),
        ("midtrans", {"transaction_id": "t", "gross_amount": 100_000}, False),
        ("midtrans", {"transaction_id": "t", "gross_amount": "999999999"}, False),
        ("midtrans", {"transaction_id": "t", "gross_amount": True}, False),
        ("pivot", {"amount": {"value": 10**18, "currency": "IDR"}}, True),
        ("pivot", {"amount": {"value": -5, "currency": "IDR"}}, False),
        ("pivot", {"amount": 10**18}, False),
        ("pivot", "not an object", False),
    ],
)
def test_an_invalid_amount_above_the_authorization_is_also_an_over_capture(
    provider: str, body: Any, over: bool
) -> None:
    # A too-large amount breaks the schema and asks for more than is authorized: a
    # server may refuse it as either (Midtrans 400 or 412).
    case = InvalidCaptures(provider)
    assert case.over_capture(body, Authorization("t", 100_000)) is over
