"""The ``conformance_traffic`` fixture as a user meets it, through pytester.

Calls to the provider sandboxes are answered by in-process simulators and every
exchange is judged when the test ends; no test here reaches a network.
"""

from __future__ import annotations

import pytest

# pytester's in-process runs drop the modules first imported inside them; a C-extension
# module (libyaml's) cannot be imported twice, so everything the fixture uses is loaded here.
import conformance._traffic._httpx
import conformance._traffic._requests
import conformance.simulators.midtrans
import conformance.simulators.pivot  # noqa: F401

pytest_plugins = ["pytester"]

#: Shared by the pytester test files: made-up credentials and well-formed Midtrans headers.
PRELUDE = """
import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import requests

MIDTRANS = "https://api.sandbox.midtrans.com"
PIVOT = "https://api-stg.pivot-payment.com"
HEADERS = {"Accept": "application/json", "Authorization": "Basic U0ItTWlkLXNlcnZlci10ZXN0Og=="}


def capture(transaction_id, amount):
    return {"transaction_id": transaction_id, "gross_amount": amount}


def pivot_token(client):
    answer = client.post(
        PIVOT + "/v1/access-token",
        json={"grantType": "client_credentials"},
        headers={"X-MERCHANT-ID": "conformance-kit", "X-MERCHANT-SECRET": "conformance-kit-secret"},
    )
    return {"Authorization": "Bearer " + answer.json()["data"]["accessToken"]}
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_traffic=PRELUDE + body)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def block(result: pytest.RunResult, first: str, length: int) -> list[str]:
    """The *length* output lines starting with the line equal to *first*."""
    lines = [line.rstrip() for line in result.outlines]
    assert first in lines, "\n".join(lines)
    start = lines.index(first)
    return lines[start : start + length]


def test_requests_and_httpx_sync_and_async_all_reach_the_simulator(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_every_client(conformance_traffic):
    sim = conformance_traffic.midtrans
    ids = [conformance_traffic.authorize("midtrans", 1000) for _ in range(4)]

    with ThreadPoolExecutor(1) as elsewhere:  # from another thread, too
        first = elsewhere.submit(
            requests.post, MIDTRANS + "/v2/capture", json=capture(ids[0], 1000), headers=HEADERS
        ).result()
    second = httpx.post(MIDTRANS + "/v2/capture", json=capture(ids[1], 1000), headers=HEADERS)

    async def from_async_code():
        async with httpx.AsyncClient(base_url=MIDTRANS) as client:
            return await asyncio.gather(
                client.post("/v2/capture", json=capture(ids[2], 1000), headers=HEADERS),
                client.post("/v2/capture", json=capture(ids[3], 1000), headers=HEADERS),
            )

    third, fourth = asyncio.run(from_async_code())
    answers = [first.json(), second.json(), third.json(), fourth.json()]
    assert [a["transaction_status"] for a in answers] == ["capture"] * 4
    assert [a["transaction_id"] for a in answers] == ids
    assert [e.operation for e in conformance_traffic.exchanges] == ["capture"] * 4
    stored = {t["transaction_id"]: t for t in sim.state()["transactions"]}
    assert {stored[i]["status"] for i in ids} == {"capture"}


@pytest.mark.anyio
async def test_inside_an_async_test(conformance_traffic):
    payment_id = conformance_traffic.authorize("pivot", 2000)
    async with httpx.AsyncClient() as client:
        headers = pivot_token(httpx)  # a sync call from async code is routed too
        answer = await client.post(
            f"{PIVOT}/v2/payments/{payment_id}/capture",
            json={"amount": {"value": 2000, "currency": "IDR"}, "releaseRemainingAmount": True},
            headers=headers,
        )
    assert answer.status_code == 200
    assert answer.json()["data"]["paymentSessionId"] == payment_id
    assert [e.operation for e in conformance_traffic.exchanges] == ["access-token", "capture"]
""",
    )
    result.assert_outcomes(passed=2)


def test_no_socket_is_opened_for_a_provider_host(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import socket

def no_network(*args, **kwargs):
    raise AssertionError(f"a socket was opened: {args!r}")

def test_offline(conformance_traffic, monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    transaction_id = conformance_traffic.authorize("midtrans", 1000)
    answer = requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 1000),
                           headers=HEADERS)
    assert answer.json()["status_code"] == "200"
    assert httpx.get(f"{MIDTRANS}/v2/{transaction_id}/status", headers=HEADERS).status_code == 200
""",
    )
    result.assert_outcomes(passed=1)


def test_a_violation_fails_the_test_with_rule_field_values_and_source(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_float_amount(conformance_traffic):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    answer = requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 30000.0),
                           headers=HEADERS)
    assert answer.status_code == 400  # the test itself passes: the traffic fails it
""",
    )
    result.assert_outcomes(failed=1)
    head = (
        "capture-conformance: 1 contract violation in this test's provider traffic "
        "(profile 'documented')"
    )
    assert block(result, head, 8) == [
        head,
        "",
        "POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 400",
        "  request: midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount is "
        "written as a decimal; decimal values are invalid",
        "      expected: 'an integer (Long) without a decimal point'",
        "      sent:     30000.0",
        "      source:   https://docs.midtrans.com/reference/capture-transaction-card "
        "(documented): 'gross_amount | Total "
        "amount of transaction in IDR. By default it captures whole transaction amount. Note: "
        "Decimal values are invalid. | Long | Optional |'",
        "=========================== short test summary info ============================",
    ]
    # A failure of the test, not an error wall: no traceback, no teardown error.
    assert "Traceback" not in result.stdout.str()
    assert "ERROR" not in result.stdout.str()


def test_a_test_that_raised_keeps_its_error_and_gets_the_violations_as_a_note(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_float_amount_then_raise(conformance_traffic):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    answer = httpx.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 30000.0),
                        headers=HEADERS)
    answer.raise_for_status()
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *httpx.HTTPStatusError: Client error '400 Bad Request' for url *",
            "E *capture-conformance: 1 contract violation in this test's provider traffic *",
            "E *POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 400",
            "E *  request: midtrans.gross-amount.decimal-literal at /gross_amount: *",
            "E *      sent:     30000.0",
        ]
    )


def test_a_response_violation_names_what_was_received(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_quirky_simulator(conformance_traffic):
    conformance_traffic.midtrans.set_quirk("gross-amount-number")
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 30000), headers=HEADERS)
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 200",
            "  response: * at /gross_amount: *",
            "      expected: *",
            "      received: 30000*",
            "      source:   *",
        ]
    )


def test_secrets_never_show_in_a_failure(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_wrong_auth_scheme(conformance_traffic):
    headers = {"Accept": "application/json", "Authorization": "Token SB-Mid-server-secret123"}
    httpx.post(MIDTRANS + "/v2/capture", json=capture("t-1", 1000), headers=headers)
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  request: midtrans.request.authorization at /headers/authorization: *",
            "      sent:     <redacted>",
        ]
    )
    assert "secret123" not in result.stdout.str()


def test_warnings_do_not_fail_and_are_reported_with_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_without_accept(conformance_traffic):
    transaction_id = conformance_traffic.authorize("midtrans", 1000)
    headers = {"Authorization": HEADERS["Authorization"], "Accept": "text/html"}
    answer = requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 1000),
                           headers=headers)
    assert answer.json()["status_code"] == "200"
    assert [v.rule for v in conformance_traffic.violations(None)] == ["midtrans.request.accept"]
    assert conformance_traffic.violations() == []
""",
        "-rP",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured capture-conformance warnings call -*",
            "POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 200",
            "  request: midtrans.request.accept at /headers/accept: *",
            "      sent:     'text/html'",
        ]
    )


def test_other_hosts_pass_through_unrouted_and_unjudged(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
from starlette.responses import PlainTextResponse
from conformance.simulators._serve import served


@pytest.fixture
def own_service():
    with served(PlainTextResponse("own service")) as url:
        yield url


def test_loopback_is_reached(conformance_traffic, own_service):
    assert requests.get(own_service).text == "own service"
    assert httpx.get(own_service).text == "own service"

    async def from_async_code():
        async with httpx.AsyncClient() as client:
            return (await client.get(own_service)).text

    assert asyncio.run(from_async_code()) == "own service"
    assert conformance_traffic.exchanges == []


def test_a_respx_mock_of_the_test_still_answers_its_host(conformance_traffic):
    import respx

    with respx.mock(assert_all_called=True) as own:
        own.get("https://internal.example/stock").respond(200, json={"left": 3})
        assert httpx.get("https://internal.example/stock").json() == {"left": 3}
        transaction_id = conformance_traffic.authorize("midtrans", 1000)
        answer = httpx.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 1000),
                            headers=HEADERS)
        assert answer.json()["status_code"] == "200"
""",
    )
    result.assert_outcomes(passed=2)


def test_production_hosts_are_refused_loudly(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_production(conformance_traffic):
    with pytest.raises(requests.ConnectionError, match="production host"):
        requests.post("https://api.midtrans.com/v2/capture", json=capture("t-1", 1000))
    with pytest.raises(httpx.ConnectError, match="production host"):
        httpx.post("https://api.pivot-payment.com/v1/access-token", json={})
""",
    )
    result.assert_outcomes(failed=1)
    head = (
        "capture-conformance: 2 calls not checked in this test's provider traffic "
        "(profile 'documented')"
    )
    assert block(result, head, 4) == [
        head,
        "",
        "POST https://api.midtrans.com/v2/capture: refused, api.midtrans.com is midtrans's "
        "production host; conformance_traffic routes only the sandbox host "
        "api.sandbox.midtrans.com (point your code at the sandbox)",
        "POST https://api.pivot-payment.com/v1/access-token: refused, api.pivot-payment.com is "
        "pivot's production host; conformance_traffic routes only the sandbox host "
        "api-stg.pivot-payment.com (point your code at the sandbox)",
    ]


def test_a_path_no_operation_serves_fails_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_refund(conformance_traffic):
    answer = requests.post(MIDTRANS + "/v2/t-1/refund", json={}, headers=HEADERS)
    assert answer.status_code == 404
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "POST https://api.sandbox.midtrans.com/v2/t-1/refund: no midtrans operation in the "
            "kit's specs serves POST /v2/t-1/refund, so it was not checked (the simulator "
            "answered it); the specs describe: *capture*",
        ]
    )


def test_documented_errors_on_demand(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_midtrans_412_then_normal(conformance_traffic):
    transaction_id = conformance_traffic.authorize("midtrans", 1000)
    conformance_traffic.fail_next("midtrans", 412)
    refused = requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 1000),
                            headers=HEADERS)
    assert (refused.status_code, refused.json()["status_code"]) == (412, "412")
    # The fault was the simulator's answer only: the transaction is still authorized.
    again = requests.post(MIDTRANS + "/v2/capture", json=capture(transaction_id, 1000),
                          headers=HEADERS)
    assert again.json()["transaction_status"] == "capture"


def test_only_the_named_operation_fails(conformance_traffic):
    conformance_traffic.fail_next("pivot", 503, count=2)
    payment_id = conformance_traffic.authorize("pivot", 5000)  # setup is never faulted
    with httpx.Client() as client:
        headers = pivot_token(client)  # not a capture: answered normally
        url = f"{PIVOT}/v2/payments/{payment_id}/capture"
        body = {"amount": {"value": 1000, "currency": "IDR"}, "releaseRemainingAmount": False}
        answers = [client.post(url, json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["code"] == "service_unavailable"


def test_a_dropped_connection(conformance_traffic):
    conformance_traffic.fail_next("midtrans", 500, kind="disconnect")
    with pytest.raises(requests.ConnectionError):
        requests.post(MIDTRANS + "/v2/capture", json=capture("t-1", 1000), headers=HEADERS)
    conformance_traffic.fail_next("midtrans", 500, kind="disconnect")

    async def from_async_code():
        async with httpx.AsyncClient() as client:
            await client.post(MIDTRANS + "/v2/capture", json=capture("t-1", 1000), headers=HEADERS)

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(from_async_code())


def test_bad_requests_for_errors_say_why(conformance_traffic):
    with pytest.raises(ValueError, match="unknown fault kind 'explode'"):
        conformance_traffic.fail_next("midtrans", 500, kind="explode")
    with pytest.raises(ValueError, match="status must be an HTTP status"):
        conformance_traffic.fail_next("midtrans", 999)
    with pytest.raises(ValueError, match="unknown midtrans operation 'refund'"):
        conformance_traffic.fail_next("midtrans", 500, operation="refund")
    with pytest.raises(ValueError, match="unknown provider 'stripe'"):
        conformance_traffic.fail_next("stripe", 500)
""",
    )
    result.assert_outcomes(passed=4)


OBSERVED_ONLY = """
def capture_without_amount():
    payment_id = conformance_traffic_ref[0].authorize("pivot", 5000)
    with httpx.Client() as client:
        client.post(f"{PIVOT}/v2/payments/{payment_id}/capture",
                    json={"releaseRemainingAmount": False}, headers=pivot_token(client))

conformance_traffic_ref = []

@pytest.fixture(autouse=True)
def keep(conformance_traffic):
    conformance_traffic_ref[:] = [conformance_traffic]

def test_default(conformance_traffic):
    assert conformance_traffic.profile == "{default}"
    capture_without_amount()

@pytest.mark.conformance(profile="observed")
def test_marker(conformance_traffic):
    assert conformance_traffic.profile == "observed"
    capture_without_amount()

@pytest.mark.conformance(profile="observed")
def test_fixture_beats_marker(conformance_traffic):
    conformance_traffic.profile = "documented"
    capture_without_amount()
"""


def test_profile_precedence_ini_cli_marker_fixture(pytester: pytest.Pytester) -> None:
    # "amount is required when releaseRemainingAmount is false" is observed, not documented.
    pytester.makeini("[pytest]\nconformance_profile = observed\n")
    result = run(pytester, OBSERVED_ONLY.replace("{default}", "observed"))
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["FAILED *::test_default - *", "FAILED *::test_marker - *"])

    result = run(
        pytester,
        OBSERVED_ONLY.replace("{default}", "documented"),
        "--conformance-profile=documented",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::test_marker - *"])
    result.stdout.fnmatch_lines(
        ["  request: pivot.capture-request.amount at /amount: required field 'amount' is missing"]
    )


def test_a_bad_profile_in_a_marker_is_one_clear_line(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.conformance(profile="guessed")
def test_guessed(conformance_traffic):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "conformance_traffic: @pytest.mark.conformance(profile=...) must be one of "
            "documented, observed; got 'guessed'",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_without_the_fixture_nothing_is_routed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

import requests.adapters


def test_untouched():
    assert "conformance._traffic" not in sys.modules
    assert "responses" not in sys.modules
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
"""
    )
    # In a fresh process: this one has long imported everything.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
