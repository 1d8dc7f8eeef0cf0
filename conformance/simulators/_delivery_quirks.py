"""The quirks that bend what the simulators deliver: notifications and callbacks.

Each is caught by checking what was delivered (``check``/``run`` with deliveries on).
"""

from __future__ import annotations

from ._quirk import Quirk

__all__ = ["DELIVERY_QUIRKS"]

DELIVERY_QUIRKS: tuple[Quirk, ...] = (
    # Midtrans: notifications
    Quirk(
        "midtrans",
        "notification-signature-wrong",
        "signature_key is computed over transaction_status where status_code belongs",
        "midtrans.notification.signature",
        "delivery",
    ),
    Quirk(
        "midtrans",
        "notification-gross-amount-number",
        'notifications carry gross_amount as a JSON number, not the signed "10000.00"',
        "midtrans.notification.signed-string",
        "delivery",
    ),
    Quirk(
        "midtrans",
        "notification-status-contradicts",
        'the notification of a successful capture says transaction_status "deny"',
        "midtrans.notification.state",
        "delivery",
    ),
    Quirk(
        "midtrans",
        "notification-text-plain",
        "notifications are sent as Content-Type: text/plain",
        "midtrans.notification.content-type",
        "delivery",
    ),
    Quirk(
        "midtrans",
        "no-notification",
        "no notification is ever sent by itself",
        "midtrans.notification.delivered",
        "delivery",
    ),
    # Pivot: callbacks
    Quirk(
        "pivot",
        "callback-key-missing",
        "callbacks are sent without X-API-Key",
        "pivot.notification.api-key",
        "delivery",
    ),
    Quirk(
        "pivot",
        "callback-status-contradicts",
        "a session that is PAID is called back as PAYMENT.CANCELLED (charge FAILED)",
        "pivot.notification.state",
        "delivery",
    ),
    Quirk(
        "pivot",
        "callback-event-stale",
        "every callback's event is PAYMENT.PROCESSING, whatever data.status says",
        "pivot.notification.event-status",
        "delivery",
    ),
    Quirk(
        "pivot",
        "no-callback",
        "no callback is ever sent by itself",
        "pivot.notification.delivered",
        "delivery",
    ),
)
