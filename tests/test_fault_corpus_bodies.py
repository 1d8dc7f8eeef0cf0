"""A corpus of hostile bodies through every entry point that reads one: validate, cassettes
lint, diff and replay, check against a live target, the proxy and the plugin.

Each body ends as a finding or one line (exit 0/1/2, 4 in the plugin), never a traceback
or INTERNALERROR, in bounded time; the reports stay strict JSON (no ``NaN``/``Infinity``),
a report file that was there is replaced whole, and the run's key is never printed.
tests/test_fault_corpus.py holds the corpus of hosts, encodings, timing and option values.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance.cli import main
from conformance.simulators import create
from conformance.simulators._serve import served

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "cassettes" / "midtrans" / "catalogue.yaml"
SERVER_KEY = "SB-Mid-server-test-body-corpus"
CLIENT_KEY = "SB-Mid-client-test-body-corpus"
#: The hostile capture answers, by name.
BODIES: dict[str, bytes] = {
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "nan": b'{"status_code": "200", "transaction_status": "capture", "gross_amount": NaN}',
    "infinity": b'{"status_code": "200", "gross_amount": -Infinity}',
    "5000-digits": b'{"status_code": "200", "gross_amount": ' + b"9" * 5000 + b"}",
    "duplicate-key": b'{"status_code": "200", "status_code": "412"}',
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "empty": b"",
}
#: Bounded time: each entry point answers a hostile body within this many seconds.
BOUND = 30.0


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-2000:]
        assert "INTERNALERROR" not in text, text[-2000:]
        assert SERVER_KEY not in text


def strict_json(path: Path) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"{path.name} holds {constant}: not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def tampered_cassette(tmp_path: Path, body: bytes) -> Path:
    """The committed Midtrans recording with its first capture answered by *body*."""
    document = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    capture = next(
        i for i in document["interactions"] if i["request"]["uri"].endswith("/v2/capture")
    )
    capture["response"]["body"] = {"string": body.decode("utf-8")}
    path = tmp_path / "tampered.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def timed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    started = time.monotonic()
    code = main(argv)
    assert time.monotonic() - started < BOUND, f"{argv[:2]} took too long"
    out, err = capsys.readouterr()
    assert_clean(out, err)
    return code, out + err


@pytest.mark.parametrize("name", list(BODIES))
def test_validate_judges_a_hostile_body_as_a_violation(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answer.json"
    path.write_bytes(BODIES[name])
    code, text = timed(["validate", "midtrans", "response", str(path), "--format", "json"], capsys)
    assert code == 1, text
    assert json.loads(text)  # the findings themselves are strict JSON


@pytest.mark.parametrize("name", list(BODIES))
def test_lint_replay_and_diff_take_a_hostile_recorded_answer(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tampered_cassette(tmp_path, BODIES[name])
    code, text = timed(["cassettes", "lint", str(cassette)], capsys)
    assert code == 1, text
    report = tmp_path / "replay.json"
    report.write_text("the report of an earlier run\n", encoding="utf-8")
    code, text = timed(["check", "midtrans", "--cassette", str(cassette), "--no-progress",
                        "--report-json", str(report)], capsys)  # fmt: skip
    assert code == 1, text
    assert strict_json(report)["exit_code"] == 1  # replaced whole, strict JSON
    code, text = timed(["cassettes", "diff", str(CATALOGUE), str(cassette)], capsys)
    assert code in (0, 1), text


def _answering(body: bytes) -> Any:
    """The Midtrans simulator, but every capture is answered with *body*."""
    simulator = create("midtrans")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v2/capture":
            while (await receive()).get("more_body"):
                pass
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        await simulator.app(scope, receive, send)

    return app


@pytest.mark.parametrize("name", ["deep-nesting", "nan", "5000-digits", "html"])
def test_check_judges_a_live_hostile_answer(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "check.json"
    with served(_answering(BODIES[name])) as url:
        code, text = timed(["check", "midtrans", "--base-url", url, "--server-key", SERVER_KEY,
                            "--client-key", CLIENT_KEY, "--examples", "1", "--seed", "3",
                            "--deliveries", "off", "--only", "midtrans.full-capture",
                            "--no-progress", "--report-json", str(report)], capsys)  # fmt: skip
    assert code == 1, text
    assert strict_json(report)["exit_code"] == 1
    assert SERVER_KEY not in report.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["deep-nesting", "nan"])
def test_the_proxy_forwards_a_hostile_answer_and_keeps_its_report(
    name: str, tmp_path: Path
) -> None:
    report = tmp_path / "proxy.json"
    with served(_answering(BODIES[name])) as upstream:
        proxy = subprocess.Popen(
            [sys.executable, "-m", "conformance", "proxy", "midtrans", "--upstream", upstream,
             "--port", "0", "--report-json", str(report)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proxy.stdout is not None
            url = proxy.stdout.readline().strip()
            answer = httpx.post(
                f"{url}/v2/capture",
                json={"transaction_id": "a5d5bd19-5d9c-4a8a-9b1f-0d4e2e4d3f10"},
                auth=(SERVER_KEY, ""),
                headers={"Accept": "application/json"},
                timeout=BOUND,
            )
            assert answer.content == BODIES[name]  # forwarded byte for byte
            proxy.send_signal(signal.SIGTERM)
            out, err = proxy.communicate(timeout=BOUND)
        finally:
            if proxy.poll() is None:
                proxy.kill()
    assert proxy.returncode == 1, err
    assert_clean(out, err)
    assert "midtrans.response.json" in strict_json(report)["runs"][0]["checks_failed"]


@pytest.mark.parametrize("name", ["deep-nesting", "nan"])
def test_the_plugin_fails_a_hostile_recorded_answer_without_internalerror(
    name: str, tmp_path: Path, pytester: pytest.Pytester
) -> None:
    cassette = tampered_cassette(tmp_path, BODIES[name])
    result = pytester.runpytest_subprocess(
        "--capture-conformance=midtrans", f"--conformance-cassettes={cassette}", "-p",
        "no:cacheprovider",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_clean(result.stdout.str(), result.stderr.str())
    result.stdout.fnmatch_lines(["*midtrans.response.json*"])


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
@pytest.mark.parametrize("name", ["deep-nesting", "nan", "5000-digits"])
def test_the_simulators_refuse_a_hostile_request_as_the_provider_would(
    provider: str, name: str
) -> None:
    from starlette.testclient import TestClient

    path = (
        "/v2/capture"
        if provider == "midtrans"
        else f"/v2/payments/{'0' * 8}-0000-4000-8000-{'0' * 12}/capture"
    )
    answer = TestClient(create(provider).app).post(
        path, content=BODIES[name], headers={"Content-Type": "application/json"}
    )
    assert answer.status_code < 500, answer.text  # refused in the provider's shape, not a crash
