"""Violations as a test failure shows them: rule, field, expected vs sent, source.

Values are shown with ``repr``; secret headers, secret JSON fields and every
secret value seen in the exchange are replaced by ``<redacted>``.

>>> from conformance import Validator
>>> found = Validator("midtrans").validate_request(
...     "capture", {"transaction_id": "t-1", "gross_amount": 30000.0})
>>> print("\\n".join(explain(found[0], "request")))  # doctest: +ELLIPSIS
midtrans.gross-amount.decimal-literal at /gross_amount: gross_amount is written as a decimal; ...
    expected: 'an integer (Long) without a decimal point'
    sent:     30000.0
    source:   https://docs.midtrans.com/reference/capture-transaction-card (documented): ...
"""

from __future__ import annotations

from typing import Any

import httpx

from ..reports._evidence import display
from ..reports._redact import REDACTED, Redactor, exchange_secrets, json_secrets, names_a_secret
from ..suite._results import Exchange
from ..violations import Violation

__all__ = ["Side", "explain", "plural", "redactor_for"]

Side = str  # "request" or "response"


def redactor_for(
    request: httpx.Request | None, response: httpx.Response | None, body: Any = None
) -> Redactor:
    """Scrubs the secrets of one exchange (auth headers, keys, tokens) out of free text.

    *body* is a bare JSON document checked without a request around it.
    """
    found = list(json_secrets(body))
    if request is not None:
        found += exchange_secrets(Exchange("", request, response))
    return Redactor([], extra=found)


def explain(violation: Violation, side: Side, scrub: Redactor | None = None) -> list[str]:
    """The lines that describe *violation* found on the *side* of an exchange."""
    scrub = scrub or Redactor([])
    label = "sent:" if side == "request" else "received:"
    where = violation.pointer or "/"
    actual = REDACTED if names_a_secret(where) else violation.actual
    lines = [
        f"{violation.rule} at {where}: {scrub(violation.message)}",
        f"    {'expected:':<10}{display(violation.expected, scrub)}",
        f"    {label:<10}{REDACTED if actual is REDACTED else display(actual, scrub)}",
    ]
    if violation.source is not None:
        lines.append(f"    {'source:':<10}{violation.source}")
    return lines


def plural(count: int, noun: str) -> str:
    """``1 violation``, ``2 violations``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
