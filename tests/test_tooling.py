"""ruff and mypy (strict on conformance/) are part of the test run."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "conformance", "tests", "benchmarks"],
        ["ruff", "format", "--check", "conformance", "tests", "benchmarks"],
        ["mypy", "--strict", "conformance"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(command, repo_root) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=repo_root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
