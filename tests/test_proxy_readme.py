"""The README's GitHub Actions workflow for the proxy, run for real: its shell steps, in order.

The steps that start the simulator and the proxy and the one that stops the proxy are taken
from README.md ("Any language: the validating proxy") as written, on free ports; the
integration's tests are one capture sent through the proxy. The job must fail (the stop
step exits 1) and leave both reports.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent


def workflow() -> dict[str, Any]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Any language: the validating proxy") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") :]
    document: dict[str, Any] = yaml.safe_load(block[: block.index("\n```\n")])
    return document


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_readme_workflow_fails_the_job_on_a_violation(tmp_path: Path) -> None:
    (job,) = workflow()["jobs"].values()
    steps = {step.get("name", ""): step for step in job["steps"]}
    simulator, proxy = free_port(), free_port()

    def script(name: str) -> str:
        text: str = steps[name]["run"]
        return text.replace("8001", str(simulator)).replace("8080", str(proxy))

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def step(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", text], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip

    started = step(script("Start the Midtrans simulator") + "\necho $! > simulator.pid")
    assert started.returncode == 0, started.stderr
    try:
        assert step(script("Start the validating proxy")).returncode == 0
        answer = httpx.post(
            f"http://127.0.0.1:{proxy}/v2/capture",
            json={"transaction_id": "t-1", "gross_amount": 30000.5},
            timeout=30,
        )
        assert answer.status_code == 401  # the simulator's own answer: no server key was sent
        stop = step(script("Stop the proxy; fail on any violation"))
    finally:
        os.kill(int((tmp_path / "simulator.pid").read_text()), signal.SIGTERM)
    assert stop.returncode == 1, stop.stdout + stop.stderr
    assert "midtrans.capture-request.gross-amount at /gross_amount" in stop.stdout
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    uploaded = upload["with"]["path"].split()
    assert uploaded == ["proxy-junit.xml", "proxy.json"]
    junit = ET.parse(tmp_path / "proxy-junit.xml").getroot()
    assert junit.get("failures") != "0"
    assert (tmp_path / "proxy.json").is_file()
