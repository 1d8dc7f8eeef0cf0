"""``check PROVIDER --cassette PATH``: recorded exchanges re-checked offline, like a live check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.cassettes import load_cassette, replay, replay_target
from conformance.cassettes._format import Cassette, dumps
from conformance.cli import main
from conformance.errors import InputError
from conformance.reports.json_report import report_schema
from conformance.suite import Outcome

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = {p: ROOT / "cassettes" / p / "catalogue.yaml" for p in ("midtrans", "pivot")}
SEED_MIDTRANS = ROOT / "cassettes" / "midtrans" / "seed-examples.yaml"


def _write(cassette: Cassette, path: Path) -> str:
    path.write_text(dumps(cassette, str(path)), encoding="utf-8")
    return str(path)


def _tampered(tmp_path: Path, scenario: str, path: str, edit) -> str:
    """The committed Midtrans recording with the last *path* answer of *scenario* edited."""
    cassette = load_cassette(COMMITTED["midtrans"])
    item = [i for i in cassette if i.scenario == scenario and i.path == path][-1]
    body = json.loads(item.response_body())
    edit(body)
    item.response["body"]["string"] = json.dumps(body).encode()
    return _write(cassette, tmp_path / "tampered.yaml")


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
@pytest.mark.parametrize("profile", ["documented", "observed"])
def test_committed_recording_replays_conformant(provider, profile, capsys) -> None:
    code = main(["check", provider, "--cassette", str(COMMITTED[provider]), "--profile", profile,
                 "--no-progress"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED" in out


def test_every_catalogue_scenario_really_ran_from_the_recording() -> None:
    report = replay("pivot", [COMMITTED["pivot"]])
    assert report.exit_code == 0
    assert {r.outcome for r in report.results} == {Outcome.PASSED}
    assert report.exchanges > 60
    assert report.target == f"cassette {COMMITTED['pivot']}"


def test_tampered_answer_fails_naming_the_rule(tmp_path: Path, capsys) -> None:
    path = _tampered(tmp_path, "midtrans.full-capture", "/v2/capture",
                     lambda b: b.update(gross_amount=100000.5))  # fmt: skip
    report_json, junit = tmp_path / "r.json", tmp_path / "j.xml"
    code = main(["check", "midtrans", "--cassette", path, "--no-progress",
                 "--report-json", str(report_json), "--junit", str(junit)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "midtrans.capture-response.gross-amount" in out
    document = json.loads(report_json.read_text())
    jsonschema.validate(document, report_schema())
    checks = {f["check"] for run in document["runs"] for c in run["cases"] for f in c["findings"]}
    assert "midtrans.capture-response.gross-amount" in checks
    failed = [
        c.get("name") for c in ET.parse(junit).iter("testcase") if c.find("failure") is not None
    ]
    assert "midtrans.full-capture" in failed, failed


def test_a_changed_outcome_fails_the_scenario(tmp_path: Path, capsys) -> None:
    path = _tampered(tmp_path, "midtrans.second-capture", "/v2/capture",
                     lambda b: b.update(status_code="200"))  # fmt: skip
    assert main(["check", "midtrans", "--cassette", path, "--no-progress"]) == 1
    assert "midtrans.second-capture" in capsys.readouterr().out


def test_a_request_the_recording_cannot_answer_is_a_reported_problem(tmp_path: Path) -> None:
    cassette = load_cassette(COMMITTED["midtrans"])
    captures = [i for i in cassette if i.scenario == "midtrans.second-capture"
                and i.path == "/v2/capture"]  # fmt: skip
    cassette.interactions.remove(captures[-1])
    report = replay("midtrans", [cassette])
    [result] = [r for r in report.results if r.id == "midtrans.second-capture"]
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.check == "midtrans.transport"
    assert "no answer left for POST /v2/capture in midtrans.second-capture" in finding.message


def test_a_scenario_the_recording_lacks_is_skipped_with_a_note() -> None:
    cassette = load_cassette(COMMITTED["pivot"])
    cassette.interactions = [i for i in cassette if i.scenario != "pivot.full-capture"]
    report = replay("pivot", [cassette])
    [result] = [r for r in report.results if r.id == "pivot.full-capture"]
    assert (result.outcome, result.note) == (Outcome.SKIPPED, "not recorded in the cassette")
    assert report.exit_code == 0


def test_a_folder_means_every_cassette_in_it(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / "a.yaml").write_text(COMMITTED["pivot"].read_text())
    assert main(["check", "pivot", "--cassette", str(folder), "--no-progress"]) == 0
    assert "a.yaml" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "pivot", "--cassette", str(COMMITTED["midtrans"])],
         "is a midtrans cassette, not a pivot one"),
        (["check", "pivot", "--cassette", str(COMMITTED["pivot"]), "--base-url", "http://x"],
         "not both"),
        (["check", "pivot"], "--base-url URL"),
        (["check", "pivot", "--cassette", "/nonexistent.yaml"], "does not exist"),
        (["check", "midtrans", "--cassette", str(SEED_MIDTRANS)],
         "has no interaction tagged with a scenario of the midtrans catalogue"),
    ],
)  # fmt: skip
def test_bad_replays_are_one_line(args, message, capsys) -> None:
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1, err


def test_untagged_and_empty_cassettes_are_refused(tmp_path: Path) -> None:
    cassette = load_cassette(COMMITTED["pivot"])
    for item in cassette:
        item.scenario = None
    with pytest.raises(InputError, match="no interaction tagged with a scenario"):
        replay_target("pivot", [_write(cassette, tmp_path / "plain.yaml")])
    with pytest.raises(InputError, match="holds no interactions"):
        replay_target("pivot", [_write(Cassette([]), tmp_path / "empty.yaml")])
