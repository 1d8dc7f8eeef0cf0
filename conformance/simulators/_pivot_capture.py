"""What the Pivot simulator checks of a payment session before it records a capture.

In the order of the facts' observed capture errors: a valid request the
session's *state* refuses is the error table's 422 ("valid request, invalid
state": not a card, not manual capture, a final status, a charge no longer
``WAITING_FOR_CAPTURE``); the two observed 400s stay 400 ("currency is not
match", "capture amount exceeds authorized amount").
"""

from __future__ import annotations

from decimal import Decimal

from ._pivot_errors import PivotError
from ._pivot_model import Session
from ._pivot_requests import CaptureRequest

__all__ = ["check_capturable", "exceeds"]


def check_capturable(
    session: Session, req: CaptureRequest, quirk: str | None, stale: bool
) -> Decimal:
    """The amount to capture, once *session* may take it; :class:`PivotError` if it may not.

    *stale*: the "capture-race-window" quirk acts on a check made before others acted.
    Whether the amount is more than is left is :func:`exceeds`'s to say.
    """
    charge = session.charge
    if session.method_type != "CARD":
        raise PivotError(422, "payment method type is not CARD")
    fractional = req.amount is not None and req.amount.currency == "IDR" and req.amount.fractional
    if fractional and quirk != "decimal-idr-accepted":
        raise PivotError(422, "amount value is not permitted to use decimal format", "amount")
    if session.capture_method != "manual":
        raise PivotError(422, "capture method must be manual")
    lenient = (session.released and quirk == "capture-after-release-accepted") or stale
    if session.final and not lenient:
        raise PivotError(422, "payment is already in a final status")
    if charge.status != "WAITING_FOR_CAPTURE" and not lenient:
        raise PivotError(422, "charge status must be WAITING_FOR_CAPTURE")
    if req.amount is not None and req.amount.currency != session.currency:
        raise PivotError(400, "currency is not match", "amount.currency")
    return req.amount.value if req.amount is not None else Decimal(0)


def exceeds(session: Session, value: Decimal, quirk: str | None, stale: bool) -> bool:
    """Whether capturing *value* takes more than is left of the authorization."""
    charge = session.charge
    authorized = charge.authorized if charge.authorized is not None else Decimal(0)
    # "over-capture-after-partial-accepted" forgets the captures already made.
    before = Decimal(0) if quirk == "over-capture-after-partial-accepted" else charge.reserved()
    return before + value > authorized and not (quirk == "over-capture-accepted" or stale)
