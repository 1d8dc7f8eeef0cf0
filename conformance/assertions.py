"""Assertion helpers for tests with their own HTTP mocks: one call, one clear failure.

>>> assert_conformant("midtrans", "capture", {"transaction_id": "t-1", "gross_amount": 30000})
>>> try:
...     assert_conformant("midtrans", "capture", {"transaction_id": "t-1", "gross_amount": 1.0})
... except AssertionError as failure:
...     print(failure)  # doctest: +ELLIPSIS
midtrans capture request breaks the contract (profile 'documented'): 1 violation
  midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount is written as a decimal; ...
      expected: 'an integer (Long) without a decimal point'
      sent:     1.0
      source:   https://docs.midtrans.com/reference/capture-transaction-card (documented): ...
"""

from __future__ import annotations

from typing import Any

import httpx

from ._constants import DEFAULT_PROFILE
from ._traffic._convert import is_requests_object, to_httpx_request, to_httpx_response
from ._traffic._explain import explain, plural, redactor_for
from .errors import ConformanceError
from .validator import Validator
from .violations import Severity

__all__ = ["ConformanceAssertionError", "assert_conformant"]


class ConformanceAssertionError(ConformanceError, AssertionError):
    """A message broke the contract. An :class:`AssertionError`, so test runners report a failure.

    ``violations`` holds the :class:`~conformance.violations.Violation` values.
    """

    def __init__(self, message: str, violations: list[Any]) -> None:
        super().__init__(message)
        self.violations = violations


def assert_conformant(
    provider: str,
    operation: str,
    message: Any,
    *,
    status: int | None = None,
    request: Any = None,
    profile: str = DEFAULT_PROFILE,
) -> None:
    """Raise :class:`ConformanceAssertionError` unless *message* keeps the contract.

    *message* is an ``httpx`` or ``requests`` request or response, or a bare JSON
    body: a request body, or a response body when *status* is given. A response
    is also checked against the *request* it answers (ids and amounts it must
    echo); an ``httpx``/``requests`` response carries its own. Only errors fail;
    warnings (advice) do not.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    validator = Validator(provider, profile=profile)
    is_response = _is_response(message, status)
    if is_requests_object(message):
        message = to_httpx_response(message) if is_response else to_httpx_request(message)
    if is_requests_object(request):
        request = to_httpx_request(request)
    if is_response:
        if request is None and isinstance(message, httpx.Response):
            request = _own_request(message)
        found = validator.validate_response(operation, message, request=request, status=status)
    else:
        found = validator.validate_request(operation, message)
    errors = [v for v in found if v.severity == Severity.ERROR]
    if not errors:
        return
    side = "response" if is_response else "request"
    is_http = isinstance(message, httpx.Request | httpx.Response)
    scrub = redactor_for(
        message if isinstance(message, httpx.Request) else _maybe(request),
        message if isinstance(message, httpx.Response) else None,
        None if is_http else message,
    )
    lines = [
        f"{provider} {operation} {side} breaks the contract (profile {profile!r}): "
        + plural(len(errors), "violation")
    ]
    for violation in errors:
        first, *rest = explain(violation, side, scrub)
        lines += [f"  {first}", *(f"  {line}" for line in rest)]
    raise ConformanceAssertionError("\n".join(lines), errors)


def _is_response(message: Any, status: int | None) -> bool:
    if isinstance(message, httpx.Response):
        return True
    if isinstance(message, httpx.Request):
        return False
    if is_requests_object(message):
        return type(message).__name__ == "Response"
    return status is not None


def _own_request(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a response built without one
        return None


def _maybe(request: Any) -> httpx.Request | None:
    return request if isinstance(request, httpx.Request) else None
