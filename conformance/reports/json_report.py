"""The machine-readable report: one JSON document for a whole ``run`` (``--report-json``).

Its format is ``specs/report.schema.json`` (shipped in the wheel beside the
provider specs). Every request, response and value in it is redacted: secret
headers, secret query parameters and secret JSON fields become ``<redacted>``,
and any secret value seen in the traffic is scrubbed from free text as well.

>>> from conformance.suite import Report
>>> doc = to_json([Report("midtrans", "in-process", "documented", 7, 3)], command="run midtrans")
>>> doc["exit_code"], doc["runs"][0]["replay"]
(0, '--seed 7 --examples 3 --profile documented')

The helpers below (:func:`exit_code`, :func:`replay_args`, :func:`summary`,
:class:`Redactor`, :func:`evidence`, :func:`one_line`, :func:`display`) are
shared by the JUnit and console reporters, so all three show the same, equally
redacted evidence.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import math
import os
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx

from .._secrets import SECRET_FIELDS, SECRET_HEADERS
from ..suite._results import CaseResult, Exchange, Finding, Outcome, Report
from ..violations import MISSING, Severity
from ._redact import REDACTED, curl, redact_body, redact_headers, redact_json, redact_url

__all__ = [
    "BODY_LIMIT",
    "FORMAT_VERSION",
    "TOOL",
    "Redactor",
    "display",
    "evidence",
    "exchange_secrets",
    "exit_code",
    "json_secrets",
    "one_line",
    "replay_args",
    "report_schema",
    "request_view",
    "response_view",
    "summary",
    "to_json",
    "tool_version",
    "write_json",
]

TOOL = "capture-conformance"
#: Bumped when a field changes meaning or goes away (adding fields does not bump it).
FORMAT_VERSION = 1
#: Response (and non-JSON request) bodies are cut to this many characters.
BODY_LIMIT = 4096
#: Secret values shorter than this are not scrubbed from free text (they are redacted
#: where they stand, by field name; scrubbing "12" everywhere would garble the report).
_MIN_SECRET = 6
_SECRET_OPTION = re.compile(
    r"(?P<opt>--[\w-]*(?:key|secret|token|password)[\w-]*)(?P<sep>=|\s+)(?P<value>\S+)",
    re.IGNORECASE,
)


def tool_version() -> str:
    try:
        return version(TOOL)
    except PackageNotFoundError:  # pragma: no cover - a bare checkout without an install
        return "unknown"


def exit_code(reports: Iterable[Report]) -> int:
    """The process exit code of a run: the highest of its reports' (0, 1 or 2)."""
    return max((r.exit_code for r in reports), default=0)


def replay_args(report: Report) -> str:
    """The options that replay *report*'s run: same seed, same budget, same profile."""
    return f"--seed {report.seed} --examples {report.examples} --profile {report.profile}"


class Redactor:
    """Scrubs every secret value seen in the reports' traffic out of free text.

    Structured places (headers, query, JSON fields) are redacted by name with
    :mod:`._redact`; this catches the same values where they leak into a
    message, a transport error, an expected/actual value or the command line.

    >>> scrub = Redactor([], extra=["SB-Mid-server-abc"])
    >>> scrub("key SB-Mid-server-abc refused")
    'key <redacted> refused'
    """

    def __init__(self, reports: Iterable[Report], *, extra: Iterable[str] = ()) -> None:
        found: set[str] = {s for s in extra if len(s) >= _MIN_SECRET}
        for report in reports:
            for _, finding in report.findings():
                if finding.exchange is not None:
                    found.update(
                        s for s in exchange_secrets(finding.exchange) if len(s) >= _MIN_SECRET
                    )
        found.discard(REDACTED)
        self.secrets = tuple(sorted(found, key=len, reverse=True))
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self.secrets)) if self.secrets else None
        )

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def command(self, command: str) -> str:
        """*command* with the values of ``--…key``/``--…secret``/``--…token`` options hidden."""
        hidden = _SECRET_OPTION.sub(lambda m: f"{m['opt']}{m['sep']}{REDACTED}", command)
        return self(hidden)

    def deep(self, value: Any) -> Any:
        """*value* (JSON-like) with every string in it scrubbed."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value


def exchange_secrets(exchange: Exchange) -> Iterator[str]:
    request = exchange.request
    for name, value in request.headers.items():
        if name.lower() not in SECRET_HEADERS:
            continue
        yield value
        scheme, _, credential = value.partition(" ")
        if credential:
            yield credential.strip()
        if scheme.lower() == "basic" and credential:
            try:
                decoded = base64.b64decode(credential.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue
            yield decoded
            yield from decoded.split(":", 1)
    for key, value in request.url.params.multi_items():
        if key in SECRET_FIELDS:
            yield value
    yield from json_secrets(_parse(_body(request)))
    if exchange.response is not None:
        for name, value in exchange.response.headers.items():
            if name.lower() in SECRET_HEADERS:
                yield value
        yield from json_secrets(_parse(exchange.response.content))


def json_secrets(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str | int) and not isinstance(item, bool):
                yield str(item)
            else:
                yield from json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_secrets(item)


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _body(request: httpx.Request) -> bytes:
    try:
        return request.read()
    except (httpx.StreamError, RuntimeError):  # a streamed body that cannot be replayed
        return b""


def _cut(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def display(value: Any, scrub: Redactor) -> str:
    """A value as a developer reads it: ``repr``, redacted, ``<missing>`` for an absent one."""
    return scrub(repr(redact_json(value)))


def _jsonable(value: Any) -> Any:
    """A JSON-safe copy of *value*: ``MISSING`` is ``"<missing>"``, anything odd its ``repr``."""
    if value is MISSING:
        return repr(MISSING)
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


def request_view(request: httpx.Request) -> dict[str, Any]:
    """Method, URL, headers and body of *request*, redacted."""
    raw = _body(request)
    return {
        "method": request.method,
        "url": redact_url(str(request.url)),
        "headers": redact_headers(dict(request.headers.items())),
        "body": _cut(redact_body(raw)) if raw else None,
    }


def response_view(response: httpx.Response) -> dict[str, Any]:
    """Status, headers and body (as text, cut at :data:`BODY_LIMIT`) of *response*, redacted."""
    headers = redact_headers(dict(response.headers.items()))
    raw = response.content
    return {
        "status": response.status_code,
        "reason": response.reason_phrase,
        "headers": headers,
        "body": _cut(redact_body(raw)) if raw else None,
    }


def _finding(report: Report, finding: Finding, scrub: Redactor) -> dict[str, Any]:
    source = finding.source
    exchange = finding.exchange
    out: dict[str, Any] = {
        "check": finding.check,
        "severity": Severity(finding.severity).value,
        "message": finding.message,
        "pointer": finding.pointer,
        "expected": _jsonable(redact_json(finding.expected)),
        "actual": _jsonable(redact_json(finding.actual)),
        "source": None
        if source is None
        else {"id": source.id, "kind": source.kind, "ref": source.ref, "quote": source.quote},
        "example": None if finding.example is None else _jsonable(redact_json(finding.example)),
        "operation": None if exchange is None else exchange.operation,
        "elapsed": None if exchange is None else round(exchange.elapsed, 6),
        "request": None if exchange is None else request_view(exchange.request),
        "response": None
        if exchange is None or exchange.response is None
        else response_view(exchange.response),
        "transport_error": None if exchange is None else exchange.error,
        "curl": None if exchange is None else curl(exchange.request, report.provider),
        "replay": replay_args(report),
    }
    return {k: scrub.deep(v) for k, v in out.items()}


def _case(report: Report, case: CaseResult, scrub: Redactor) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind.value,
        "title": case.title,
        "outcome": case.outcome.value,
        "duration": round(case.duration, 6),
        "exchanges": case.exchanges,
        "note": scrub(case.note),
        "findings": [_finding(report, f, scrub) for f in case.findings],
    }


def summary(report: Report) -> dict[str, int]:
    """Counts of cases by outcome, findings by severity, and exchanges."""
    outcomes = [r.outcome for r in report.results]
    findings = [f for _, f in report.findings()]
    return {
        "cases": len(report.results),
        "passed": outcomes.count(Outcome.PASSED),
        "failed": outcomes.count(Outcome.FAILED),
        "error": outcomes.count(Outcome.ERROR),
        "skipped": outcomes.count(Outcome.SKIPPED),
        "findings": len(findings),
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "exchanges": report.exchanges,
    }


def _run(report: Report, scrub: Redactor) -> dict[str, Any]:
    return {
        "provider": report.provider,
        "target": scrub(report.target),
        "profile": report.profile,
        "seed": report.seed,
        "examples": report.examples,
        "duration": round(report.duration, 6),
        "interrupted": report.interrupted,
        "exit_code": report.exit_code,
        "replay": replay_args(report),
        "summary": summary(report),
        "checks_failed": sorted(report.checks_failed()),
        "cases": [_case(report, c, scrub) for c in report.results],
    }


def to_json(
    reports: Sequence[Report], *, command: str, secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON report of *reports* (one run per provider), as a dict.

    *command* is the command line that ran them (secret option values are
    hidden); *secrets* are extra values to scrub wherever they appear, e.g.
    the credentials in use.
    """
    scrub = Redactor(reports, extra=secrets)
    return {
        "format": FORMAT_VERSION,
        "tool": {"name": TOOL, "version": tool_version()},
        "command": scrub.command(command),
        "exit_code": exit_code(reports),
        "runs": [_run(r, scrub) for r in reports],
    }


def write_json(
    reports: Sequence[Report],
    path: str | os.PathLike[str],
    *,
    command: str,
    secrets: Iterable[str] = (),
) -> None:
    """Write :func:`to_json` of *reports* to *path* (UTF-8, indented, ``-`` is not special)."""
    document = to_json(reports, command=command, secrets=secrets)
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """``specs/report.schema.json``: the JSON Schema (draft 2020-12) of :func:`to_json`'s output."""
    # The kit's own format, not a provider contract: never read from a --specs-dir of the user's.
    packaged = files("conformance").joinpath("specs").joinpath("report.schema.json")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:  # a checkout or an editable install: the wheel's force-include is not applied
        text = (Path(__file__).resolve().parents[2] / "specs" / "report.schema.json").read_text(
            encoding="utf-8"
        )
    schema: dict[str, Any] = json.loads(text)
    return schema


def evidence(
    report: Report,
    finding: Finding,
    scrub: Redactor,
    *,
    body_limit: int = BODY_LIMIT,
    quiet_headers: Collection[str] = (),
) -> list[tuple[str, str]]:
    """A finding's evidence as (label, text) pairs, redacted, in reading order.

    Labels: ``at``, ``expected``, ``received``, ``source``, ``request``,
    ``response``, ``no answer``, ``example``, ``curl``, ``replay with``.
    A request or response is its first line, its headers, a blank line and its
    body (cut at *body_limit*). Headers named in *quiet_headers* (lower case)
    are left out, unless the finding's pointer names them.
    """
    out: list[tuple[str, str]] = [
        ("at", finding.pointer or "/"),
        ("expected", display(finding.expected, scrub)),
        ("received", display(finding.actual, scrub)),
    ]
    if finding.source is not None:
        src = finding.source
        out.append(("source", scrub(f"{src.kind}, {src.ref}: {src.quote!r}")))
    exchange = finding.exchange
    if exchange is not None:
        req = request_view(exchange.request)
        lines = [f"{req['method']} {req['url']}"]
        named = finding.pointer.lower().removeprefix("/headers/").split("/")[0]
        lines += [
            f"{k}: {v}"
            for k, v in req["headers"].items()
            if k.lower() not in quiet_headers or k.lower() == named
        ]
        if req["body"] is not None:
            lines += ["", _cut(req["body"], body_limit)]
        out.append(("request", scrub("\n".join(lines))))
        if exchange.response is not None:
            resp = response_view(exchange.response)
            lines = [f"HTTP {resp['status']} {resp['reason']}".rstrip()]
            lines += [
                f"{k}: {v}"
                for k, v in resp["headers"].items()
                if k.lower() not in quiet_headers or k.lower() == named
            ]
            if resp["body"] is not None:
                lines += ["", _cut(resp["body"], body_limit)]
            out.append(("response", scrub("\n".join(lines))))
        if exchange.error is not None:
            out.append(("no answer", scrub(exchange.error)))
    if finding.example is not None:
        out.append(("example", display(finding.example, scrub)))
    if exchange is not None:
        out.append(("curl", scrub(curl(exchange.request, report.provider))))
    out.append(("replay with", replay_args(report)))
    return out


def one_line(finding: Finding, scrub: Redactor) -> str:
    """``<check>: <message> (expected …, received …)`` on one line."""
    text = (
        f"{finding.check}: {finding.message} (expected {display(finding.expected, scrub)}, "
        f"received {display(finding.actual, scrub)})"
    )
    return re.sub(r"\s*[\r\n]+\s*", " ", scrub(text)).strip()
