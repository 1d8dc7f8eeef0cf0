"""Issue "The first hour of a real user": findings a person can read, a wrong target in
one line, live-sandbox manners, a config file.

In-process runs (``run_suite`` against a simulator app) for what the reports show;
the command line in a subprocess for exit codes, one-line errors and the config file.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.reports._evidence import display
from conformance.reports._redact import Redactor
from conformance.reports.console import render, verdict
from conformance.reports.json_report import to_json
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.specs import load_spec
from conformance.suite import (
    Authorization,
    CaseResult,
    Kind,
    Outcome,
    Report,
    SuiteOptions,
    Target,
    run_suite,
)
from conformance.suite._http_transport import HTTPClientTransport, proxy_for

CLI = [sys.executable, "-m", "conformance"]
GROSS = "midtrans.capture-response.gross-amount"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    drop = {"MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY", "PIVOT_CLIENT_ID", "PIVOT_CLIENT_SECRET"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(COLUMNS="160", NO_COLOR="1")
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def suite(provider: str, quirk: str | None = None, **options: Any) -> Report:
    app = create(provider, **({"quirk": quirk} if quirk else {})).app
    with Target(provider, app=app) as target:
        return run_suite(target, SuiteOptions(seed=11, examples=5, **options))


@pytest.fixture(scope="module")
def gross() -> Report:
    return suite("midtrans", "gross-amount-number")


# -- A: every failure shows the minimal example, as requests --------------------------------
def test_validator_findings_of_generated_runs_carry_their_example(gross: Report) -> None:
    document = to_json([gross], command="check")
    generated = [
        finding
        for case in document["runs"][0]["cases"]
        if case["kind"] in ("property", "stateful")
        for finding in case["findings"]
        if finding["check"] == GROSS
    ]
    assert generated, "the quirk should show in the property and stateful runs"
    assert all(f["example"] is not None for f in generated)


def test_a_stateful_finding_reads_as_the_requests_that_reproduce_it() -> None:
    report = suite("midtrans", "gross-amount-number", only=("midtrans.capture-lifecycle",))
    text = render([report], width=200)
    assert "reproduce:   1. GET /v2/token" in text
    assert "2. POST /v2/charge" in text
    assert "[" not in text.split("reproduce:")[1].split("\n")[0]  # no Python list repr
    assert "TRANSACTION_ID=$(curl" in text  # the script feeds the charge's id to the capture


def test_pivot_reproduction_says_how_to_get_the_access_token() -> None:
    report = suite("pivot", "code-integer", only=("pivot.full-capture",))
    text = render([report], width=200)
    assert "PIVOT_ACCESS_TOKEN=$(curl" in text
    assert "/v1/access-token | jq -r .data.accessToken)" in text
    assert "PAYMENT_ID=$(curl" in text
    assert "${PAYMENT_ID}/capture" in text


# -- C: grouped by rule; sources you can follow; expected quoted once ---------------------------
def test_a_broken_rule_is_shown_once_with_its_count_and_where_the_rest_are(gross: Report) -> None:
    text = render([gross], width=200)
    occurrences = [f for _, f in gross.findings() if f.check == GROSS]
    cases = {c.id for c, f in gross.findings() if f.check == GROSS}
    assert len(occurrences) > 3
    assert text.count(f"FAIL {GROSS}") == 1
    assert f"{len(occurrences)} times in {len(cases)} cases" in text
    assert "also in:" in text
    assert "midtrans.full-capture" in text
    # the reports keep every occurrence
    document = to_json([gross], command="check")
    kept = [f for c in document["runs"][0]["cases"] for f in c["findings"] if f["check"] == GROSS]
    assert len(kept) == len(occurrences)


def test_every_source_has_a_public_url_and_its_quote_reads_on_one_line(gross: Report) -> None:
    for provider in ("midtrans", "pivot"):
        for source in load_spec(provider).sources.values():
            assert source.url.startswith("https://"), source.ref
            assert "\\n" not in source.text
            assert "\n" not in source.text
    text = render([gross], width=200)
    assert "https://docs.midtrans.com/reference/capture-transaction-card" in text
    assert "\\n" not in text.split("source:")[1].split("request:")[0]


def test_expected_values_are_quoted_once() -> None:
    assert display("'WAITING_FOR_CAPTURE'", Redactor([])) == "'WAITING_FOR_CAPTURE'"


def test_max_failures_stops_the_run_and_the_verdict_says_so() -> None:
    report = suite("midtrans", "gross-amount-number", max_failures=1)
    assert len(report.failed) == 1
    skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED and "stopped" in r.note]
    assert skipped
    assert report.exit_code == 1
    line = verdict(report)
    assert "stopped after 1 failing case (--exitfirst)" in line
    assert "not a pass" in line


def test_too_few_authorizations_say_what_each_case_asked_for() -> None:
    given = (Authorization("0f0f0f0f-0000-4000-8000-000000000001", 100_000),)
    report = suite("midtrans", authorizations=given, only=("midtrans.partial-capture",
                                                           "midtrans.second-capture"))  # fmt: skip
    assert report.exit_code != 0
    (note,) = report.notes
    assert note.startswith("--authorizations gave 1, too few:")
    assert "midtrans.second-capture asked for" in note
    assert any(n in render([report]) for n in ("note: --authorizations gave 1",))


def test_the_verdict_counts_cases_that_could_not_run_and_the_share_that_ran() -> None:
    report = Report("pivot", "x", "documented", 1, 1, suite_size=24)
    report.results.append(CaseResult("pivot.a", Kind.SCENARIO, "a", Outcome.FAILED))
    report.results += [CaseResult(f"pivot.e{i}", Kind.SCENARIO, "e", Outcome.ERROR) for i in "12"]
    line = verdict(report)
    assert "1 of 3 cases failed, 2 could not run" in line
    assert "3 of the suite's 24 cases ran (12%)" in line


def test_small_things_duration_replay_header_and_no_case_selected() -> None:
    report = suite("midtrans", only=("over-capture",))  # no provider prefix needed
    assert [r.id for r in report.results] == ["midtrans.over-capture"]
    text = render([report])
    assert " 0.00 s " not in text
    assert " ms " in text
    replayed = Report("midtrans", "cassettes", "documented", 7, 10, generated=False)
    replayed.results.append(CaseResult("midtrans.full-capture", Kind.SCENARIO, "t"))
    assert "seed" not in render([replayed]).split("\n")[1]
    nothing = Report("midtrans", "x", "documented", 1, 1)
    assert "PASSED" not in verdict(nothing)
    assert "NOT RUN" in verdict(nothing)


# -- B: a wrong target is one line, exit 2, with the likely fix ----------------------------------
@pytest.fixture(scope="module")
def pivot_url() -> Iterator[str]:
    with served(create("pivot").app) as url:
        yield url


def test_a_pivot_server_checked_as_midtrans_is_a_one_line_usage_error(pivot_url: str) -> None:
    line = one_line_error(cli("check", "midtrans", "--base-url", pivot_url, "--no-progress"))
    assert "did you mean `capture-conformance check pivot`?" in line


def test_a_wrong_path_prefix_is_a_one_line_usage_error(pivot_url: str) -> None:
    line = one_line_error(cli("check", "pivot", "--base-url", pivot_url + "/api", "--no-progress"))
    assert "answered HTTP 404" in line
    assert "path prefix" in line


# -- D: live-sandbox manners -------------------------------------------------------------------
def _flaky_app(state: dict[str, int]) -> Starlette:
    async def token(request: Request) -> JSONResponse:
        state["calls"] += 1
        if state["calls"] % 2:
            return JSONResponse({"status_code": "429"}, 429, headers={"Retry-After": "0"})
        return JSONResponse({"status_code": "200", "token_id": "tok-123456789"})

    return Starlette(routes=[Route("/v2/token", token)])


def test_429_with_retry_after_is_waited_out_retried_and_counted() -> None:
    state = {"calls": 0}
    with Target("midtrans", app=_flaky_app(state)) as target:
        exchange = target.send("token", target.request("GET", "/v2/token"))
        assert exchange.status == 200
        assert target.retried == 1
        assert state["calls"] == 2


def test_rate_limit_spaces_requests_and_extra_headers_are_sent() -> None:
    seen: list[str] = []

    async def token(request: Request) -> JSONResponse:
        seen.append(request.headers.get("x-gateway", ""))
        return JSONResponse({"status_code": "200", "token_id": "tok-123456789"})

    app = Starlette(routes=[Route("/v2/token", token)])
    with Target("midtrans", app=app, rate_limit=20, headers={"X-Gateway": "g-1"}) as target:
        started = time.monotonic()
        for _ in range(5):
            target.send("token", target.request("GET", "/v2/token"))
        assert time.monotonic() - started >= 0.19
    assert seen == ["g-1"] * 5


def test_tls_and_proxy_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert HTTPClientTransport(verify=False)._ssl_context().verify_mode == ssl.CERT_NONE
    assert HTTPClientTransport()._ssl_context().verify_mode == ssl.CERT_REQUIRED
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert proxy_for("https", "api.sandbox.midtrans.com", None) == "http://proxy.invalid:3128"
    assert proxy_for("https", "internal.example", None) is None
    assert proxy_for("https", "api.sandbox.midtrans.com", "") is None
    assert proxy_for("http", "127.0.0.1", "http://p:1") is None


def test_check_help_lists_the_new_options() -> None:
    out = cli("check", "--help").stdout
    for option in ("--max-failures", "--exitfirst", "--rate-limit", "--insecure", "--ca-bundle",
                   "--header", "--proxy", "--config"):  # fmt: skip
        assert option in out


def test_config_file_gives_defaults_and_the_command_line_wins(tmp_path: Path) -> None:
    with served(create("midtrans").app) as url:
        (tmp_path / "pyproject.toml").write_text(
            f'[tool.capture-conformance]\nbase-url = "{url}"\nonly = ["over-capture"]\n'
            'deliveries = "off"\nexamples = 2\nseed = 5\n'
        )
        report = tmp_path / "r.json"
        done = cli("check", "midtrans", "--no-progress", "--seed", "9", "--report-json",
                   str(report), cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        run = json.loads(report.read_text())["runs"][0]
        assert (run["seed"], run["examples"]) == (9, 2)  # command line > config file
        assert [c["id"] for c in run["cases"]] == ["midtrans.over-capture"]
    (tmp_path / "capture-conformance.toml").write_text('server-key = "SB-Mid-server-made-up"\n')
    line = one_line_error(cli("check", "midtrans", cwd=tmp_path))
    assert "credentials are not read from a config file" in line
    (tmp_path / "capture-conformance.toml").write_text("exampels = 3\n")
    assert "no check option 'exampels'" in one_line_error(cli("check", "midtrans", cwd=tmp_path))


def test_bad_live_options_are_one_line_errors() -> None:
    url = "http://127.0.0.1:9"
    assert "--rate-limit" in one_line_error(cli("check", "midtrans", "--base-url", url,
                                                "--rate-limit", "fast"))  # fmt: skip
    assert "-H takes" in one_line_error(cli("check", "midtrans", "--base-url", url, "-H", "x"))
    _ = httpx  # the transport's errors are httpx's
