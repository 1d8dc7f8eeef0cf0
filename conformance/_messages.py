"""Requests and responses as the rules see them: parsed once, with what is known.

The validator accepts :class:`httpx.Request` and :class:`httpx.Response`
objects, or bare JSON bodies. A bare body has no headers: header rules are
then skipped rather than failed (``headers is None``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .violations import MISSING

__all__ = ["NOT_JSON", "Message", "parse_json", "request_message", "response_message"]


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


#: The body of a message whose bytes are not a JSON document.
NOT_JSON: Any = _NotJson()


def parse_json(raw: bytes | str) -> Any:
    """The JSON document in *raw*, ``MISSING`` when empty, ``NOT_JSON`` when unreadable.

    Floats stay floats (``30000.0`` is not folded into an int), which rules need
    to tell a decimal literal from an integer one.
    """
    if not raw or not raw.strip():
        return MISSING
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


@dataclass(frozen=True, slots=True)
class Message:
    """One side of an exchange. ``status`` is ``None`` for requests."""

    body: Any
    method: str | None = None
    path: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: httpx.Headers | None = None
    status: int | None = None
    raw: bytes = b""


def request_message(request: httpx.Request | Mapping[str, Any] | Any) -> Message:
    """A :class:`Message` from an httpx request, or from a bare JSON body."""
    if isinstance(request, httpx.Request):
        raw = request.read()
        return Message(
            body=parse_json(raw),
            method=request.method,
            path=request.url.path,
            query=dict(request.url.params),
            headers=request.headers,
            raw=raw,
        )
    return Message(body=request)


def response_message(response: httpx.Response | Any, status: int | None = None) -> Message:
    """A :class:`Message` from an httpx response, or from a bare body and *status*."""
    if isinstance(response, httpx.Response):
        raw = response.read()
        return Message(
            body=parse_json(raw), headers=response.headers, status=response.status_code, raw=raw
        )
    return Message(body=response, status=200 if status is None else status)
