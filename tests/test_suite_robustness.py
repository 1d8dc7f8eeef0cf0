"""A broken target ends as reported violations or exit 2: never a traceback, never a hang."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from conformance.simulators import create
from conformance.simulators._serve import served

CHECK = [sys.executable, "-m", "conformance", "check"]


@pytest.fixture
def pivot() -> Iterator[tuple[object, str]]:
    sim = create("pivot")
    with served(sim.app) as url:
        yield sim, url


def check(provider: str, url: str, *extra: str, timeout: float = 120) -> tuple[int, str, str]:
    done = subprocess.run(
        [*CHECK, provider, "--base-url", url, "--no-progress", "--examples", "3", "--seed", "5",
         *extra],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-3000:]


def test_a_target_that_is_down_is_exit_2_with_one_line() -> None:
    code, _, err = check("midtrans", "http://127.0.0.1:9")
    assert code == 2
    assert err.strip().splitlines() == [
        "capture-conformance: error: cannot reach http://127.0.0.1:9: "
        "ConnectError: [Errno 111] Connection refused"
    ]


def test_credentials_refused_on_setup_is_exit_2() -> None:
    with served(create("midtrans", client_key="SB-Mid-client-only-this-one").app) as url:
        code, _, err = check("midtrans", url, "--client-key", "SB-Mid-client-another")
    assert code == 2
    assert err.startswith("capture-conformance: error: the target refused the client key")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("fault", "evidence"),
    [
        ({"kind": "non-json", "status": 502}, "response body is not JSON"),
        ({"kind": "truncate"}, "response body is not JSON"),
        ({"kind": "disconnect"}, "no answer: RemoteProtocolError"),
        ({"kind": "latency", "delay": 1.5}, "no answer: timed out"),
        ({"kind": "error", "status": 503}, "pivot."),
    ],
    ids=["html-502", "truncated", "reset", "slow", "5xx"],
)
def test_faults_mid_run_are_reported_as_violations(pivot, fault, evidence) -> None:
    _, url = pivot
    # Let the setup of the first cases through, then break every capture.
    httpx.post(f"{url}/_sim/faults", json={**fault, "path": "/v2/payments/", "rate": 1.0})
    started = time.monotonic()
    code, out, err = check("pivot", url, "--timeout", "0.5", "--time-limit", "60")
    assert_no_traceback(out, err)
    assert code == 1, out[-3000:] + err
    assert evidence in out
    assert time.monotonic() - started < 90


def test_the_global_time_limit_stops_a_slow_run(pivot) -> None:
    _, url = pivot
    httpx.post(f"{url}/_sim/faults", json={"kind": "latency", "delay": 0.2, "path": "/v2/"})
    started = time.monotonic()
    code, out, err = check("pivot", url, "--time-limit", "2", "--timeout", "5")
    assert_no_traceback(out, err)
    assert time.monotonic() - started < 30
    assert "time limit of 2 s reached" in out
    assert "not run to their end: " in out
    # Not a pass: 2 (nothing failed before the limit) or 1 (something did).
    assert code in (1, 2)
