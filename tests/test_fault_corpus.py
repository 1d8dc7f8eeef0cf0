"""A fault corpus through every entry point that sends or forwards traffic: check, record,
proxy and the pytest plugin (README.md: "Check an implementation", "Validating proxy").

Production hosts spelled otherwise, an answer that lies about its encoding, a dripping
server, a run the time limit stops, a proxy nothing went through, unusable option values:
each ends as a finding or one line (exit 0/1/2, 4 in the plugin), never a traceback or
INTERNALERROR, in bounded time. Servers are local (127.0.0.1, port 0, in threads); the
drip server's connections end by themselves.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.cli import main
from conformance.simulators import create
from conformance.simulators._serve import served

pytest_plugins = ["pytester"]

CLI = [sys.executable, "-m", "conformance"]
ERROR_PREFIX = "capture-conformance: error: "
# Made-up sandbox-shaped credentials; the simulators accept any such key.
SERVER_KEY = "SB-Mid-server-test-fault-corpus"
CLIENT_KEY = "SB-Mid-client-test-fault-corpus"
CREDENTIALS = ("--server-key", SERVER_KEY, "--client-key", CLIENT_KEY)
PRODUCTION_SPELLINGS = [
    "https://api．midtrans．com",
    "https://api。midtrans。com",
    "https://api｡midtrans｡com/v2",
    "https://API.Midtrans.com。",
    "https://ci@api.midtrans.com.:443",
    "https://ａｐｉ.midtrans.com",
]


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-3000:]
        assert "INTERNALERROR" not in text, text[-3000:]


def one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    no_traceback(err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR_PREFIX), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- servers -------------------------------------------------------------------------------
class Upstream:
    """The simulator, counting requests; with *lie*, captures say ``Content-Encoding: gzip``."""

    def __init__(self, app: Any, *, lie: bool = False) -> None:
        self.app, self.lie, self.count = app, lie, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.count += scope["type"] == "http"
        lie = self.lie and scope["type"] == "http" and scope["path"].endswith("/capture")

        async def relabel(message: Any) -> None:
            if lie and message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k != b"content-encoding"]
                message = {**message, "headers": [*headers, (b"content-encoding", b"gzip")]}
            await send(message)

        await self.app(scope, receive, relabel)


@contextlib.contextmanager
def drip_server(seconds: float = 8.0) -> Iterator[str]:
    """A server that answers every request one byte every half second, for *seconds* at most."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

    def drip(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            ends = time.monotonic() + seconds
            for byte in answer:
                if stop.is_set() or time.monotonic() > ends:
                    return
                conn.sendall(bytes([byte]))
                time.sleep(0.5)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture(scope="module")
def simulator() -> Iterator[tuple[str, Upstream]]:
    upstream = Upstream(create("midtrans").app)
    with served(upstream) as url:
        yield url, upstream


@pytest.fixture(scope="module")
def false_gzip() -> Iterator[str]:
    with served(Upstream(create("midtrans").app, lie=True)) as url:
        yield url


@contextlib.contextmanager
def proxy(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    argv = [*CLI, "proxy", "midtrans", "--port", "0", *options]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), (url, proc.stderr and proc.stderr.read())
            yield proc, url
        finally:
            if proc.poll() is None:
                proc.kill()


def stop(proc: subprocess.Popen[str], ready: str | None = None) -> tuple[int, str, str]:
    """SIGTERM the proxy, once it serves (asked *ready*, a path that is no operation)."""
    if ready is not None:
        httpx.get(f"{ready}/ready", timeout=10)  # forwarded, not judged: counts as no traffic
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    return proc.wait(timeout=15), out, err


def capture(url: str, timeout: float = 20) -> tuple[int, dict[str, str], bytes]:
    """A capture through *url*: status, headers and the body's bytes as they came."""
    body = {"transaction_id": "t-1", "gross_amount": 1000}
    headers = {"Authorization": "Basic eA=="}  # made up: the simulator's own 401 is fine
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream("POST", f"{url}/v2/capture", json=body, headers=headers) as answer,
    ):
        return answer.status_code, dict(answer.headers), b"".join(answer.iter_raw())


# -- the production guard --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        *((url, "production host") for url in PRODUCTION_SPELLINGS[:-1]),
        # Full-width letters: UTS-46 maps them to production; httpx cannot encode them.
        (PRODUCTION_SPELLINGS[-1], "the HTTP client cannot use it"),
        ("http://[::1", "the HTTP client cannot use it: Invalid port"),
        ("http://127.0.0.1:99999", "must be an http(s) URL; got 'http://127.0.0.1:99999'"),
        ("https://a\u200b.com", "the HTTP client cannot use it: Invalid IDNA hostname"),
    ],
)
def test_production_and_unusable_hosts_are_one_line_in_check_record_and_proxy(
    url: str, refusal: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "c.yaml")
    for argv in (
        ["check", "midtrans", "--base-url", url, "--no-progress"],
        ["record", "midtrans", "--base-url", url, "--out", out, "--no-progress"],
        ["proxy", "midtrans", "--upstream", url, "--port", "0"],
    ):
        code, _, err = run_cli(capsys, *argv)
        one_line_error(code, err, refusal)
    assert not list(tmp_path.iterdir())


def test_the_plugin_refuses_production_spelled_otherwise(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    for url in PRODUCTION_SPELLINGS[:2]:
        result = pytester.runpytest(
            "-p", "no:cacheprovider", "--capture-conformance=midtrans",
            f"--conformance-base-url={url}",
        )  # fmt: skip
        assert result.ret == 4
        no_traceback(result.stdout.str(), result.stderr.str())
        assert "production host" in result.stderr.str()


# -- transport --------------------------------------------------------------------------------
def test_a_body_that_is_not_the_gzip_it_claims_is_a_finding_of_check(
    false_gzip: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    code, out, err = run_cli(
        capsys, "check", "midtrans", "--base-url", false_gzip, "--only", "midtrans.full-capture",
        "--no-progress", "--report-json", str(report), "--seed", "1", *CREDENTIALS,
    )  # fmt: skip
    no_traceback(out, err)
    assert code == 1, out[-3000:] + err
    document = json.loads(report.read_text(encoding="utf-8"))
    checks = {
        f["check"]: f for run in document["runs"] for c in run["cases"] for f in c["findings"]
    }
    finding = checks["midtrans.transport"]
    assert "does not decode as its Content-Encoding (gzip)" in finding["message"]
    assert finding["response"] is not None  # the bytes that came are the evidence


def test_a_body_that_is_not_the_gzip_it_claims_does_not_break_record(
    false_gzip: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "c.yaml"
    code, stdout, err = run_cli(
        capsys, "record", "midtrans", "--base-url", false_gzip, "--out", str(out),
        "--no-progress", *CREDENTIALS,
    )  # fmt: skip
    no_traceback(stdout, err)
    assert code in (0, 1), stdout + err
    assert out.exists()
    assert "did not meet their expectations" in stdout


def test_a_body_that_is_not_the_gzip_it_claims_is_a_finding_of_the_proxy(
    false_gzip: str,
) -> None:
    with proxy("--upstream", false_gzip) as (proc, url):
        _, headers, raw = capture(url)
        code, out, err = stop(proc)
    assert headers["content-encoding"] == "gzip"  # passed on unchanged...
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(raw)  # ...and not gzip indeed
    no_traceback(out, err)
    assert code == 1, out + err
    assert "FAIL POST /v2/capture" in out, out
    assert "midtrans.transport" in out, out


def test_check_timeout_bounds_a_dripping_answer(capsys: pytest.CaptureFixture[str]) -> None:
    with drip_server() as url:
        started = time.monotonic()
        code, _, err = run_cli(
            capsys, "check", "midtrans", "--base-url", url, "--timeout", "1", "--no-progress"
        )
        took = time.monotonic() - started
    # The answer needs ~35 s at this pace; one exchange gets 1 s, then the preflight fails.
    one_line_error(code, err, "cannot reach", "timed out")
    assert took < 5, took


def test_the_proxy_answers_504_on_time_for_a_dripping_upstream() -> None:
    with drip_server() as upstream, proxy("--upstream", upstream, "--timeout", "1") as (proc, url):
        started = time.monotonic()
        status, _, _ = capture(url)
        took = time.monotonic() - started
        code, out, err = stop(proc)
    assert status == 504
    assert took < 4, took
    no_traceback(out, err)
    assert code == 1, out + err
    assert "midtrans.transport" in out, out


def test_sigterm_stops_the_proxy_with_an_exchange_in_flight() -> None:
    with drip_server() as upstream, proxy("--upstream", upstream, "--timeout", "60") as (proc, url):
        pending = threading.Thread(target=lambda: _quietly(capture, url), daemon=True)
        pending.start()
        time.sleep(0.5)  # the exchange is on its way to the dripping upstream
        started = time.monotonic()
        code, out, err = stop(proc)
        took = time.monotonic() - started
    assert took < 6, took
    assert code in (0, 1), out + err
    assert "Traceback" not in out + err


def _quietly(call: Any, *args: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):
        call(*args)


# -- a run the time limit stops --------------------------------------------------------------
def test_a_run_the_time_limit_stops_fails_and_names_what_it_missed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.json"
    started = time.monotonic()
    code, out, err = run_cli(
        capsys, "run", "--time-limit", "1", "--examples", "100000", "--seed", "1",
        "--no-progress", "--report-json", str(report),
    )  # fmt: skip
    took = time.monotonic() - started
    no_traceback(out, err)
    assert code == 2, out[-2000:] + err
    assert "INTERRUPTED" in out, out[-2000:]
    assert "not run to their end: " in out, out[-2000:]
    assert "PASSED" not in out
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["exit_code"] == 2
    assert all(run["interrupted"].startswith("time limit of 1 s") for run in document["runs"])
    assert took < 12, took  # two providers, each stopped about a second in


def test_the_plugin_fails_a_run_the_time_limit_stops(
    pytester: pytest.Pytester, simulator: tuple[str, Upstream]
) -> None:
    url, _ = simulator
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--capture-conformance=midtrans",
        f"--conformance-base-url={url}", "--conformance-time-limit=0.001", "-k", "not rule",
    )  # fmt: skip
    no_traceback(result.stdout.str())
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the run did not end, so it does not pass: time limit*"])


# -- a proxy nothing went through ------------------------------------------------------------
def test_a_proxy_that_judged_nothing_fails_unless_allowed(
    simulator: tuple[str, Upstream], tmp_path: Path
) -> None:
    url, _ = simulator
    report = tmp_path / "p.json"
    with proxy("--upstream", url, "--report-json", str(report)) as (proc, proxied):
        code, out, err = stop(proc, proxied)
    no_traceback(out, err)
    assert code == 1, out + err
    assert "no exchange of a midtrans operation went through the proxy" in out
    assert json.loads(report.read_text(encoding="utf-8"))["exit_code"] == 1
    with proxy("--upstream", url, "--allow-empty") as (proc, proxied):
        code, out, err = stop(proc, proxied)
    assert code == 0, out + err


# -- option values ------------------------------------------------------------------------------
AUTHORIZATIONS = {
    "not-utf8": b'[{"id": "\xff\xfe", "amount": 1000}]',
    "amount-true": b'[{"id": "a-1", "amount": true}]',
    "amount-fraction": b'[{"id": "a-1", "amount": 1.9}]',
    "amount-zero": b'[{"id": "a-1", "amount": 0}]',
    "amount-huge": b'[{"id": "a-1", "amount": 99999999999999999999999}]',
    "no-id": b'[{"amount": 1000}]',
}


BAD_OPTIONS = [
    "check midtrans --timeout nan", "check midtrans --timeout inf",
    "check midtrans --timeout 1e309", "check midtrans --time-limit nan", "run --time-limit -inf",
    "record midtrans --out {tmp}/c.yaml --timeout nan", "proxy midtrans --timeout inf --port 0",
    "check midtrans --report-json /dev/null/r.json", "check midtrans --junit /dev/null/r.xml",
    "record midtrans --out /dev/null/c.yaml", "proxy midtrans --junit /dev/null/r.xml --port 0",
    *(f"check midtrans --authorizations {{tmp}}/{name}.json" for name in AUTHORIZATIONS),
]  # fmt: skip


@pytest.mark.parametrize("args", [line.split() for line in BAD_OPTIONS], ids=BAD_OPTIONS)
def test_bad_option_values_are_one_line_before_any_request(
    args: list[str], simulator: tuple[str, Upstream], capsys: Any, tmp_path: Path
) -> None:
    for name, content in AUTHORIZATIONS.items():
        (tmp_path / f"{name}.json").write_bytes(content)
    url, counting = simulator
    where = {"proxy": ["--upstream", url], "run": []}.get(args[0], ["--base-url", url])
    before = counting.count
    code, _, err = run_cli(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in args), *where)
    one_line_error(code, err)
    assert counting.count == before  # refused before any request was sent
    assert not (tmp_path / "c.yaml").exists()


@pytest.mark.parametrize(
    ("options", "ini", "message"),
    [
        (["--conformance-timeout=nan"], "", "--conformance-timeout must be a number of seconds"),
        (["--conformance-time-limit=nan"], "", "--conformance-time-limit must be"),
        (["--conformance-concurrency=17"], "", "--conformance-concurrency must be from 1 to 16"),
        (["--conformance-authorizations=auths.json"], "", "is not UTF-8 text"),
        (["--conformance-authorizations=true.json"], "", "needs an id and a whole amount"),
        (["--conformance-base-url=http://[::1"], "", "--conformance-base-url must be an http(s)"),
        ([], "conformance_profile = guessed", "ini conformance_profile must be one of"),
    ],
)
def test_bad_plugin_settings_are_a_usage_error(
    pytester: pytest.Pytester, options: list[str], ini: str, message: str
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    (pytester.path / "auths.json").write_bytes(AUTHORIZATIONS["not-utf8"])
    (pytester.path / "true.json").write_bytes(AUTHORIZATIONS["amount-true"])
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    suite = ["--capture-conformance=midtrans"]
    if not any(o.startswith("--conformance-base-url") for o in options):
        suite.append("--conformance-base-url=http://127.0.0.1:9")  # refused before it is used
    result = pytester.runpytest("-p", "no:cacheprovider", *([] if ini else suite), *options)
    assert result.ret == 4, result.stdout.str() + result.stderr.str()
    no_traceback(result.stdout.str(), result.stderr.str())
    assert message in result.stderr.str(), result.stderr.str()
