"""Secrets out of everything the kit prints or writes: headers, query strings, JSON bodies.

>>> redact_headers({"Authorization": "Basic U0ItTWlk", "Accept": "application/json"})
{'Authorization': '<redacted>', 'Accept': 'application/json'}
>>> redact_json({"credit_card": {"token_id": "tok-1"}, "gross_amount": 1})
{'credit_card': {'token_id': '<redacted>'}, 'gross_amount': 1}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .._secrets import SECRET_FIELDS, SECRET_HEADERS

if TYPE_CHECKING:
    from ..suite import Exchange, Report

__all__ = [
    "REDACTED",
    "Redactor",
    "curl",
    "exchange_secrets",
    "json_secrets",
    "names_a_secret",
    "redact_headers",
    "redact_json",
]

REDACTED = "<redacted>"
#: Secret values shorter than this are not scrubbed from free text (they are redacted
#: where they stand, by field name; scrubbing "12" everywhere would garble the report).
_MIN_SECRET = 6
_SECRET_OPTION = re.compile(
    r"(?P<opt>--[\w-]*(?:key|secret|token|password)[\w-]*)(?P<sep>=|\s+)(?P<value>\S+)",
    re.IGNORECASE,
)


def names_a_secret(pointer: str) -> bool:
    """Whether the JSON pointer of a violation names a secret field or header.

    >>> names_a_secret("/query/card_cvv"), names_a_secret("/headers/authorization")
    (True, True)
    >>> names_a_secret("/gross_amount")
    False
    """
    name = pointer.rstrip("/").rsplit("/", 1)[-1]
    header = pointer.lower().startswith("/headers/") and name.lower() in SECRET_HEADERS
    return name in SECRET_FIELDS or header


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: REDACTED if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def redact_json(value: Any) -> Any:
    """*value* with every secret field redacted, at any depth of dicts, lists and tuples."""
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_FIELDS else redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, tuple):
        items = [redact_json(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, REDACTED if k in SECRET_FIELDS else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="<>")))


def redact_body(raw: bytes) -> str:
    """A body as text with secret JSON fields replaced; non-JSON bodies are cut at 2 kB."""
    try:
        return json.dumps(redact_json(json.loads(raw)), ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        text = raw[:2048].decode("utf-8", "replace")
        return text + ("…" if len(raw) > 2048 else "")


#: Placeholders the reproduction commands use for each secret header.
_HEADER_ENV = {
    "x-merchant-id": "$PIVOT_CLIENT_ID",
    "x-merchant-secret": "$PIVOT_CLIENT_SECRET",
}


def curl(request: httpx.Request, provider: str) -> str:
    """A ``curl`` command that replays *request*, with secrets as environment variables."""
    parts = ["curl", "-sS", "-X", request.method]
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
            continue
        if lower == "authorization":
            if value.lower().startswith("basic "):
                parts += ["-u", '"$MIDTRANS_SERVER_KEY:"']
            else:
                parts += ["-H", '"Authorization: Bearer $PIVOT_ACCESS_TOKEN"']
            continue
        if lower in _HEADER_ENV:
            parts += ["-H", f'"{name}: {_HEADER_ENV[lower]}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.read()
    if body:
        parts += ["--data-binary", shlex.quote(redact_body(body))]
    parts.append(shlex.quote(redact_url(str(request.url))))
    return " ".join(parts)


class Redactor:
    """Scrubs every secret value seen in the reports' traffic out of free text.

    Structured places (headers, query, JSON fields) are redacted by name with
    the functions above; this catches the same values where they leak into a
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
    yield from json_secrets(_parse(request_body(request)))
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


def request_body(request: httpx.Request) -> bytes:
    try:
        return request.read()
    except (httpx.StreamError, RuntimeError):  # a streamed body that cannot be replayed
        return b""
