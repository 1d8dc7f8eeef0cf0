"""A JSON report (``--report-json``) as markdown: a CI job summary or a pull-request comment.

    python -m conformance.reports.markdown report.json >> "$GITHUB_STEP_SUMMARY"

It prints the verdict, a summary table (one row per provider run) and each
failure (error-severity finding) with its rule, case, pointer, expected vs
received, source, request, response and ``curl`` line. The JSON report is
redacted already; the text is redacted again with the credentials in the
environment (``MIDTRANS_SERVER_KEY``, ``PIVOT_CLIENT_SECRET``, ...), so a
summary never shows one even from a report written without them. Exit 0 once
printed, whatever the report's verdict; 2 with one line when the file cannot be
read or is no JSON report.

>>> doc = {"exit_code": 0, "runs": [{"provider": "pivot", "profile": "documented",
...        "target": "in-process", "exit_code": 0, "summary": {"cases": 2, "passed": 2},
...        "cases": []}]}
>>> print(render(doc).splitlines()[0])
## capture-conformance: PASSED (exit 0)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._redact import Redactor, credentials_redactor

__all__ = ["MAX_FAILURES", "main", "render"]

#: Failures shown in full; more are counted. GitHub keeps 1 MiB of summary per step.
MAX_FAILURES = 30
_VERDICT = {0: "PASSED", 1: "FAILED", 2: "ERROR"}
_COLUMNS = ("cases", "passed", "failed", "error", "skipped", "findings", "warnings", "exchanges")
_CUT = 1500


def _cell(value: Any) -> str:
    """Text fit for a table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    text = " ".join(str(value).split())
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _block(text: str, lang: str = "") -> list[str]:
    text = text if len(text) <= _CUT else text[:_CUT] + "…"
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text, fence]


def _message(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _http(request: Mapping[str, Any] | None, response: Mapping[str, Any] | None) -> str:
    lines: list[str] = []
    if request:
        lines.append(f"{request.get('method', '')} {request.get('url', '')}")
        lines += [f"{k}: {v}" for k, v in (request.get("headers") or {}).items()]
        if request.get("body"):
            lines += ["", str(request["body"])]
    if response:
        lines += ["", f"HTTP {response.get('status', '')} {response.get('reason', '')}".rstrip()]
        lines += [f"{k}: {v}" for k, v in (response.get("headers") or {}).items()]
        if response.get("body"):
            lines += ["", str(response["body"])]
    return "\n".join(lines).strip("\n")


def _failure(
    run: Mapping[str, Any], case: Mapping[str, Any], finding: Mapping[str, Any]
) -> list[str]:
    out = [
        f"#### {_code(finding.get('check', '?'))} · {_cell(run.get('provider', '?'))}, "
        f"case {_code(case.get('id', '?'))}",
        "",
        _cell(finding.get("message", "")),
        "",
        f"- at: {_code(finding.get('pointer') or '/')}",
        f"- expected: {_code(_message(finding.get('expected')))}",
        f"- received: {_code(_message(finding.get('actual')))}",
    ]
    source = finding.get("source")
    if isinstance(source, Mapping):
        quote = _cell(source.get("quote", ""))
        out.append(f"- source: {source.get('kind', '')}, {_cell(source.get('ref', ''))}: “{quote}”")
    if finding.get("transport_error"):
        out.append(f"- no answer: {_cell(finding['transport_error'])}")
    exchange = _http(finding.get("request"), finding.get("response"))
    if exchange:
        out += ["", "<details><summary>request and response</summary>", "", *_block(exchange)]
        out += ["", "</details>"]
    if finding.get("curl"):
        out += ["", *_block(str(finding["curl"]), "sh")]
    out.append("")
    return out


def render(document: Mapping[str, Any], *, scrub: Redactor | None = None) -> str:
    """The markdown of a JSON report *document*, every string passed through *scrub*."""
    scrub = scrub or Redactor([])
    document = scrub.deep(dict(document))
    code = int(document.get("exit_code", 2))
    runs: Sequence[Mapping[str, Any]] = document.get("runs") or []
    out = [f"## capture-conformance: {_VERDICT.get(code, 'ERROR')} (exit {code})", ""]
    if document.get("command"):
        out += [_code(document["command"]), ""]
    header = ["provider", "profile", "target", *_COLUMNS, "exit"]
    out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        counts = run.get("summary") or {}
        row = [run.get("provider", "?"), run.get("profile", "?"), run.get("target", "")]
        row += [counts.get(name, 0) for name in _COLUMNS] + [run.get("exit_code", "?")]
        out.append("| " + " | ".join(_cell(v) for v in row) + " |")
    out.append("")
    failures = [
        (run, case, finding)
        for run in runs
        for case in run.get("cases") or []
        for finding in case.get("findings") or []
        if finding.get("severity", "error") == "error"
    ]
    for run in runs:
        if run.get("interrupted"):
            out += [f"{_cell(run.get('provider'))}: interrupted: {_cell(run['interrupted'])}", ""]
        if run.get("exit_code") and run.get("replay"):
            out += [f"{_cell(run.get('provider'))}: replay with {_code(run['replay'])}", ""]
    if failures:
        out += [f"### Failures ({len(failures)})", ""]
        for run, case, finding in failures[:MAX_FAILURES]:
            out += _failure(run, case, finding)
        if len(failures) > MAX_FAILURES:
            rest = len(failures) - MAX_FAILURES
            out += [f"… and {rest} more failure(s): see the JSON report.", ""]
    return scrub("\n".join(out))


def main(argv: Iterable[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """``python -m conformance.reports.markdown REPORT.json``: print the markdown; 0, or 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    scrub = credentials_redactor([], os.environ if env is None else env)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m conformance.reports.markdown REPORT.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        print(scrub.line(f"cannot read report {args[0]!r}: {exc.strerror}"), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(scrub.line(f"{args[0]!r} is not JSON: {exc}"), file=sys.stderr)
        return 2
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        print(f"{args[0]!r} is not a capture-conformance JSON report", file=sys.stderr)
        return 2
    sys.stdout.write(render(document, scrub=scrub) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
