"""``capture-conformance check`` and ``run`` as a user runs them: exit codes, console, reports.

Every test starts the command line in a subprocess (``python -m conformance``), against
the embedded simulators (``run``) or a simulator served on loopback (``check``). The
behaviour asserted is the one README.md documents in "Check an implementation or a live
sandbox" and "What the suite checks".
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from conformance.errors import UsageError
from conformance.reports.json_report import report_schema
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import guard_production

CLI = [sys.executable, "-m", "conformance"]
QUICK_RUN = ("run", "--no-progress", "--seed", "1", "--examples", "2")
ERROR_PREFIX = "capture-conformance: error: "
GROSS = "midtrans.capture-response.gross-amount"
CREDENTIAL_VARS = (
    "MIDTRANS_SERVER_KEY",
    "MIDTRANS_CLIENT_KEY",
    "PIVOT_CLIENT_ID",
    "PIVOT_CLIENT_SECRET",
)
# Made-up credentials; none of them is a real key.
PINNED_SERVER_KEY = "SB-Mid-server-pinned-made-up"
PINNED_CLIENT_KEY = "SB-Mid-client-pinned-made-up"
PINNED_CLIENT_ID = "pivot-pinned-client-made-up"
PINNED_CLIENT_SECRET = "pivot-pinned-secret-made-up"
# The defaults the kit falls back on (conformance/suite/_target.py); the simulators accept them.
DEFAULT_SERVER_KEY = "SB-Mid-server-conformance-kit"
DEFAULT_CLIENT_KEY = "SB-Mid-client-conformance-kit"


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without credentials or forced colours, plus *extra*.

    A wide COLUMNS keeps rich from folding the lines the assertions look for.
    """
    drop = {*CREDENTIAL_VARS, "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "COLUMNS": "160", "NO_COLOR": "1", **extra}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env=clean_env() if env is None else env,
        timeout=120,
    )


def shown(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, exactly one line on stderr starting with the error prefix, no traceback."""
    assert done.returncode == 2, shown(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, shown(done)
    assert lines[0].startswith(ERROR_PREFIX), shown(done)
    assert "Traceback" not in done.stderr + done.stdout
    for fragment in fragments:
        assert fragment in lines[0], shown(done)
    return lines[0]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def findings(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for case in run["cases"] for f in case["findings"]]


def case_ids(run: dict[str, Any]) -> list[str]:
    return [case["id"] for case in run["cases"]]


# -- run: both simulators ---------------------------------------------------------------


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``run --no-progress --seed 1`` with both reports written, read by the tests below."""
    out = tmp_path_factory.mktemp("run")
    report, junit = out / "report.json", out / "junit.xml"
    done = cli(
        "run", "--no-progress", "--seed", "1", "--report-json", str(report), "--junit", str(junit)
    )
    return {"done": done, "report": report, "junit": junit}


def test_run_exits_0_with_a_summary_and_verdict_per_provider(full_run: dict[str, Any]) -> None:
    done = full_run["done"]
    assert done.returncode == 0, shown(done)
    assert done.stderr == ""
    assert "\x1b[" not in done.stdout  # not a terminal: plain text
    document = load(full_run["report"])
    for run in document["runs"]:
        provider, cases = run["provider"], len(run["cases"])
        assert cases > 20  # every scenario plus the property and stateful runs
        title = (
            f"{provider}: in-process {provider} simulator - profile documented, seed 1, 10 examples"
        )
        assert title in done.stdout
        verdict = f"{provider}: PASSED - conformant: {cases} cases passed in "
        assert verdict in done.stdout
        # the summary table has a row per case, with its outcome
        for case in run["cases"]:
            assert re.search(
                rf"^ {re.escape(case['id'])} +{case['kind']} +passed +0 ", done.stdout, re.M
            )
    assert done.stdout.rstrip().endswith("exit code 0")
    assert "FAIL" not in done.stdout
    assert "replay with" not in done.stdout  # only a failing run prints the replay line


def test_run_json_report_validates_and_holds_both_providers(full_run: dict[str, Any]) -> None:
    document = load(full_run["report"])
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["exit_code"] == 0
    assert document["command"].split()[-6:] == [
        "--seed",
        "1",
        "--report-json",
        str(full_run["report"]),
        "--junit",
        str(full_run["junit"]),
    ]
    assert [run["provider"] for run in document["runs"]] == ["midtrans", "pivot"]
    for run in document["runs"]:
        assert run["seed"] == 1
        assert run["examples"] == 10
        assert run["profile"] == "documented"
        assert run["replay"] == "--seed 1 --examples 10 --profile documented"
        assert run["exit_code"] == 0
        assert run["checks_failed"] == []
        assert run["interrupted"] is None
        assert {case["outcome"] for case in run["cases"]} == {"passed"}
        kinds = {"scenario", "property", "stateful", "traffic"}  # traffic: the deliveries
        assert {case["kind"] for case in run["cases"]} == kinds
        (deliveries,) = [case for case in run["cases"] if case["kind"] == "traffic"]
        assert deliveries["id"] == f"{run['provider']}.deliveries"
        assert deliveries["exchanges"] > 0, deliveries["note"]
        assert run["summary"]["passed"] == run["summary"]["cases"] == len(run["cases"])
        assert run["summary"]["exchanges"] > 0
        assert findings(run) == []


def test_run_junit_has_testcases_for_scenarios_runs_and_rules(full_run: dict[str, Any]) -> None:
    root = ET.parse(full_run["junit"]).getroot()
    document = load(full_run["report"])
    assert root.tag == "testsuites"
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "capture-conformance.midtrans",
        "capture-conformance.pivot",
    ]
    for suite, run in zip(suites, document["runs"], strict=True):
        provider = run["provider"]
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties["seed"] == "1"
        assert properties["exit_code"] == "0"
        testcases = suite.findall("testcase")
        by_class: dict[str, list[str]] = {}
        for testcase in testcases:
            by_class.setdefault(testcase.get("classname", ""), []).append(testcase.get("name", ""))
        ran = [
            *by_class[f"{provider}.scenario"],
            *by_class[f"{provider}.property"],
            *by_class[f"{provider}.stateful"],
            *by_class[f"{provider}.traffic"],
        ]
        assert sorted(ran) == sorted(case_ids(run))
        assert len(by_class[f"{provider}.rule"]) > 20
        assert all(name.startswith(f"{provider}.") for name in by_class[f"{provider}.rule"])
        assert suite.get("failures") == "0"
        assert suite.get("errors") == "0"
        assert int(suite.get("tests", "0")) == len(testcases)
    assert GROSS in [t.get("name") for t in suites[0].findall("testcase")]
    assert root.findall(".//failure") == []
    assert root.findall(".//error") == []


# -- check: a served simulator ------------------------------------------------------------


@pytest.fixture(scope="module")
def midtrans_url() -> Iterator[str]:
    with served(create("midtrans").app) as url:
        yield url


@pytest.fixture(scope="module")
def quirk_url() -> Iterator[str]:
    with served(create("midtrans", quirk="gross-amount-number").app) as url:
        yield url


def check(
    provider: str, url: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cli(
        "check", provider, "--base-url", url, "--examples", "2", "--no-progress", *extra, env=env
    )


def test_check_a_conformant_target_exits_0(midtrans_url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = check("midtrans", midtrans_url, "--seed", "3", "--report-json", str(report))
    assert done.returncode == 0, shown(done)
    assert done.stderr == ""
    assert f"midtrans: {midtrans_url} - profile documented, seed 3, 2 examples" in done.stdout
    assert "midtrans: PASSED - conformant: " in done.stdout
    document = load(report)
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    (run,) = document["runs"]
    assert run["target"] == midtrans_url
    assert run["exit_code"] == 0
    assert run["summary"]["exchanges"] > 0


@pytest.fixture(scope="module")
def quirk_check(quirk_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("quirk") / "report.json"
    done = check("midtrans", quirk_url, "--seed", "11", "--report-json", str(report))
    return {"done": done, "report": report}


def test_check_a_broken_target_exits_1_with_the_evidence(
    quirk_check: dict[str, Any], quirk_url: str
) -> None:
    done = quirk_check["done"]
    out = done.stdout
    assert done.returncode == 1, shown(done)
    assert done.stderr == ""
    assert re.search(rf"^FAIL {GROSS}  \d+ times in \d+ cases", out, re.M)
    assert out.count(f"FAIL {GROSS}") == 1  # one broken rule, shown once
    assert re.search(r"^also in: +.*midtrans\.", out, re.M)
    assert re.search(r"^at: +/gross_amount$", out, re.M)
    assert re.search(r"^expected: +'string'$", out, re.M)
    assert re.search(r"^received: +100000$", out, re.M)  # the integer the quirk answers
    assert re.search(r'^source: +documented: "`gross_amount` as a \*string\* with two', out, re.M)
    assert re.search(
        r"^ +https://docs\.midtrans\.com/reference/capture-transaction-card", out, re.M
    )
    # the reproduction: the setup calls, then the capture with the charge's id
    script = re.search(r"^curl: +(TOKEN_ID=.*)\n +(TRANSACTION_ID=.*)\n +(curl .*)$", out, re.M)
    assert script is not None, out
    assert "/v2/token?" in script.group(1)
    assert "/v2/charge" in script.group(2)
    assert f"{quirk_url}/v2/capture" in script.group(3)
    assert '-u "$MIDTRANS_SERVER_KEY:"' in script.group(3)
    assert "${TRANSACTION_ID}" in script.group(3)
    assert re.search(r"^replay with: --seed 11 --examples 2 --profile documented$", out, re.M)
    assert "midtrans: FAILED - not conformant: " in out


def test_check_json_report_of_a_broken_target(quirk_check: dict[str, Any]) -> None:
    document = load(quirk_check["report"])
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["exit_code"] == 1
    (run,) = document["runs"]
    assert run["seed"] == 11
    assert GROSS in run["checks_failed"]
    gross = [f for f in findings(run) if f["check"] == GROSS]
    assert gross
    first = gross[0]
    assert first["severity"] == "error"
    assert first["pointer"] == "/gross_amount"
    assert first["expected"] == "string"
    assert isinstance(first["actual"], int)
    assert first["source"]["kind"] == "documented"
    assert "gross_amount" in first["source"]["quote"]
    assert first["request"]["headers"]["authorization"] == "<redacted>"
    assert first["response"]["status"] == 200
    assert "curl -sS -X POST" in first["curl"]
    assert "/v2/capture" in first["curl"]
    assert first["replay"] == "--seed 11 --examples 2 --profile documented"
    failed = next(case for case in run["cases"] if case["id"] == "midtrans.full-capture")
    assert failed["outcome"] == "failed"


def test_the_same_seed_finds_the_same(quirk_check: dict[str, Any], tmp_path: Path) -> None:
    def signature(document: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Per case: outcome, requests sent, and each finding's check, pointer and value.

        Transaction ids are the target's own (random uuids), so request bodies differ.
        """
        (run,) = document["runs"]
        return [
            (
                case["id"],
                case["outcome"],
                case["exchanges"],
                [(f["check"], f["pointer"], f["actual"]) for f in case["findings"]],
            )
            for case in run["cases"]
        ]

    report = tmp_path / "again.json"
    # a fresh simulator, so nothing the first run left behind can make them agree
    with served(create("midtrans", quirk="gross-amount-number").app) as url:
        done = check("midtrans", url, "--seed", "11", "--report-json", str(report))
    assert done.returncode == 1, shown(done)
    first, again = signature(load(quirk_check["report"])), signature(load(report))
    # findings of scenarios and of hypothesis's property and stateful runs alike
    failed = {case_id for case_id, outcome, _, _ in first if outcome == "failed"}
    assert {"midtrans.full-capture", "midtrans.valid-captures"} <= failed
    assert again == first


# -- exit 2: could not run ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "url", "sandbox"),
    [
        ("midtrans", "https://api.midtrans.com", "https://api.sandbox.midtrans.com"),
        ("midtrans", "https://API.Midtrans.com/v2/", "https://api.sandbox.midtrans.com"),
        ("pivot", "https://api.pivot-payment.com", "https://api-stg.pivot-payment.com"),
    ],
)
def test_the_production_guard_refuses_production(provider: str, url: str, sandbox: str) -> None:
    done = cli("check", provider, "--base-url", url, "--no-progress")
    assert_one_line_error(done, url, "production host", f"use the sandbox ({sandbox})")
    assert_one_line_error(done, "--allow-production")
    assert done.stdout == ""  # refused before anything ran


def test_guard_production_directly() -> None:
    for provider, host in (("midtrans", "api.midtrans.com"), ("pivot", "api.pivot-payment.com")):
        with pytest.raises(UsageError, match="--allow-production"):
            guard_production(provider, f"https://{host}", False)
        with pytest.raises(UsageError, match="production host"):
            guard_production(provider, f"https://{host}:443/v2", False)
        guard_production(provider, f"https://{host}", True)  # --allow-production lifts it
        guard_production(provider, "http://127.0.0.1:8000", False)
    guard_production("midtrans", "https://api.sandbox.midtrans.com", False)
    guard_production("pivot", "https://api-stg.pivot-payment.com", False)
    # the other provider's production host is not this provider's
    guard_production("midtrans", "https://api.pivot-payment.com", False)


def test_guard_production_sees_through_a_trailing_dot() -> None:
    with pytest.raises(UsageError):
        guard_production("midtrans", "https://api.midtrans.com./", False)


def test_an_unreachable_target_is_exit_2() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    done = cli("check", "midtrans", "--base-url", url, "--no-progress")
    assert_one_line_error(done, f"cannot reach {url}")
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["check", "midtrans", "--base-url", "ftp://x"],
            ["--base-url must be an http(s) URL", "'ftp://x'"],
        ),
        (["run", "--only", "no-such-id"], ["--only 'no-such-id' names no midtrans"]),
        (
            ["run", "--skip", "midtrans.no-such-*"],
            ["--skip 'midtrans.no-such-*' names no midtrans"],
        ),
        (["run", "--examples", "0"], ["--examples", "0"]),
        (["check", "pivot", "--base-url", "http://127.0.0.1:1", "--examples", "0"], ["--examples"]),
        (["run", "--profile", "guessed"], ["--profile"]),
        (["check", "nobody", "--base-url", "http://127.0.0.1:1"], ["nobody"]),
        (["check", "midtrans"], ["--base-url"]),
    ],
    ids=[
        "ftp-url", "unknown-only", "unknown-skip", "run-examples-0", "check-examples-0",
        "unknown-profile", "unknown-provider", "no-base-url",
    ],
)  # fmt: skip
def test_bad_arguments_are_exit_2(args: list[str], fragments: list[str]) -> None:
    done = cli(*args, "--no-progress")
    assert_one_line_error(done, *fragments)
    assert done.stdout == ""


def test_pivot_credentials_refused_on_setup_are_exit_2() -> None:
    with served(create("pivot", client_id="only-me").app) as url:
        done = check("pivot", url, "--client-id", "other")
    assert_one_line_error(done, "/v1/access-token", "refused", "401")
    assert done.stdout == ""


def test_authorizations_file_that_is_not_a_list_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "auths.yaml"
    path.write_text("id: be4f3e44\namount: 100000\n", encoding="utf-8")
    done = check("midtrans", f"http://127.0.0.1:{closed_port()}", "--authorizations", str(path))
    assert_one_line_error(done, "must hold a list of objects", str(path))
    assert done.stdout == ""


def test_authorizations_entry_without_amount_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "auths.json"
    path.write_text('[{"id": "be4f3e44"}]', encoding="utf-8")
    done = check("midtrans", f"http://127.0.0.1:{closed_port()}", "--authorizations", str(path))
    assert_one_line_error(done, "needs an id and a whole amount")


def test_missing_authorizations_file_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    done = check("midtrans", f"http://127.0.0.1:{closed_port()}", "--authorizations", str(path))
    assert_one_line_error(done, "cannot read authorizations file", "No such file")
    assert done.stdout == ""


@pytest.mark.parametrize("flag", ["--report-json", "--junit"])
def test_a_report_path_that_cannot_be_written_is_exit_2_before_the_run(flag: str) -> None:
    path = "/dev/null/report.out"  # below a file: no folder can be made there
    done = cli(*QUICK_RUN, "--only", "midtrans.full-capture", flag, path)
    assert_one_line_error(done, f"{flag} {path!r} cannot be written")
    assert done.stdout == ""  # refused before any case ran: nothing sent, nothing moved


# -- credentials from the environment -----------------------------------------------------


@pytest.fixture(scope="module")
def pinned_midtrans() -> Iterator[str]:
    sim = create("midtrans", server_key=PINNED_SERVER_KEY, client_key=PINNED_CLIENT_KEY)
    with served(sim.app) as url:
        yield url


@pytest.fixture(scope="module")
def pinned_pivot() -> Iterator[str]:
    sim = create("pivot", client_id=PINNED_CLIENT_ID, client_secret=PINNED_CLIENT_SECRET)
    with served(sim.app) as url:
        yield url


def test_midtrans_default_credentials_are_refused_by_a_pinned_target(pinned_midtrans: str) -> None:
    done = check("midtrans", pinned_midtrans)
    assert_one_line_error(done, "refused the client key")


def test_midtrans_credentials_from_the_environment(pinned_midtrans: str) -> None:
    env = clean_env(MIDTRANS_SERVER_KEY=PINNED_SERVER_KEY, MIDTRANS_CLIENT_KEY=PINNED_CLIENT_KEY)
    # the full capture needs both keys: the client key to tokenise, the server key to
    # authorize and capture
    done = check(
        "midtrans", pinned_midtrans, "--seed", "2", "--only", "midtrans.full-capture", env=env
    )
    assert done.returncode == 0, shown(done)
    assert "midtrans: PASSED - conformant: 1 case passed" in done.stdout


def test_midtrans_options_beat_the_environment(pinned_midtrans: str) -> None:
    wrong = clean_env(
        MIDTRANS_SERVER_KEY="SB-Mid-server-wrong-made-up",
        MIDTRANS_CLIENT_KEY="SB-Mid-client-wrong-made-up",
    )
    done = check(
        "midtrans", pinned_midtrans, "--seed", "2", "--only", "midtrans.full-capture",
        "--server-key", PINNED_SERVER_KEY, "--client-key", PINNED_CLIENT_KEY, env=wrong,
    )  # fmt: skip
    assert done.returncode == 0, shown(done)
    right = clean_env(MIDTRANS_SERVER_KEY=PINNED_SERVER_KEY, MIDTRANS_CLIENT_KEY=PINNED_CLIENT_KEY)
    done = check(
        "midtrans", pinned_midtrans, "--client-key", "SB-Mid-client-wrong-made-up", env=right
    )
    assert_one_line_error(done, "refused the client key")


def test_a_refused_midtrans_server_key_is_exit_2(pinned_midtrans: str) -> None:
    done = check("midtrans", pinned_midtrans, "--client-key", PINNED_CLIENT_KEY)
    assert_one_line_error(done, "server key")


def test_pivot_default_credentials_are_refused_by_a_pinned_target(pinned_pivot: str) -> None:
    done = check("pivot", pinned_pivot)
    assert_one_line_error(done, "/v1/access-token", "refused")


def test_pivot_credentials_from_the_environment(pinned_pivot: str) -> None:
    env = clean_env(PIVOT_CLIENT_ID=PINNED_CLIENT_ID, PIVOT_CLIENT_SECRET=PINNED_CLIENT_SECRET)
    done = check("pivot", pinned_pivot, "--seed", "2", "--only", "pivot.full-capture", env=env)
    assert done.returncode == 0, shown(done)
    assert "pivot: PASSED - conformant: 1 case passed" in done.stdout


def test_pivot_options_beat_the_environment(pinned_pivot: str) -> None:
    wrong = clean_env(PIVOT_CLIENT_ID="pivot-wrong-id", PIVOT_CLIENT_SECRET="pivot-wrong-secret")
    done = check(
        "pivot", pinned_pivot, "--seed", "2", "--only", "pivot.full-capture",
        "--client-id", PINNED_CLIENT_ID, "--client-secret", PINNED_CLIENT_SECRET, env=wrong,
    )  # fmt: skip
    assert done.returncode == 0, shown(done)
    right = clean_env(PIVOT_CLIENT_ID=PINNED_CLIENT_ID, PIVOT_CLIENT_SECRET=PINNED_CLIENT_SECRET)
    done = check("pivot", pinned_pivot, "--client-secret", "pivot-wrong-secret", env=right)
    assert_one_line_error(done, "/v1/access-token", "refused")


# -- secrets -------------------------------------------------------------------------------


def test_no_secret_in_any_output_of_a_failing_run(tmp_path: Path) -> None:
    server_key, client_key = "SB-Mid-server-test-secret-123456", "SB-Mid-client-test-secret-123456"
    client_id, client_secret = "pivot-test-client-id-123456", "pivot-test-secret-abcdef-123456"
    basic = base64.b64encode(f"{server_key}:".encode()).decode()
    outputs: dict[str, str] = {}
    # Midtrans: secrets given as options (they are on the command line the report records)
    sim = create(
        "midtrans", quirk="gross-amount-number", server_key=server_key, client_key=client_key
    )
    with served(sim.app) as url:
        report, junit = tmp_path / "midtrans.json", tmp_path / "midtrans.xml"
        done = check(
            "midtrans", url, "--seed", "4", "--server-key", server_key, "--client-key", client_key,
            "--report-json", str(report), "--junit", str(junit),
        )  # fmt: skip
    assert done.returncode == 1, shown(done)
    outputs |= {"midtrans stdout": done.stdout, "midtrans stderr": done.stderr}
    outputs |= {
        "midtrans json": report.read_text("utf-8"),
        "midtrans junit": junit.read_text("utf-8"),
    }
    assert "--server-key <redacted>" in load(report)["command"]
    # Pivot: secrets from the environment
    sim = create("pivot", quirk="code-integer", client_id=client_id, client_secret=client_secret)
    env = clean_env(PIVOT_CLIENT_ID=client_id, PIVOT_CLIENT_SECRET=client_secret)
    with served(sim.app) as url:
        report, junit = tmp_path / "pivot.json", tmp_path / "pivot.xml"
        reports = ["--report-json", str(report), "--junit", str(junit)]
        done = check("pivot", url, "--seed", "4", *reports, env=env)
    assert done.returncode == 1, shown(done)
    outputs |= {"pivot stdout": done.stdout, "pivot stderr": done.stderr}
    outputs |= {"pivot json": report.read_text("utf-8"), "pivot junit": junit.read_text("utf-8")}
    for name, text in outputs.items():
        for secret in (server_key, client_key, basic, client_id, client_secret):
            assert secret not in text, f"{secret!r} leaked into {name}"
    for name in ("midtrans stdout", "midtrans json", "pivot stdout", "pivot json"):
        assert "<redacted>" in outputs[name], name
    assert "&lt;redacted&gt;" in outputs["midtrans junit"]


# -- --only / --skip -------------------------------------------------------------------------


def test_run_only_one_case(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = cli(*QUICK_RUN, "--only", "midtrans.full-capture", "--report-json", str(report))
    assert done.returncode == 0, shown(done)
    assert "midtrans: PASSED - conformant: 1 case passed" in done.stdout
    assert "pivot: NOT RUN - no case of this provider was selected" in done.stdout
    midtrans, pivot = load(report)["runs"]
    assert case_ids(midtrans) == ["midtrans.full-capture"]
    assert case_ids(pivot) == []
    assert pivot["summary"]["cases"] == 0


def test_run_skip_patterns(full_run: dict[str, Any], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    skip = ["midtrans.*-capture*", "pivot.wrong-*"]
    done = cli(*QUICK_RUN, "--skip", skip[0], "--skip", skip[1], "--report-json", str(report))
    assert done.returncode == 0, shown(done)
    everything = load(full_run["report"])["runs"]
    for before, after in zip(everything, load(report)["runs"], strict=True):
        kept = [i for i in case_ids(before) if not any(fnmatch.fnmatchcase(i, p) for p in skip)]
        assert len(kept) < len(case_ids(before))
        assert case_ids(after) == kept
        assert f"{after['provider']}: PASSED - conformant: {len(kept)} cases passed" in done.stdout
    assert "midtrans.full-capture" not in done.stdout
    assert "pivot.wrong-credentials" not in done.stdout


def test_check_skipping_every_case_is_exit_2(midtrans_url: str) -> None:
    done = check("midtrans", midtrans_url, "--skip", "midtrans.*")
    assert_one_line_error(done, "--only/--skip leave no case to run")


def test_run_skipping_one_provider_runs_the_other() -> None:
    done = cli(*QUICK_RUN, "--skip", "midtrans.*")
    assert done.returncode == 0, shown(done)
    assert "pivot: PASSED - conformant" in done.stdout


def test_run_only_the_other_provider() -> None:
    done = cli(*QUICK_RUN, "--only", "pivot.*")
    assert done.returncode == 0, shown(done)
    assert "midtrans: NOT RUN - no case of this provider was selected" in done.stdout
    assert "pivot: PASSED - conformant: " in done.stdout


def test_a_rule_id_in_only_keeps_every_case_and_reports_only_that_rule(
    full_run: dict[str, Any], quirk_url: str, tmp_path: Path
) -> None:
    all_midtrans = case_ids(load(full_run["report"])["runs"][0])
    # the rule the broken target violates: every case runs, only its findings show
    report = tmp_path / "gross.json"
    done = check(
        "midtrans", quirk_url, "--seed", "5", "--only", GROSS, "--report-json", str(report)
    )
    assert done.returncode == 1, shown(done)
    (run,) = load(report)["runs"]
    assert case_ids(run) == all_midtrans
    assert {f["check"] for f in findings(run)} == {GROSS}
    assert run["checks_failed"] == [GROSS]
    # the console shows the broken rule once (with its count); the report keeps every one
    assert re.findall(r"^FAIL (\S+)", done.stdout, re.M) == [GROSS]
    assert f"{len(findings(run))} times in " in done.stdout
    # another rule: the same broken target passes, since the violation is not reported
    report = tmp_path / "status.json"
    done = check(
        "midtrans", quirk_url, "--seed", "5", "--only", "midtrans.capture-response.status-code",
        "--report-json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, shown(done)
    (run,) = load(report)["runs"]
    assert case_ids(run) == all_midtrans
    assert findings(run) == []


def test_skipping_a_rule_hides_its_findings(quirk_url: str) -> None:
    done = check("midtrans", quirk_url, "--seed", "5", "--skip", GROSS)
    assert done.returncode == 0, shown(done)
    assert GROSS not in done.stdout
    assert "midtrans: PASSED - conformant" in done.stdout


# -- --authorizations ---------------------------------------------------------------------------


def authorize(url: str, amount: int) -> str:
    """An authorized Midtrans transaction, made through the target's own setup endpoints."""
    with httpx.Client(base_url=url, timeout=10) as client:
        token = client.get(
            "/v2/token",
            params={
                "card_number": "4811111111111114", "card_exp_month": "12",
                "card_exp_year": "2039", "card_cvv": "123", "client_key": DEFAULT_CLIENT_KEY,
            },
        )  # fmt: skip
        assert token.status_code == 200, token.text
        charge = client.post(
            "/v2/charge",
            auth=(DEFAULT_SERVER_KEY, ""),
            json={
                "payment_type": "credit_card",
                "transaction_details": {"order_id": f"by-hand-{amount}", "gross_amount": amount},
                "credit_card": {"token_id": token.json()["token_id"], "type": "authorize"},
            },
        )
        assert charge.status_code == 200, charge.text
        assert charge.json()["transaction_status"] == "authorize"
        transaction_id: str = charge.json()["transaction_id"]
        return transaction_id


def status(url: str, transaction_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{url}/v2/{transaction_id}/status", auth=(DEFAULT_SERVER_KEY, ""), timeout=10
    )
    body: dict[str, Any] = answer.json()
    return body


def test_check_uses_the_authorizations_given(tmp_path: Path) -> None:
    path = tmp_path / "auths.yaml"
    report = tmp_path / "report.json"
    with served(create("midtrans").app) as url:
        made = authorize(url, 120_000)
        path.write_text(yaml.safe_dump([{"id": made, "amount": 120_000}]), encoding="utf-8")
        done = check(
            "midtrans", url, "--seed", "6", "--authorizations", str(path),
            "--only", "midtrans.full-capture", "--only", "midtrans.partial-capture",
            "--report-json", str(report),
        )  # fmt: skip
        after = status(url, made)
    assert done.returncode == 0, shown(done)
    assert "midtrans: PASSED" in done.stdout
    # the full capture took the transaction from the file, for its whole amount
    assert after["transaction_status"] == "capture"
    assert float(after["gross_amount"]) == 120_000
    (run,) = load(report)["runs"]
    outcomes = {case["id"]: (case["outcome"], case["note"]) for case in run["cases"]}
    assert outcomes["midtrans.full-capture"] == ("passed", "")
    # one authorization in the file: the next case that needs one is skipped, with a note
    assert outcomes["midtrans.partial-capture"][0] == "skipped"
    assert "no authorization left" in outcomes["midtrans.partial-capture"][1]


# -- --help -----------------------------------------------------------------------------------


def readme_options(repo_root: Path) -> set[str]:
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    section = text.split("## Check an implementation or a live sandbox", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `--")]
    return {option for row in rows for option in re.findall(r"`(--[a-z-]+)", row.split("|")[1])}


def test_check_help_lists_every_documented_option(repo_root: Path) -> None:
    documented = readme_options(repo_root)
    assert len(documented) >= 17
    done = cli("check", "--help")
    assert done.returncode == 0, shown(done)
    listed = set(re.findall(r"(--[a-z][a-z-]+)", done.stdout))
    assert documented <= listed, documented - listed
    assert "PROVIDER" in done.stdout


def test_run_help_lists_the_suite_options(repo_root: Path) -> None:
    target_only = {
        "--base-url", "--server-key", "--client-key", "--client-id", "--client-secret",
        "--timeout", "--authorizations", "--allow-production", "--concurrency",
        # live-sandbox manners and the config file belong to a target of the user's
        "--rate-limit", "--insecure", "--ca-bundle", "--proxy", "--config",
        # where a target's deliveries reach the kit: run's simulators deliver in-process
        "--callback-listen", "--notification-url", "--callback-key",
    }  # fmt: skip
    done = cli("run", "--help")
    assert done.returncode == 0, shown(done)
    listed = set(re.findall(r"(--[a-z][a-z-]+)", done.stdout))
    suite = readme_options(repo_root) - target_only
    assert suite <= listed, suite - listed
    assert not (target_only & listed)
