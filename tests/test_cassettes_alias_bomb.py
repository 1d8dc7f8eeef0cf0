"""A cassette whose YAML aliases expand without bound (an alias bomb) is refused, fast.

``cassettes lint``, ``cassettes diff`` and ``check --cassette`` exit 2 with one
line, in seconds and within a bounded address space; a recursive alias too; a
cassette with a few aliases (vcrpy's writer makes them) still loads.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from conformance.cassettes import load_cassette
from conformance.cassettes._examples import example_cassette
from conformance.cassettes._format import dumps
from conformance.errors import InputError


def alias_bomb(levels: int = 10) -> str:
    """A cassette of 1 kB whose one header value stands for 9**levels strings."""
    lines = ["version: 1", "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    lines += [
        "interactions:",
        "- request:",
        "    method: GET",
        "    uri: https://api.sandbox.midtrans.com/v2/token",
        "    body: null",
        "    headers:",
        f"      Accept: *a{levels - 1}",
        "  response:",
        "    status: {code: 200, message: OK}",
        "    headers: {Content-Type: [application/json]}",
        """    body: {string: '{"status_code": "200"}'}""",
        "  scenario: preflight",  # the first answer a replay reads
        # A scenario of the catalogue, so that a replay goes on to read the preflight.
        "- request: {method: GET, uri: 'https://api.sandbox.midtrans.com/v2/token', body: null,",
        "            headers: {}}",
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: '{}'}}",
        "  scenario: midtrans.full-capture",
    ]
    return "\n".join(lines) + "\n"


def _address_space_limit() -> None:
    # Expanding the bomb takes gigabytes; within this a bounded reader has room to spare.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(
    "args",
    [
        ["cassettes", "lint", "{bomb}"],
        ["cassettes", "diff", "{ok}", "{bomb}"],
        ["check", "midtrans", "--cassette", "{bomb}", "--no-progress"],
    ],
    ids=["lint", "diff", "replay"],
)
def test_an_alias_bomb_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    bomb, ok = tmp_path / "bomb.yaml", tmp_path / "ok.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    ok.write_text(dumps(example_cassette("midtrans")), encoding="utf-8")
    command = [a.format(bomb=bomb, ok=ok) for a in args]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *command], capture_output=True, text=True,
        timeout=60, preexec_fn=_address_space_limit,
    )  # fmt: skip
    assert time.monotonic() - started < 20  # the interpreter's start included
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1, done.stderr[-2000:]
    assert "alias bomb" in done.stderr
    assert str(bomb) in done.stderr


def test_an_alias_bomb_is_refused_fast_in_process(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(12), encoding="utf-8")
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="alias bomb"):
            load_cassette(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 16 * 2**20  # the text is 1 kB: what it is read into stays small


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("version: 1\ninteractions: &a [*a]\n", encoding="utf-8")
    with pytest.raises(InputError, match="contains it"):
        load_cassette(path)


def test_a_cassette_with_modest_aliases_still_loads(tmp_path: Path) -> None:
    # vcrpy's writer puts an anchor on an object it meets twice (one headers mapping for two).
    answer = "{status: {code: 200, message: OK}, headers: {}, body: {string: '{}'}}"
    path = tmp_path / "aliased.yaml"
    path.write_text(
        "version: 1\ninteractions:\n"
        "- request: {method: GET, uri: 'https://api.sandbox.midtrans.com/v2/t-1/status',\n"
        "            body: null, headers: &h {Accept: [application/json]}}\n"
        f"  response: {answer}\n"
        "- request: {method: GET, uri: 'https://api.sandbox.midtrans.com/v2/t-2/status',\n"
        "            body: null, headers: *h}\n"
        f"  response: {answer}\n",
        encoding="utf-8",
    )
    first, second = load_cassette(path)
    assert first.request_headers() == second.request_headers() == [("Accept", "application/json")]
