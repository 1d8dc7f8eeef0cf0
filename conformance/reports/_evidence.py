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
import shlex
from collections.abc import Collection
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from .._secrets import mask_pans
from ..violations import MISSING
from ._curl import curl
from ._redact import (
    Redactor,
    redact_body,
    redact_headers,
    redact_json,
    redact_url,
    request_body,
)

if TYPE_CHECKING:
    from ..suite import Exchange, Finding, Report

__all__ = [
    "BODY_LIMIT",
    "QUIET_HEADERS",
    "display",
    "evidence",
    "jsonable",
    "one_line",
    "replay_args",
    "request_view",
    "response_view",
    "script",
    "steps",
]

#: Headers that say nothing about conformance; left out of every dump a person reads
#: (the console, the JUnit text, the plugin's items); the JSON report keeps them.
QUIET_HEADERS = frozenset(
    {
        "host", "user-agent", "accept-encoding", "date", "server", "content-length",
        "connection", "keep-alive", "via", "alt-svc",
        "strict-transport-security", "vary", "cache-control", "etag", "expires", "pragma",
        "x-powered-by", "cf-ray", "cf-cache-status", "nel", "report-to", "transfer-encoding",
    }
)  # fmt: skip

#: Response (and non-JSON request) bodies are cut to this many characters.
BODY_LIMIT = 4096


def replay_args(report: Report) -> str:
    """The options that replay *report*'s run: same seed, same budget, same profile."""
    return f"--seed {report.seed} --examples {report.examples} --profile {report.profile}"


def _replay_line(report: Report) -> str:
    """What the console says replays the run: no seed or budget where nothing is generated."""
    if not report.generated:
        return f"--profile {report.profile} (the same recordings)"
    return replay_args(report)


def _body_of(exchange: Exchange) -> Any:
    """The request body of *exchange* as an example would hold it (shown once, not twice)."""
    from ..suite._results import request_example

    return request_example(exchange.request)


def _exchanges(finding: Finding) -> list[Exchange]:
    if finding.sequence:
        return list(finding.sequence)
    return [] if finding.exchange is None else [finding.exchange]


def steps(finding: Finding, scrub: Redactor, body_limit: int = 300) -> str:
    """The requests that reproduce *finding*, one numbered ``METHOD path body`` line each."""
    lines = []
    for number, exchange in enumerate(_exchanges(finding), 1):
        request = exchange.request
        url = httpx.URL(redact_url(str(request.url)))
        path = unquote(url.raw_path.decode("ascii", "replace"))
        raw = request_body(request)
        body = f" {_cut(redact_body(raw), body_limit)}" if raw else ""
        answer = "" if exchange.status is None else f"  -> HTTP {exchange.status}"
        lines.append(f"{number}. {request.method} {path}{body}{answer}")
    return scrub("\n".join(lines))


def _names(sequence: list[Exchange]) -> list[tuple[int, str, str, str]]:
    """(index, value, shell name, jq path) of each id an answer hands a later request."""
    later = [f"{e.request.url} {e.request.content.decode('utf-8', 'replace')}" for e in sequence]
    found: list[tuple[int, str, str, str]] = []
    taken: set[str] = set()
    for index, exchange in enumerate(sequence[:-1]):
        body = exchange.json()
        for path, value in _leaves(body, ""):
            if len(value) < 8 or not any(value in text for text in later[index + 1 :]):
                continue
            if any(value == v for _, v, _, _ in found):
                continue
            name = re.sub(r"[^A-Z0-9]+", "_", path.rsplit(".", 1)[-1].upper()).strip("_") or "V"
            name = {"ID": "PAYMENT_ID"}.get(name, name)
            while name in taken:
                name += "_2"
            taken.add(name)
            found.append((index, value, name, path))
    return found


def _leaves(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}.{k}")]
    return [(path, value)] if isinstance(value, str) and path else []


def script(report: Report, finding: Finding, scrub: Redactor) -> str | None:
    """Shell lines that reproduce *finding*: its setup calls in order, then the request.

    Ids an earlier answer handed out are read from it with ``jq`` into a shell
    variable; secrets come from the environment (``MIDTRANS_SERVER_KEY``, ...).
    Pivot's ``$PIVOT_ACCESS_TOKEN`` is fetched first with the client id and secret.
    """
    sequence = _exchanges(finding)
    if not sequence:
        return None
    found = _names(sequence)
    names = {value: name for _, value, name, _ in found}
    lines: list[str] = []
    bearer = any(
        e.request.headers.get("authorization", "").lower().startswith("bearer ") for e in sequence
    )
    if bearer:
        url = sequence[0].request.url
        base = (
            report.target
            if report.target.startswith("http")
            else f"{url.scheme}://{url.netloc.decode()}"
        )
        lines.append(
            "PIVOT_ACCESS_TOKEN=$(curl -sS -X POST -H 'content-type: application/json' "
            '-H "X-MERCHANT-ID: $PIVOT_CLIENT_ID" -H "X-MERCHANT-SECRET: $PIVOT_CLIENT_SECRET" '
            '--data-binary \'{"grantType": "client_credentials"}\' '
            f"{shlex.quote(base.rstrip('/') + '/v1/access-token')} | jq -r .data.accessToken)"
        )
    for index, exchange in enumerate(sequence):
        line = curl(exchange.request, report.provider, names)
        binds = [(name, path) for i, _, name, path in found if i == index]
        if binds:
            first, path = binds[0]
            if len(binds) == 1:
                line = f"{first}=$({line} | jq -r '{path}')"
            else:
                line = f"ANSWER=$({line})"
                line += "".join(f"; {name}=$(echo \"$ANSWER\" | jq -r '{p}')" for name, p in binds)
        lines.append(line)
    return scrub("\n".join(lines))


def _cut(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def display(value: Any, scrub: Redactor) -> str:
    """A value as a developer reads it: ``repr``, redacted, ``<missing>`` for an absent one.

    A text that is quoted already (``'WAITING_FOR_CAPTURE'``) is not quoted again.

    >>> display("'WAITING_FOR_CAPTURE'", Redactor([])), display("string", Redactor([]))
    ("'WAITING_FOR_CAPTURE'", "'string'")
    """
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return scrub(mask_pans(value))
    return scrub(repr(redact_json(value)))


#: The console cuts a source's quote here; the JSON report has it whole.
QUOTE_LIMIT = 240


def source_text(finding: Finding, *, limit: int | None = None) -> str | None:
    """``<kind>: "<quote on one line>"`` and, on a second line, where to read it (a URL)."""
    src = finding.source
    if src is None:
        return None
    quote = src.text
    if limit is not None and len(quote) > limit:
        quote = quote[:limit].rstrip() + " …"
    where = src.where if not src.url else f"{src.url} ({src.ref})"
    return f'{src.kind}: "{quote}"\n{where}'


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
    quote_limit: int | None = None,
) -> list[tuple[str, str]]:
    """A finding's evidence as (label, text) pairs, redacted, in reading order.

    Labels: ``at``, ``expected``, ``received``, ``source``, ``request``,
    ``response``, ``no answer``, ``example``, ``reproduce`` (the numbered requests,
    setup calls first), ``curl`` (a script of them), ``replay with``.
    A request or response is its first line, its headers, a blank line and its
    body (cut at *body_limit*). Headers named in *quiet_headers* (lower case)
    are left out, unless the finding's pointer names them.
    """
    out: list[tuple[str, str]] = [
        ("at", finding.pointer or "/"),
        ("expected", display(finding.expected, scrub)),
        ("received", display(finding.actual, scrub)),
    ]
    source = source_text(finding, limit=quote_limit)
    if source is not None:
        out.append(("source", scrub(source)))
    exchange = finding.exchange
    if exchange is not None:
        named = finding.pointer.lower().removeprefix("/headers/").split("/")[0]
        quiet = set(quiet_headers) - {named}  # a header the pointer names is shown
        req = request_view(exchange.request)
        first = f"{req['method']} {req['url']}"
        out.append(("request", scrub(_message(first, req, quiet, body_limit))))
        if exchange.response is not None:
            resp = response_view(exchange.response)
            first = f"HTTP {resp['status']} {resp['reason']}".rstrip()
            out.append(("response", scrub(_message(first, resp, quiet, body_limit))))
        if exchange.error is not None:
            out.append(("no answer", scrub(exchange.error)))
    example = finding.example
    if isinstance(example, list) and example and all(isinstance(s, str) for s in example):
        out.append(("example", scrub("\n".join(example))))  # a stateful run's steps
    elif example is not None and (exchange is None or example != _body_of(exchange)):
        out.append(("example", display(example, scrub)))
    if len(finding.sequence) > 1:
        out.append(("reproduce", steps(finding, scrub)))
    reproduction = script(report, finding, scrub)
    if reproduction is not None:
        out.append(("curl", reproduction))
    out.append(("replay with", _replay_line(report)))
    return out


def _message(first: str, view: dict[str, Any], quiet: Collection[str], limit: int) -> str:
    """*first*, the headers of *view* not in *quiet*, a blank line and the body (cut)."""
    lines = [first, *(f"{k}: {v}" for k, v in view["headers"].items() if k.lower() not in quiet)]
    if view["body"] is not None:
        lines += ["", _cut(view["body"], limit)]
    return "\n".join(lines)


def one_line(finding: Finding, scrub: Redactor) -> str:
    """``<check>: <message> (expected …, received …)`` on one line."""
    text = (
        f"{finding.check}: {finding.message} (expected {display(finding.expected, scrub)}, "
        f"received {display(finding.actual, scrub)})"
    )
    return re.sub(r"\s*[\r\n]+\s*", " ", scrub(text)).strip()
