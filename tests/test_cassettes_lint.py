"""``capture-conformance cassettes lint``: per-interaction checks, notes, and every bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from conformance.cassettes import lint
from conformance.cassettes._format import Cassette, Interaction, dumps
from conformance.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = sorted((ROOT / "cassettes").rglob("*.yaml"))
MIDTRANS = "https://api.sandbox.midtrans.com"
GOOD_CAPTURE = {
    "status_code": "412",
    "status_message": "Merchant cannot modify the status of the transaction",
}


def _item(body: bytes, *, headers: dict[str, str] | None = None, host: str = MIDTRANS,
          path: str = "/v2/capture", status: int = 412) -> Interaction:  # fmt: skip
    request = httpx.Request(
        "POST", host + path, headers={"Content-Type": "application/json",
                                      "Accept": "application/json",
                                      "Authorization": "Basic c2NydWJiZWQ6"},
        content=b'{"transaction_id":"t-1","gross_amount":100}',
    )  # fmt: skip
    item = Interaction.from_httpx(request, httpx.Response(status, content=b""))
    # The providers answer JSON, and say so: a missing Content-Type is a finding of its own.
    given = {"Content-Type": "application/json"} if headers is None else headers
    item.response["headers"] = {k: [v] for k, v in given.items()}
    item.response["body"]["string"] = body
    return item


def _write(tmp_path: Path, *items: Interaction, name: str = "c.yaml") -> str:
    path = tmp_path / name
    path.write_text(dumps(Cassette(list(items)), name), encoding="utf-8")
    return str(path)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["cassettes", "lint", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_committed_cassette_is_conformant() -> None:
    assert len(COMMITTED) == 4
    result = lint(COMMITTED)
    assert result.exit_code == 0, [str(v) for c in result.failed for v in c.violations]
    assert len(result.checked) > 150
    assert {c.provider for c in result.checked} == {"midtrans", "pivot"}
    assert {c.operation for c in result.checked} >= {"capture", "token", "access-token"}


def test_violations_are_reported_per_interaction(tmp_path: Path, capsys) -> None:
    bad = {"status_code": 412, "status_message": "x"}  # a number where a string is due
    path = _write(tmp_path, _item(json.dumps(GOOD_CAPTURE).encode()),
                  _item(json.dumps(bad).encode()))  # fmt: skip
    code, out, _ = _run(capsys, path)
    assert code == 1
    assert f"{path} #1 POST {MIDTRANS}/v2/capture -> 412 (midtrans capture)" in out
    assert f"{path} #0 " not in out
    assert "1 with violations" in out
    code, out, _ = _run(capsys, path, "--format", "json")
    document = json.loads(out)
    assert [len(i["violations"]) > 0 for i in document["interactions"]] == [False, True]
    assert document["exit_code"] == 1


def test_requests_are_checked_outside_catalogue_scenarios(tmp_path: Path, capsys) -> None:
    item = _item(json.dumps(GOOD_CAPTURE).encode())
    item.request.body = b'{"transaction_id":"t-1","gross_amount":100.0}'
    code, out, _ = _run(capsys, _write(tmp_path, item))
    assert code == 1
    assert "midtrans.gross-amount.decimal-literal" in out
    # The catalogue's scenarios send such requests on purpose: only the answer is judged.
    item.scenario = "midtrans.decimal-literal-amount"
    code, out, _ = _run(capsys, _write(tmp_path, item))
    assert code == 0, out


def test_unrelated_hosts_are_skipped_with_a_note(tmp_path: Path, capsys) -> None:
    other = _item(b"<html/>", host="https://example.com")
    path = _write(tmp_path, other, _item(json.dumps(GOOD_CAPTURE).encode()))
    code, out, _ = _run(capsys, path)
    assert code == 0
    assert f"note: {path}: skipped 1 interaction(s): unrelated host example.com" in out
    assert "2 interaction(s) in 1 cassette(s): 1 checked, 0 with violations, 1 skipped" in out


def test_loopback_traffic_is_detected_by_path_shape(tmp_path: Path) -> None:
    item = _item(json.dumps(GOOD_CAPTURE).encode(), host="http://127.0.0.1:8000")
    pivot = _item(b'{"code":"00"}', host="http://localhost:1", path="/v2/payments/x/capture")
    result = lint([_write(tmp_path, item, pivot)])
    assert [(c.provider, c.operation) for c in result.checked] == [
        ("midtrans", "capture"), ("pivot", "capture")
    ]  # fmt: skip


def test_gzip_bodies_are_decoded_and_checked(tmp_path: Path, capsys) -> None:
    good = _item(
        gzip.compress(json.dumps(GOOD_CAPTURE).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    path = _write(tmp_path, good)
    assert "!!binary" in Path(path).read_text()
    code, out, _ = _run(capsys, path)
    assert code == 0, out
    assert "1 checked, 0 with violations" in out


def test_a_broken_gzip_body_is_a_violation(tmp_path: Path, capsys) -> None:
    # vcrpy's decoder keeps a body that does not gunzip as it is: then it is not JSON.
    broken = _item(b"\x1f\x8b not gzip at all", headers={"Content-Encoding": "gzip"})
    code, out, _ = _run(capsys, _write(tmp_path, broken))
    assert code == 1
    assert "midtrans.response.json" in out
    assert "response body is not JSON" in out


def test_an_unknown_content_encoding_is_a_violation(tmp_path: Path, capsys) -> None:
    odd = _item(b"\x28\xb5\x2f\xfd", headers={"Content-Encoding": "zstd-unknown"})
    code, out, _ = _run(capsys, _write(tmp_path, odd))
    assert code == 1
    assert "midtrans.response.json" in out
    assert "unknown content-encoding 'zstd-unknown'" in out


@pytest.mark.parametrize(
    "body",
    [b"\x00\xff\xfe binary \x81", b"<html>Bad Gateway</html>", b""],
    ids=["binary", "html", "empty"],
)
def test_non_json_bodies_are_violations(tmp_path: Path, capsys, body: bytes) -> None:
    code, out, _ = _run(capsys, _write(tmp_path, _item(body)))
    assert code == 1
    assert "midtrans.response.json" in out
    assert "response body is not JSON" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interactions:\n  - request: {method: GET\n", "malformed YAML at line"),
        ("just: a mapping\n", "not a vcrpy cassette"),
        ("- request: {}\n  response: {}\n", "not a vcrpy cassette"),
        ("", "not a vcrpy cassette"),
        ("version: 1\ninteractions: []\n", "the cassette holds no interactions"),
        ("version: 1\ninteractions:\n- request: {method: GET}\n  response: {}\n",
         "interaction 0: the request needs a method and a uri"),
        ("version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n"
         "  response: {status: {code: ok}}\n", "the response needs a status code"),
        ("interactions: !!python/object/apply:os.system ['true']\n", "malformed YAML"),
    ],
    ids=["malformed", "mapping", "old-format", "empty-file", "empty", "no-uri", "no-status",
         "unsafe-tag"],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    code, _out, err = _run(capsys, str(path))
    assert code == 2
    assert message in err, err
    assert err.count("\n") == 1, err


def test_binary_file_and_missing_paths_are_one_line(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(gzip.compress(b"interactions: []"))
    assert _run(capsys, str(binary))[0] == 2
    assert _run(capsys, str(tmp_path / "missing.yaml"))[2].count("\n") == 1
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    code, _, err = _run(capsys, str(empty))
    assert code == 2
    assert "holds no *.yaml" in err


def test_malformed_json_cassette(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"interactions": [')
    code, _, err = _run(capsys, str(path))
    assert code == 2
    assert "malformed JSON" in err


def test_a_cassette_of_the_other_provider(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, _item(json.dumps(GOOD_CAPTURE).encode()))
    code, _, err = _run(capsys, path, "--provider", "pivot")
    assert code == 2
    assert (
        "is a midtrans cassette (interaction 0 goes to api.sandbox.midtrans.com), not a pivot"
        in err
    )
    # Without --provider, each interaction is checked as its own provider's.
    assert _run(capsys, path)[0] == 0


def test_provider_option_checks_other_hosts(tmp_path: Path) -> None:
    item = _item(json.dumps(GOOD_CAPTURE).encode(), host="https://gateway.internal")
    assert lint([_write(tmp_path, item)]).checked == []
    [checked] = lint([_write(tmp_path, item)], provider="midtrans").checked
    assert (checked.provider, checked.operation) == ("midtrans", "capture")
