"""The HTML report: one valid, self-contained page, every finding by rule, no secret in it."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from conformance.reports.html import to_html, write_html
from conformance.signatures import midtrans_signature
from conformance.simulators import create
from conformance.suite import Credentials, Report, SuiteOptions, Target, run_suite

SECRET = "SB-Mid-server-test-html-made-up-0001"
PIVOT_SECRET = "pivot-secret-test-html-made-up-0001"
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}


class Page(HTMLParser):
    """Checks nesting as it reads; keeps the text, the URL attributes and the tags seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.rules: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "srcset")]
        if "data-rule" in found and tag == "section":
            self.rules.append(found["data-rule"] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1]}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], f"left open: {parser.stack}"
    return parser


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    credentials = Credentials.resolve(env={}, server_key=SECRET, client_secret=PIVOT_SECRET)
    options = SuiteOptions(scenarios_only=True, seed=7, examples=1)
    out = []
    for provider, quirk in (("midtrans", "gross-amount-number"), ("pivot", "error-code-mismatch")):
        app = create(provider, quirk=quirk).app
        with Target(provider, app=app, credentials=credentials) as target:
            out.append(run_suite(target, options))
    assert all(report.exit_code == 1 for report in out)
    return out


def test_the_page_is_valid_and_self_contained(reports: list[Report], tmp_path: Path) -> None:
    path = tmp_path / "deep" / "report.html"
    write_html(reports, path, command="capture-conformance check midtrans --server-key X")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    assert "link" not in parsed.tags  # no stylesheet to fetch
    assert all(url.startswith("#") for url in parsed.urls), parsed.urls
    assert "<script src" not in page
    assert "--server-key &lt;redacted&gt;" in page


def test_every_finding_is_shown_under_its_rule_with_evidence(reports: list[Report]) -> None:
    parsed = parse(to_html(reports))
    text = "".join(parsed.text)
    checks = {finding.check for report in reports for _, finding in report.findings()}
    assert {"midtrans.capture-response.gross-amount", "pivot.error.http-code"} <= checks
    assert sorted(parsed.rules) == sorted(checks)
    for check in checks:
        assert check in text
    for report in reports:
        assert f"{report.provider} · profile {report.profile}" in text
        assert f"{report.provider}: FAILED" in text
    total = sum(1 for report in reports for _ in report.findings())
    assert f"Findings by rule ({total})" in text
    for label in ("expected", "received", "source", "request", "response", "curl"):
        assert label in parsed.text


def test_no_secret_shows_even_without_being_told_it(reports: list[Report]) -> None:
    page = to_html(reports)  # the Redactor finds the keys in the exchanges themselves
    basic = base64.b64encode(f"{SECRET}:".encode()).decode()
    for secret in (SECRET, basic, PIVOT_SECRET):
        assert secret not in page
    assert "&lt;redacted&gt;" in page


def test_values_are_escaped() -> None:
    from conformance.suite import CaseResult, Finding, Kind

    report = Report("pivot", "<script>alert(1)</script>", "documented", 1, 1)
    case = CaseResult("pivot.x", Kind.SCENARIO, "x")
    case.fail(Finding("pivot.x", "<img src=x onerror=alert(1)>", expected="<b>"))
    report.results.append(case)
    parsed = parse(to_html([report]))
    assert "img" not in parsed.tags
    assert parsed.tags.count("script") == 1  # the page's own filter, inline


def test_receive_writes_the_html_report(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.html"
    env = {**os.environ, "MIDTRANS_SERVER_KEY": SECRET}
    command = [sys.executable, "-m", "conformance", "receive", "midtrans", "--port", "0",
               "--report-html", str(path)]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        body = {"transaction_time": "2026-12-04 10:00:00", "transaction_status": "capture",
                "transaction_id": "0b9d7a5e-6c1f-4c43-9d53-1c2b0f6f7a10",
                "status_message": "midtrans payment notification", "status_code": "200",
                "payment_type": "credit_card", "order_id": "order-html", "merchant_id": "G1",
                "gross_amount": "10000.00", "fraud_status": "accept", "currency": "IDR",
                "signature_key": midtrans_signature("order-html", "200", "10000.00",
                                                    "SB-Mid-server-someone-else")}  # fmt: skip
        assert httpx.post(f"{url}/notify", json=body, timeout=10).status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, err
    assert f"HTML report: {path}" in out
    page = path.read_text(encoding="utf-8")
    parse(page)
    assert "midtrans.notification.signature" in page
    assert SECRET not in page
