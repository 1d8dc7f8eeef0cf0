"""No PAN-shaped value (Luhn-valid, 13–19 digits) is ever printed or written in full.

A card number that no secret name announces (the ``masked-card-full-pan`` quirk
answers ``masked_card: "4811111111111114"``) is masked by the one shared
redactor, keeping its first 6 and last 4 digits, in every output: the console,
the JSON, JUnit and HTML reports, the markdown summary, and the proxy's log and
reports. Numbers that are not card-shaped (order ids, amounts, timestamps,
approval codes that fail the Luhn check) stay as they are.

4811 1111 1111 1114 is Midtrans' public sandbox test card.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance._secrets import luhn_valid, mask_pans
from conformance.reports._curl import curl
from conformance.reports._evidence import display
from conformance.reports._redact import (
    Redactor,
    redact_body,
    redact_headers,
    redact_json,
    redact_url,
)
from conformance.reports.console import render
from conformance.reports.html import to_html
from conformance.reports.json_report import to_json
from conformance.reports.junit import to_junit
from conformance.reports.markdown import render as markdown
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import Report, SuiteOptions, Target, run_suite

PAN = "4811111111111114"
MASKED = "481111******1114"
QUIRK = "masked-card-full-pan"
RULE = "midtrans.masked-card.full-pan"
ENV = {
    "MIDTRANS_SERVER_KEY": "SB-Mid-server-pan-made-up-1",
    "MIDTRANS_CLIENT_KEY": "SB-Mid-client-pan-made-up-1",
}


def full_pans(text: str) -> list[str]:
    """Every Luhn-valid run of 13–19 digits in *text*, separators (space, dash) removed.

    Written apart from the redactor's own search: any stretch of 13 to 19 digits
    inside a run of digits, spaces and dashes counts.
    """
    found = []
    for run in re.findall(r"\d[\d -]*\d", text):
        digits = re.sub(r"[ -]", "", run)
        for size in range(13, 20):
            found += [
                digits[i : i + size]
                for i in range(len(digits) - size + 1)
                if _luhn(digits[i : i + size])
            ]
    return found


def _luhn(digits: str) -> bool:
    odd = [int(d) for d in digits[-1::-2]]
    even = [sum(divmod(2 * int(d), 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


# -- the masking itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (PAN, MASKED),
        (f"received '{PAN}'", f"received '{MASKED}'"),
        ("4811 1111 1111 1114", "4811 11** **** 1114"),
        ("4811-1111-1111-1114", "4811-11**-****-1114"),
        ("card=4811111111111114&x=1", "card=481111******1114&x=1"),
        ("12 4811 1111 1111 1114 end", "12 4811 11** **** 1114 end"),  # a number before it
        ("378282246310005", "378282*****0005"),  # 15 digits (a public Amex test number)
        ("4222222222222", "422222***2222"),  # 13 digits (a public Visa test number)
        ("6011000990139424", "601100******9424"),  # Discover's public test number
        ("a4811111111111114b", "a481111******1114b"),  # letters are no boundary to a PAN
    ],
)
def test_a_pan_keeps_only_its_first_6_and_last_4_digits(text: str, masked: str) -> None:
    assert mask_pans(text) == masked
    assert full_pans(mask_pans(text)) == []
    assert mask_pans(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "4811111111111115",  # 16 digits, not Luhn-valid
        "481111111110",  # 12 digits, Luhn-valid: too short for a card number
        "48111111-1114",  # what masked_card should hold
        "kit-1a2417c2d3eae35f2-1",  # an order id
        "23a7711a-8133-4876-b7eb-dcd9e87a1613",  # a transaction id
        "2026-12-04 21:39:02",  # a transaction time
        "1733321786000",  # epoch milliseconds, not Luhn-valid
        "100000.00",
        "3457931777651",  # an approval code, not Luhn-valid
        "48111111111111140000",  # 20 digits in one run: no card number is that long
        "order 1234567890123 amount 100000",
    ],
)
def test_what_is_no_card_number_is_left_alone(text: str) -> None:
    assert mask_pans(text) == text


def test_luhn() -> None:
    assert [luhn_valid(n) for n in (PAN, "79927398713")] == [True, True]
    assert [luhn_valid(n) for n in ("4811111111111115", "79927398710")] == [False, False]


def test_every_redaction_function_masks_a_pan() -> None:
    body = {"masked_card": PAN, "card": int(PAN), "order_id": "1234567890123", "n": 100000}
    assert redact_json(body) == {
        "masked_card": MASKED, "card": MASKED, "order_id": "1234567890123", "n": 100000
    }  # fmt: skip
    assert redact_json([True, 4811111111111115]) == [True, 4811111111111115]
    assert json.loads(redact_body(json.dumps(body).encode()))["masked_card"] == MASKED
    assert redact_body(f"masked={PAN}&a=1".encode()) == f"masked={MASKED}&a=1"
    assert redact_body(f"<p>{PAN}</p>".encode()) == f"<p>{MASKED}</p>"
    assert redact_headers({"X-Card": PAN}) == {"X-Card": MASKED}
    assert PAN not in redact_url(f"https://h/v2/{PAN}/status?ref={PAN}")
    assert MASKED in redact_url(f"https://h/?ref={PAN}")
    # No secret known to the redactor: the PAN in free text is masked anyway.
    scrub = Redactor([])
    assert scrub(f"masked_card was {PAN}") == f"masked_card was {MASKED}"
    assert display({"masked_card": PAN}, scrub) == repr({"masked_card": MASKED})
    assert display(PAN, scrub) == repr(MASKED)
    assert display(int(PAN), scrub) == repr(MASKED)
    request = httpx.Request("POST", f"https://h/x?ref={PAN}", headers={"X-Card": PAN},
                            json={"masked_card": PAN})  # fmt: skip
    assert full_pans(curl(request, "midtrans")) == []


# -- every report of a run whose answers carry a full PAN -------------------------------


@pytest.fixture(scope="module")
def quirk_report() -> Report:
    with Target("midtrans", app=create("midtrans", quirk=QUIRK).app) as target:
        report = run_suite(target, SuiteOptions(seed=1, examples=2, time_limit=60))
    assert RULE in report.checks_failed()
    # The evidence does hold the full PAN: the redaction, not its absence, keeps it out.
    answers = [f.exchange.response.text for _, f in report.findings()
               if f.exchange is not None and f.exchange.response is not None]  # fmt: skip
    assert any(PAN in text for text in answers)
    return report


def test_no_report_format_shows_the_full_pan(quirk_report: Report) -> None:
    import xml.etree.ElementTree as ET

    document = to_json([quirk_report], command="capture-conformance check midtrans")
    outputs = {
        "console": render([quirk_report], width=200),
        "json": json.dumps(document, ensure_ascii=False),
        "junit": ET.tostring(to_junit([quirk_report]), encoding="unicode"),
        "html": to_html([quirk_report]),
        "markdown": markdown(document),
    }
    for name, text in outputs.items():
        assert full_pans(text) == [], name
        assert MASKED in text, name


# -- the command line: check and proxy ---------------------------------------------------


@pytest.fixture(scope="module")
def quirk_url() -> Iterator[str]:
    with served(create("midtrans", quirk=QUIRK).app) as url:
        yield url


def _env() -> dict[str, str]:
    import os

    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MIDTRANS_", "PIVOT_"))}
    return keep | ENV


def test_check_prints_and_writes_no_full_pan(quirk_url: str, tmp_path: Path) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "check", "midtrans", "--base-url", quirk_url,
         "--examples", "2", "--seed", "1", "--no-progress",
         "--report-json", str(report), "--junit", str(junit)],
        capture_output=True, text=True, env=_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    assert RULE in done.stdout
    assert MASKED in done.stdout
    for name, text in {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "json": report.read_text(encoding="utf-8"),
        "junit": junit.read_text(encoding="utf-8"),
    }.items():
        assert full_pans(text) == [], name


def test_the_proxy_prints_and_writes_no_full_pan(quirk_url: str, tmp_path: Path) -> None:
    report, junit = tmp_path / "proxy.json", tmp_path / "proxy.xml"
    with subprocess.Popen(
        [sys.executable, "-m", "conformance", "proxy", "midtrans", "--upstream", quirk_url,
         "--port", "0", "--report-json", str(report), "--junit", str(junit)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    ) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            assert proc.stderr is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), url
            _authorize_and_capture(url)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.stdout.read(), proc.stderr.read()
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 1, out + err
    assert RULE in out
    for name, text in {
        "stdout": out,
        "stderr": err,
        "json": report.read_text(encoding="utf-8"),
        "junit": junit.read_text(encoding="utf-8"),
    }.items():
        assert full_pans(text) == [], name
    assert MASKED in report.read_text(encoding="utf-8")


def _authorize_and_capture(url: str) -> None:
    card = {"card_number": PAN, "card_exp_month": "12", "card_exp_year": "2039",
            "card_cvv": "123", "client_key": ENV["MIDTRANS_CLIENT_KEY"]}  # fmt: skip
    auth = (ENV["MIDTRANS_SERVER_KEY"], "")
    with httpx.Client(base_url=url, timeout=30) as client:
        token = client.get("/v2/token", params=card).json()["token_id"]
        charge = client.post("/v2/charge", auth=auth, json={
            "payment_type": "credit_card",
            "transaction_details": {"order_id": "pan-order-1", "gross_amount": 30000},
            "credit_card": {"token_id": token, "type": "authorize"},
        }).json()  # fmt: skip
        answer = client.post(
            "/v2/capture", auth=auth,
            json={"transaction_id": charge["transaction_id"], "gross_amount": 30000},
        )  # fmt: skip
        assert PAN in answer.text  # the quirk answers the full card number
