"""Handler checks: conformance.handler and `capture-conformance handler`."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jsonschema
import pytest

from conformance.cli import main
from conformance.handler import check_handler
from conformance.suite import Outcome

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "integration"))
from webhook import Orders, make_handler

KEY = "SB-Mid-server-test-handler"
CALLBACK_KEY = "made-up-callback-key"


def outcomes(report: Any) -> dict[str, str]:
    return {r.id.rsplit(".", 1)[-1]: r.outcome.value for r in report.results}


def test_the_fixed_handler_passes_every_check() -> None:
    orders = Orders()
    report = check_handler("midtrans", make_handler(KEY, orders), server_key=KEY,
                           state=orders.status)  # fmt: skip
    assert set(outcomes(report).values()) == {"passed"}, report
    assert report.exit_code == 0


def test_a_handler_without_the_signature_check_fails_on_the_forgeries() -> None:
    orders = Orders()
    report = check_handler("midtrans", make_handler(KEY, orders, verify=False), server_key=KEY,
                           state=orders.status)  # fmt: skip
    assert outcomes(report)["forged-signature"] == "failed"
    assert outcomes(report)["wrong-fields"] == "failed"
    assert outcomes(report)["genuine"] == "passed"
    assert report.exit_code == 1


def test_without_an_oracle_only_http_checks_run_and_the_rest_say_why() -> None:
    report = check_handler("midtrans", make_handler(KEY, Orders(), verify=False), server_key=KEY)
    skipped = {r.id: r.note for r in report.results if r.outcome is Outcome.SKIPPED}
    assert set(skipped) == {"midtrans.handler.forged-signature", "midtrans.handler.wrong-fields"}
    assert all("--state-url" in note for note in skipped.values())
    assert report.exit_code == 0


class Careless(Orders):
    """Takes every delivery at its word: a duplicate counts twice, a stale one moves back."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def record(self, order_id: str, transaction_status: str) -> None:
        self.counts[order_id] = self.counts.get(order_id, 0) + 1
        self._orders[order_id] = (transaction_status, 0)

    def status(self, order_id: str) -> Any:
        found = self._orders.get(order_id)
        return None if found is None else (found[0], self.counts[order_id])


def test_duplicates_and_stale_deliveries_are_caught() -> None:
    orders = Careless()
    report = check_handler("midtrans", make_handler(KEY, orders), server_key=KEY,
                           state=orders.status)  # fmt: skip
    assert outcomes(report)["duplicate"] == "failed"
    assert outcomes(report)["out-of-order"] == "failed"


def strict_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    if "x_sim_new_field" in body or environ.get("HTTP_X_API_KEY") != CALLBACK_KEY:
        start_response("400 Bad Request", [])
        return [b"no"]
    start_response("200 OK", [])
    return [b"ok"]


def test_pivot_unknown_fields_must_be_tolerated() -> None:
    report = check_handler("pivot", strict_app, callback_key=CALLBACK_KEY)
    assert outcomes(report)["extra-fields"] == "failed"
    assert outcomes(report)["genuine"] == "passed"
    (finding,) = next(r for r in report.results if r.id.endswith("extra-fields")).findings
    assert finding.actual == "HTTP 400"
    assert finding.source.id == "pivot.callback-retries"


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError, match="need server_key"):
        check_handler("midtrans", strict_app)


@pytest.fixture
def shop() -> Iterator[str]:
    """The example handler and its order book served on loopback: its base URL."""
    orders = Orders()
    notify = make_handler(KEY, orders, verify=False)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        if path.startswith("/orders/"):
            found = orders.status(path.removeprefix("/orders/"))
            start_response("404 Not Found" if found is None else "200 OK",
                           [("Content-Type", "application/json")])  # fmt: skip
            return [json.dumps({"status": found}).encode()]
        if environ["REQUEST_METHOD"] != "POST":
            start_response("405 Method Not Allowed", [])
            return [b""]
        return notify(environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_command_fails_the_forgery_and_writes_reports(shop: str, tmp_path: Path) -> None:
    out = tmp_path / "handler.json"
    code = main(["handler", "midtrans", "--url", f"{shop}/notify", "--server-key", KEY,
                 "--state-url", shop + "/orders/{order_id}", "--report-json", str(out),
                 "--junit", str(tmp_path / "handler.xml")])  # fmt: skip
    assert code == 1
    document = json.loads(out.read_text())
    schema = json.loads(Path("specs/report.schema.json").read_text())
    jsonschema.validate(document, schema)
    failed = {c["id"] for run in document["runs"] for c in run["cases"] if c["outcome"] == "failed"}
    assert failed == {"midtrans.handler.forged-signature", "midtrans.handler.wrong-fields"}
    assert "midtrans.handler.forged-signature" in (tmp_path / "handler.xml").read_text()


def test_the_command_without_an_oracle_passes_and_says_what_it_skipped(
    shop: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["handler", "midtrans", "--url", f"{shop}/notify", "--server-key", KEY]) == 0
    assert "skipped" in capsys.readouterr().out


def test_the_command_cannot_run_without_a_key_or_a_listener(
    shop: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["handler", "pivot", "--url", f"{shop}/notify"]) == 2
    assert main(["handler", "midtrans", "--url", "http://127.0.0.1:9/x", "--server-key", KEY]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "capture-conformance: error: pivot needs --callback-key (or PIVOT_CALLBACK_KEY): the key "
        "your handler checks X-API-Key against",
        "capture-conformance: error: --url http://127.0.0.1:9/x: nothing answers there "
        "(ConnectError)",
    ]
