"""``capture-conformance proxy`` as a CI job runs it: a subprocess on ``--port 0`` in front of
a simulator served on loopback, stopped with SIGTERM; its output, exit code and reports.

README.md, "The validating proxy" and "Gate your integration in CI", documents what is
asserted here.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from test_proxy import (
    BASIC,
    CARD_NUMBER,
    CLIENT_KEY,
    MERCHANT_ID,
    MERCHANT_SECRET,
    PIVOT_CARD,
    SERVER_KEY,
    TRAFFIC,
)

from conformance.cli import main
from conformance.reports.json_report import report_schema
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.simulators.quirks import get as quirk

CLI = [sys.executable, "-m", "conformance", "proxy"]
ERROR_PREFIX = "capture-conformance: error: "


class Proxy:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url
        self.out = self.err = ""
        self.code: int | None = None

    def drive(self, provider: str, **options: Any) -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
                result: dict[str, Any] = await TRAFFIC[provider](client, **options)
                return result

        return asyncio.run(go())

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        # Read through the text streams, not communicate(): it reads the raw pipes and
        # would lose what readline() already buffered past the URL line.
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        self.proc.wait(timeout=30)
        self.out, self.err, self.code = self.url + "\n" + out, err, self.proc.returncode
        return self.proc.returncode


@contextmanager
def proxy(provider: str, upstream: str, *options: str) -> Iterator[Proxy]:
    with subprocess.Popen(
        [*CLI, provider, "--upstream", upstream, "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), (url, proc.stderr and proc.stderr.read())
            yield Proxy(proc, url)
        finally:
            if proc.poll() is None:
                proc.kill()


def reports(tmp_path: Path) -> tuple[str, ...]:
    return ("--report-json", str(tmp_path / "proxy.json"), "--junit", str(tmp_path / "proxy.xml"))


def read_reports(tmp_path: Path) -> tuple[dict[str, Any], ET.Element]:
    document = json.loads((tmp_path / "proxy.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    return document, ET.parse(tmp_path / "proxy.xml").getroot()


def test_conformant_traffic_exits_0_and_writes_valid_reports(tmp_path: Path) -> None:
    with (
        served(create("midtrans").app) as upstream,
        proxy("midtrans", upstream, *reports(tmp_path)) as running,
    ):
        result = running.drive("midtrans")
        assert result["capture"].status_code == 200
        assert running.stop() == 0, running.out + running.err
    lines = running.out.splitlines()
    assert lines[1] == f"forwarding to {upstream}, validating midtrans traffic (profile documented)"
    assert "ok   POST /v2/capture -> 200 (capture)" in lines
    assert any(line.startswith("midtrans: PASSED - conformant: 3 cases passed") for line in lines)
    document, junit = read_reports(tmp_path)
    assert document["exit_code"] == 0
    (run,) = document["runs"]
    assert run["target"] == upstream
    assert {case["id"]: case["exchanges"] for case in run["cases"]} == {
        "midtrans.proxy.token": 1,
        "midtrans.proxy.charge": 1,
        "midtrans.proxy.capture": 1,
    }
    assert {case["kind"] for case in run["cases"]} == {"traffic"}
    assert junit.get("failures") == "0"
    names = {case.get("name") for case in junit.iter("testcase")}
    assert {"midtrans.proxy.capture", "midtrans.capture-request.gross-amount"} <= names


@pytest.mark.parametrize(
    ("provider", "name"), [("midtrans", "gross-amount-number"), ("pivot", "status-done")]
)
def test_violations_are_printed_reported_exit_1_and_secrets_never_shown(
    tmp_path: Path, provider: str, name: str
) -> None:
    with (
        served(create(provider, quirk=name).app) as upstream,
        proxy(provider, upstream, *reports(tmp_path)) as running,
    ):
        result = running.drive(provider, broken=True)
        assert running.stop() == 1, running.out + running.err
    rule = quirk(provider, name).detected_by
    assert f"{rule} at /" in running.out
    document, junit = read_reports(tmp_path)
    assert document["exit_code"] == 1
    assert rule in document["runs"][0]["checks_failed"]
    (failed,) = [c for c in junit.iter("testcase") if c.get("name") == rule]
    assert failed.find("failure") is not None
    findings = {f["check"]: f for case in document["runs"][0]["cases"] for f in case["findings"]}
    # The secrets did reach the evidence: redaction, not their absence, keeps them out.
    assert findings[rule]["request"]["headers"]["authorization"] == "<redacted>"
    if provider == "midtrans":
        assert "midtrans.capture-request.gross-amount at /gross_amount" in running.out
        assert findings["midtrans.token-request.card-cvv"]["actual"] == "<redacted>"
        charge = json.loads(findings["midtrans.request.accept"]["request"]["body"])
        assert charge["credit_card"]["token_id"] == "<redacted>"
        secrets = [SERVER_KEY, BASIC.split()[1], CLIENT_KEY, CARD_NUMBER, "98x", result["token_id"]]
    else:
        assert "pivot.access-token-request.grant-type at /grantType" in running.out
        refused = findings["pivot.access-token-request.grant-type"]["request"]["headers"]
        assert refused["x-merchant-id"] == refused["x-merchant-secret"] == "<redacted>"
        secrets = [MERCHANT_ID, MERCHANT_SECRET, PIVOT_CARD, result["accessToken"]]
    outputs = {
        "stdout": running.out,
        "stderr": running.err,
        "json": (tmp_path / "proxy.json").read_text(encoding="utf-8"),
        "junit": (tmp_path / "proxy.xml").read_text(encoding="utf-8"),
    }
    leaks = [(where, s) for where, text in outputs.items() for s in secrets if s in text]
    assert leaks == []


def test_unreachable_upstream_answers_502_and_exits_1() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with proxy("midtrans", closed) as running:
        answer = httpx.post(f"{running.url}/v2/capture", json={"transaction_id": "t"}, timeout=30)
        assert running.stop() == 1, running.out + running.err
    assert answer.status_code == 502
    assert answer.json()["error"].startswith(
        "capture-conformance proxy: cannot reach the upstream: ConnectError"
    )
    assert "FAIL POST /v2/capture -> no answer (capture)" in running.out
    assert "midtrans.transport at /: no answer: cannot reach the upstream" in running.out


def test_busy_port_is_one_line_exit_2() -> None:
    with served(create("pivot").app) as upstream:
        port = upstream.rsplit(":", 1)[1]
        done = subprocess.run(
            [*CLI, "pivot", "--upstream", upstream, "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 2
    assert done.stderr.startswith(f"{ERROR_PREFIX}cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--upstream", "api.sandbox.midtrans.com"], "--upstream must be an http(s) URL; got "),
        (["--upstream", "ftp://127.0.0.1:1"], "--upstream must be an http(s) URL; got "),
        (["--upstream", "http://127.0.0.1:99999"], "--upstream must be an http(s) URL; got "),
        (["--upstream", "https://ci:pw-made-up@api.sandbox.midtrans.com"],
         "--upstream must not carry credentials (user:password@); the client's own"),
        (
            ["--upstream", "https://api.midtrans.com"],
            "https://api.midtrans.com is midtrans's production host",
        ),
        (["--upstream", "http://127.0.0.1:1", "--report-json", "/dev/null/r.json"],
         "--report-json '/dev/null/r.json' cannot be written: '/dev/null' is not a writable"),
        (["--upstream", "http://127.0.0.1:1", "--junit", "{tmp}"],
         "Invalid value for '--junit': File '{tmp}' is a directory"),
        (["--upstream", "http://127.0.0.1:1", "--port", "70000"], "Invalid value for '--port'"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["proxy", "midtrans", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(ERROR_PREFIX + message.replace("{tmp}", str(tmp_path))), err
    assert len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())  # nothing written, nothing created
