"""The real schemathesis, with the kit's own OpenAPI documents, against each served simulator.

Its default checks all run; ``schemathesis.toml`` only says which statuses each
provider documents for answers schemathesis cannot foresee without state.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conformance.simulators import create
from conformance.simulators._serve import served

ROOT = Path(__file__).resolve().parent.parent
SERVER_KEY = "SB-Mid-server-schemathesis-made-up"


def auth_headers(provider: str, url: str) -> list[str]:
    if provider == "midtrans":
        basic = base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
        return ["-H", f"Authorization: Basic {basic}"]
    merchant = {"X-MERCHANT-ID": "merchant-schemathesis", "X-MERCHANT-SECRET": "made-up-secret"}
    answer = httpx.post(
        f"{url}/v1/access-token", headers=merchant, json={"grantType": "client_credentials"}
    )
    token = answer.json()["data"]["accessToken"]
    headers = [f"Authorization: Bearer {token}", *(f"{k}: {v}" for k, v in merchant.items())]
    return [arg for header in headers for arg in ("-H", header)]


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_schemathesis_default_checks_pass_against_the_served_simulator(provider, tmp_path) -> None:
    with served(create(provider).app) as url:
        done = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli",
                "--config-file", str(ROOT / "schemathesis.toml"),
                "run", str(ROOT / "specs" / provider / "openapi.yaml"),
                "--url", url,
                *auth_headers(provider, url),
                "--max-examples", "25",
                "--seed", "20261121",
                "--workers", "1",
            ],
            capture_output=True, text=True, cwd=tmp_path, timeout=600,
        )  # fmt: skip
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary + done.stderr[-2000:]
    assert "passed" in summary
    assert "failures" not in summary.splitlines()[-1]


#: The setup operations the suite calls before it can capture (README "Make your own
#: implementation checkable"): whatever the documents call valid there the simulators
#: accept, and whatever they call invalid the simulators refuse.
SETUP_OPERATIONS = {
    "midtrans": ["token", "charge", "status"],
    "pivot": ["access-token", "create-payment", "get-payment"],
}


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_schemathesis_positive_and_negative_phases_agree_on_the_setup_operations(
    provider, tmp_path
) -> None:
    operations = [a for op in SETUP_OPERATIONS[provider] for a in ("--include-operation-id", op)]
    with served(create(provider).app) as url:
        done = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli",
                "--config-file", str(ROOT / "schemathesis.toml"),
                "run", str(ROOT / "specs" / provider / "openapi.yaml"),
                "--url", url,
                *auth_headers(provider, url),
                *operations,
                "--mode", "all",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "30",
                "--seed", "20261121",
                "--workers", "1",
            ],
            capture_output=True, text=True, cwd=tmp_path, timeout=600,
        )  # fmt: skip
    summary = done.stdout[-4000:]
    assert done.returncode == 0, summary + done.stderr[-2000:]
    assert "failures" not in summary.splitlines()[-1]
