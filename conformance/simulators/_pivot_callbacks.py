"""Pivot payment callbacks, and the checks of the Pivot simulator's constructor options.

A callback is ``{"event": "PAYMENT.<status>", "data": <session>}`` where the
session is exactly what ``GET /v2/payments/{id}`` answers, sent with the static
``X-API-Key`` header. Decided here, where the facts are silent: every status a
session takes is announced, its first one included, as ``PAYMENT.<status>``
(documented: ``PAYMENT.PROCESSING``, ``PAYMENT.PAID``, ``PAYMENT.CANCELLED``;
the others follow the observed ``PAYMENT.<status>`` naming). A capture that
settles without changing the session's status (a partial capture) sends nothing;
``CHARGE.<status>`` events (observed only) are not simulated.

>>> check_options(settle="later")
Traceback (most recent call last):
...
ValueError: settle must be 'immediate' or 'delayed'; got 'later'
"""

from __future__ import annotations

import math
from typing import Any

from ._deliveries import Message, json_headers
from ._pivot_model import Session

__all__ = [
    "DEFAULT_CALLBACK_KEY",
    "FORGED_CALLBACK_KEY",
    "MAX_SETTLE_DELAY",
    "SETTLE_MODES",
    "callback",
    "check_options",
    "forge",
]

SETTLE_MODES = ("immediate", "delayed")
MAX_SETTLE_DELAY = 3600.0
#: The "Callback API Key" when none is given: made up, like every secret here.
DEFAULT_CALLBACK_KEY = "pivot-callback-key-made-up-by-the-simulator"
FORGED_CALLBACK_KEY = "pivot-callback-key-forged-by-the-simulator"


def callback(
    session: Session, key: str, status: str | None = None, quirk: str | None = None
) -> Message:
    """The callback for *session* now (or reporting *status*), authenticated with *key*."""
    data = session.json(hide_captures=quirk == "history-not-updated")  # as GET answers it
    if status is not None:
        data["status"] = status
    if quirk == "callback-status-contradicts" and data["status"] == "PAID":
        data["status"] = "CANCELLED"
        data["chargeDetails"][0]["status"] = "FAILED"
    headers = json_headers("pivot")
    if quirk != "callback-key-missing":
        headers["X-API-Key"] = key
    event = "PAYMENT.PROCESSING" if quirk == "callback-event-stale" else f"PAYMENT.{data['status']}"
    return Message(event, {"event": event, "data": data}, headers)


def forge(message: Message, variant: str) -> Message:
    """``wrong-key``: another X-API-Key; ``missing-key``: none at all."""
    headers = {k: v for k, v in message.headers.items() if k.lower() != "x-api-key"}
    if variant == "wrong-key":
        headers["X-API-Key"] = FORGED_CALLBACK_KEY
    elif variant != "missing-key":
        raise ValueError(f"pivot has no forgery {variant!r}")
    return Message(message.event, message.body, headers)


def check_options(
    client_id: Any = None,
    client_secret: Any = None,
    settle: Any = "delayed",
    settle_delay: Any = 2.0,
    amount_null_echo: Any = False,
    seed: Any = 0,
    *,
    callback_key: Any = None,
) -> None:
    """``ValueError`` naming the first constructor option that is not acceptable."""
    for name, value in (
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("callback_key", callback_key),
    ):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(
                f"{name} must be a non-empty string, or None for the default; got {value!r}"
            )
    if settle not in SETTLE_MODES:
        raise ValueError(f"settle must be 'immediate' or 'delayed'; got {settle!r}")
    if (
        isinstance(settle_delay, bool)
        or not isinstance(settle_delay, int | float)
        or not math.isfinite(settle_delay)
        or not 0 <= settle_delay <= MAX_SETTLE_DELAY
    ):
        raise ValueError(
            f"settle_delay must be a number of seconds from 0 to {MAX_SETTLE_DELAY:g}; "
            f"got {settle_delay!r}"
        )
    if not isinstance(amount_null_echo, bool):
        raise ValueError(f"amount_null_echo must be True or False; got {amount_null_echo!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer; got {seed!r}")
