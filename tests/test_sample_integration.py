"""The sample integration (examples/integration/) as a team would run it, in a repo of its own.

Its passing tests also run in this suite directly (``examples`` is a test path);
here it is copied into an empty directory, without the kit's pytest settings, and
its deliberately failing examples are run to check what the team would read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest_plugins = ["pytester"]

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "integration"


@pytest.fixture
def sample(pytester: pytest.Pytester) -> pytest.Pytester:
    for source in SAMPLE.glob("*.py"):
        shutil.copy(source, pytester.path / source.name)
    return pytester


def test_the_real_client_library_is_used_unmodified() -> None:
    assert version("midtransclient") == "1.4.2"
    code = "\n".join(p.read_text(encoding="utf-8") for p in SAMPLE.glob("*.py"))
    # Nothing points the library elsewhere: the plugin routes its calls unseen.
    for patching in ("ApiConfig", "monkeypatch", "BASE_URL", "capture_conformance", "respx"):
        assert patching not in code, patching


def test_the_demonstrated_bugs_fail_with_rule_and_field(sample: pytest.Pytester) -> None:
    result = sample.runpytest_subprocess("-p", "no:cacheprovider", "demo_failures.py")
    result.assert_outcomes(failed=2)
    # midtransclient's own error reaches the test, and the violation is said under it.
    result.stdout.fnmatch_lines(
        [
            "E *midtransclient.error_midtrans.MidtransAPIError: Midtrans API is returning API "
            "error. HTTP status code: `400`. *",
            "E *capture-conformance: 1 contract violation in this test's provider traffic "
            "(profile 'documented')",
            "E *POST https://api.sandbox.midtrans.com/v2/capture (midtrans capture) -> HTTP 400",
            "E *  request: midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount "
            "is written as a decimal; decimal values are invalid",
            "E *      expected: 'an integer (Long) without a decimal point'",
            "E *      sent:     30000.0",
            "E *      source:   https://docs.midtrans.com/reference/capture-transaction-card "
            "(documented): 'gross_amount | *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *checkout_pivot.PivotAPIError: Pivot answered 400 api_validation_error: *",
            "E *capture-conformance: 1 contract violation in this test's provider traffic "
            "(profile 'documented')",
            "E *POST https://api-stg.pivot-payment.com/v2/payments/*/capture (pivot capture) "
            "-> HTTP 400",
            "E *  request: pivot.amount.value at /amount/value: must be of type 'number', "
            "received 'string'",
            "E *      expected: 'number'",
            "E *      sent:     '30000'",
            "E *      source:   https://pivot-payment.gitbook.io/*capture (documented): *",
        ]
    )


def readme_workflow() -> dict[str, Any]:
    text = (SAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Python integrations: the pytest plugin") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") :]
    document: dict[str, Any] = yaml.safe_load(block[: block.index("\n```\n")])
    return document


def test_the_readme_workflow_passes_the_sample_and_fails_a_bug(sample: pytest.Pytester) -> None:
    (job,) = readme_workflow()["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert any("pip install" in run and "capture-conformance" in run for run in runs)
    (command,) = [run for run in runs if run.startswith("pytest")]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def job_step() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", command], cwd=sample.path, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    passed = job_step()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    names = {
        f"{case.get('classname')}::{case.get('name')}"
        for case in ET.parse(sample.path / "conformance-junit.xml").getroot().iter("testcase")
    }
    assert names == {
        "test_midtrans_checkout::test_capture_of_an_integer_amount",
        "test_midtrans_checkout::test_a_refused_capture_reaches_the_checkout",
        "test_pivot_checkout::test_partial_capture",
        "test_pivot_checkout::test_capture_from_async_code[asyncio]",
        "test_pivot_checkout::test_an_unavailable_gateway_reaches_the_checkout",
    }

    # The same step fails the job once a test's traffic breaks the contract.
    shutil.copy(sample.path / "demo_failures.py", sample.path / "test_demo_failures.py")
    failed = job_step()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    failures = {
        case.get("name"): case.find("failure")
        for case in ET.parse(sample.path / "conformance-junit.xml").getroot().iter("testcase")
    }
    failure = failures["test_capture_of_a_float_amount"]
    assert failure is not None
    assert "midtrans.gross-amount.decimal-literal at /gross_amount" in (failure.text or "")
    assert failures["test_capture_of_an_integer_amount"] is None
