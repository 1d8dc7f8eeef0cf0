"""The command line as a user runs it: output, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from conformance.cli import main

CLI = [sys.executable, "-m", "conformance"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True)


def test_conformant_request_exits_0() -> None:
    done = run(
        "validate",
        "midtrans",
        "request",
        "-",
        stdin='{"transaction_id": "be4f3e44-d6ee-4355-8c64-c1d1dc7f4590", "gross_amount": 145000}',
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "conformant"


def test_violation_exits_1_and_names_rule_and_field() -> None:
    done = run(
        "validate",
        "midtrans",
        "request",
        "-",
        stdin='{"transaction_id": "t-1", "gross_amount": 30000.0}',
    )
    assert done.returncode == 1
    assert (
        "[error] midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount is written"
        " as a decimal; decimal values are invalid (expected 'an integer (Long) without a"
        " decimal point', received 30000.0)"
    ) in done.stdout


def test_json_format_is_machine_readable() -> None:
    done = run(
        "validate",
        "pivot",
        "response",
        "-",
        "--status",
        "200",
        "--format",
        "json",
        stdin='{"code": 0, "message": "Success", "data": {}}',
    )
    assert done.returncode == 1
    found = json.loads(done.stdout)
    assert {"rule", "severity", "pointer", "expected", "actual", "message", "source"} <= set(
        found[0]
    )
    assert any(v["pointer"] == "/code" for v in found)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("validate", "midtrans", "request", "/"), "", "Is a directory"),
        (
            ("validate", "stripe", "request", "-"),
            "{}",
            "'stripe' is not one of 'midtrans', 'pivot'",
        ),
        (
            ("validate", "midtrans", "request", "-", "--operation", "refund"),
            "{}",
            "unknown midtrans operation 'refund'; choose one of: capture, token, charge, status",
        ),
        (("validate", "midtrans", "request", "/no/such/file.json"), "", "No such file"),
    ],
    ids=["unreadable-file", "unknown-provider", "unknown-operation", "missing-file"],
)
def test_could_not_run_is_exit_2_with_one_line(args, stdin, message) -> None:
    done = run(*args, stdin=stdin)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("capture-conformance: error: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr


def test_examples_command_passes_on_the_specs() -> None:
    done = run("examples")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   midtrans capture request" in done.stdout
    assert "ok   pivot capture 200" in done.stdout


def test_main_returns_exit_code_in_process(capsys) -> None:
    assert main(["--version"]) == 0
    assert "capture-conformance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message", "command"),
    [
        (("check",), "Missing argument '{midtrans|pivot}'", "check"),
        (("cassettes", "lint"), "Missing argument 'PATH...'", "cassettes lint"),
        (("record", "pivot"), "Missing option '--out'", "record"),
        (("check", "midtrans", "--no-such-option"), "No such option '--no-such-option'", "check"),
        (("no-such-command",), "No such command 'no-such-command'", ""),
        ((), "missing command (one of: cassettes, check, examples, ", ""),
        (("cassettes",), "missing command (one of: diff, examples, lint)", "cassettes"),
    ],
    ids=["missing-argument", "missing-path", "missing-option", "unknown-option",
         "unknown-command", "no-command", "no-subcommand"],
)  # fmt: skip
def test_a_usage_error_is_one_line_naming_the_help_to_read(args, message, command) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr  # not click's Usage / Try / Error
    assert lines[0].startswith(f"capture-conformance: error: {message}"), lines[0]
    assert lines[0].endswith(f"; see {' '.join(['capture-conformance', command]).strip()} --help")


def test_help_still_works_for_every_command() -> None:
    for args in ((), ("check",), ("cassettes", "lint")):
        done = run(*args, "--help")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"Usage: capture-conformance {' '.join(args)}".rstrip())
        assert done.stderr == ""
