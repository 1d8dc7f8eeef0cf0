"""Nothing leaked, nothing lost: secrets in every form out of every output, files written whole.

- Form-encoded bodies are redacted by the same names as JSON ones, in the proxy's
  console, the JSON report and JUnit.
- A secret the reports know is scrubbed raw, URL- or form-encoded and in base64
  (alone, as HTTP Basic, inside a longer base64 text).
- The one-line error of a refused setup shows no credential, whether it came
  from an option or the environment.
- Reports and cassettes are written at once: a write that fails keeps the file
  that was there byte for byte.

Alias bombs in cassettes: ``test_cassettes_alias_bomb.py``.

Every secret here is made up.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from rich.console import Console
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance import _files
from conformance.cassettes._examples import example_cassette
from conformance.cassettes._format import dumps, save_cassette
from conformance.cli import main
from conformance.errors import InputError
from conformance.proxy import ProxyApp, TrafficLog
from conformance.reports._redact import Redactor, credentials_redactor, redact_body
from conformance.reports.console import render
from conformance.reports.json_report import write_json
from conformance.reports.junit import write_junit
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import Report

# Made up, with characters that URL- and base64-encoding change.
SERVER_KEY = "SB-Mid-server-test/made+up 7f3a"
CLIENT_KEY = "SB-Mid-client-test-made-up-91c2"
CARD_NUMBER = "4811111111111114"
CLIENT_ID = "merchant-made-up-5d1e"
CLIENT_SECRET = "secret/made+up c0ffee"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def forms(secret: str) -> dict[str, str]:
    """Each form a leak of *secret* would take, by name (the assertion message)."""
    return {
        "raw": secret,
        "URL-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret, safe=""),
        "base64": _b64(secret).rstrip("="),
        "HTTP Basic base64": _b64(f"{secret}:").rstrip("="),
    }


def assert_absent(text: str, *secrets: str, where: str) -> None:
    for secret in secrets:
        for name, form in forms(secret).items():
            assert form not in text, f"{where} shows the {name} form of {secret!r}"


# -- the proxy, its console and its reports -----------------------------------------------


def _proxy_run(upstream: Starlette | None, send: str) -> tuple[str, Report]:
    """Run one request through a ProxyApp in-process; its console text and its report."""
    out = io.StringIO()
    log = TrafficLog(Console(file=out, width=200, color_system=None))
    app = upstream if upstream is not None else create("midtrans").app
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    proxy = ProxyApp("midtrans", "https://api.sandbox.midtrans.com", client=client, log=log)

    async def go() -> None:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as c:
            if send == "form":
                await c.post(
                    "/v2/charge",
                    data={
                        "server_key": SERVER_KEY,
                        "card_number": CARD_NUMBER,
                        "client_secret": CLIENT_SECRET,
                        "gross_amount": "30000",
                    },
                )
            else:
                basic = "Basic " + _b64(f"{SERVER_KEY}:")
                await c.post("/v2/charge", headers={"Authorization": basic}, json={})

    asyncio.run(go())
    return out.getvalue(), proxy.recorder.finish()


def _outputs(report: Report, tmp_path: Path, secrets: tuple[str, ...] = ()) -> dict[str, str]:
    write_json([report], tmp_path / "report.json", command="proxy midtrans", secrets=secrets)
    write_junit([report], tmp_path / "report.xml", secrets=secrets)
    return {
        "the JSON report": (tmp_path / "report.json").read_text(encoding="utf-8"),
        "JUnit": (tmp_path / "report.xml").read_text(encoding="utf-8"),
        "the console report": render([report], width=200, secrets=secrets),
    }


def test_form_encoded_secrets_are_redacted_by_name_everywhere(tmp_path: Path) -> None:
    console, report = _proxy_run(None, "form")
    assert "request body is not JSON" in console  # judged, and shown
    assert "server_key=<redacted>" in console
    outputs = {"the proxy's console": console, **_outputs(report, tmp_path)}
    for where, text in outputs.items():
        assert_absent(text, SERVER_KEY, CARD_NUMBER, CLIENT_SECRET, where=where)


def test_a_form_encoded_body_is_redacted_as_text() -> None:
    body = f"gross_amount=1&client_secret={quote_plus(CLIENT_SECRET)}&note=ok".encode()
    assert redact_body(body) == "gross_amount=1&client_secret=<redacted>&note=ok"


def _echoing_upstream() -> Starlette:
    """Answers every charge with the caller's key echoed in several encodings, out of contract."""

    async def charge(request: Request) -> JSONResponse:
        credential = request.headers["authorization"].removeprefix("Basic ")
        key = base64.b64decode(credential).decode().rstrip(":")
        return JSONResponse(
            {
                "status_code": "200",
                "transaction_status": _b64(key),  # not a status: a finding, its value shown
                "debug_url": f"https://echo.invalid/?k={quote(key, safe='')}",
                "debug_form": f"k={quote_plus(key, safe='')}",
                "debug_pair": _b64(f"{CLIENT_ID}:{key}"),
            }
        )

    return Starlette(routes=[Route("/v2/charge", charge, methods=["POST"])])


def test_known_secrets_are_scrubbed_in_every_encoding(tmp_path: Path) -> None:
    console, report = _proxy_run(_echoing_upstream(), "json")
    assert report.exit_code == 1, console  # the echo breaks the contract: evidence is shown
    outputs = {"the proxy's console": console, **_outputs(report, tmp_path)}
    # The characters of base64("<id>:<key>") made of the key's bytes alone.
    inside = _b64(f"{CLIENT_ID}:{SERVER_KEY}")[(len(CLIENT_ID) + 1) // 3 * 4 + 4 : -8]
    assert len(inside) >= 16
    for where, text in outputs.items():
        assert_absent(text, SERVER_KEY, where=where)
        assert inside not in text, f"{where} shows the key inside a longer base64 text"


def test_given_secrets_are_scrubbed_from_free_text_in_every_encoding() -> None:
    scrub = Redactor([], extra=[CLIENT_SECRET])
    pair = _b64(f"id:{CLIENT_SECRET}")
    text = scrub(f"a={quote(CLIENT_SECRET, safe='')} b={_b64(CLIENT_SECRET)} c={pair}")
    assert_absent(text, CLIENT_SECRET, where="free text")
    assert pair[8:-4] not in text
    assert text.count("<redacted>") == 3


def test_a_secret_cut_short_at_the_end_of_a_text_is_scrubbed() -> None:
    scrub = Redactor([], extra=[CLIENT_KEY])
    cut = f'refused: {{"echo": "{CLIENT_KEY[:20]}'
    assert CLIENT_KEY[:12] not in scrub(cut)
    assert CLIENT_KEY[:12] not in scrub(cut + "…")
    assert scrub("unknown merchant") == "unknown merchant"


# -- the one-line error of a refused setup --------------------------------------------------


def _refusing_target() -> Starlette:
    """Refuses the credentials of both providers' preflights, echoing them in its answer."""

    async def token(request: Request) -> JSONResponse:
        return JSONResponse({"status_code": "200", "token_id": "made-up-token-1"})

    async def refuse(request: Request) -> JSONResponse:
        headers = request.headers
        secret = headers.get("x-merchant-secret", "")
        echoed = {
            "echo": [v for v in (headers.get("authorization"), secret) if v],
            "id": headers.get("x-merchant-id", ""),
            "q": quote(secret, safe=""),
            "pair": _b64(f"{headers.get('x-merchant-id', '')}:{secret}"),
        }
        return JSONResponse({"status_code": "401", **echoed}, status_code=401)

    return Starlette(
        routes=[
            Route("/v2/token", token),
            Route("/v2/{id}/status", refuse),
            Route("/v1/access-token", refuse, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def refusing() -> Iterator[str]:
    with served(_refusing_target()) as url:
        yield url


def _one_line(code: int, captured: pytest.CaptureFixture[str]) -> str:
    out, err = captured.readouterr()
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert "refused" in err
    return out + err


def test_a_refused_setup_error_line_shows_no_credential_given_as_options(
    refusing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "pivot", "--base-url", refusing, "--client-id", CLIENT_ID,
                 f"--client-secret={CLIENT_SECRET}", "--no-progress"])  # fmt: skip
    printed = _one_line(code, capsys)
    assert "<redacted>" in printed  # the answer is shown, without what it echoed
    assert_absent(printed, CLIENT_ID, CLIENT_SECRET, where="the error line")


def test_a_refused_setup_error_line_shows_no_credential_from_the_environment(
    refusing: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIVOT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PIVOT_CLIENT_SECRET", CLIENT_SECRET)
    printed = _one_line(main(["check", "pivot", "--base-url", refusing, "--no-progress"]), capsys)
    assert "<redacted>" in printed
    assert_absent(printed, CLIENT_ID, CLIENT_SECRET, where="the error line")


def test_a_refused_midtrans_key_is_named_not_shown(
    refusing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "midtrans", "--base-url", refusing, "--server-key", SERVER_KEY,
                 f"--client-key={CLIENT_KEY}", "--no-progress"])  # fmt: skip
    printed = _one_line(code, capsys)
    assert "refused the server key" in printed
    assert_absent(printed, SERVER_KEY, CLIENT_KEY, where="the error line")


def test_the_credentials_of_a_command_line_are_found_in_every_spelling() -> None:
    argv = ["check", "--server-key", "SB-Mid-server-a1b2", "--client-secret=pivot-s3cret",
            "--conformance-client-id", "merchant-abc-1", "--only", "SB-Mid-not-a-key"]  # fmt: skip
    scrub = credentials_redactor(argv, {"MIDTRANS_CLIENT_KEY": "SB-Mid-client-e4f5"})
    line = "SB-Mid-server-a1b2 pivot-s3cret merchant-abc-1 SB-Mid-client-e4f5 SB-Mid-not-a-key"
    assert scrub(line) == "<redacted> <redacted> <redacted> <redacted> SB-Mid-not-a-key"


# -- files written whole ----------------------------------------------------------------------

OLD = b"the file that was there\n\x00\xff byte for byte\n"


def _writers(tmp_path: Path) -> dict[str, tuple[Path, object]]:
    report = Report("midtrans", "in-process", "documented", 7, 3)
    cassette = example_cassette("midtrans")
    return {
        "cassette": (
            tmp_path / "c.yaml",
            lambda p: save_cassette(p, dumps(cassette, str(p))),
        ),
        "JSON report": (tmp_path / "r.json", lambda p: write_json([report], p, command="run")),
        "JUnit": (tmp_path / "r.xml", lambda p: write_junit([report], p)),
    }


@pytest.mark.parametrize("what", ["cassette", "JSON report", "JUnit"])
def test_a_failed_write_keeps_the_file_that_was_there(
    what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, write = _writers(tmp_path)[what]
    path.write_bytes(OLD)

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        write(path)  # type: ignore[operator]
    assert path.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "a temporary file was left"
    monkeypatch.undo()
    write(path)  # type: ignore[operator]
    assert path.read_bytes() != OLD


def _file_size_limit(limit: int) -> None:
    # A write past the limit then fails with EFBIG (as on a full disk) instead of a signal.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_cassette_cut_short_by_a_full_disk_leaves_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_bytes(OLD)
    command = [sys.executable, "-m", "conformance", "cassettes", "examples", "midtrans",
               "--out", str(path)]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(  # the new cassette is larger than the limit: its write fails midway
        command, capture_output=True, text=True, timeout=60, env=env,
        preexec_fn=lambda: _file_size_limit(1024),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "cannot write cassette" in done.stderr
    assert path.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{}")
    path.chmod(0o640)
    _files.write_atomic(path, "[]")
    assert path.read_text() == "[]"
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("given", ["options", "ini"])
def test_the_plugin_refused_setup_line_shows_no_credential(
    refusing: str, pytester: pytest.Pytester, given: str
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    settings = [f"--conformance-base-url={refusing}"]
    credentials = {"conformance_client_id": CLIENT_ID, "conformance_client_secret": CLIENT_SECRET}
    if given == "ini":
        lines = "\n".join(f"{name} = {value}" for name, value in credentials.items())
        pytester.makeini(f"[pytest]\n{lines}\n")
    else:
        settings += [f"--{name.replace('_', '-')}={value}" for name, value in credentials.items()]
    result = pytester.runpytest_subprocess("--capture-conformance=pivot", *settings)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    printed = "\n".join(result.outlines + result.errlines)
    assert "refused" in printed
    assert "<redacted>" in printed
    assert_absent(printed, CLIENT_ID, CLIENT_SECRET, where="the plugin's error line")
