"""``check`` and ``run`` hold every accepted capture to its delivery (issue 13).

Midtrans: the captures (and charges) name the kit's receiver in
``X-Override-Notification``; each accepted capture must bring a conformant,
correctly signed notification that agrees with the capture answer, within
``--delivery-timeout``. Pivot: with ``--callback-listen`` the receiver listens
where the sandbox's callback URL points, and each captured session that settles
must be called back with the configured ``X-API-Key``. ``--deliveries`` says how
silence is read: ``auto`` skips with a note when nothing at all arrived, ``require``
fails it, ``off`` sends no header and checks nothing. README "Notifications and
callbacks" documents all of it.

The commands run in-process (``conformance.cli.main``) against simulators served on
loopback; every key is made up.
"""

from __future__ import annotations

import asyncio
import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.receiver import Inbox, simulator_target
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import SuiteOptions, run_suite
from conformance.suite._deliveries import Deliveries

SEED = ("--seed", "5", "--examples", "2", "--no-progress")
CALLBACK_KEY = "pivot-callback-key-test-deliveries-1"
ONE_CAPTURE = ("--only", "midtrans.full-capture", "--only", "midtrans.deliveries")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check(*args: str, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    """Exit code, JSON report and JUnit text of ``check *args``."""
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    code = main(["check", *args, *SEED, "--report-json", str(report), "--junit", str(junit)])
    return code, json.loads(report.read_text()), junit.read_text()


def case(report: dict[str, Any], case_id: str) -> dict[str, Any]:
    (found,) = [c for run in report["runs"] for c in run["cases"] if c["id"] == case_id]
    return found


def failed(report: dict[str, Any]) -> set[str]:
    return {check for run in report["runs"] for check in run["checks_failed"]}


class Recorder:
    """An ASGI app in front of a simulator: keeps the headers of every provider request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.seen.append((f"{scope['method']} {scope['path']}", headers))
        await self.app(scope, receive, send)


# -- run, in-process ---------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_run_checks_every_accepted_capture_s_delivery(provider: str) -> None:
    with simulator_target(provider) as target:
        report = run_suite(target, SuiteOptions(examples=3, seed=5))
        latencies = target.deliveries.latencies  # type: ignore[union-attr]
    assert report.exit_code == 0, [f"{f.check}: {f.message}" for _, f in report.findings()]
    summary = next(r for r in report.results if r.id == f"{provider}.deliveries")
    assert summary.outcome == "passed"
    assert report.deliveries == summary.exchanges > 0
    assert latencies, summary.note  # captures checked, and timed
    assert max(latencies) < 5
    assert "checked against theirs" in summary.note


def test_run_with_deliveries_off_adds_no_header_and_skips_the_check() -> None:
    sim = create("midtrans")
    recorder = Recorder(sim.app)
    from conformance.suite import Target

    off = Deliveries("midtrans", None, mode="off")
    with Target("midtrans", app=recorder, deliveries=off) as target:
        report = run_suite(target, SuiteOptions(examples=2, seed=5))
    captures = [h for route, h in recorder.seen if route == "POST /v2/capture"]
    assert captures
    assert all("x-override-notification" not in h for h in captures)
    assert sim.deliveries == []
    summary = next(r for r in report.results if r.id == "midtrans.deliveries")
    assert (summary.outcome, summary.note) == (
        "skipped",
        "notifications not checked (--deliveries off)",
    )
    assert report.exit_code == 0


# -- check: Midtrans over loopback --------------------------------------------------------------
def test_check_midtrans_names_its_receiver_and_passes_a_conformant_simulator(tmp_path) -> None:
    recorder = Recorder(create("midtrans").app)
    with served(recorder) as url:
        code, report, _ = check("midtrans", "--base-url", url, tmp_path=tmp_path)
    assert code == 0, failed(report)
    summary = case(report, "midtrans.deliveries")
    assert summary["outcome"] == "passed"
    assert summary["exchanges"] > 0
    named = {h.get("x-override-notification") for route, h in recorder.seen
             if route in ("POST /v2/charge", "POST /v2/capture")}  # fmt: skip
    (receiver,) = named
    assert receiver.startswith("http://127.0.0.1:")
    assert receiver.endswith("/notifications")


def test_check_deliveries_off_sends_no_header(tmp_path) -> None:
    recorder = Recorder(create("midtrans").app)
    with served(recorder) as url:
        code, report, _ = check("midtrans", "--base-url", url, "--deliveries", "off",
                                tmp_path=tmp_path)  # fmt: skip
    assert code == 0
    posts = [h for route, h in recorder.seen if route in ("POST /v2/charge", "POST /v2/capture")]
    assert posts
    assert not any("x-override-notification" in h for h in posts)
    assert case(report, "midtrans.deliveries")["outcome"] == "skipped"


@pytest.fixture
def silent_midtrans() -> Iterator[str]:
    """A Midtrans simulator that never notifies: like a server that makes no deliveries."""
    with served(create("midtrans", quirk="no-notification").app) as url:
        yield url


def test_auto_skips_with_a_note_when_nothing_arrives(silent_midtrans, tmp_path) -> None:
    code, report, junit = check("midtrans", "--base-url", silent_midtrans,
                                "--delivery-timeout", "0.2", tmp_path=tmp_path)  # fmt: skip
    assert code == 0, failed(report)
    summary = case(report, "midtrans.deliveries")
    assert summary["outcome"] == "skipped"
    assert "no notification reached http://127.0.0.1:" in summary["note"]
    assert "--callback-listen HOST:PORT" in summary["note"]  # how to enable it
    assert "--deliveries require" in summary["note"]
    # the delivery rules were not checked: skipped with the note, never passed
    rules = {t.get("name"): t for t in ET.fromstring(junit).iter("testcase")
             if t.get("classname") == "midtrans.rule"}  # fmt: skip
    signature = rules["midtrans.notification.signature"].find("skipped")
    assert signature is not None
    assert "no notification reached" in signature.get("message", "")
    gross = rules["midtrans.capture-response.gross-amount"]
    assert gross.find("skipped") is None  # an exchange rule still passed


def test_require_fails_a_target_that_delivers_nothing(silent_midtrans, tmp_path) -> None:
    options = ("--deliveries", "require", "--delivery-timeout", "0.2", *ONE_CAPTURE)
    code, report, _ = check("midtrans", "--base-url", silent_midtrans, *options, tmp_path=tmp_path)
    assert code == 1
    assert failed(report) == {"midtrans.notification.delivered"}
    (finding,) = case(report, "midtrans.full-capture")["findings"]
    assert finding["check"] == "midtrans.notification.delivered"
    assert "within 0.2 s" in finding["message"]
    assert finding["source"]["id"] == "midtrans.notification"


class LateNotifier:
    """In front of a silent Midtrans simulator: each accepted capture is notified late."""

    def __init__(self, delay: float) -> None:
        self.sim = create("midtrans", quirk="no-notification")
        self.delay = delay
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = bytearray()

        async def keep(message: Any) -> None:
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.sim.app(scope, receive, keep)
        if scope["type"] == "http" and scope["path"] == "/v2/capture":
            answer = json.loads(body or b"{}")
            if answer.get("status_code") == "200":
                late = self.sim.anotify(answer["transaction_id"], "slow", delay=self.delay)
                task = asyncio.get_running_loop().create_task(late)
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)


@pytest.mark.parametrize(("bound", "code"), [("0.2", 1), ("3", 0)])
def test_the_delivery_timeout_is_the_bound(bound: str, code: int, tmp_path) -> None:
    with served(LateNotifier(delay=0.8)) as url:
        options = ("--deliveries", "require", "--delivery-timeout", bound, *ONE_CAPTURE)
        got, report, _ = check("midtrans", "--base-url", url, *options, tmp_path=tmp_path)
    assert got == code, failed(report)
    if code:  # came 0.8 s after the capture: too late for a 0.2 s bound
        assert failed(report) == {"midtrans.notification.delivered"}
    else:
        assert case(report, "midtrans.deliveries")["exchanges"] >= 1


# -- check: Pivot with --callback-listen ---------------------------------------------------------
@contextmanager
def pivot_calling_back(key: str = CALLBACK_KEY) -> Iterator[tuple[str, int]]:
    """A served Pivot simulator whose callback URL ("the dashboard") is a chosen port."""
    port = free_port()
    sim = create("pivot", callback_url=f"http://127.0.0.1:{port}/callbacks", callback_key=key)
    with served(sim.app) as url:
        yield url, port


def test_pivot_callback_listen_checks_the_settled_sessions_callbacks(tmp_path) -> None:
    with pivot_calling_back() as (url, port):
        code, report, _ = check("pivot", "--base-url", url, "--callback-listen",
                                f"127.0.0.1:{port}", "--callback-key", CALLBACK_KEY,
                                tmp_path=tmp_path)  # fmt: skip
    assert code == 0, failed(report)
    summary = case(report, "pivot.deliveries")
    assert summary["outcome"] == "passed"
    assert summary["exchanges"] > 0
    assert "captured sessions checked against theirs" in summary["note"]
    assert CALLBACK_KEY not in json.dumps(report)  # a secret: redacted


def test_pivot_callbacks_with_another_key_fail(tmp_path) -> None:
    with pivot_calling_back(key="pivot-callback-key-of-someone-else") as (url, port):
        code, report, _ = check("pivot", "--base-url", url, "--callback-listen",
                                f"127.0.0.1:{port}", "--callback-key", CALLBACK_KEY,
                                tmp_path=tmp_path)  # fmt: skip
    assert code == 1
    assert failed(report) == {"pivot.notification.api-key"}


def test_pivot_without_a_listener_is_skipped_with_how_to_enable_it(tmp_path) -> None:
    with served(create("pivot").app) as url:
        code, report, _ = check("pivot", "--base-url", url, tmp_path=tmp_path)
    assert code == 0
    summary = case(report, "pivot.deliveries")
    assert summary["outcome"] == "skipped"
    assert "give --callback-listen HOST:PORT" in summary["note"]
    assert "--callback-key" in summary["note"]


def test_pivot_require_without_a_listener_is_a_usage_error(capsys) -> None:
    code = main(["check", "pivot", "--base-url", "http://127.0.0.1:9", "--deliveries", "require"])
    assert code == 2
    assert "--deliveries require: Pivot callbacks not checked" in capsys.readouterr().err


def test_a_bad_listen_address_is_a_usage_error(capsys) -> None:
    code = main(["check", "midtrans", "--base-url", "http://127.0.0.1:9",
                 "--callback-listen", "nowhere"])  # fmt: skip
    assert code == 2
    assert "--callback-listen must be HOST:PORT" in capsys.readouterr().err


# -- the inbox is the suite's, the receiver re-exports it ----------------------------------------
def test_the_receiver_s_inbox_is_the_suite_s() -> None:
    from conformance.suite._inbox import Inbox as SuiteInbox

    assert Inbox is SuiteInbox
