"""``pytest --capture-conformance=P --conformance-cassettes=PATH``: a recording replayed offline.

The same items as a live run, for the scenario catalogue only (what a recording
holds); run through pytester, the way a user runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cassettes import load_cassette
from conformance.cassettes._format import dumps
from conformance.suite import SuiteOptions, all_cases

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = {p: ROOT / "cassettes" / p / "catalogue.yaml" for p in ("midtrans", "pivot")}
GROSS = "midtrans.capture-response.gross-amount"


def _scenario_ids(provider: str) -> list[str]:
    cases = all_cases(provider, SuiteOptions(scenarios_only=True))
    return [case.id.removeprefix(f"{provider}.") for case in cases]


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_committed_recording_passes_as_scenario_items(
    pytester: pytest.Pytester, provider: str
) -> None:
    result = pytester.runpytest(
        f"--capture-conformance={provider}",
        f"--conformance-cassettes={COMMITTED[provider]}",
        "-p", "no:cacheprovider", "-v",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    for scenario in _scenario_ids(provider):
        assert f"capture-conformance::{provider}::scenario::{scenario} PASSED" in out
    # A recording holds no property or stateful run: none is collected.
    assert f"{provider}::property::" not in out
    assert f"{provider}::stateful::" not in out
    assert f"suite against cassettes {COMMITTED[provider]}" in out


def test_a_tampered_answer_fails_its_rule_item(pytester: pytest.Pytester) -> None:
    cassette = load_cassette(COMMITTED["midtrans"])
    item = [
        i for i in cassette if i.scenario == "midtrans.full-capture" and i.path == "/v2/capture"
    ][-1]
    body = json.loads(item.response_body())
    body["gross_amount"] = 100000.5
    item.response["body"]["string"] = json.dumps(body).encode()
    tampered = pytester.path / "tampered.yaml"
    tampered.write_text(dumps(cassette, str(tampered)), encoding="utf-8")
    pytester.makeini(f"[pytest]\nconformance_cassettes = {tampered}\n")

    result = pytester.runpytest("--capture-conformance=midtrans", "-p", "no:cacheprovider")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            f"{GROSS} [[]error[]] in midtrans.full-capture",
            "  must be of type 'string', received 'number'",
            "  at:          /gross_amount",
            "  expected:    'string'",
            "  received:    100000.5",
            "FAILED capture-conformance::midtrans::scenario::full-capture*",
            "FAILED capture-conformance::midtrans::rule::capture-response.gross-amount*",
        ]
    )
    # Only the edited answer breaks anything: its scenario and its rule, nothing else.
    assert result.parseoutcomes()["failed"] == 2


def test_a_live_target_and_a_recording_together_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest(
        "--capture-conformance=pivot",
        "--conformance-base-url=http://127.0.0.1:9",
        f"--conformance-cassettes={COMMITTED['pivot']}",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: give --conformance-base-url (a live target) or --conformance-cassettes "
            "(a recording), not both"
        ]
    )
    assert "Traceback" not in result.stderr.str()


def test_another_provider_s_recording_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--capture-conformance=pivot", f"--conformance-cassettes={COMMITTED['midtrans']}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.str().splitlines() if line.startswith("ERROR:")]
    assert len(lines) == 1, result.stderr.str()
    assert "midtrans" in lines[0]
    assert "Traceback" not in result.stderr.str()
