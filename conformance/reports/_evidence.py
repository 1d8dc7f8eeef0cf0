"""A finding's evidence as people and reports read it: values, requests, answers.

Shared by the JSON, JUnit and console reports, so all three show the same,
equally redacted evidence.

>>> display({"server_key": "SB-Mid-server-abc", "gross_amount": 1}, Redactor([]))
"{'server_key': '<redacted>', 'gross_amount': 1}"
>>> jsonable(float("inf"))
'inf'
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import httpx

from ..violations import MISSING
from ._redact import (
    Redactor,
    curl,
    redact_body,
    redact_headers,
    redact_json,
    redact_url,
    request_body,
)

if TYPE_CHECKING:
    from ..suite import Finding, Report

__all__ = [
    "BODY_LIMIT",
    "display",
    "evidence",
    "jsonable",
    "one_line",
    "replay_args",
    "request_view",
    "response_view",
]

#: Response (and non-JSON request) bodies are cut to this many characters.
BODY_LIMIT = 4096


def replay_args(report: Report) -> str:
    """The options that replay *report*'s run: same seed, same budget, same profile."""
    return f"--seed {report.seed} --examples {report.examples} --profile {report.profile}"


def _cut(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def display(value: Any, scrub: Redactor) -> str:
    """A value as a developer reads it: ``repr``, redacted, ``<missing>`` for an absent one."""
    return scrub(repr(redact_json(value)))


def jsonable(value: Any) -> Any:
    """A JSON-safe copy of *value*: ``MISSING`` is ``"<missing>"``, anything odd its ``repr``."""
    if value is MISSING:
        return repr(MISSING)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


def request_view(request: httpx.Request) -> dict[str, Any]:
    """Method, URL, headers and body of *request*, redacted."""
    raw = request_body(request)
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
