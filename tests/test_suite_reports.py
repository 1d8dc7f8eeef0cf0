"""The suite's reports: JSON (against its schema), JUnit XML and the console, all redacted."""

from __future__ import annotations

import base64
import io
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import jsonschema
import pytest
from rich.console import Console

from conformance.reports.console import ConsoleReporter, render, verdict
from conformance.reports.json_report import exit_code, report_schema, to_json, write_json
from conformance.reports.junit import known_rules, to_junit, write_junit
from conformance.simulators import create
from conformance.suite import (
    CaseResult,
    Exchange,
    Finding,
    Kind,
    Outcome,
    Report,
    SuiteOptions,
    Target,
    all_cases,
    run_suite,
)
from conformance.violations import MISSING, Severity, Source, Violation

SERVER_KEY = "SB-Mid-server-PLANTED-4f1d"
CLIENT_KEY = "SB-Mid-client-PLANTED-77aa"
MERCHANT_SECRET = "pivot-merchant-secret-PLANTED-91"
MERCHANT_ID = "merchant-id-PLANTED-12"
ACCESS_TOKEN = "eyJ-access-token-PLANTED-5c3"
TOKEN_ID = "481111-1114-tokenid-PLANTED-0a"
CARD_NUMBER = "4811111111111114"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
SECRETS = (
    SERVER_KEY,
    CLIENT_KEY,
    MERCHANT_SECRET,
    MERCHANT_ID,
    ACCESS_TOKEN,
    TOKEN_ID,
    CARD_NUMBER,
    BASIC.split()[1],
)
QUOTE = "gross_amount String Total amount of transaction"
GROSS = "midtrans.capture-response.gross-amount"
SOURCE = Source("midtrans.capture-response", "documented", "seeds/midtrans.md#capture", QUOTE)


def midtrans_exchange() -> Exchange:
    """A capture whose request carries every kind of Midtrans secret."""
    body = {"transaction_id": "t-1", "gross_amount": 145000, "token_id": TOKEN_ID,
            "card_number": CARD_NUMBER}  # fmt: skip
    request = httpx.Request(
        "POST",
        "https://api.sandbox.midtrans.com/v2/capture",
        params={"client_key": CLIENT_KEY},
        headers={"Authorization": BASIC, "Content-Type": "application/json"},
        content=json.dumps(body).encode(),
    )
    response = httpx.Response(
        200,
        json={"status_code": "200", "transaction_id": "t-1", "gross_amount": 145000.5,
              "token_id": TOKEN_ID},
        request=request,
    )  # fmt: skip
    violation = Violation(GROSS, "gross_amount is not a string", "/gross_amount", "string",
                          145000.5, source=SOURCE)  # fmt: skip
    return Exchange("capture", request, response, elapsed=0.01, violations=[violation])


def pivot_exchanges() -> tuple[Exchange, Exchange]:
    """An access-token call (merchant secret in, token out) and a call that got no answer."""
    token_request = httpx.Request(
        "POST",
        "https://api-stg.pivot-payment.com/v1/access-token",
        headers={"X-MERCHANT-ID": MERCHANT_ID, "X-MERCHANT-SECRET": MERCHANT_SECRET,
                 "Content-Type": "application/json"},
        content=b'{"grantType": "client_credentials"}',
    )  # fmt: skip
    token_response = httpx.Response(
        200, json={"code": "00", "data": {"accessToken": ACCESS_TOKEN}}, request=token_request
    )
    capture = httpx.Request(
        "POST",
        "https://api-stg.pivot-payment.com/v2/payments/p-1/capture",
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
        content=b'{"releaseRemainingAmount": true}',
    )
    return (
        Exchange("access-token", token_request, token_response),
        # a transport error that echoes a secret: scrubbed all the same
        Exchange("capture", capture, None, error=f"ConnectError: refused for {ACCESS_TOKEN}"),
    )


def midtrans_report() -> Report:
    exchange = midtrans_exchange()
    failed = CaseResult("midtrans.capture.full", Kind.SCENARIO, "Full capture", exchanges=1)
    failed.fail(Finding.from_violation(exchange.violations[0], exchange))
    failed.fail(
        Finding(
            "midtrans.capture.full",
            "the capture answer lacks a field",
            expected="transaction_status present",
            actual=MISSING,
            exchange=exchange,
            example={"gross_amount": 1, "token_id": TOKEN_ID},
            source=SOURCE,
        )
    )
    warned = CaseResult("midtrans.property.capture", Kind.PROPERTY, "Capture amounts", exchanges=1)
    warned.fail(
        Finding(
            "midtrans.masked-card.full-pan",
            "advice only",
            expected="masked",
            actual={"card_number": CARD_NUMBER, "ratio": math.nan},
            severity=Severity.WARNING,
            exchange=exchange,
        )
    )
    skipped = CaseResult(
        "midtrans.stateful", Kind.STATEFUL, "Lifecycle", Outcome.SKIPPED, note="time limit reached"
    )
    passed = CaseResult("midtrans.capture.partial", Kind.SCENARIO, "Partial", exchanges=2)
    return Report(
        "midtrans", "in-process midtrans simulator", "documented", 1, 10,
        [failed, warned, skipped, passed], duration=1.25,
    )  # fmt: skip


def pivot_report() -> Report:
    token, refused = pivot_exchanges()
    errored = CaseResult(
        "pivot.capture.full", Kind.SCENARIO, "Full capture", Outcome.ERROR, exchanges=2,
        note="the target refused the setup",
    )  # fmt: skip
    errored.findings.append(
        Finding(
            "pivot.transport",
            f"no answer: {refused.error}",
            expected="an HTTP answer",
            actual=refused.error,
            exchange=refused,
        )
    )
    errored.findings.append(
        Finding(
            "pivot.request.merchant-credentials",
            "merchant credentials look odd",
            severity=Severity.WARNING,
            actual=MERCHANT_SECRET,  # a raw secret value: the redactor knows it from the exchange
            exchange=token,
        )
    )
    return Report(
        "pivot", "in-process pivot simulator", "observed", 4294967295, 3, [errored], 0.5,
        interrupted="time limit of 1 s reached",
    )  # fmt: skip


def reports() -> list[Report]:
    return [midtrans_report(), pivot_report()]


COMMAND = f"capture-conformance run midtrans --server-key {SERVER_KEY} --client-key={CLIENT_KEY}"


def json_text(tmp_path: Path) -> str:
    path = tmp_path / "report.json"
    write_json(reports(), path, command=COMMAND)
    return path.read_text(encoding="utf-8")


def junit_text(tmp_path: Path) -> str:
    path = tmp_path / "junit.xml"
    write_junit(reports(), path)
    return path.read_text(encoding="utf-8")


# -- JSON ---------------------------------------------------------------------------------


def test_report_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_json_report_validates_against_its_schema(tmp_path: Path) -> None:
    document = json.loads(json_text(tmp_path))  # strict JSON: no NaN slipped through
    jsonschema.Draft202012Validator(report_schema()).validate(document)


def test_json_report_content(tmp_path: Path) -> None:
    document = json.loads(json_text(tmp_path))
    assert document["tool"]["name"] == "capture-conformance"
    assert document["exit_code"] == 2  # max of midtrans (1) and pivot (2)
    assert "--server-key <redacted>" in document["command"]
    midtrans, pivot = document["runs"]
    assert midtrans["summary"] == {
        "cases": 4, "passed": 2, "failed": 1, "error": 0, "skipped": 1, "findings": 3,
        "errors": 2, "warnings": 1, "exchanges": 4,
    }  # fmt: skip
    assert [c["outcome"] for c in midtrans["cases"]] == ["failed", "passed", "skipped", "passed"]
    assert midtrans["checks_failed"] == [GROSS, "midtrans.capture.full"]
    first, second = midtrans["cases"][0]["findings"]
    assert first["check"] == GROSS
    assert (first["expected"], first["actual"], first["pointer"]) == (
        "string",
        145000.5,
        "/gross_amount",
    )
    assert first["source"] == {
        "id": SOURCE.id,
        "kind": "documented",
        "ref": SOURCE.ref,
        "quote": QUOTE,
    }
    assert first["request"]["method"] == "POST"
    assert first["request"]["headers"]["authorization"] == "<redacted>"
    assert first["response"]["status"] == 200
    assert first["curl"].startswith('curl -sS -X POST -u "$MIDTRANS_SERVER_KEY:"')
    assert first["replay"] == "--seed 1 --examples 10 --profile documented"
    assert second["actual"] == "<missing>"
    assert second["example"] == {"gross_amount": 1, "token_id": "<redacted>"}
    warning = midtrans["cases"][1]["findings"][0]
    assert warning["actual"] == {"card_number": "<redacted>", "ratio": "nan"}
    transport = pivot["cases"][0]["findings"][0]
    assert transport["response"] is None
    assert transport["transport_error"] == "ConnectError: refused for <redacted>"
    assert pivot["interrupted"] == "time limit of 1 s reached"
    assert pivot["replay"] == "--seed 4294967295 --examples 3 --profile observed"


def test_json_response_body_is_cut_at_4_kb() -> None:
    request = httpx.Request("GET", "https://api.sandbox.midtrans.com/v2/t-1/status")
    response = httpx.Response(500, content=b"x" * 10_000, request=request)
    case = CaseResult("midtrans.status", Kind.SCENARIO, "Status", exchanges=1)
    case.fail(
        Finding("midtrans.status", "not JSON", exchange=Exchange("status", request, response))
    )
    report = Report("midtrans", "t", "documented", 1, 1, [case])
    document = to_json([report], command="run")
    body = document["runs"][0]["cases"][0]["findings"][0]["response"]["body"]
    assert body.endswith("…")
    assert len(body) <= 4097
    jsonschema.Draft202012Validator(report_schema()).validate(document)


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_json_report_of_a_real_run_validates(provider: str) -> None:
    app = create(provider).app
    with Target(provider, app=app) as target:
        report = run_suite(target, SuiteOptions(seed=1, examples=2, time_limit=60))
    document = to_json([report], command=f"run {provider} --seed 1")
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["exit_code"] == report.exit_code
    assert len(document["runs"][0]["cases"]) == len(report.results)


# -- secrets ------------------------------------------------------------------------------


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    outputs = {
        "json": json_text(tmp_path),
        "junit": junit_text(tmp_path),
        "console": render(reports(), width=100),
    }
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into the {name} report"
        assert "<redacted>" in text.replace("&lt;", "<").replace("&gt;", ">"), name


def test_redaction_keeps_the_evidence_readable() -> None:
    text = render(reports(), width=100)
    assert "client_key=<redacted>" in text
    assert "authorization: <redacted>" in text
    assert '"token_id": "<redacted>"' in text
    assert "x-merchant-secret: <redacted>" in text
    assert '"accessToken": "<redacted>"' in text


# -- JUnit --------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_case_and_per_rule(tmp_path: Path) -> None:
    root = ET.fromstring(junit_text(tmp_path))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "capture-conformance.midtrans",
        "capture-conformance.pivot",
    ]
    for suite, report in zip(suites, reports(), strict=True):
        cases = suite.findall("testcase")
        by_case = [c for c in cases if not c.get("classname", "").endswith(".rule")]
        rules = [c for c in cases if c.get("classname") == f"{report.provider}.rule"]
        assert [c.get("name") for c in by_case] == [r.id for r in report.results]
        assert [c.get("classname") for c in by_case] == [
            f"{report.provider}.{r.kind.value}" for r in report.results
        ]
        assert sorted(c.get("name", "") for c in rules) == sorted(
            known_rules(report.provider, report.profile)
        )
        assert len(cases) == len(report.results) + len(rules)


def test_junit_fails_exactly_the_rules_with_error_findings(tmp_path: Path) -> None:
    midtrans = ET.fromstring(junit_text(tmp_path)).findall("testsuite")[0]
    rules = midtrans.findall("testcase[@classname='midtrans.rule']")
    failing = {c.get("name") for c in rules if c.find("failure") is not None}
    # the warning on midtrans.masked-card.full-pan fails no rule; midtrans.capture.full is a case
    assert failing == {GROSS}
    failure = next(c for c in rules if c.get("name") == GROSS).find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert (
        message == f"{GROSS}: gross_amount is not a string (expected 'string', received 145000.5)"
    )
    details = failure.text or ""
    for needed in (QUOTE, "POST https://api.sandbox.midtrans.com/v2/capture", "curl -sS",
                   "HTTP 200 OK", "replay with: --seed 1 --examples 10"):  # fmt: skip
        assert needed in details


def test_junit_outcomes_and_counts(tmp_path: Path) -> None:
    root = ET.fromstring(junit_text(tmp_path))
    midtrans, pivot = root.findall("testsuite")
    case = {c.get("name"): c for c in midtrans.findall("testcase")}
    full = case["midtrans.capture.full"].find("failure")
    assert full is not None
    assert full.get("message", "").endswith("(+1 more)")
    assert "the capture answer lacks a field" in (full.text or "")
    assert "example:" in (full.text or "")
    skipped = case["midtrans.stateful"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "time limit reached"
    assert case["midtrans.capture.partial"].find("*") is None
    errored = pivot.find("testcase[@name='pivot.capture.full']/error")
    assert errored is not None
    assert errored.get("message") == "the target refused the setup"
    # pivot ran in the observed profile: its observed-only rule is not skipped there
    assert pivot.find("testcase[@name='pivot.capture-request.idr-decimal']/skipped") is None
    for element in [*root.findall("testsuite"), root]:
        testcases = list(element.iter("testcase"))
        assert int(element.get("tests", "")) == len(testcases)
        for kind, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(element.get(attr, "")) == sum(t.find(kind) is not None for t in testcases)
    assert int(midtrans.get("failures", "")) == 2  # the failed case and the failing rule


def test_junit_skips_rules_of_the_other_profile() -> None:
    rules = known_rules("pivot", "documented")
    assert rules["pivot.capture-request.idr-decimal"] is False  # a named observed-only rule
    assert rules["pivot.capture-request.amount"] is True  # an x-rule of the documented schema
    assert known_rules("pivot", "observed")["pivot.capture-request.idr-decimal"] is True
    assert "midtrans.capture-response.transaction-id-echo" in known_rules("midtrans", "documented")
    case = CaseResult("pivot.capture.full", Kind.SCENARIO, "Full", exchanges=1)
    root = to_junit([Report("pivot", "t", "documented", 1, 1, [case])])
    skipped = root.find(".//testcase[@name='pivot.capture-request.idr-decimal']/skipped")
    assert skipped is not None
    assert "observed profile" in skipped.get("message", "")


def test_junit_survives_characters_xml_cannot_hold() -> None:
    case = CaseResult("midtrans.x", Kind.SCENARIO, "X")
    case.fail(Finding("midtrans.x", "bad byte \x00 here", actual="\x1b[31m"))
    root = to_junit([Report("midtrans", "t", "documented", 1, 1, [case])])
    ET.fromstring(ET.tostring(root))


# -- console ------------------------------------------------------------------------------


def test_console_shows_each_finding_with_its_evidence() -> None:
    text = render(reports(), width=100)
    assert "\x1b" not in text
    assert f"FAIL {GROSS}  in midtrans.capture.full" in text
    assert "gross_amount is not a string" in text
    assert "expected:    'string'" in text
    assert "received:    145000.5" in text
    assert "received:    <missing>" in text
    assert "at:          /gross_amount" in text
    assert f'source:      documented: "{QUOTE}"' in text
    assert (
        "request:     POST https://api.sandbox.midtrans.com/v2/capture?client_key=<redacted>"
        in text
    )
    assert "response:    HTTP 200 OK" in text
    assert "example:     {'gross_amount': 1, 'token_id': '<redacted>'}" in text
    assert 'curl:        curl -sS -X POST -u "$MIDTRANS_SERVER_KEY:"' in text
    assert "replay with: --seed 1 --examples 10 --profile documented" in text
    assert "WARN midtrans.masked-card.full-pan" in text
    assert "no answer:   ConnectError: refused for <redacted>" in text


def test_console_summary_and_verdicts() -> None:
    text = render(reports(), width=120)
    lines = text.splitlines()
    row = next(line for line in lines if line.strip().startswith("midtrans.capture.full"))
    assert row.split()[:6] == ["midtrans.capture.full", "scenario", "failed", "2", "0", "ms"]
    midtrans, pivot = reports()
    assert verdict(midtrans) in lines
    assert verdict(midtrans).startswith("midtrans: FAILED - not conformant: 1 of 4 cases failed")
    assert verdict(pivot).startswith("pivot: ERROR - could not run")
    assert "interrupted: time limit of 1 s reached" in verdict(pivot)
    assert lines[-1] == "exit code 2"


def test_console_ids_are_never_cut_and_notes_stand_whole_under_the_table() -> None:
    ids = [c.id for p in ("midtrans", "pivot") for c in all_cases(p, SuiteOptions())]
    long_id = max(ids, key=len)  # the longest id of either catalogue, at 80 columns
    note = "needs the simulator clock (/_sim/clock of the control API), which the target lacks"
    report = Report(
        "midtrans", "t", "documented", 3, 2,
        [CaseResult(long_id, Kind.SCENARIO, "A", Outcome.SKIPPED, note=note)],
    )  # fmt: skip
    lines = render([report], width=80).splitlines()
    row = next(line for line in lines if long_id in line)
    assert row.split()[:3] == [long_id, "scenario", "skipped"]
    assert f"note: {long_id}: {note}" in lines
    assert lines.index(f"note: {long_id}: {note}") > lines.index(row)


def test_console_verdict_of_a_passing_run() -> None:
    report = Report("pivot", "t", "documented", 3, 2, [CaseResult("p.a", Kind.SCENARIO, "A")])
    text = render([report])
    assert text.splitlines()[-1] == "pivot: PASSED - conformant: 1 case passed in 0 ms (exit 0)"
    assert "replay with" not in text


def test_progress_bar_only_on_a_terminal() -> None:
    result = CaseResult("midtrans.a", Kind.SCENARIO, "A")
    plain = io.StringIO()
    reporter = ConsoleReporter(Console(file=plain), progress_delay=0)
    assert not reporter.progress_enabled
    with reporter.progress("midtrans") as tick:
        tick(result, 1, 2)
    assert plain.getvalue() == ""

    terminal = io.StringIO()
    reporter = ConsoleReporter(Console(file=terminal, force_terminal=True), progress_delay=0)
    with reporter.progress("midtrans") as tick:
        tick(result, 1, 2)
    assert "midtrans.a" in terminal.getvalue()

    switched_off = io.StringIO()
    console = Console(file=switched_off, force_terminal=True)
    reporter = ConsoleReporter(console, show_progress=False, progress_delay=0)
    with reporter.progress("midtrans") as tick:
        tick(result, 1, 2)
    assert switched_off.getvalue() == ""


def test_progress_waits_a_moment_before_showing() -> None:
    out = io.StringIO()
    reporter = ConsoleReporter(Console(file=out, force_terminal=True), progress_delay=60)
    with reporter.progress("midtrans") as tick:
        tick(CaseResult("midtrans.a", Kind.SCENARIO, "A"), 1, 1)
    assert out.getvalue() == ""


def test_progress_callback_works_with_run_suite() -> None:
    out = io.StringIO()
    reporter = ConsoleReporter(Console(file=out), progress_delay=0)
    with Target("midtrans", app=create("midtrans").app) as target, reporter.progress("m") as tick:
        report = run_suite(target, SuiteOptions(seed=1, examples=1, time_limit=60), progress=tick)
    assert out.getvalue() == ""
    assert report.exit_code in (0, 1, 2)


# -- exit codes ---------------------------------------------------------------------------


def _report(*outcomes: Outcome) -> Report:
    results = [CaseResult(f"c{i}", Kind.SCENARIO, "c", o) for i, o in enumerate(outcomes)]
    return Report("midtrans", "t", "documented", 1, 1, results)


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ((), 0),
        ((Outcome.PASSED, Outcome.SKIPPED), 0),
        ((Outcome.PASSED, Outcome.FAILED), 1),
        ((Outcome.ERROR,), 2),
        ((Outcome.ERROR, Outcome.FAILED), 1),
    ],
)
def test_exit_code_of_one_report(outcomes: tuple[Outcome, ...], code: int) -> None:
    report = _report(*outcomes)
    assert exit_code([report]) == code
    assert to_json([report], command="run")["exit_code"] == code
    assert f"(exit {code})" in render([report])


def test_exit_code_over_reports_is_the_highest() -> None:
    assert exit_code([]) == 0
    assert exit_code([_report(Outcome.PASSED), _report(Outcome.FAILED)]) == 1
    assert exit_code([_report(Outcome.FAILED), _report(Outcome.ERROR)]) == 2


def test_a_source_in_the_json_report_carries_its_documentation_url() -> None:
    from conformance import Validator
    from conformance.suite import CaseResult, Finding, Kind

    (violation,) = Validator("midtrans").validate_request(
        "capture", {"transaction_id": "t-1", "gross_amount": 30000.0}
    )
    case = CaseResult("midtrans.c", Kind.SCENARIO, "c")
    case.fail(Finding.from_violation(violation, None))
    report = Report("midtrans", "in-process", "documented", 1, 1, results=[case])
    document = to_json([report], command="run")
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    (finding,) = document["runs"][0]["cases"][0]["findings"]
    assert (
        finding["source"]["url"] == "https://docs.midtrans.com/reference/capture-transaction-card"
    )
