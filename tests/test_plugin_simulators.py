"""The simulator fixtures: ``midtrans_simulator``/``pivot_simulator`` (served on loopback)
and ``midtrans_simulator_app``/``pivot_simulator_app`` (in-process, for httpx).

The kit's own test run has the plugin installed, so most tests use the fixtures
directly; isolation between tests and what a user's test file sees go through pytester.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance import Validator
from conformance.pytest_plugin import SimulatorHandle

pytest_plugins = ["pytester"]


def capture_midtrans(
    client: httpx.Client, sim: SimulatorHandle, tx: str, amount: int
) -> httpx.Response:
    body = {"transaction_id": tx, "gross_amount": amount}
    return client.post(f"{sim.base_url}/v2/capture", json=body, headers=sim.auth_headers())


def capture_pivot(
    client: httpx.Client, sim: SimulatorHandle, session: str, amount: int
) -> httpx.Response:
    return client.post(
        f"{sim.base_url}/v2/payments/{session}/capture",
        json={"amount": {"value": amount, "currency": "IDR"}, "releaseRemainingAmount": False},
        headers={**sim.auth_headers(), "X-REQUEST-ID": "pytestfixture000000000001"},
    )


def test_served_midtrans_authorizes_in_one_call_and_captures(
    midtrans_simulator: SimulatorHandle,
) -> None:
    assert midtrans_simulator.base_url.startswith("http://127.0.0.1:")
    assert midtrans_simulator.credentials.server_key.startswith("SB-Mid-server-")
    auth = midtrans_simulator.authorize(30_000)
    assert auth.amount == 30_000
    with httpx.Client() as client:  # any client: the simulator is a real HTTP server
        reply = capture_midtrans(client, midtrans_simulator, auth.id, 30_000)
    assert reply.status_code == 200, reply.text
    assert reply.json()["transaction_status"] == "capture"
    assert Validator("midtrans").validate_response("capture", reply, request=reply.request) == []
    stored = midtrans_simulator.state()["state"]["transactions"]
    assert [(t["transaction_id"], t["status"]) for t in stored] == [(auth.id, "capture")]


def test_fail_next_answers_the_documented_error_once(midtrans_simulator: SimulatorHandle) -> None:
    auth = midtrans_simulator.authorize()
    midtrans_simulator.fail_next(412, path="/v2/capture")
    client = midtrans_simulator.client
    refused = capture_midtrans(client, midtrans_simulator, auth.id, auth.amount)
    assert (refused.status_code, refused.json()["status_code"]) == (412, "412")
    assert (
        Validator("midtrans").validate_response("capture", refused, request=refused.request) == []
    )
    accepted = capture_midtrans(client, midtrans_simulator, auth.id, auth.amount)
    assert (accepted.status_code, accepted.json()["status_code"]) == (200, "200")


def test_served_pivot_session_token_and_clock(pivot_simulator: SimulatorHandle) -> None:
    session = pivot_simulator.authorize(12_000)
    headers = pivot_simulator.auth_headers()
    assert headers["Authorization"].startswith("Bearer ")
    client = pivot_simulator.client
    reply = capture_pivot(client, pivot_simulator, session.id, 5_000)
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["paymentSessionId"] == session.id
    assert Validator("pivot").validate_response("capture", reply, request=reply.request) == []
    pivot_simulator.advance_clock(2 * 3600)  # past the access token's lifetime
    expired = client.post(
        f"/v2/payments/{session.id}/capture",
        json={"amount": {"value": 1_000, "currency": "IDR"}, "releaseRemainingAmount": False},
        headers={**headers, "X-REQUEST-ID": "pytestfixture000000000002"},
    )
    assert expired.status_code == 401


def test_a_quirk_or_fault_the_control_api_refuses_is_a_clear_error(
    pivot_simulator: SimulatorHandle,
) -> None:
    with pytest.raises(ValueError, match=r"refused PUT /_sim/quirk: \"unknown pivot quirk 'x'"):
        pivot_simulator.set_quirk("x")
    with pytest.raises(ValueError, match="refused POST /_sim/faults: 'status must be an HTTP"):
        pivot_simulator.fail_next(42)


def test_in_process_midtrans_is_bound_to_the_sandbox_host(
    midtrans_simulator_app: SimulatorHandle,
) -> None:
    sim = midtrans_simulator_app
    assert sim.base_url == "https://api.sandbox.midtrans.com"
    assert sim.in_process
    auth = sim.authorize(50_000)
    reply = capture_midtrans(sim.client, sim, auth.id, 20_000)
    assert reply.json()["gross_amount"] == "20000.00"
    assert Validator("midtrans").validate_response("capture", reply, request=reply.request) == []

    async def status() -> httpx.Response:
        async with sim.async_client() as client:
            return await client.get(f"/v2/{auth.id}/status", headers=sim.auth_headers())

    answer = asyncio.run(status())
    assert answer.json()["transaction_status"] == "capture"


def test_in_process_pivot_simulators_are_fresh_for_each_test(
    pivot_simulator_app: SimulatorHandle,
) -> None:
    assert pivot_simulator_app.state()["state"]["sessions"] == []
    session = pivot_simulator_app.authorize(7_000)
    reply = capture_pivot(pivot_simulator_app.client, pivot_simulator_app, session.id, 7_000)
    assert reply.status_code == 200, reply.text
    assert Validator("pivot").validate_response("capture", reply, request=reply.request) == []


def test_a_users_tests_share_one_server_and_start_clean(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        URLS = []

        def test_leaves_a_mess(midtrans_simulator):
            URLS.append(midtrans_simulator.base_url)
            midtrans_simulator.authorize()
            midtrans_simulator.set_quirk("gross-amount-number")
            midtrans_simulator.fail_next(503, count=5)
            midtrans_simulator.advance_clock(3600)

        def test_starts_clean(midtrans_simulator):
            URLS.append(midtrans_simulator.base_url)
            state = midtrans_simulator.state()
            assert state["quirk"] is None
            assert state["faults"] == []
            assert state["state"]["transactions"] == []
            assert URLS[0] == URLS[1]

        def test_pivot_is_its_own_server(pivot_simulator):
            assert pivot_simulator.base_url not in URLS
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
