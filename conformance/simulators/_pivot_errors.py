"""Pivot's documented error envelope, and the errors the simulator raises internally.

``{"code", "message", "error": {"type", "details": [{"field", "message"}], "traceId"}}``
with the code and type the facts' error table gives the HTTP status, never a ``data`` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

__all__ = ["CODES", "PivotError", "code_for", "envelope"]

#: HTTP status -> (code, error.type, top-level message), from the facts' error table.
CODES: dict[int, tuple[str, str, str]] = {
    400: ("api_validation_error", "API_ERROR", "The request was invalid"),
    401: ("credentials_invalid", "API_ERROR", "The credentials are invalid or missing"),
    403: ("forbidden_access", "API_ERROR", "The credentials may not do this"),
    404: ("not_found", "GATEWAY_ERROR", "The requested URL does not exist"),
    409: ("duplicate_error", "GATEWAY_ERROR", "A record with the provided details already exists"),
    # The table's 422 row names no code; on /v2 routes Pivot sends api_validation_error.
    422: ("api_validation_error", "API_ERROR", "The request is valid but cannot be processed"),
    429: ("frequency_above_limit", "API_ERROR", "Too many requests"),
    500: ("internal_error", "GATEWAY_ERROR", "An unexpected error occurred"),
    502: ("bad_gateway", "GATEWAY_ERROR", "A downstream system answered badly"),
    503: ("service_unavailable", "GATEWAY_ERROR", "A downstream system is unavailable"),
    504: ("gateway_timeout", "GATEWAY_ERROR", "A downstream system did not answer in time"),
}

#: Codes the table lists beside the default one of their status.
EXTRA_CODES: dict[str, tuple[str, str]] = {
    "resource_missing": ("GATEWAY_ERROR", "The resource with the given id cannot be found"),
    "idempotency_error": ("API_ERROR", "The idempotency key was used with another request"),
}


def code_for(status: int) -> tuple[str, str, str]:
    """(code, type, message) for *status*; statuses outside the table get their HTTP phrase.

    >>> code_for(405)
    ('method_not_allowed', 'API_ERROR', 'Method Not Allowed')
    """
    if status in CODES:
        return CODES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    code = "_".join(phrase.lower().replace("-", " ").split())
    return code, "API_ERROR" if status < 500 else "GATEWAY_ERROR", phrase


@dataclass
class PivotError(Exception):
    """An error answer: HTTP *status*, the detail *message*, the offending *field*.

    *code* picks one of the table's other codes for the status (``resource_missing``).
    """

    status: int
    message: str
    field: str | None = None
    code: str | None = None


def envelope(
    status: int,
    *,
    trace_id: str,
    detail: str | None = None,
    field: str | None = None,
    code: str | None = None,
    message: str | None = None,
    quirk: str | None = None,
) -> dict[str, Any]:
    """The error body for *status*; *quirk* applies the error-shape quirks."""
    default_code, error_type, default_message = code_for(status)
    if code in EXTRA_CODES:
        error_type, default_message = EXTRA_CODES[code]
    else:
        code = default_code
    if quirk == "error-code-mismatch" and status == 404:
        code = "api_validation_error"
    details: list[dict[str, str]] = []
    if detail is not None:
        details.append({"field": field, "message": detail} if field else {"message": detail})
    body: dict[str, Any] = {"code": code, "message": message or default_message}
    if quirk == "error-without-message":
        del body["message"]
    body["error"] = {"type": error_type, "details": details, "traceId": trace_id}
    if quirk == "error-with-data":
        body["data"] = None
    return body
