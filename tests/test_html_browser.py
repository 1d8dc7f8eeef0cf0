"""Both HTML pages as a person sees them, opened in a real headless Chromium.

The ``--report-html`` page of a failing run (an in-process run against a
simulator with a quirk) and the ``cassettes diff --format html`` page of a
tampered recording are rendered by Debian's Chromium. ``--dump-dom`` gives the
DOM after the inline script ran; the tests read its visible text (no script,
style or hidden element) and check the counts, one finding's or change's text,
and that no secret shows. A probe script, appended to a copy of a page, reads
what the browser computed: the colour of each class, whether OLD and NEW stand
side by side, what the filter menus hide.

Without a browser these tests skip with how to install one; ``.ci/run``
installs it where it can. ``benchmarks/screenshots.py`` builds the same pages
(from this module) and writes PNGs of them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER_KEY = "SB-Mid-server-browser-made-up-0042"
PIVOT_SECRET = "pivot-secret-browser-made-up-0042"
TOKEN = "tok-browser-made-up-0042-secret"
PAN = "4811111111111114"
#: Seconds one browser run may take (it takes about one).
TIMEOUT = 60
#: How this machine runs Chromium: headless, as root, with nothing reaching the network.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)  # fmt: skip
SKIP_REASON = "no headless Chromium: apt-get install chromium"


def find_chromium() -> str | None:
    """``$CHROMIUM``, else ``chromium`` on the PATH, else Debian's ``/usr/bin/chromium``."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def browse(binary: str, page: Path, *args: str) -> str:
    """Run Chromium on *page* (a new empty profile each time); its stdout."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(binary: str, page: Path) -> str:
    """The page's DOM as serialised after its scripts ran."""
    dom = browse(binary, page, "--dump-dom")
    assert "<body" in dom, dom[:500]
    return dom


def screenshot(
    binary: str, page: Path, png: Path, *, width: int = 1280, height: int = 1600
) -> None:
    browse(binary, page, f"--screenshot={png}", f"--window-size={width},{height}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"


class Visible(HTMLParser):
    """The text a person sees: no head, script or style, nothing under ``hidden``."""

    SKIP = frozenset({"head", "script", "style", "title", "template"})
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # for each open element: is it shown?
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        shown = (not self.stack or self.stack[-1]) and tag not in self.SKIP
        self.stack.append(shown and "hidden" not in dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.stack or self.stack[-1]:
            self.words += data.split()


def visible_text(dom: str) -> str:
    parser = Visible()
    parser.feed(dom)
    parser.close()
    return " ".join(parser.words)


def probe(binary: str, page: Path, script: str) -> Any:
    """Run *script* in a copy of *page* after the page's own; the JSON it leaves in the DOM."""
    copy = page.with_name(f"probe-{page.name}")
    run = f"document.body.setAttribute('data-probe', JSON.stringify(({script})()));"
    text = page.read_text(encoding="utf-8").replace("</body>", f"<script>{run}</script></body>")
    copy.write_text(text, encoding="utf-8")
    match = re.search(r'data-probe="([^"]*)"', dump_dom(binary, copy))
    assert match is not None, "the probe script did not run"
    from html import unescape

    return json.loads(unescape(match.group(1)))


# -- the two pages -------------------------------------------------------------------------


def failing_report_page(folder: Path) -> tuple[Path, list[Any]]:
    """``--report-html`` of a run of the scenarios against both simulators, each with a quirk.

    As ``capture-conformance run`` writes it, in process: exit 1, one report per provider.
    """
    from conformance.reports.html import write_html
    from conformance.simulators import create
    from conformance.suite import Credentials, SuiteOptions, Target, run_suite

    credentials = Credentials.resolve(env={}, server_key=SERVER_KEY, client_secret=PIVOT_SECRET)
    reports = []
    for provider, quirk in (("midtrans", "gross-amount-number"), ("pivot", "error-code-mismatch")):
        app = create(provider, quirk=quirk).app
        with Target(provider, app=app, credentials=credentials) as target:
            reports.append(run_suite(target, SuiteOptions(scenarios_only=True, seed=7, examples=1)))
    assert [report.exit_code for report in reports] == [1, 1]
    path = folder / "report.html"
    write_html(reports, path, command=f"capture-conformance run --server-key {SERVER_KEY}")
    return path, reports


def tampered_recording(folder: Path) -> tuple[Path, Path]:
    """The committed Midtrans catalogue, and a copy with its answers changed and secrets in it.

    In ``midtrans.full-capture`` the capture is sent with a real-looking server key and
    answers an undocumented status, two new fields (one a token), a full card number,
    and a message quoting the key; in ``midtrans.over-capture`` the refused capture
    becomes an HTML 502 page.
    """
    from conformance.cassettes._format import Cassette, Interaction, dumps, load_cassette

    old_path = ROOT / "cassettes" / "midtrans" / "catalogue.yaml"
    cassette = load_cassette(old_path)
    items = list(cassette.interactions)

    def replace(scenario: str, path: str, status: int, body: bytes, key: str | None = None) -> None:
        index = next(i for i, it in enumerate(items) if it.scenario == scenario and it.path == path)
        request, response = items[index].to_httpx()
        headers = dict(request.headers)
        if key is not None:
            headers["authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        request = httpx.Request(
            request.method, request.url, headers=headers, content=request.read()
        )
        kept = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        items[index] = Interaction.from_httpx(
            request, httpx.Response(status, headers=kept, content=body), scenario=scenario
        )

    capture = json.loads(next(
        it.response_body() for it in items
        if it.scenario == "midtrans.full-capture" and it.path == "/v2/capture"
    ))  # fmt: skip
    capture |= {
        "transaction_status": "captured",
        "status_message": f"Captured with key {SERVER_KEY}",
        "channel": "dragon",
        "token_id": TOKEN,
        "masked_card": PAN,
    }
    replace("midtrans.full-capture", "/v2/capture", 200, json.dumps(capture).encode(), SERVER_KEY)
    replace("midtrans.over-capture", "/v2/capture", 502, b"<html>502 Bad Gateway</html>")
    new_path = folder / "tampered.yaml"
    new_path.write_text(dumps(Cassette(items, str(new_path)), str(new_path)), encoding="utf-8")
    return old_path, new_path


def tampered_diff_page(folder: Path) -> Path:
    """``cassettes diff OLD NEW --format html --out PATH`` of :func:`tampered_recording`."""
    from conformance.cli import main

    old, new = tampered_recording(folder)
    path = folder / "diff.html"
    args = ["cassettes", "diff", str(old), str(new), "--format", "html", "--out", str(path)]
    assert main(args) == 1
    return path


#: Shows the rule RULE only, then every rule and the passed cases only: what stays visible.
FILTER_REPORT = """function(){
      function shown(selector, attribute){
        return Array.from(document.querySelectorAll(selector)).filter(function(el){
          return el.offsetParent!==null;}).map(function(el){
          return el.getAttribute(attribute);});}
      var before=shown('section.rule', 'data-rule');
      var rule=document.getElementById('rule-filter'); rule.value=RULE;
      rule.dispatchEvent(new Event('change'));
      var one=shown('section.rule', 'data-rule');
      rule.value=''; rule.dispatchEvent(new Event('change'));
      var outcome=document.getElementById('outcome-filter'); outcome.value='passed';
      outcome.dispatchEvent(new Event('change'));
      return {before:before, one:one, cases:shown('table.cases tr[data-outcome]', 'data-outcome'),
               findings:shown('.finding', 'data-outcome')};
    }"""
#: The computed colours of each class, where OLD and NEW stand, what the class menu hides.
LOOK_AT_DIFF = """function(){
      var rows={};
      document.querySelectorAll('tr.change[data-class]').forEach(function(tr){
        var badge=tr.querySelector('.badge');
        rows[tr.getAttribute('data-class')]={badge:getComputedStyle(badge).backgroundColor,
          row:getComputedStyle(tr).backgroundColor};});
      var sides=Array.from(document.querySelector('.sides').children).map(function(d){
        var r=d.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)];});
      var menu=document.getElementById('class-filter'); menu.value='cosmetic';
      menu.dispatchEvent(new Event('change'));
      var left=Array.from(document.querySelectorAll('tr.change[data-class]')).filter(function(tr){
        return tr.offsetParent!==null;}).map(function(tr){return tr.getAttribute('data-class');});
      return {rows:rows, sides:sides, filtered:left};
    }"""


# -- the tests -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip(SKIP_REASON)
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"{SKIP_REASON} ({binary} does not start: {exc})")
    if done.returncode != 0:
        pytest.skip(f"{SKIP_REASON} ({binary} --version exits {done.returncode})")
    return binary


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    return failing_report_page(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def diff_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tampered_diff_page(tmp_path_factory.mktemp("diff"))


def _no_secret(dom: str) -> None:
    basic = base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    for secret in (SERVER_KEY, basic, PIVOT_SECRET, TOKEN, PAN):
        assert secret not in dom, f"{secret!r} shows in the page"


def test_the_report_page_shows_counts_a_finding_and_no_secret(
    chromium: str, report_page: tuple[Path, list[Any]]
) -> None:
    from conformance.reports.json_report import summary

    path, reports = report_page
    dom = dump_dom(chromium, path)
    text = visible_text(dom)
    assert "capture-conformance report · exit 1" in text
    heads = "cases passed failed error skipped findings warnings exchanges"
    for report in reports:
        counts = summary(report)
        assert counts["failed"] >= 1
        values = " ".join(str(counts[k]) for k in heads.split())
        assert f"{report.provider} · profile documented" in text
        assert f"{heads} {values}" in text, text[:2000]
        assert f"{report.provider}: FAILED" in text
    total = sum(1 for report in reports for _ in report.findings())
    assert f"Findings by rule ({total})" in text
    case, finding = next(
        (c, f) for c, f in reports[0].findings()
        if f.check == "midtrans.capture-response.gross-amount"
    )  # fmt: skip
    assert " ".join(f"FAIL {finding.message} · midtrans, case {case.id}".split()) in text
    same = sum(1 for r in reports for _, f in r.findings() if f.check == finding.check)
    assert f"{finding.check} · {same} finding(s)" in text
    assert "--server-key <redacted>" in text
    _no_secret(dom)


def test_the_report_filters_work_in_the_browser(
    chromium: str, report_page: tuple[Path, list[Any]]
) -> None:
    from conformance.reports.json_report import summary

    path, reports = report_page
    rules = sorted({f.check for report in reports for _, f in report.findings()})
    assert len(rules) >= 2
    seen = probe(chromium, path, FILTER_REPORT.replace("RULE", json.dumps(rules[0])))
    assert seen["before"] == rules
    assert seen["one"] == [rules[0]]
    assert seen["cases"] == ["passed"] * sum(summary(r)["passed"] for r in reports)
    assert seen["findings"] == []


def test_the_diff_page_shows_counts_each_change_and_no_secret(
    chromium: str, diff_page: Path
) -> None:
    dom = dump_dom(chromium, diff_page)
    text = visible_text(dom)
    assert "capture-conformance cassette diff · midtrans" in text
    assert "6 change(s): 3 breaking, 2 non-breaking, 1 cosmetic" in text
    assert "changes breaking non-breaking cosmetic scenarios changed scenarios" in text
    for scenario in ("midtrans.full-capture", "midtrans.over-capture"):
        assert scenario in text
    assert "Changes by scenario (2)" in text
    assert (
        "breaking enum.value-undocumented /transaction_status capture captured "
        "/transaction_status: ['capture'] disappeared, ['captured'] appeared "
        "(['captured'] not in specs/)"
    ) in text
    assert "breaking status-code.changed / 412 502 HTTP 412 became HTTP 502" in text
    assert "OLD · HTTP 412" in text
    assert "NEW · HTTP 502" in text
    assert "message 'Success, Credit Card capture transaction is successful' became " \
        "'Captured with key <redacted>'" in text  # fmt: skip
    assert '"token_id": "<redacted>"' in text
    _no_secret(dom)


def test_the_diff_page_colours_each_class_and_sets_old_beside_new(
    chromium: str, diff_page: Path
) -> None:
    seen = probe(chromium, diff_page, LOOK_AT_DIFF)
    assert seen["rows"]["breaking"]["badge"] == "rgb(179, 20, 27)"
    assert seen["rows"]["non-breaking"]["badge"] == "rgb(154, 98, 0)"
    assert seen["rows"]["cosmetic"]["badge"] == "rgb(107, 107, 107)"
    assert len({row["row"] for row in seen["rows"].values()}) == 3  # three tints
    (old_left, old_top), (new_left, new_top) = seen["sides"]
    assert old_top == new_top, seen["sides"]  # side by side: one row,
    assert new_left > old_left + 200, seen["sides"]  # two columns
    assert seen["filtered"] == ["cosmetic"]


def test_a_screenshot_of_the_diff_page(chromium: str, diff_page: Path, tmp_path: Path) -> None:
    png = tmp_path / "diff.png"
    screenshot(chromium, diff_page, png, width=1024, height=768)
    header = png.read_bytes()[:24]
    assert int.from_bytes(header[16:20], "big") == 1024
    assert int.from_bytes(header[20:24], "big") == 768
    assert png.stat().st_size > 20_000  # a page, not a blank window
