"""The simulators served over real HTTP: the CLI, schemathesis, midtransclient, concurrency."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance import Validator
from conformance.simulators import create
from conformance.simulators._serve import served

ROOT = Path(__file__).resolve().parent.parent
SERVER_KEY = "SB-Mid-server-test-made-up-key"
CLIENT_KEY = "SB-Mid-client-test-made-up-key"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
CARD = {
    "card_number": "4811 1111 1111 1114",
    "card_exp_month": "12",
    "card_exp_year": "2039",
    "card_cvv": "123",
    "client_key": CLIENT_KEY,
}


@pytest.fixture
def midtrans_url() -> Iterator[str]:
    with served(create("midtrans").app) as url:
        yield url


@pytest.fixture
def pivot_url() -> Iterator[str]:
    with served(create("pivot", settle="immediate").app) as url:
        yield url


def midtrans_authorize(client: httpx.Client, amount: int = 100_000) -> str:
    token = client.get("/v2/token", params=CARD).json()["token_id"]
    charge = client.post(
        "/v2/charge",
        headers={"Authorization": BASIC},
        json={
            "payment_type": "credit_card",
            "transaction_details": {
                "order_id": f"order-{os.urandom(6).hex()}",
                "gross_amount": amount,
            },
            "credit_card": {"token_id": token, "type": "authorize"},
        },
    ).json()
    assert charge["transaction_status"] == "authorize", charge
    return str(charge["transaction_id"])


def test_serve_command_prints_url_first_and_stops_on_sigterm() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "midtrans", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            answer = httpx.post(f"{url}/v2/capture", json={"transaction_id": "x"}, timeout=5)
            assert answer.status_code == 401
            assert answer.json()["status_code"] == "401"
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0


def test_serve_on_a_busy_port_is_one_line_exit_2(midtrans_url: str) -> None:
    port = midtrans_url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "serve", "pivot", "--port", port],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith(
        f"capture-conformance: error: cannot listen on 127.0.0.1:{port}"
    )
    assert len(done.stderr.strip().splitlines()) == 1


def test_real_midtransclient_against_the_served_simulator(midtrans_url: str, monkeypatch) -> None:
    midtransclient = pytest.importorskip("midtransclient")
    from midtransclient.config import ApiConfig

    # The client's base URL is a class constant, not an option: point it at the simulator.
    monkeypatch.setattr(ApiConfig, "CORE_SANDBOX_BASE_URL", midtrans_url)
    core = midtransclient.CoreApi(is_production=False, server_key=SERVER_KEY, client_key=CLIENT_KEY)
    token = core.card_token(CARD)
    assert token["status_code"] == "200"
    charge = core.charge(
        {
            "payment_type": "credit_card",
            "transaction_details": {"order_id": "order-midtransclient-1", "gross_amount": 30000},
            "credit_card": {"token_id": token["token_id"], "type": "authorize"},
        }
    )
    assert charge["transaction_status"] == "authorize"
    captured = core.capture({"transaction_id": charge["transaction_id"], "gross_amount": 30000})
    assert captured["status_code"] == "200"
    assert captured["transaction_status"] == "capture"
    assert Validator("midtrans").validate_response("capture", captured) == []
    with pytest.raises(midtransclient.error_midtrans.MidtransAPIError) as raised:
        core.capture({"transaction_id": charge["transaction_id"], "gross_amount": 30000})
    assert raised.value.http_status_code == 412
    assert raised.value.api_response_dict["status_code"] == "412"


def test_200_concurrent_full_captures_of_one_authorization(midtrans_url: str) -> None:
    with httpx.Client(base_url=midtrans_url, timeout=30) as client:
        transaction_id = midtrans_authorize(client, amount=50_000)

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=midtrans_url, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/v2/capture",
                        headers={"Authorization": BASIC},
                        json={"transaction_id": transaction_id},
                    )
                    for _ in range(200)
                )
            )

    answers = asyncio.run(race())
    codes = [a.json()["status_code"] for a in answers]
    assert codes.count("200") == 1, codes
    assert codes.count("412") == 199, codes
    state = httpx.get(f"{midtrans_url}/_sim/state").json()["state"]
    (record,) = [t for t in state["transactions"] if t["transaction_id"] == transaction_id]
    assert record["status"] == "capture"
    assert record["captured_amount"] == 50_000 <= record["authorized_amount"]


def test_200_concurrent_partial_captures_never_exceed_the_authorization(pivot_url: str) -> None:
    with httpx.Client(base_url=pivot_url, timeout=30) as client:
        token = client.post(
            "/v1/access-token",
            headers={"X-MERCHANT-ID": "merchant-test", "X-MERCHANT-SECRET": "made-up-secret"},
            json={"grantType": "client_credentials"},
        ).json()["data"]["accessToken"]
        bearer = {"Authorization": f"Bearer {token}"}
        session = client.post(
            "/v2/payments",
            headers={**bearer, "X-REQUEST-ID": os.urandom(12).hex()},
            json=pivot_payment(100_000),
        ).json()["data"]
    sid = session["id"]

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=pivot_url, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        f"/v2/payments/{sid}/capture",
                        headers=bearer,
                        json={
                            "releaseRemainingAmount": False,
                            "amount": {"value": 7_000, "currency": "IDR"},
                        },
                    )
                    for _ in range(200)
                )
            )

    answers = asyncio.run(race())
    ok = [a for a in answers if a.status_code == 200]
    assert len(ok) == 100_000 // 7_000  # 14 fit, every other one is an over-capture
    assert {a.status_code for a in answers} == {200, 400}
    with httpx.Client(base_url=pivot_url, timeout=30) as client:
        charge = client.get(f"/v2/payments/{sid}", headers=bearer).json()["data"]["chargeDetails"][
            0
        ]
    histories = charge["captureHistories"]
    assert len(histories) == len(ok)
    assert len({h["captureId"] for h in histories}) == len(ok)
    assert sum(h["capturedAmount"] for h in histories) == 7_000 * len(ok) <= 100_000


def pivot_payment(value: int) -> dict[str, object]:
    return {
        "clientReferenceId": f"ref-{os.urandom(4).hex()}",
        "amount": {"value": value, "currency": "IDR"},
        "paymentType": "SINGLE",
        "mode": "API",
        "paymentMethod": {
            "type": "CARD",
            "card": {
                "number": "4440000112200001",
                "expMonth": 12,
                "expYear": 2039,
                "cvc": "123",
            },
        },
        "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
    }
