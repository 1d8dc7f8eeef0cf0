"""Judging one answer of a scenario step: JSON pointers, field matchers, named checks.

A matcher is the YAML value under a pointer in ``fields`` (see
``specs/scenarios.schema.json``): a scalar means *equal*; ``one_of``,
``number``, ``absent``, ``present``, ``empty`` and ``contains`` are objects.
Expected values are already rendered (templates filled) when they get here.

>>> mismatch({"number": [50000, 100000]}, "50000.00")
>>> mismatch("capture", "authorize")
"is 'authorize', expected 'capture'"
>>> mismatch({"contains": {"/captureId": "c1"}}, [{"captureId": "c2"}])
"holds no element with /captureId 'c1' (elements: 1)"
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..violations import MISSING
from ._results import Exchange

__all__ = [
    "NAMED_CHECKS",
    "amount_value",
    "answer_line",
    "describe",
    "mismatch",
    "resolve",
    "shown",
]


def resolve(document: Any, pointer: str) -> Any:
    """The value at JSON *pointer* in *document*, or :data:`MISSING`."""
    if pointer == "":
        return document
    value = document
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number, or a string holding one (``"30000.00"``), as a Decimal; else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return Decimal(str(expected)) == Decimal(str(actual))
    return bool(expected == actual)


def describe(matcher: Any) -> str:
    """What *matcher* asks for, in a few words."""
    if not isinstance(matcher, dict):
        return repr(matcher)
    if "one_of" in matcher:
        return "one of " + ", ".join(repr(v) for v in matcher["one_of"])
    if "number" in matcher:
        numbers = matcher["number"] if isinstance(matcher["number"], list) else [matcher["number"]]
        return "the number " + " or ".join(str(n) for n in numbers)
    if "absent" in matcher:
        return "absent"
    if "present" in matcher:
        return "present"
    if "empty" in matcher:
        return "absent or empty"
    return f"an element with {_wanted(matcher['contains'])}"


def _wanted(contains: Mapping[str, Any]) -> str:
    return ", ".join(f"{pointer} {describe(m)}" for pointer, m in contains.items())


def mismatch(matcher: Any, actual: Any) -> str | None:
    """Why *actual* does not satisfy *matcher* (a short phrase), or ``None`` when it does."""
    shown = "absent" if actual is MISSING else f"is {actual!r}"
    if not isinstance(matcher, dict):
        return None if _equal(matcher, actual) else f"{shown}, expected {matcher!r}"
    if "one_of" in matcher:
        if any(_equal(option, actual) for option in matcher["one_of"]):
            return None
        return f"{shown}, expected {describe(matcher)}"
    if "number" in matcher:
        numbers = matcher["number"] if isinstance(matcher["number"], list) else [matcher["number"]]
        got = as_decimal(actual)
        if got is not None and any(got == as_decimal(n) for n in numbers):
            return None
        return f"{shown}, expected {describe(matcher)}"
    if "absent" in matcher:
        return None if actual is MISSING else f"{shown}, expected it absent"
    if "present" in matcher:
        return None if actual is not MISSING else "is absent"
    if "empty" in matcher:
        return None if actual in (MISSING, None, []) else f"{shown}, expected it absent or empty"
    wanted: Mapping[str, Any] = matcher["contains"]
    if not isinstance(actual, list):
        return f"{shown}, expected an array holding {describe(matcher)}"
    for element in actual:
        if all(mismatch(m, resolve(element, p)) is None for p, m in wanted.items()):
            return None
    return f"holds no element with {_wanted(wanted)} (elements: {len(actual)})"


# -- named checks: consistency rules too conditional for the YAML -----------------------

_SESSION_ENDED = frozenset({"CANCELLED", "EXPIRED", "INACTIVE"})
_CHARGE_ENDED = frozenset({"FAILED", "EXPIRED"})


def amount_value(value: Any) -> Decimal | None:
    """An amount object's value, or a bare number (charge amounts may be either).

    >>> amount_value({"value": 12000, "currency": "IDR"}), amount_value(12000), amount_value(None)
    (Decimal('12000'), Decimal('12000'), None)
    """
    if isinstance(value, dict):
        value = value.get("value")
    return as_decimal(value)


def pivot_capture_consistency(body: Any) -> tuple[str, str] | None:
    """The session's charges agree with their capture histories; ``(pointer, problem)`` if not.

    Per charge: the captures (SUCCESS and PENDING) stay within ``authorizedAmount``;
    ``capturedAmount`` lies between the SUCCESS captures and those plus the PENDING
    ones (the docs do not say whether a pending capture counts); a charge with a
    PENDING capture has not ended (FAILED/EXPIRED) nor has its session
    (CANCELLED/EXPIRED/INACTIVE); and once successful captures reach the
    authorized amount, with none pending, the charge is SUCCESS and the session
    PAID ("session PAID / charge SUCCESS once captured == authorized").
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return "/data", "the answer has no data object"
    charges = data.get("chargeDetails")
    if not isinstance(charges, list) or not charges:
        return "/data/chargeDetails", "the session shows no charge"
    session_status = data.get("status")
    for index, charge in enumerate(charges):
        where = f"/data/chargeDetails/{index}"
        if not isinstance(charge, dict):
            continue
        histories = charge.get("captureHistories")
        histories = [] if histories is None else histories
        if not isinstance(histories, list):
            return f"{where}/captureHistories", "is not an array"
        settled = pending = Decimal(0)
        for position, entry in enumerate(histories):
            value = amount_value(entry.get("capturedAmount")) if isinstance(entry, dict) else None
            if value is None:
                return f"{where}/captureHistories/{position}", "has no numeric capturedAmount"
            status = entry.get("status")
            if status == "SUCCESS":
                settled += value
            elif status == "PENDING":
                pending += value
        authorized = amount_value(charge.get("authorizedAmount"))
        captured = amount_value(charge.get("capturedAmount"))
        status = charge.get("status")
        if authorized is not None and settled + pending > authorized:
            return where, f"captures of {settled + pending} exceed the authorized {authorized}"
        if captured is not None and not settled <= captured <= settled + pending:
            return (
                f"{where}/capturedAmount",
                f"is {captured}, but the SUCCESS captures add up to {settled} "
                f"(and {pending} more are PENDING)",
            )
        if pending and status in _CHARGE_ENDED:
            return f"{where}/status", f"is {status!r} while a capture is still PENDING"
        if pending and session_status in _SESSION_ENDED:
            return "/data/status", f"is {session_status!r} while a capture is still PENDING"
        if not pending and authorized is not None and settled > 0 and settled >= authorized:
            if status != "SUCCESS":
                return f"{where}/status", f"is {status!r}, but all of it is captured: SUCCESS"
            if session_status != "PAID":
                return "/data/status", f"is {session_status!r}, but all of it is captured: PAID"
    return None


#: name -> check(body) -> (pointer, problem) or None.
NAMED_CHECKS: dict[str, Callable[[Any], tuple[str, str] | None]] = {
    "pivot.capture-consistency": pivot_capture_consistency,
}


def answer_line(exchange: Exchange, body: Any) -> str:
    """The answer's status part, as :meth:`Alternative.summary` writes expectations."""
    parts = [f"HTTP {exchange.status}"]
    if not isinstance(body, dict):
        parts.append("with a body that is not a JSON object")
        return " ".join(parts)
    for key in ("status_code", "code"):
        if key in body:
            parts.append(f"{key} {body[key]!r}")
    error = body.get("error")
    if isinstance(error, dict) and "type" in error:
        parts.append(f"error.type {error['type']!r}")
    data = body.get("data")
    if isinstance(data, dict) and "status" in data:
        parts.append(f"data.status {data['status']!r}")
    return " ".join(parts)


def shown(exchange: Exchange) -> dict[str, Any]:
    """A request and its answer, in brief: what a refused capture sent and got."""
    request = exchange.request
    try:
        sent: Any = json.loads(request.content or b"null")
    except ValueError:
        sent = request.content.decode(errors="replace")
    return {
        "request": f"{request.method} {request.url.path}",
        "body": sent,
        "answer": answer_line(exchange, exchange.json()),
        "answer body": exchange.json(),
    }
