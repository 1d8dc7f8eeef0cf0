"""The plugin in a user's first hour: its JSON report, and bad settings as one line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from conformance.reports._redact import Redactor
from conformance.reports.json_report import report_schema
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import CaseResult, Finding, Kind, Report

pytest_plugins = ["pytester"]

GROSS = "midtrans.capture-response.gross-amount"
QUICK = ("-p", "no:cacheprovider", "--conformance-examples=2", "--conformance-seed=7")


@pytest.fixture(autouse=True)
def _no_credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY", "PIVOT_CLIENT_ID",
                 "PIVOT_CLIENT_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def quirky_url() -> Iterator[str]:
    with served(create("midtrans", quirk="gross-amount-number").app) as url:
        yield url


def _rule_item(pytester: pytest.Pytester, url: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest(
        "--capture-conformance=midtrans", f"--conformance-base-url={url}", *QUICK,
        "--conformance-deliveries=off", "-k", "gross-amount", *extra,
    )  # fmt: skip


def test_conformance_report_json_is_written_and_the_rule_item_points_at_it(
    pytester: pytest.Pytester, quirky_url: str
) -> None:
    result = _rule_item(pytester, quirky_url, "--conformance-report-json=suite.json")
    assert result.parseoutcomes()["failed"] == 1
    document = json.loads((pytester.path / "suite.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    (run,) = document["runs"]
    assert GROSS in run["checks_failed"]
    out = result.stdout.str()
    assert "(see the JSON report)" not in out  # the old line pointed at nothing
    # past the detailed ones, the line names the report the plugin wrote
    from conformance.pytest_plugin._items import failure_text

    class Plugin:
        def __init__(self, report: object, path: str | None) -> None:
            self._report, self.scrub = report, Redactor([])
            self.settings = type("S", (), {"report_json": path, "replay": lambda s, n: ""})()

        def report(self) -> object:
            return self._report

    report = Report("midtrans", "x", "documented", 1, 1)
    case = CaseResult("midtrans.a", Kind.SCENARIO, "a")
    case.findings = [Finding(GROSS, f"finding {i}") for i in range(25)]
    report.results.append(case)
    pairs = [(case, f) for f in case.findings]
    text = failure_text(Plugin(report, "suite.json"), pairs)  # type: ignore[arg-type]
    assert "… and 5 more findings (every one in the JSON report suite.json)" in text
    text = failure_text(Plugin(report, None), pairs)  # type: ignore[arg-type]
    assert "more findings" not in text
    assert "finding 24" in text


def test_without_a_json_report_the_rule_item_lists_every_finding(
    pytester: pytest.Pytester, quirky_url: str
) -> None:
    result = _rule_item(pytester, quirky_url)
    assert result.parseoutcomes()["failed"] == 1
    out = result.stdout.str()
    assert "more findings" not in out
    # one header set, as the console shows: no date, server or content-length
    assert "server: uvicorn" not in out
    assert "content-length:" not in out
    assert out.count(f"{GROSS} [error] in ") >= 4


@pytest.mark.parametrize(
    ("test", "fragment"),
    [
        (
            "def test_it(conformance_traffic):\n    conformance_traffic.profile = 'strict'\n",
            "conformance_traffic: conformance_traffic.profile must be one of documented, "
            "observed; got 'strict'",
        ),
        (
            "import pytest\n\n@pytest.mark.conformance(profile='strict')\n"
            "def test_it(conformance_traffic):\n    pass\n",
            "conformance_traffic: @pytest.mark.conformance(profile=...) must be one of "
            "documented, observed; got 'strict'",
        ),
    ],
)
def test_a_bad_traffic_setting_is_one_line(
    pytester: pytest.Pytester, test: str, fragment: str
) -> None:
    pytester.makepyfile(test)
    result = pytester.runpytest("-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert fragment in out
    assert "Traceback" not in out
    assert "During handling" not in out
    assert "_session.py" not in out
    assert "conformance/pytest_plugin" not in out
