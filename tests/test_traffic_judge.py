"""``conformance_traffic`` in judge mode: whatever answers the integration's calls is judged.

Before judge mode, ``@pytest.mark.vcr`` and ``conformance_traffic`` together did
neither of their jobs, silently: the fixture's routers (``responses``, ``respx``)
sit above vcrpy's patched transports, so the simulators answered instead of the
cassette (the user's assertions on the recorded answers failed, or passed by
luck), and the cassette's answers were never judged: a tampered one went through.

With ``@pytest.mark.conformance(traffic="judge")`` the fixture routes nothing;
the real pytest-recording plays the kit's cassette (``--record-mode=none``:
nothing may reach the network) and every exchange with a provider host is
judged when the test ends.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import pytest_recording  # noqa: F401  (a test extra: missing means failing, not skipped)
import yaml
from test_plugin_traffic import run

pytest_plugins = ["pytester"]

CATALOGUE = Path(__file__).resolve().parent.parent / "cassettes" / "midtrans" / "catalogue.yaml"
#: token, status (404), token, charge, a delivery to the kit's receiver, capture.
COUNT = 6
CAPTURE = 5
RULE = "midtrans.capture-response.gross-amount"

#: A user's tests: replay a cassette's first exchanges through requests, httpx and httpx async.
USER_TESTS = """
import asyncio

import httpx
import pytest
import requests

from conformance.cassettes import load_cassette


def replay(path):
    for n, item in enumerate(load_cassette(path).interactions[:{count}]):
        headers = dict(item.request_headers())
        body = item.request_body() or None
        if n % 3 == 0:
            answer = requests.request(item.method, item.uri, headers=headers, data=body)
        elif n % 3 == 1:
            answer = httpx.request(item.method, item.uri, headers=headers, content=body)
        else:
            async def send():
                async with httpx.AsyncClient() as client:
                    return await client.request(
                        item.method, item.uri, headers=headers, content=body
                    )
            answer = asyncio.run(send())
        assert answer.status_code == item.status
        assert answer.content == item.response_body()


@pytest.mark.vcr({conformant!r})
@pytest.mark.conformance(traffic="judge")
def test_conformant_cassette(conformance_traffic):
    replay({conformant!r})
    # The five calls to the sandbox are on record; the delivery to the kit's receiver is not.
    assert [e.operation for e in conformance_traffic.exchanges] == [
        "token", "status", "token", "charge", "capture"
    ]


@pytest.mark.vcr({tampered!r})
@pytest.mark.conformance(traffic="judge")
def test_tampered_cassette(conformance_traffic):
    replay({tampered!r})
"""

#: Sets up ``conformance_traffic`` before pytest-recording's (autouse) ``vcr`` fixture.
TRAFFIC_FIRST = """
import pytest


@pytest.fixture(autouse=True)
def vcr(conformance_traffic, vcr):
    return vcr
"""


def _cassettes(pytester: pytest.Pytester) -> tuple[Path, Path]:
    """The committed Midtrans catalogue cassette, and a copy whose capture answer's
    ``gross_amount`` is a JSON number (the documentation says a string)."""
    folder = pytester.path / "cassettes"
    folder.mkdir()
    conformant = folder / "conformant.yaml"
    shutil.copyfile(CATALOGUE, conformant)
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    answer = data["interactions"][CAPTURE]["response"]
    assert data["interactions"][CAPTURE]["request"]["uri"].endswith("/v2/capture")
    body = json.loads(answer["body"]["string"])
    body["gross_amount"] = float(body["gross_amount"])
    answer["body"]["string"] = json.dumps(body, separators=(",", ":"))
    answer["headers"]["content-length"] = [str(len(answer["body"]["string"].encode()))]
    tampered = folder / "tampered.yaml"
    tampered.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return conformant, tampered


@pytest.mark.parametrize("first", ["vcr", "conformance_traffic"])
def test_a_cassette_is_judged_under_pytest_recording(pytester: pytest.Pytester, first: str) -> None:
    conformant, tampered = _cassettes(pytester)
    source = USER_TESTS.format(count=COUNT, conformant=str(conformant), tampered=str(tampered))
    pytester.makepyfile(test_user=source)
    if first == "conformance_traffic":
        pytester.makeconftest(TRAFFIC_FIRST)
    result = pytester.runpytest_subprocess(
        "-p", "recording", "--record-mode=none", "-p", "no:cacheprovider", "--setup-show", "-rf"
    )  # fmt: skip
    out = result.stdout.str()
    setups = [m[1] for line in result.outlines if (m := re.match(r"\s*SETUP\s+F (\w+)", line))]
    later = "conformance_traffic" if first == "vcr" else "vcr"
    assert setups.index(first) < setups.index(later), out  # the order asked for
    result.assert_outcomes(passed=1, failed=1)
    assert "test_user.py::test_tampered_cassette" in out
    assert "capture-conformance: 1 contract violation in this test's provider traffic" in out
    assert "POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 200" in out
    assert RULE in out, out


#: In-process: a "sandbox" answered by httpx's MockTransport stands for a real one.
SANDBOX = """
CAPTURED = {
    "status_code": "200", "status_message": "Success, Credit Card capture transaction",
    "transaction_id": "t-1", "order_id": "o-1", "masked_card": "48111111-1114",
    "currency": "IDR", "payment_type": "credit_card", "transaction_time": "2026-12-04 22:14:40",
    "transaction_status": "capture", "fraud_status": "accept", "bank": "bni",
}


def sandbox(gross_amount):
    answer = {**CAPTURED, "gross_amount": gross_amount}
    return httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))


def send_capture(client):
    return client.post(MIDTRANS + "/v2/capture", json=capture("t-1", 30000), headers=HEADERS)
"""


def test_judge_mode_judges_what_answers_and_leaves_other_hosts_alone(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        SANDBOX
        + """
@pytest.mark.conformance(traffic="judge")
def test_a_conformant_sandbox(conformance_traffic):
    assert send_capture(sandbox("30000.00")).json()["gross_amount"] == "30000.00"
    other = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    assert other.get("http://shop.test/orders").status_code == 204
    assert [e.operation for e in conformance_traffic.exchanges] == ["capture"]


@pytest.mark.conformance(traffic="judge")
def test_a_broken_sandbox(conformance_traffic):
    send_capture(sandbox(30000))


@pytest.mark.conformance(traffic="judge")
def test_production_stays_refused(conformance_traffic):
    with pytest.raises(requests.ConnectionError, match="production host"):
        requests.get("https://api.midtrans.com/v2/t-1/status", headers=HEADERS)
""",
        "-rf",
    )
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_a_broken_sandbox _*",
            "capture-conformance: 1 contract violation in this test's provider traffic *",
            "*_ test_production_stays_refused _*",
            "capture-conformance: 1 call not checked in this test's provider traffic *",
            "GET https://api.midtrans.com/v2/t-1/status: refused, api.midtrans.com is midtrans's "
            "production host; *",
        ]
    )
    assert RULE in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "marker", "expected"),
    [
        ((), "", "route"),  # the default
        (("-o", "conformance_traffic=judge"), "", "judge"),  # ini
        (("-o", "conformance_traffic=judge", "--conformance-traffic=route"), "", "route"),  # CLI
        (("--conformance-traffic=judge",), "", "judge"),
        (("--conformance-traffic=judge",), "@pytest.mark.conformance(traffic='route')", "route"),
        ((), "@pytest.mark.conformance(traffic='judge')", "judge"),  # marker
    ],
)
def test_the_mode_follows_marker_then_cli_then_ini(
    pytester: pytest.Pytester, args: tuple[str, ...], marker: str, expected: str
) -> None:
    body = f"""
{marker}
def test_mode(conformance_traffic):
    assert conformance_traffic.mode == {expected!r}
    if conformance_traffic.mode == "route":  # the simulators answer
        transaction = conformance_traffic.authorize("midtrans", 1000)
        answer = requests.post(
            MIDTRANS + "/v2/capture", json=capture(transaction, 1000), headers=HEADERS
        )
        assert answer.json()["status_code"] == "200"
"""
    run(pytester, body, *args).assert_outcomes(passed=1)


@pytest.mark.parametrize("helper", [
    'authorize("midtrans")', 'fail_next("midtrans", 412)', 'notify("midtrans", "t-1")',
    'deliver_to("midtrans", "http://127.0.0.1:9/")',
])  # fmt: skip
def test_simulator_helpers_say_they_need_route_mode(pytester: pytest.Pytester, helper: str) -> None:
    body = f"""
@pytest.mark.conformance(traffic="judge")
def test_helper(conformance_traffic):
    conformance_traffic.{helper}
"""
    result = run(pytester, body)
    result.assert_outcomes(failed=1)
    name = helper.split("(")[0]
    result.stdout.fnmatch_lines(
        [f"conformance_traffic: {name} needs route mode (the simulators answer); *"]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_bad_mode_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    body = """
@pytest.mark.conformance(traffic="replay")
def test_marker(conformance_traffic):
    pass
"""
    result = run(pytester, body)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "conformance_traffic: @pytest.mark.conformance(traffic=...) must be one "
            "of route, judge; got 'replay'"
        ]
    )
    result = run(pytester, "def test_nothing(): pass", "-o", "conformance_traffic=replay")
    result.stderr.fnmatch_lines(
        ["ERROR: ini conformance_traffic must be one of route, judge; got 'replay'"]
    )
    result = run(pytester, "def test_nothing(): pass", "--conformance-traffic=replay")
    result.stderr.fnmatch_lines(
        ["*argument --conformance-traffic: invalid choice: 'replay' (choose from *"]
    )


def test_a_scripted_answer_says_it_needs_route_mode(pytester: pytest.Pytester) -> None:
    body = """
@pytest.mark.conformance(traffic="judge")
@pytest.mark.conformance_answers("midtrans")
def test_answers(conformance_traffic, conformance_answer):
    pass
"""
    result = run(pytester, body, "-x")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["conformance_traffic: a scripted answer (conformance_answer) needs route mode *"]
    )
    assert "Traceback" not in result.stdout.str()
