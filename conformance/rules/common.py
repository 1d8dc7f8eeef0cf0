"""Rules every provider shares, and helpers for the provider rule modules."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

import httpx

from .._messages import NOT_JSON
from ..violations import MISSING
from ._base import Context, Failure, rule

__all__ = ["basic_auth_user", "digit_count", "header_pointer", "json_media_failures"]


def header_pointer(name: str) -> str:
    """Where a header lives, in the pointer space of a message (``/headers/<name>``)."""
    return f"/headers/{name.lower()}"


def json_media_failures(headers: httpx.Headers, name: str) -> Iterator[Failure]:
    """Fail unless header *name* names ``application/json`` (parameters allowed)."""
    value = headers.get(name)
    media = (value or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        yield Failure(
            header_pointer(name),
            "application/json",
            MISSING if value is None else value,
            f"{name} must be application/json",
        )


def basic_auth_user(value: str | None) -> str | None:
    """The user name of an HTTP Basic ``Authorization`` value, ``None`` if not Basic.

    >>> basic_auth_user("Basic U0ItTWlkLXNlcnZlci1hYmMxMjNjZGU0NTY6")
    'SB-Mid-server-abc123cde456'
    """
    if not value or not value.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, _ = decoded.partition(":")
    return user if sep else None


def digit_count(value: Any) -> int:
    """How many digits *value* shows, whatever separates them (0 for non-strings).

    >>> digit_count("4811 1111 1111 1114"), digit_count("48111111-1114")
    (16, 12)
    """
    return sum(map(str.isdigit, value)) if isinstance(value, str) else 0


# Structural rules every provider shares; each provider names its own source.
def _undocumented_status(ctx: Context) -> Iterator[Failure]:
    """The HTTP status is one the operation documents."""
    status = ctx.response.status if ctx.response is not None else None
    if status is not None and ctx.operation.response_schema(status) is None:
        yield Failure(
            "/status",
            sorted(ctx.operation.responses),
            status,
            f"HTTP {status} is not a documented answer of {ctx.operation.name}",
        )


def _response_json(ctx: Context) -> Iterator[Failure]:
    """A response body is a JSON document."""
    if ctx.response is not None and ctx.response.body in (NOT_JSON, MISSING):
        yield Failure("", "a JSON body", _excerpt(ctx.response.raw), "response body is not JSON")


def _request_json(ctx: Context) -> Iterator[Failure]:
    """A request body, where the operation takes one, is a JSON document."""
    request = ctx.request
    if request is None or ctx.operation.request_schema is None:
        return
    if request.body in (NOT_JSON, MISSING):
        yield Failure("", "a JSON body", _excerpt(request.raw), "request body is not JSON")


def _excerpt(raw: bytes) -> str:
    text = raw[:80].decode("utf-8", "replace")
    return text + ("…" if len(raw) > 80 else "")


for _provider, _status_source, _json_source in (
    ("midtrans", "midtrans.status-code-catalogue", "midtrans.headers"),
    ("pivot", "pivot.error-table", "pivot.error-envelope"),
):
    rule(
        f"{_provider}.response.undocumented-status",
        provider=_provider,
        phase="response",
        source=_status_source,
    )(_undocumented_status)
    rule(f"{_provider}.response.json", provider=_provider, phase="response", source=_json_source)(
        _response_json
    )
    rule(f"{_provider}.request.json", provider=_provider, phase="request", source=_json_source)(
        _request_json
    )
