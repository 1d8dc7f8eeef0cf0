"""The deliveries a handler check sends, built by the simulators' own builders and signing.

Each order gets a fresh in-process simulator, authorized through the provider's
own setup flow with the merchant's order id, so the bodies are exactly what the
simulators deliver: Midtrans notifications from
:func:`~conformance.simulators._midtrans_notify.notification` (signed with the
merchant's server key, or forged), Pivot callbacks from
:func:`~conformance.simulators._pivot_callbacks.callback` (with the merchant's
callback key, a wrong one, or none).

>>> messages = midtrans_messages("order-1", "SB-Mid-server-made-up")
>>> messages["capture"].body["transaction_status"], messages["settlement"].event
('capture', 'settlement')
>>> messages["forged-signature"].body["signature_key"] != messages["capture"].body["signature_key"]
True
"""

from __future__ import annotations

from typing import Any, cast

from ..simulators import _midtrans_notify as notify
from ..simulators import _pivot_callbacks as callbacks
from ..simulators import create
from ..simulators._deliveries import Message
from ..simulators._notify import _with_extras
from ..suite._setup import Setup
from ..suite._target import Credentials, Target

__all__ = ["AMOUNT", "midtrans_messages", "pivot_messages"]

AMOUNT = 30000


class _Named(Setup):
    """The kit's setup flow, with the merchant's order id as the order / client reference."""

    order_id = ""

    def reference(self) -> str:
        return self.order_id


def _authorize(provider: str, order_id: str, **options: Any) -> tuple[Any, Target, _Named, str]:
    sim = create(provider, **options)
    target = Target(provider, app=sim.app, credentials=Credentials.resolve(env={}))
    setup = _Named(target)
    setup.order_id = order_id
    made = setup.authorize(lambda exchange: None, AMOUNT)
    assert made is not None
    return sim, target, setup, made.id


def midtrans_messages(order_id: str, server_key: str) -> dict[str, Message]:
    """Every Midtrans notification the checks need for *order_id*, by name.

    ``authorize``, ``capture``, ``settlement``, ``deny``, ``forged-signature``
    (the capture signed with another key), ``wrong-fields`` (the capture signed
    over ``transaction_status`` where ``status_code`` belongs), ``extra-fields``.
    """
    sim, target, _, transaction_id = _authorize("midtrans", order_id)
    with target:
        tx = sim._transactions[transaction_id]
        made = {s: notify.notification(tx, server_key, s) for s in ("authorize", "capture")}
        made["settlement"] = notify.notification(tx, server_key, "settlement")
        made["deny"] = notify.notification(tx, server_key, "deny")
        made["forged-signature"] = notify.forge(made["capture"], "forged-signature")
        made["wrong-fields"] = notify.notification(
            tx, server_key, "capture", quirk="notification-signature-wrong"
        )
        made["extra-fields"] = _extras(made["capture"])
    return made


def pivot_messages(order_id: str, callback_key: str, *, failed: bool = False) -> dict[str, Message]:
    """Every Pivot callback the checks need for *order_id*, by name.

    ``PROCESSING`` (as authorized), then ``PAID`` after a full capture, or with
    *failed* ``CANCELLED`` (the remainder released with nothing captured);
    ``wrong-key``, ``missing-key`` and ``extra-fields`` bend the last one.
    """
    options = {"settle": "immediate", "callback_key": callback_key}
    sim, target, setup, session_id = _authorize("pivot", order_id, **options)
    with target:
        session = sim._sessions[session_id]
        made = {"PROCESSING": callbacks.callback(session, callback_key)}
        body: dict[str, Any] = {"releaseRemainingAmount": True}
        if not failed:
            body = {"amount": {"value": AMOUNT, "currency": "IDR"}, "releaseRemainingAmount": False}
        headers = setup.auth_headers(lambda exchange: None)
        request = target.request(
            "POST", f"/v2/payments/{session_id}/capture", json=body, headers=headers
        )
        target.send("capture", request)
        sim.state()  # settles what is due
        last = callbacks.callback(session, callback_key)
        made[cast(str, last.body["data"]["status"])] = last
        made["wrong-key"] = callbacks.forge(last, "wrong-key")
        made["missing-key"] = callbacks.forge(last, "missing-key")
        made["extra-fields"] = _extras(last)
    return made


def _extras(message: Message) -> Message:
    return Message(message.event, _with_extras(message.body), dict(message.headers))
