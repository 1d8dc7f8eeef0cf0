"""Implementations the kit has never been tuned on: it must find them conformant.

``tests/clean_room/`` holds a Midtrans and a Pivot server written for this purpose
by a separate author who read only the two seed pages and ``provider-facts.md``,
never the kit's specs, simulators or tests. Where the documents leave room they
chose for themselves: id formats, message wording, field order, extra fields,
Midtrans's HTTP status mode, when a Pivot capture settles, Pivot charge amounts as
bare numbers, ``amount: null`` for a capture that named none, the order of
validation. They are run as a user would run any target: served on loopback and
checked with ``capture-conformance check``.

A finding here means the kit judges by something its sources do not say. The
only expected one is a profile difference: the Pivot server answers an unknown
payment with the documented 404, and the ``observed`` profile expects the 422
the sandbox is seen to answer.

Neither server makes deliveries (no notifications, no callbacks): ``check``'s
delivery check (``--deliveries auto``) is then skipped with a note saying how to
enable it, not failed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent / "clean_room"


@contextmanager
def serving(app: str, **env: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(HERE / app), str(port)]
    url = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    ) as proc:  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(url + "/", timeout=1)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        assert proc.stderr is not None
                        raise RuntimeError(f"{app} did not start: {proc.stderr.read()}") from None
                    time.sleep(0.05)
            yield url
        finally:
            proc.terminate()


def check(
    provider: str, url: str, profile: str, tmp_path: Path, examples: int = 25
) -> tuple[int, set[str], str]:
    """Exit code, failed checks and the console text of ``check`` against *url*.

    The delivery check must be skipped with its note: these servers deliver nothing.
    """
    report = tmp_path / f"{provider}-{profile}.json"
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "check", provider, "--base-url", url,
         "--profile", profile, "--examples", str(examples), "--seed", "3", "--no-progress",
         "--report-json", str(report), "--delivery-timeout", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    data = json.loads(report.read_text())
    (deliveries,) = [
        case for run in data["runs"] for case in run["cases"]
        if case["id"] == f"{provider}.deliveries"
    ]  # fmt: skip
    assert deliveries["outcome"] == "skipped", deliveries
    how = "--callback-listen HOST:PORT"  # how to enable it
    if provider == "midtrans":  # the receiver listened; nothing came
        assert "no notification reached http://127.0.0.1:" in deliveries["note"]
    else:  # Pivot's callback URL is a dashboard setting: nothing listened
        assert "Pivot callbacks not checked" in deliveries["note"]
    assert how in deliveries["note"]
    failed = {
        finding["check"]
        for run in data["runs"]
        for case in run["cases"]
        for finding in case["findings"]
        if finding["severity"] == "error"
    }
    return done.returncode, failed, done.stdout + done.stderr


@pytest.mark.parametrize("profile", ["documented", "observed"])
@pytest.mark.parametrize("mode", ["mirror", "legacy"])
def test_the_clean_room_midtrans_is_conformant(tmp_path, mode, profile) -> None:
    with serving("midtrans_app.py", MIDTRANS_IMPL_HTTP_MODE=mode) as url:
        code, failed, text = check("midtrans", url, profile, tmp_path)
    assert (code, failed) == (0, set()), text[-4000:]


@pytest.mark.parametrize("settle", ["0", "0.5"])
def test_the_clean_room_pivot_is_conformant_to_the_documents(tmp_path, settle) -> None:
    with serving("pivot_app.py", PIVOT_CAPTURE_SETTLE_SECONDS=settle) as url:
        code, failed, text = check("pivot", url, "documented", tmp_path)
    assert (code, failed) == (0, set()), text[-4000:]


def test_the_clean_room_pivot_differs_from_the_observed_sandbox_only_on_unknown_ids(
    tmp_path,
) -> None:
    with serving("pivot_app.py", PIVOT_CAPTURE_SETTLE_SECONDS="0") as url:
        code, failed, text = check("pivot", url, "observed", tmp_path)
    assert (code, failed) == (1, {"pivot.unknown-id"}), text[-4000:]
    assert "received:    \"HTTP 404 code 'not_found' error.type 'GATEWAY_ERROR'\"" in text
