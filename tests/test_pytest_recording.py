"""The kit's cassettes play under the real pytest-recording (``@pytest.mark.vcr``).

pytest-recording 0.15 unpacks exactly two values from vcrpy's ``deserialize``,
which gives a third when a cassette has a top-level ``metadata`` key; so the kit
keeps what it knows of a cassette on its first interaction instead, and every
cassette it writes (committed, ``record``ed, ``cassettes examples``) plays back
in a user's own ``@pytest.mark.vcr`` test, run here through pytester with
``--record-mode=none`` (nothing may reach the network).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_recording  # noqa: F401  (a test extra: missing means failing, not skipped)

from conformance.cassettes import load_cassette
from conformance.cli import main

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "cassettes"

#: A user's test: replays the cassette's first few exchanges through requests and httpx.
_TEST = """
import json

import httpx
import pytest
import requests

from conformance.cassettes import load_cassette

CASSETTE = {cassette!r}


@pytest.mark.vcr(CASSETTE)
def test_replays_through_requests_and_httpx():
    recorded = load_cassette(CASSETTE).interactions[:{count}]
    for n, item in enumerate(recorded):
        headers = dict(item.request_headers())
        body = item.request_body() or None
        if n % 2:
            answer = httpx.request(item.method, item.uri, headers=headers, content=body)
            status, content = answer.status_code, answer.content
        else:
            answer = requests.request(item.method, item.uri, headers=headers, data=body)
            status, content = answer.status_code, answer.content
        assert status == item.status
        assert content == item.response_body()
"""


def _run(pytester: pytest.Pytester, source: Path, count: int = 4) -> pytest.RunResult:
    cassette = pytester.path / "cassettes" / source.name
    cassette.parent.mkdir(exist_ok=True)
    shutil.copyfile(source, cassette)
    pytester.makepyfile(test_user=_TEST.format(cassette=str(cassette), count=count))
    return pytester.runpytest_subprocess(
        "-p", "recording", "--record-mode=none", "-p", "no:cacheprovider", "-q"
    )  # fmt: skip


@pytest.mark.parametrize(
    "committed",
    ["midtrans/catalogue.yaml", "pivot/catalogue.yaml", "midtrans/seed-examples.yaml"],
)
def test_a_committed_cassette_plays(pytester: pytest.Pytester, committed: str) -> None:
    result = _run(pytester, COMMITTED / committed)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)


def test_a_recorded_cassette_plays(pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "pivot.yaml"
    assert main(["record", "pivot", "--simulator", "--out", str(out)]) == 0
    assert load_cassette(out).metadata["capture-conformance"]["provider"] == "pivot"
    result = _run(pytester, out, count=6)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)


def test_an_examples_cassette_plays(pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "examples.yaml"
    assert main(["cassettes", "examples", "pivot", "--out", str(out)]) == 0
    assert load_cassette(out).metadata["capture-conformance"]["provider"] == "pivot"
    result = _run(pytester, out)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
