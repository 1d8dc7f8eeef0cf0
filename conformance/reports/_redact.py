"""Secrets out of everything the kit prints or writes: headers, query strings, JSON bodies.

>>> redact_headers({"Authorization": "Basic U0ItTWlk", "Accept": "application/json"})
{'Authorization': '<redacted>', 'Accept': 'application/json'}
>>> redact_json({"credit_card": {"token_id": "tok-1"}, "gross_amount": 1})
{'credit_card': {'token_id': '<redacted>'}, 'gross_amount': 1}
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .._secrets import SECRET_FIELDS, SECRET_HEADERS

__all__ = [
    "REDACTED",
    "curl",
    "names_a_secret",
    "redact_headers",
    "redact_json",
]

REDACTED = "<redacted>"


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
