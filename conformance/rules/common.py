"""Rules every provider shares, and helpers for the provider rule modules."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .._messages import NOT_JSON, Message
from ..violations import MISSING, Severity
from ._base import Context, Failure, Phase, rule

__all__ = [
    "basic_auth_user",
    "digit_count",
    "header_pointer",
    "json_media_failures",
    "not_json_failures",
    "object_body",
]


def header_pointer(name: str) -> str:
    """Where a header lives, in the pointer space of a message (``/headers/<name>``)."""
    return f"/headers/{name.lower()}"


def object_body(msg: Message | None) -> dict[str, Any]:
    """The body of *msg* when it is a JSON object, else ``{}`` (the schema reports the rest)."""
    return msg.body if msg is not None and isinstance(msg.body, dict) else {}


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


def not_json_failures(msg: Message | None, what: str) -> Iterator[Failure]:
    """Fail when *msg* has no JSON body; the message says why (e.g. ``NaN``, too deep)."""
    if msg is not None and msg.body in (NOT_JSON, MISSING):
        why = f": {msg.json_error}" if msg.json_error else ""
        shown = _excerpt(msg.raw) if msg.raw or msg.json_error is None else "<not JSON>"
        yield Failure("", "a JSON body", shown, f"{what} body is not JSON{why}")


def _response_json(ctx: Context) -> Iterator[Failure]:
    """A response body is a JSON document (RFC 8259: no ``NaN``, nesting within bounds)."""
    yield from not_json_failures(ctx.response, "response")


def _request_json(ctx: Context) -> Iterator[Failure]:
    """A request body, where the operation takes one, is a JSON document."""
    if ctx.operation.request_schema is not None:
        yield from not_json_failures(ctx.request, "request")


def _response_media_type(ctx: Context) -> Iterator[Failure]:
    """An answer with a body says ``Content-Type: application/json`` (known headers only)."""
    response = ctx.response
    if response is not None and response.headers is not None and response.raw.strip():
        yield from json_media_failures(response.headers, "Content-Type")


def _judged(ctx: Context, phase: Phase) -> Message | None:
    return ctx.response if phase == "response" else ctx.request


def _duplicate_names(phase: Phase) -> Callable[[Context], Iterator[Failure]]:
    def check(ctx: Context) -> Iterator[Failure]:
        """No name appears twice in one object of the body (RFC 8259 §4: SHOULD be unique)."""
        msg = _judged(ctx, phase)
        for pointer in msg.duplicates if msg is not None else ():
            name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            yield Failure(
                pointer,
                "each name once per object",
                f"{name!r} more than once",
                f"name {name!r} is repeated in one object; the last value was judged",
            )

    return check


def _excerpt(raw: bytes) -> str:
    text = raw[:80].decode("utf-8", "replace")
    return text + ("…" if len(raw) > 80 else "")


for _provider, _status_source, _json_source, _media_source in (
    ("midtrans", "midtrans.status-code-catalogue", "midtrans.headers", "midtrans.headers"),
    ("pivot", "pivot.error-table", "pivot.error-envelope", "pivot.response-body-json"),
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
    # Warning: the docs show JSON answers and (Midtrans) require `Accept: application/json`,
    # but never state the answer's header itself (DECISIONS.md).
    rule(
        f"{_provider}.response.content-type",
        provider=_provider,
        phase="response",
        source=_media_source,
        severity=Severity.WARNING,
    )(_response_media_type)
    for _phase in ("request", "response", "notification"):
        rule(
            f"{_provider}.{_phase}.duplicate-key",
            provider=_provider,
            phase=_phase,
            source=f"{_provider}.json-unique-names",
            severity=Severity.WARNING,
        )(_duplicate_names(_phase))
