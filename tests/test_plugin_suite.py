"""``pytest --capture-conformance``: the conformance suite as test items, run through pytester.

The targets are reference simulators served on loopback by this process
(``served()``); a quirk variant stands for a non-conformant implementation.
README.md, "pytest plugin", documents what is asserted here.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conformance.rules import known_rules
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import SuiteOptions, all_cases
from conformance.suite._results import delivery_rule

pytest_plugins = ["pytester"]

GROSS = "midtrans.capture-response.gross-amount"
# Made-up credentials, pinned in the simulator so that only these are accepted.
SERVER_KEY = "SB-Mid-server-pinned-pytest-made-up"
CLIENT_KEY = "SB-Mid-client-pinned-pytest-made-up"
CREDENTIAL_VARS = (
    "MIDTRANS_SERVER_KEY",
    "MIDTRANS_CLIENT_KEY",
    "PIVOT_CLIENT_ID",
    "PIVOT_CLIENT_SECRET",
)
QUICK = ("-p", "no:cacheprovider", "--conformance-examples=2", "--conformance-seed=7")


@pytest.fixture(autouse=True)
def _no_credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)


def _serve(provider: str, **options: Any) -> Iterator[str]:
    with served(create(provider, **options).app) as url:
        yield url


@pytest.fixture(scope="module")
def midtrans_url() -> Iterator[str]:
    yield from _serve("midtrans")


@pytest.fixture(scope="module")
def pivot_url() -> Iterator[str]:
    yield from _serve("pivot")


@pytest.fixture(scope="module")
def quirky_url() -> Iterator[str]:
    """Midtrans answering gross_amount as a JSON number; only the pinned keys are accepted."""
    yield from _serve(
        "midtrans", quirk="gross-amount-number", server_key=SERVER_KEY, client_key=CLIENT_KEY
    )


def suite(provider: str, url: str, *extra: str) -> tuple[str, ...]:
    return (f"--capture-conformance={provider}", f"--conformance-base-url={url}", *QUICK, *extra)


def expected_items(provider: str, profile: str = "documented") -> tuple[list[str], dict[str, bool]]:
    """The node ids the plugin must collect, from the kit's own catalogue of cases and rules."""
    cases = all_cases(provider, SuiteOptions(profile=profile))
    rules = known_rules(provider, profile)
    ids = [
        f"capture-conformance::{provider}::{c.kind.value}::{c.id.removeprefix(provider + '.')}"
        for c in cases
    ]
    ids.append(f"capture-conformance::{provider}::traffic::deliveries")  # the run's deliveries
    ids += [
        f"capture-conformance::{provider}::rule::{r.removeprefix(provider + '.')}" for r in rules
    ]
    return ids, rules


def outcomes(xml_path: Any) -> dict[str, str]:
    """``classname::name`` -> passed/failure/error/skipped, from a JUnit XML file."""
    found = {}
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return found


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_a_conformant_target_passes_every_case_and_rule(
    pytester: pytest.Pytester, provider: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{provider}_url")
    pytester.makepyfile("def test_own(): pass")
    result = pytester.runpytest(*suite(provider, url), "-v", "-rs")
    ids, rules = expected_items(provider)
    skipped = sum(not applies for applies in rules.values())
    if provider == "pivot":  # no --conformance-callback-listen: its callbacks are not checked,
        # so the deliveries item and every delivery rule are skipped, never passed
        skipped += 1 + sum(applies and delivery_rule(r) for r, applies in rules.items())
        result.stdout.fnmatch_lines(["*SKIPPED*Pivot callbacks not checked*"])
    result.assert_outcomes(passed=1 + len(ids) - skipped, skipped=skipped)
    # One item per case and per rule, in run order, with stable ids.
    ran = [
        line.split(" ")[0] for line in result.outlines if line.startswith("capture-conformance::")
    ]
    assert ran == ids
    result.stdout.fnmatch_lines(
        [
            f"capture-conformance: {provider}: PASSED - conformant: * cases passed*(exit 0)",
            f"capture-conformance: {provider} suite against {url}, --conformance-seed 7 "
            "--conformance-examples 2 --conformance-profile documented",
            f"*collected {1 + len(ids)} items",
        ]
    )


def test_pivot_callbacks_are_checked_on_the_listen_address(pytester: pytest.Pytester) -> None:
    key = "pivot-callback-key-plugin-made-up"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sim = create("pivot", callback_url=f"http://127.0.0.1:{port}/callbacks", callback_key=key)
    with served(sim.app) as url:
        result = pytester.runpytest(
            *suite("pivot", url), "-v", f"--conformance-callback-listen=127.0.0.1:{port}",
            f"--conformance-callback-key={key}", "--conformance-deliveries=require",
        )  # fmt: skip
    result.stdout.fnmatch_lines(
        [
            "capture-conformance::pivot::traffic::deliveries PASSED*",
            "capture-conformance::pivot::rule::notification.api-key PASSED*",
            "capture-conformance::pivot::rule::notification.delivered PASSED*",
        ]
    )
    assert result.ret == 0
    assert key not in result.stdout.str()


def test_collection_is_deterministic_and_sends_nothing(
    pytester: pytest.Pytester, midtrans_url: str
) -> None:
    before = httpx.get(f"{midtrans_url}/_sim/state").json()["state"]
    first = pytester.runpytest(*suite("midtrans", midtrans_url), "--collect-only", "-q")
    second = pytester.runpytest(*suite("midtrans", midtrans_url), "--collect-only", "-q")
    ids, _ = expected_items("midtrans")
    assert [line for line in first.outlines if line.startswith("capture-conformance::")] == ids
    assert first.outlines[: len(ids)] == second.outlines[: len(ids)]
    assert httpx.get(f"{midtrans_url}/_sim/state").json()["state"] == before


def test_a_quirk_fails_the_rule_item_with_the_findings(
    pytester: pytest.Pytester, quirky_url: str
) -> None:
    credentials = (
        f"--conformance-server-key={SERVER_KEY}",
        f"--conformance-client-key={CLIENT_KEY}",
    )
    result = pytester.runpytest(*suite("midtrans", quirky_url, *credentials), "-k", "rule")
    rule_id = "capture-conformance::midtrans::rule::capture-response.gross-amount"
    result.stdout.fnmatch_lines([f"FAILED {rule_id} - *"])
    _, rules = expected_items("midtrans")
    cases = len(all_cases("midtrans", SuiteOptions())) + 1  # and the deliveries item
    result.assert_outcomes(failed=1, passed=len(rules) - 1, deselected=cases)
    result.stdout.fnmatch_lines(
        [
            f"*_ rule {GROSS} _*",
            f"{GROSS}: must be of type 'string', received 'integer' "
            "(expected 'string', received 100000) (+* more)",
            "",
            f"{GROSS} [error] in midtrans.full-capture",
            "  must be of type 'string', received 'integer'",
            "  at:          /gross_amount",
            "  expected:    'string'",
            "  received:    100000",
            '  source:      documented: "`gross_amount` as a *string* with two decimals '
            '(`"30000.00"`)"',
            "               https://docs.midtrans.com/reference/capture-transaction-card "
            "(provider-facts.md#midtrans-core-api-post-basev2capture)",
            f"  request:     POST {quirky_url}/v2/capture",
            "               authorization: <redacted>",
            '               {"transaction_id": "*", "gross_amount": 100000}',
            "  response:    HTTP 200 OK",
            '               {"status_code": "200", *"gross_amount": 100000*}',
            "  reproduce:   1. GET /v2/token?*",
            "               2. POST /v2/charge *",
            '               3. POST /v2/capture {"transaction_id": "*", "gross_amount": 100000}*',
            "  curl:        TOKEN_ID=$(curl -sS -X GET * | jq -r '.token_id')",
            "               TRANSACTION_ID=$(curl * | jq -r '.transaction_id')",
            '               curl -sS -X POST * -u "$MIDTRANS_SERVER_KEY:" --data-binary '
            f'"{{\\"transaction_id\\": \\"${{TRANSACTION_ID}}\\", \\"gross_amount\\": 100000}}" '
            f"{quirky_url}/v2/capture",
            "  replay with: --conformance-seed 7 --conformance-examples 2 "
            "--conformance-profile documented",
            f"{GROSS} [error] in midtrans.partial-capture",
        ]
    )
    assert SERVER_KEY not in result.stdout.str()


def test_a_failed_scenario_item_names_its_expectation(pytester: pytest.Pytester) -> None:
    with served(create("pivot", quirk="over-capture-accepted").app) as url:
        result = pytester.runpytest(*suite("pivot", url), "-k", "over-capture and not partial")
    result.assert_outcomes(failed=1, deselected=len(expected_items("pivot")[0]) - 1)
    result.stdout.fnmatch_lines(
        [
            "*_ scenario pivot.over-capture _*",
            "pivot.over-capture: *(expected *, received *)",
            "pivot.over-capture [error] in pivot.over-capture",
            "  source:      *",
            "  request:     POST */v2/payments/*/capture",
            "  replay with: --conformance-seed 7 --conformance-examples 2 "
            "--conformance-profile documented",
        ]
    )


def test_junitxml_holds_what_check_junit_holds(pytester: pytest.Pytester, quirky_url: str) -> None:
    credentials = (
        f"--conformance-server-key={SERVER_KEY}",
        f"--conformance-client-key={CLIENT_KEY}",
    )
    result = pytester.runpytest(*suite("midtrans", quirky_url, *credentials), "--junitxml=j.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    xml = (pytester.path / "j.xml").read_text(encoding="utf-8")
    assert SERVER_KEY not in xml
    assert CLIENT_KEY not in xml
    cases = {
        f"{c.get('classname')}::{c.get('name')}": c for c in ET.fromstring(xml).iter("testcase")
    }
    failure = cases["capture-conformance.midtrans.rule::capture-response.gross-amount"].find(
        "failure"
    )
    assert failure is not None
    assert failure.get("message", "").startswith(
        f"Failed: {GROSS}: must be of type 'string', received 'integer' "
        "(expected 'string', received 100000) (+"
    )
    text = failure.text or ""
    for piece in (
        f"{GROSS} [error] in midtrans.full-capture",
        "  at:          /gross_amount",
        "               authorization: <redacted>",
        "  curl:        TOKEN_ID=$(curl -sS -X GET",  # the setup calls first, then the capture
        "  replay with: --conformance-seed 7 --conformance-examples 2",
    ):
        assert piece in text, f"{piece!r} not in the failure text"
    passing = cases["capture-conformance.midtrans.rule::capture-response.status-code"]
    assert list(passing) == []
    scenario = cases["capture-conformance.midtrans.scenario::full-capture"].find("failure")
    assert scenario is not None
    assert GROSS in scenario.get("message", "")


def test_xdist_gives_the_serial_outcomes_and_runs_the_suite_once(
    pytester: pytest.Pytester, quirky_url: str
) -> None:
    credentials = (
        f"--conformance-server-key={SERVER_KEY}",
        f"--conformance-client-key={CLIENT_KEY}",
    )
    pytester.makepyfile("def test_own(): pass")
    seen = {}
    for workers in ("0", "2"):
        httpx.post(f"{quirky_url}/_sim/reset").raise_for_status()
        result = pytester.runpytest_subprocess(
            *suite("midtrans", quirky_url, *credentials),
            "-p", "xdist", "-n", workers, f"--junitxml=n{workers}.xml", "-W", "error",
        )  # fmt: skip
        assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
        state = httpx.get(f"{quirky_url}/_sim/state").json()["state"]
        seen[workers] = (outcomes(pytester.path / f"n{workers}.xml"), len(state["transactions"]))
    serial, parallel = seen["0"], seen["2"]
    assert "failure" in serial[0].values()
    assert "passed" in serial[0].values()
    assert parallel[0] == serial[0]
    assert parallel[1] == serial[1] > 0  # as many transactions: one run, not one per worker


def test_help_shows_every_setting_in_the_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == 0
    text = result.stdout.str()
    group = text.index("capture-conformance: payment capture contract checks:")
    for flag in (
        "--capture-conformance={midtrans,pivot}",
        "--conformance-base-url=URL",
        "--conformance-server-key=KEY",
        "--conformance-client-key=KEY",
        "--conformance-client-id=ID",
        "--conformance-client-secret=SECRET",
        "--conformance-examples=N",
        "--conformance-seed=N",
        "--conformance-timeout=S",
        "--conformance-time-limit=S",
        "--conformance-authorizations=FILE",
        "--conformance-allow-production",
    ):
        assert text.index(f"  {flag}") > group, flag
    result.stdout.fnmatch_lines(
        [
            "  capture_conformance (string):*",
            "  conformance_base_url (string):*",
            "  conformance_seed (string):*",
            "  conformance_allow_production (bool):*",
        ]
    )


def test_a_run_without_the_option_imports_and_collects_nothing_of_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_nothing_heavy_was_imported():
            heavy = {"conformance.suite", "conformance.simulators", "schemathesis", "hypothesis"}
            assert sorted(heavy & set(sys.modules)) == []
        """
    )
    # schemathesis and hypothesis register pytest plugins of their own, which import them;
    # they are switched off so that what is left is what this plugin imports.
    result = pytester.runpytest_subprocess("-p", "no:schemathesis", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["collected 1 item"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--capture-conformance=midtrans", "--conformance-base-url=http://127.0.0.1:9"),
            "ERROR: cannot reach http://127.0.0.1:9: ConnectError: *",
        ),
        (
            ("--capture-conformance=midtrans",),
            "ERROR: --capture-conformance=midtrans needs a target: --conformance-base-url=URL "
            "(or ini conformance_base_url), or --conformance-cassettes=PATH",
        ),
        (
            ("--capture-conformance=pivot", "--conformance-base-url=ftp://127.0.0.1"),
            "ERROR: --conformance-base-url must be an http(s) URL; got 'ftp://127.0.0.1'",
        ),
        (
            ("--capture-conformance=pivot", "--conformance-base-url=https://api.pivot-payment.com"),
            "ERROR: https://api.pivot-payment.com is pivot's production host and the suite "
            "captures real money; use the sandbox (https://api-stg.pivot-payment.com) or pass "
            "--conformance-allow-production",
        ),
        (
            ("--capture-conformance=pivot", "--conformance-base-url=http://x",
             "--conformance-examples=0"),
            "ERROR: --conformance-examples must be at least 1; got 0",
        ),
        (
            ("-o", "capture_conformance=paypal", "-o", "conformance_base_url=http://x"),
            "ERROR: ini capture_conformance must be one of midtrans, pivot; got 'paypal'",
        ),
        (
            ("--capture-conformance=pivot", "-o", "conformance_base_url=http://x",
             "-o", "conformance_seed=seven"),
            "ERROR: ini conformance_seed must be a whole number; got 'seven'",
        ),
        (
            ("--capture-conformance=pivot", "--conformance-base-url=http://x",
             "--conformance-authorizations=missing.json"),
            "ERROR: cannot read authorizations file 'missing.json': No such file or directory",
        ),
    ],
)  # fmt: skip
def test_a_run_that_cannot_start_is_one_usage_error(
    pytester: pytest.Pytester, args: tuple[str, ...], message: str
) -> None:
    pytester.makepyfile("def test_own(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "test_own" not in output


@pytest.mark.parametrize(
    ("server_key", "env_client_key", "refused"),
    [
        ("SB-Mid-server-wrong-made-up", CLIENT_KEY, "server"),
        (SERVER_KEY, "SB-Mid-client-wrong-made-up", "client"),
    ],
)
def test_refused_credentials_are_one_usage_error(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    quirky_url: str,
    server_key: str,
    env_client_key: str,
    refused: str,
) -> None:
    monkeypatch.setenv("MIDTRANS_CLIENT_KEY", env_client_key)  # the option falls back on it
    result = pytester.runpytest(
        *suite("midtrans", quirky_url, f"--conformance-server-key={server_key}")
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: the target refused the {refused} key (HTTP 401 on *)"])


def test_an_unknown_provider_is_refused_by_the_option_itself(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--capture-conformance=paypal")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --capture-conformance: invalid choice: 'paypal'*"])


def test_ini_values_configure_the_run(pytester: pytest.Pytester, pivot_url: str) -> None:
    pytester.makeini(
        f"""
        [pytest]
        capture_conformance = pivot
        conformance_base_url = {pivot_url}
        conformance_examples = 3
        conformance_seed = 11
        conformance_profile = observed
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    ids, rules = expected_items("pivot", "observed")
    assert all(rules.values())  # the observed profile checks every rule: nothing skipped
    # ...but Pivot callbacks need --conformance-callback-listen: the deliveries item and
    # the delivery rules are skipped, with the note on how to enable them
    skipped = 1 + sum(delivery_rule(r) for r in rules)
    result.assert_outcomes(passed=len(ids) - skipped, skipped=skipped)
    result.stdout.fnmatch_lines(
        [
            f"capture-conformance: pivot suite against {pivot_url}, --conformance-seed 11 "
            "--conformance-examples 3 --conformance-profile observed"
        ]
    )


def test_command_line_beats_ini(pytester: pytest.Pytester, pivot_url: str) -> None:
    pytester.makeini(
        """
        [pytest]
        capture_conformance = midtrans
        conformance_base_url = http://127.0.0.1:9
        conformance_examples = 3
        conformance_seed = 11
        conformance_profile = observed
        conformance_timeout = 0.5
        """
    )
    result = pytester.runpytest(
        "--capture-conformance=pivot", f"--conformance-base-url={pivot_url}",
        "--conformance-seed=5", "--conformance-profile=documented", "--collect-only", "-q",
    )  # fmt: skip
    assert result.ret == 0
    result.stdout.fnmatch_lines(["capture-conformance::pivot::scenario::full-capture"])
    header = pytester.runpytest(
        "--capture-conformance=pivot", f"--conformance-base-url={pivot_url}",
        "--conformance-seed=5", "--conformance-profile=documented", "--collect-only",
    )  # fmt: skip
    header.stdout.fnmatch_lines(
        [
            f"capture-conformance: pivot suite against {pivot_url}, --conformance-seed 5 "
            "--conformance-examples 3 --conformance-profile documented"
        ]
    )


def test_cases_the_time_limit_stops_are_skipped(
    pytester: pytest.Pytester, midtrans_url: str
) -> None:
    result = pytester.runpytest(
        *suite("midtrans", midtrans_url, "--conformance-time-limit=0.001"), "-rs", "-k", "not rule"
    )
    # The preflight alone takes longer than the limit: no case starts.
    cases = all_cases("midtrans", SuiteOptions())
    result.assert_outcomes(  # the deliveries item too: nothing was captured, nothing came
        skipped=len(cases) + 1, deselected=len(known_rules("midtrans", "documented"))
    )
    result.stdout.fnmatch_lines([f"SKIPPED [[]{len(cases)}[]] *: time limit reached"])
    # ...and the session fails: a run that did not check everything is not a pass.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*the run did not end, so it does not pass: time limit*"])


def test_cases_whose_setup_is_refused_midway_are_errors(pytester: pytest.Pytester) -> None:
    simulator = create("midtrans")
    with served(simulator.app) as url:
        # The preflight (token, status read) passes; every authorization then fails.
        fault = {"kind": "error", "status": 500, "path": "/v2/charge"}
        httpx.post(f"{url}/_sim/faults", json=fault).raise_for_status()
        result = pytester.runpytest(*suite("midtrans", url), "-k", "full-capture or over-capture")
    result.assert_outcomes(errors=2, deselected=len(expected_items("midtrans")[0]) - 2)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at setup of scenario midtrans.full-capture _*",
            "midtrans.full-capture could not run: setup call POST /v2/charge was refused: "
            'HTTP 500 {"status_code": "500", *}',
        ]
    )
    assert "Traceback" not in result.stdout.str()
