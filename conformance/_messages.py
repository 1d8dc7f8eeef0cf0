"""Requests and responses as the rules see them: parsed once, with what is known.

The validator accepts :class:`httpx.Request` and :class:`httpx.Response`
objects, raw ``bytes`` bodies, or bare (already parsed) JSON bodies. A bare or
raw body has no headers: header rules are then skipped rather than failed
(``headers is None``). Every body is read by :mod:`conformance._json`, the
kit's one JSON reader; a bare body is held to the same limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._json import JsonError, inspect_value, read
from .violations import MISSING

__all__ = [
    "NOT_JSON",
    "Message",
    "body_message",
    "parse_json",
    "read_body",
    "request_message",
    "response_message",
]


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


#: The body of a message whose bytes are not a JSON document.
NOT_JSON: Any = _NotJson()


@dataclass(frozen=True, slots=True)
class Body:
    """A body as read: its value (``MISSING``, ``NOT_JSON`` or the document), why it
    is not JSON, and the JSON pointers of names repeated within one object."""

    value: Any
    error: str | None = None
    duplicates: tuple[str, ...] = ()


def read_body(raw: bytes | bytearray | str) -> Body:
    """*raw* read by the kit's JSON reader: empty is ``MISSING``, unreadable ``NOT_JSON``."""
    if not raw or not raw.strip():
        return Body(MISSING)
    try:
        document = read(raw)
    except JsonError as exc:
        return Body(NOT_JSON, str(exc))
    return Body(document.value, None, document.duplicates)


def parse_json(raw: bytes | str) -> Any:
    """The JSON document in *raw*, ``MISSING`` when empty, ``NOT_JSON`` when unreadable.

    Floats stay floats (``30000.0`` is not folded into an int), which rules need
    to tell a decimal literal from an integer one.
    """
    return read_body(raw).value


@dataclass(frozen=True, slots=True)
class Message:
    """One side of an exchange. ``status`` is ``None`` for requests.

    ``json_error`` says why a body is ``NOT_JSON``; ``duplicates`` are the JSON
    pointers of names an object repeats (the last value is in ``body``).
    """

    body: Any
    method: str | None = None
    path: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: httpx.Headers | None = None
    status: int | None = None
    raw: bytes = b""
    json_error: str | None = None
    duplicates: tuple[str, ...] = ()


def _raw_message(raw: bytes, **known: Any) -> Message:
    """A :class:`Message` of *raw* read as JSON, with what else is *known* of it."""
    read_ = read_body(raw)
    return Message(
        read_.value, raw=raw, json_error=read_.error, duplicates=read_.duplicates, **known
    )


def body_message(body: Any, status: int | None = None) -> Message:
    """A :class:`Message` of a body without headers: raw ``bytes`` are read as JSON,
    anything else is taken as the parsed document and held to the reader's limits."""
    if isinstance(body, bytes | bytearray):
        return _raw_message(bytes(body), status=status)
    if body is MISSING:
        return Message(body, status=status)
    problem, value = inspect_value(body)
    if problem is not None:
        return Message(NOT_JSON, status=status, json_error=problem)
    return Message(value, status=status)


def request_message(request: httpx.Request | Mapping[str, Any] | Any) -> Message:
    """A :class:`Message` from an httpx request, raw ``bytes``, or a bare JSON body."""
    if isinstance(request, httpx.Request):
        return _raw_message(
            request.read(),
            method=request.method,
            path=request.url.path,
            query=dict(request.url.params),
            headers=request.headers,
        )
    return body_message(request)


def response_message(response: httpx.Response | Any, status: int | None = None) -> Message:
    """A :class:`Message` from an httpx response, or raw ``bytes`` or a bare body and *status*."""
    if isinstance(response, httpx.Response):
        return _raw_message(response.read(), headers=response.headers, status=response.status_code)
    return body_message(response, 200 if status is None else status)
