"""@pytest.mark.conformance_answers and conformance_answer, run as a merchant runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "integration"

CAPTURE = """
import httpx, pytest

AUTH = {"Authorization": "Basic U0ItTWlkLXNlcnZlci10ZXN0Og==", "Accept": "application/json"}
URL = "https://api.sandbox.midtrans.com"

def capture(transaction_id):
    try:
        return httpx.post(URL + "/v2/capture", headers=AUTH,
                          json={"transaction_id": transaction_id, "gross_amount": 30000})
    except httpx.TransportError:
        return None

def read(transaction_id):
    return httpx.get(URL + f"/v2/{transaction_id}/status", headers=AUTH).json()
"""


def test_ids_are_the_answers_ids_and_k_selects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_ids=CAPTURE
        + """
@pytest.mark.conformance_answers("midtrans", operation="capture", profile="documented")
def test_capture(conformance_traffic, conformance_answer):
    capture(conformance_traffic.authorize("midtrans", 30000))
    conformance_answer.expect("unknown" if conformance_answer.meaning == "unknown"
                              else conformance_answer.meaning)
"""
    )
    listed = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider")
    listed.stdout.fnmatch_lines(["test_ids.py::test_capture[[]capture-412-http-200[]]"])
    assert "capture-404-http-200" not in listed.stdout.str()  # observed: left out
    chosen = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "capture-412")
    chosen.assert_outcomes(passed=2)  # capture-412 and capture-412-http-200


def test_a_client_trusting_the_http_status_fails_naming_answer_and_source(
    pytester: pytest.Pytester,
) -> None:
    for source in [*SAMPLE.glob("*.py"), *SAMPLE.joinpath("answers").glob("*.py")]:
        shutil.copy(source, pytester.path / source.name)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "demo_answer_bugs.py")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "conformance_answer midtrans capture-412-http-200: the integration concluded 'captured'",
        "  answer:    HTTP 200 with body status_code \"412\" *",
        "  meaning:   not-captured",
        "  concluded: captured",
        "  source:    midtrans.http-status-vs-body: https://docs.midtrans.com/*",
    ])  # fmt: skip
    result.stdout.fnmatch_lines([
        "midtrans.handler.forged-signature: a forged signature_key changes nothing [[]failed[]]",
        "  the forged-signature delivery changed the order: *",
    ])  # fmt: skip


def test_the_fixed_versions_pass(pytester: pytest.Pytester) -> None:
    for source in [*SAMPLE.glob("*.py"), *SAMPLE.joinpath("answers").glob("test_*.py")]:
        shutil.copy(source, pytester.path / source.name)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "test_capture_answers.py", "test_notification_handler.py"
    )
    result.assert_outcomes(passed=52)


def test_pending_taken_for_paid_and_a_blind_second_capture_fail(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bugs=CAPTURE
        + """
@pytest.mark.conformance_answers("midtrans", only=["capture-timeout-applied"])
def test_retry_blind(conformance_traffic, conformance_answer):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    capture(transaction_id)
    capture(transaction_id)  # the retry: no status read in between
    conformance_answer.expect("unknown")

@pytest.mark.conformance_answers("midtrans", only=["capture-timeout-applied"])
def test_retry_after_a_read(conformance_traffic, conformance_answer):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    capture(transaction_id)
    status = read(transaction_id)["transaction_status"]
    conformance_answer.expect("captured" if status == "capture" else "not-captured")

@pytest.mark.conformance_answers("pivot", only=["capture-pending-then-success-read"])
def test_pending_is_paid(conformance_traffic, conformance_answer):
    session = conformance_traffic.authorize("pivot", 30000, client_id="m", client_secret="s")
    token = httpx.post("https://api-stg.pivot-payment.com/v1/access-token",
                       json={"grantType": "client_credentials"},
                       headers={"X-MERCHANT-ID": "m", "X-MERCHANT-SECRET": "s"})
    bearer = {"Authorization": "Bearer " + token.json()["data"]["accessToken"]}
    httpx.post(f"https://api-stg.pivot-payment.com/v2/payments/{session}/capture",
               headers=bearer, json={"amount": {"value": 30000, "currency": "IDR"},
                                     "releaseRemainingAmount": False})
    conformance_answer.expect("captured")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*why:       a second capture was sent after the answer 'capture-timeout-applied' *",
    ])  # fmt: skip
    result.stdout.fnmatch_lines([
        "*why:       'captured' was concluded from an unknown answer (PENDING is not paid) with "
        "no status read or delivery in between",
    ])  # fmt: skip


def test_a_bad_marker_fails_its_test_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_misuse="""
import pytest

@pytest.mark.conformance_answers("midtrans", only=["capture-999"])
def test_bad_id(conformance_answer):
    pass

@pytest.mark.conformance_answers("nowhere")
def test_bad_provider(conformance_answer):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    assert "Traceback" not in result.stdout.str()
    result.stdout.fnmatch_lines([
        "@pytest.mark.conformance_answers on test_misuse.py::test_bad_id: unknown midtrans "
        "answer id(s) 'capture-999'; choose from: *",
    ])  # fmt: skip
    result.stdout.fnmatch_lines(["*unknown provider 'nowhere'; choose one of: midtrans, pivot"])


def test_the_matrix_spreads_over_xdist_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_spread=CAPTURE
        + """
@pytest.mark.conformance_answers("midtrans", only=["capture-success", "capture-401", "capture-503"])
def test_capture(conformance_traffic, conformance_answer):
    answer = capture(conformance_traffic.authorize("midtrans", 30000))
    code = answer.json()["status_code"]
    conformance_answer.expect({"200": "captured", "401": "not-captured"}.get(code, "unknown"))
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=3)
