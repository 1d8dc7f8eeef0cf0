"""``capture-conformance cassettes diff``: each change kind, its class and rule, the outputs,
the exit codes; and the committed recordings against a fresh recording of today's simulators."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.cassettes import diff, record
from conformance.cassettes._diff_render import render
from conformance.cassettes._diff_rules import RULES
from conformance.cassettes._format import Cassette, Interaction, dumps
from conformance.cli import main
from conformance.errors import InputError
from conformance.simulators import create

ROOT = Path(__file__).resolve().parent.parent
MIDTRANS = "https://api.sandbox.midtrans.com"
PIVOT = "https://api-stg.pivot-payment.com"
OK = {"status_code": "200", "status_message": "Success", "transaction_id": "t-1",
      "transaction_status": "capture", "gross_amount": "100000.00"}  # fmt: skip


def _item(body: Any, *, status: int = 200, scenario: str | None = "midtrans.full-capture",
          host: str = MIDTRANS, path: str = "/v2/capture") -> Interaction:  # fmt: skip
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Interaction.from_httpx(
        httpx.Request("POST", host + path), httpx.Response(status, content=raw), scenario=scenario
    )


def _changes(old: list[Interaction], new: list[Interaction]) -> list[tuple[str, str, str]]:
    result = diff(Cassette(old, "old.yaml"), Cassette(new, "new.yaml"))
    return [(c.rule, c.severity, c.pointer) for c in result.changes]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (_item(OK, status=201), ("status-code.changed", "breaking", "")),
        (_item({**OK, "status_code": "412"}), ("error-code.changed", "breaking", "/status_code")),
        (_item({**OK, "transaction_status": "settlement"}),
         ("enum.value-changed", "non-breaking", "/transaction_status")),
        (_item({**OK, "transaction_status": "captured"}),
         ("enum.value-undocumented", "breaking", "/transaction_status")),
        (_item({k: v for k, v in OK.items() if k != "gross_amount"}),
         ("field.removed", "breaking", "/gross_amount")),
        (_item({**OK, "channel": "dragon"}), ("field.added", "non-breaking", "/channel")),
        (_item({**OK, "gross_amount": 100000}),
         ("field.type-changed", "breaking", "/gross_amount")),
        (_item({**OK, "status_message": "Captured"}),
         ("message.changed", "cosmetic", "/status_message")),
        (_item({**OK, "validation_messages": ["amount is invalid"]}),
         ("message.changed", "cosmetic", "/validation_messages/*")),
        (_item(b"<html>502</html>"), ("body.not-json", "breaking", "")),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else "",
)  # fmt: skip
def test_each_change_kind_and_its_class(new: Interaction, expected: tuple[str, str, str]) -> None:
    before = {**OK, "validation_messages": ["amount must be positive"]}
    old = _item(before if "validation_messages" in expected[2] else OK)
    assert _changes([old], [new]) == [expected]


def test_values_that_legitimately_differ_are_not_changes() -> None:
    other = {**OK, "transaction_id": "t-2", "gross_amount": "50000.00"}
    assert _changes([_item(OK)], [_item(other)]) == []


def test_pivot_error_code_and_message() -> None:
    def error(code: str, message: str) -> Interaction:
        body = {"code": code, "message": message, "error": {"type": "API_ERROR"}}
        return _item(body, status=400, scenario="pivot.zero-amount", host=PIVOT,
                     path="/v2/payments/p-1/capture")  # fmt: skip

    assert _changes([error("api_validation_error", "a")], [error("invalid_amount", "b")]) == [
        ("error-code.changed", "breaking", "/code"),
        ("message.changed", "cosmetic", "/message"),
    ]


def test_interactions_and_scenarios_that_appear_or_disappear() -> None:
    second = _item({**OK, "status_code": "412"}, status=412)
    other = _item(OK, scenario="midtrans.partial-capture")
    assert _changes([_item(OK), second], [_item(OK), other]) == [
        ("interaction.removed", "breaking", ""),
        ("scenario.added", "non-breaking", ""),
    ]
    assert _changes([_item(OK), other], [_item(OK)]) == [("scenario.removed", "non-breaking", "")]
    assert _changes([_item(OK)], [_item(OK), second]) == [("interaction.added", "non-breaking", "")]


def test_untagged_cassettes_pair_by_method_path_and_order() -> None:
    first, second = _item(OK, scenario=None), _item({**OK, "status_code": "412"}, scenario=None)
    status = _item({"status_code": "200", "transaction_status": "capture"}, scenario=None,
                   path="/v2/t-9/status")  # fmt: skip
    result = diff(Cassette([first, status, second]), Cassette([status, first, first]))
    assert [(c.where, c.rule) for c in result.changes] == [
        ("POST /v2/capture #2", "error-code.changed")
    ]


def test_arrays_compare_their_items_values() -> None:
    def session(*statuses: str) -> Interaction:
        body = {"code": "00", "data": {"captureHistories": [{"status": s} for s in statuses]}}
        return _item(body, scenario="pivot.partial-capture", host=PIVOT, path="/v2/payments/p")

    [change] = diff(Cassette([session("PENDING")]), Cassette([session("SUCCESS", "DONE")])).changes
    assert (change.rule, change.pointer) == (
        "enum.value-undocumented", "/data/captureHistories/*/status"
    )  # fmt: skip
    assert "['DONE'] not in specs/" in change.message


def test_every_rule_has_a_class_and_a_rationale() -> None:
    for rule in RULES.values():
        assert rule.severity in ("breaking", "non-breaking", "cosmetic")
        assert len(rule.rationale) > 20


def _files(tmp_path: Path, old: list[Interaction], new: list[Interaction]) -> tuple[str, str]:
    paths = []
    for name, items in (("old.yaml", old), ("new.yaml", new)):
        (tmp_path / name).write_text(dumps(Cassette(items), name))
        paths.append(str(tmp_path / name))
    return paths[0], paths[1]


def test_outputs_and_fail_on(tmp_path: Path, capsys) -> None:
    old, new = _files(tmp_path, [_item(OK)], [_item({**OK, "status_message": "Done"})])
    assert main(["cassettes", "diff", old, new]) == 0  # a cosmetic change only
    text = capsys.readouterr().out
    assert "1 change(s): 0 breaking, 0 non-breaking, 1 cosmetic" in text
    assert "[cosmetic] message.changed at /status_message" in text
    assert main(["cassettes", "diff", old, new, "--fail-on", "any"]) == 1
    capsys.readouterr()
    assert main(["cassettes", "diff", old, new, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["cosmetic"] == 1
    assert document["changes"][0]["rule"] == "message.changed"
    assert document["rules"]["message.changed"]["severity"] == "cosmetic"
    assert main(["cassettes", "diff", old, new, "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Cassette diff (midtrans)")
    assert "| ⚪ cosmetic | `midtrans.full-capture` |" in markdown
    assert "`message.changed` (cosmetic):" in markdown


def test_breaking_changes_fail_by_default(tmp_path: Path, capsys) -> None:
    old, new = _files(tmp_path, [_item(OK)], [_item(OK, status=500)])
    assert main(["cassettes", "diff", old, new]) == 1
    assert "[breaking] status-code.changed" in capsys.readouterr().out
    assert main(["cassettes", "diff", old, new, "--fail-on", "never"]) == 0


def test_bad_diff_inputs_are_one_line(tmp_path: Path, capsys) -> None:
    pivot = _item(
        {"code": "00"}, scenario="pivot.full-capture", host=PIVOT, path="/v1/access-token"
    )
    old, other = _files(tmp_path, [_item(OK)], [pivot])
    for args, message in (
        ([old, other], "is a midtrans recording and"),
        ([old, str(tmp_path / "missing.yaml")], "does not exist"),
        ([old, str(tmp_path)], "is a directory"),
    ):
        assert main(["cassettes", "diff", *args]) == 2
        err = capsys.readouterr().err
        assert message in err, err
        assert err.count("\n") == 1, err
    with pytest.raises(InputError, match="holds no interactions"):
        diff(Cassette([_item(OK)]), Cassette([]))


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_fresh_recording_matches_the_committed_one(provider: str) -> None:
    """A simulator behaviour change must show up as a reviewed cassette diff, never silently."""
    committed = ROOT / "cassettes" / provider / "catalogue.yaml"
    fresh = record(provider, simulator=create(provider)).cassette
    result = diff(committed, fresh)
    assert result.pairs > 60
    assert result.changes == [], (
        render(result, "text") + "\nIf the change is intended, refresh the recording: "
        f"capture-conformance record {provider} --simulator --out {committed.relative_to(ROOT)}"
    )


def test_html_page_written_at_once_with_out(tmp_path: Path, capsys) -> None:
    from test_html_report import parse

    old, new = _files(tmp_path, [_item(OK)], [_item({**OK, "status_message": "Done"}, status=201)])
    out = tmp_path / "deep" / "drift.html"
    assert main(["cassettes", "diff", old, new, "--format", "html", "--out", str(out)]) == 1
    assert capsys.readouterr().out == (
        "midtrans: 2 change(s): 1 breaking, 0 non-breaking, 1 cosmetic; "
        f"html diff written to {out}\n"
    )
    page = out.read_text(encoding="utf-8")
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "link" not in parsed.tags
    assert "img" not in parsed.tags
    assert parsed.urls == []
    assert "<script src" not in page
    assert parsed.tags.count("script") == 1
    text = " ".join(" ".join(parsed.text).split())
    assert "2 change(s): 1 breaking, 0 non-breaking, 1 cosmetic" in text
    assert 'class="change breaking" data-class="breaking"' in page
    assert 'class="change cosmetic" data-class="cosmetic"' in page
    assert "OLD · HTTP 200 OK" in text
    assert "NEW · HTTP 201 Created" in text
    assert [p.name for p in out.parent.iterdir()] == ["drift.html"]  # no temporary left
    # Without --out the page goes to stdout, like every format; --out takes any format.
    assert main(["cassettes", "diff", old, new, "--format", "html"]) == 1
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["cassettes", "diff", old, new, "--out", str(tmp_path / "d.txt")]) == 1
    capsys.readouterr()
    assert "[breaking] status-code.changed" in (tmp_path / "d.txt").read_text(encoding="utf-8")


def test_an_unwritable_out_is_one_line_and_nothing_is_diffed(tmp_path: Path, capsys) -> None:
    old, new = _files(tmp_path, [_item(OK)], [_item(OK)])
    for out, message in ((tmp_path, "is a directory"), (Path(old) / "x.html", "cannot be written")):
        assert main(["cassettes", "diff", old, new, "--format", "html", "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert "--out" in captured.err, captured.err
        assert message in captured.err, captured.err
        assert captured.err.count("\n") == 1
        assert captured.out == ""


def test_every_format_is_redacted(tmp_path: Path, capsys, monkeypatch) -> None:
    key, other = "SB-Mid-server-diff-made-up-0007", "SB-Mid-server-from-env-0008"
    monkeypatch.setenv("MIDTRANS_SERVER_KEY", other)
    basic = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    leaked = {**OK, "status_message": f"key {key} or {other}", "token_id": "tok-diff-made-up-09",
              "masked_card": "4811111111111114"}  # fmt: skip
    new_item = Interaction.from_httpx(
        httpx.Request("POST", MIDTRANS + "/v2/capture", headers={"Authorization": basic}),
        httpx.Response(200, json=leaked), scenario="midtrans.full-capture",
    )  # fmt: skip
    old, new = _files(tmp_path, [_item(OK)], [new_item])
    for fmt in ("text", "json", "markdown", "html"):
        assert main(["cassettes", "diff", old, new, "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "<redacted>" in out or "&lt;redacted&gt;" in out, fmt
        for secret in (key, other, basic.split()[1], "tok-diff-made-up-09", "4811111111111114"):
            assert secret not in out, (fmt, secret)
