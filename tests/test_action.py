"""The composite GitHub Action (``action.yml``), its steps run with bash as a runner would.

Each step's ``${{ inputs.* }}`` and ``${{ github.action_path }}`` are substituted,
``GITHUB_OUTPUT``, ``GITHUB_ENV`` and ``GITHUB_STEP_SUMMARY`` are files, and
``GITHUB_ENV`` is carried to the next steps. The install step is not run (it
pip-installs the action's own folder, the kit installed here already): its
variable points at this interpreter instead.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conformance.reports.markdown import main as markdown_main
from conformance.simulators import create
from conformance.simulators._serve import served

ROOT = Path(__file__).resolve().parent.parent
SECRET = "SB-Mid-server-test-action-made-up-0001"
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return document


def run_action(tmp_path: Path, inputs: dict[str, str], env: dict[str, str]) -> dict[str, Any]:
    """Run the action's steps in order; its outputs, summary and each step's exit code."""
    doc = action()
    given = {
        name: inputs.get(name, spec.get("default", "")) for name, spec in doc["inputs"].items()
    }
    assert set(inputs) <= set(given), "an input the action does not declare"
    files = {name: tmp_path / name.lower() for name in ("GITHUB_OUTPUT", "GITHUB_ENV")}
    files["GITHUB_STEP_SUMMARY"] = tmp_path / "summary.md"
    for path in files.values():
        path.write_text("")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MIDTRANS_", "PIVOT_"))}
    environ = {**base, **env, **{k: str(v) for k, v in files.items()}}
    environ["RUNNER_TEMP"] = str(tmp_path)
    environ["CAPTURE_CONFORMANCE_PYTHON"] = sys.executable

    def substitute(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match[1]
            if name == "github.action_path":
                return str(ROOT)
            assert name.startswith("inputs."), f"unexpected expression {name}"
            return given[name.removeprefix("inputs.")]

        return EXPRESSION.sub(value, text)

    codes: dict[str, int] = {}
    failed = False
    for step in doc["runs"]["steps"]:
        assert step["shell"] == "bash"
        # Inputs reach scripts through env only, never pasted into the script itself.
        assert "${{" not in step["run"], step["name"]
        if step["name"] == "Install capture-conformance":
            assert (
                '-m pip install --quiet --disable-pip-version-check "$ACTION_PATH"' in step["run"]
            )
            assert step["env"]["ACTION_PATH"] == "${{ github.action_path }}"
            continue
        if failed and "always()" not in str(step.get("if", "")):
            continue
        step_env = {k: substitute(str(v)) for k, v in step.get("env", {}).items()}
        for line in files["GITHUB_ENV"].read_text().splitlines():
            key, _, val = line.partition("=")
            environ[key] = val
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=tmp_path, env={**environ, **step_env}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        codes[step["name"]] = done.returncode
        failed = failed or done.returncode != 0
    step_outputs = dict(
        line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines()
    )
    outputs = {
        name: EXPRESSION.sub(
            lambda m: step_outputs.get(m[1].removeprefix("steps.run.outputs."), ""), spec["value"]
        )
        for name, spec in doc["outputs"].items()
    }
    return {
        "outputs": outputs,
        "summary": files["GITHUB_STEP_SUMMARY"].read_text(),
        "codes": codes,
        "failed": failed,
    }


def test_the_action_declares_its_inputs_and_outputs() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert {"provider", "base-url", "profile", "examples", "seed", "cassette", "report-json",
            "junit", "report-html"} <= set(doc["inputs"])  # fmt: skip
    assert set(doc["outputs"]) == {"exit-code", "report-json", "junit", "report-html"}


def test_the_readme_uses_only_inputs_the_action_declares() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### The GitHub Action") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") :]
    steps = yaml.safe_load(block[: block.index("\n```\n")])
    (step,) = [s for s in steps if "capture-conformance@" in s.get("uses", "")]
    assert set(step["with"]) <= set(action()["inputs"])
    assert set(step["env"]) <= {"MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY", "PIVOT_CLIENT_ID",
                                "PIVOT_CLIENT_SECRET"}  # fmt: skip


def test_a_conformant_cassette_passes_with_a_summary(tmp_path: Path) -> None:
    junit = tmp_path / "out" / "junit.xml"
    result = run_action(
        tmp_path,
        {"provider": "pivot", "cassette": str(ROOT / "cassettes" / "pivot" / "catalogue.yaml"),
         "junit": str(junit), "report-json": str(tmp_path / "report.json")},
        {},
    )  # fmt: skip
    assert not result["failed"], result
    assert result["outputs"]["exit-code"] == "0"
    assert result["outputs"]["report-json"] == str(tmp_path / "report.json")
    assert result["outputs"]["junit"] == str(junit)
    assert junit.is_file()
    assert result["outputs"]["report-html"] == ""
    summary = result["summary"]
    assert summary.startswith("## capture-conformance: PASSED (exit 0)")
    assert re.search(r"^\| pivot \| documented \| cassette .*\| 0 \|$", summary, re.M), summary
    assert "### Failures" not in summary


def test_a_quirk_fails_the_step_and_the_summary_names_it_without_the_secret(
    tmp_path: Path,
) -> None:
    with served(create("midtrans", quirk="masked-card-full-pan").app) as url:
        result = run_action(
            tmp_path,
            {"provider": "midtrans", "base-url": url, "examples": "1", "seed": "7"},
            {"MIDTRANS_SERVER_KEY": SECRET},
        )
    assert result["failed"]
    assert result["codes"]["Fail the step unless conformant"] == 1
    assert result["codes"]["Write the job summary"] == 0
    assert result["outputs"]["exit-code"] == "1"
    report = Path(result["outputs"]["report-json"])
    assert report.parent == tmp_path
    assert json.loads(report.read_text())["exit_code"] == 1
    summary = result["summary"]
    assert summary.startswith("## capture-conformance: FAILED (exit 1)")
    assert "### Failures" in summary
    assert "#### `midtrans.masked-card.full-pan`" in summary
    assert "- expected: " in summary
    assert "curl " in summary
    basic = base64.b64encode(f"{SECRET}:".encode()).decode()
    for text in (summary, report.read_text()):
        assert SECRET not in text
        assert basic not in text


def test_the_markdown_redacts_the_credentials_of_the_environment_again(
    tmp_path: Path, capsys
) -> None:
    # A report written without the key (e.g. by another tool) that echoes it in a message.
    finding = {"check": "midtrans.x", "severity": "error", "message": f"refused {SECRET}",
               "pointer": "", "expected": SECRET, "actual": None, "source": None}  # fmt: skip
    document = {"exit_code": 1, "runs": [{"provider": "midtrans", "profile": "documented",
                "target": "t", "exit_code": 1, "summary": {"cases": 1, "failed": 1},
                "cases": [{"id": "c", "findings": [finding]}]}]}  # fmt: skip
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    assert markdown_main([str(path)], env={"MIDTRANS_SERVER_KEY": SECRET}) == 0
    out = capsys.readouterr().out
    assert "refused <redacted>" in out
    assert SECRET not in out


def test_the_markdown_entry_refuses_what_is_no_report_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{")
    for arg in ("bad.json", "missing.json"):
        done = subprocess.run(
            [sys.executable, "-m", "conformance.reports.markdown", arg],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
