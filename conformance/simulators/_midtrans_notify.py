"""Midtrans HTTP notifications: the body, its ``signature_key``, the per-request URL headers.

A notification is built from the very fields ``GET /v2/{id}/status`` answers
(:func:`~._midtrans_bodies.status_body`), so the two never disagree, plus what
only a notification carries (``signature_key``, ``merchant_id``, ``eci``,
``channel_response_*``). Decided here, where the facts are silent:

* ``status_message`` is ``"midtrans payment notification"`` (as in public samples);
* ``status_code`` is what the status read answers for the state: ``"200"``,
  ``"202"`` for ``deny``, ``"407"`` for ``expire``;
* ``X-Override-Notification`` / ``X-Append-Notification`` take at most
  :data:`MAX_NOTIFICATION_URLS` comma-separated http(s) URLs, else the call is
  refused with 400; with both, the override wins. On a charge they route every
  notification of the new transaction; on a successful capture they route the
  capture's and every later one.

>>> parse_url_headers({"x-append-notification": "http://a.test/n, http://b.test/n"})
('append', ['http://a.test/n', 'http://b.test/n'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..signatures import midtrans_signature
from ._deliveries import Message, check_url, json_headers
from ._midtrans_bodies import STATUS_CODES, status_body
from ._midtrans_model import Transaction

__all__ = [
    "FORGED_KEY",
    "MAX_NOTIFICATION_URLS",
    "MERCHANT_ID",
    "NOTIFICATION_MESSAGE",
    "forge",
    "notification",
    "parse_url_headers",
]

MAX_NOTIFICATION_URLS = 3
#: A made-up merchant id (Midtrans ids look like ``G141532850``).
MERCHANT_ID = "G000000000"
NOTIFICATION_MESSAGE = "midtrans payment notification"
FORGED_KEY = "SB-Mid-server-forged-by-the-simulator"


def notification(
    tx: Transaction, server_key: str, status: str | None = None, quirk: str | None = None
) -> Message:
    """The notification for *tx* now (or reporting *status*), signed with *server_key*.

    *quirk* bends the automatic notifications the way the delivery quirks say.
    """
    body = status_body(tx)
    if status is not None and status != tx.status:
        body["transaction_status"] = status
        body["status_code"] = STATUS_CODES.get(status, "200")
    if quirk == "notification-status-contradicts" and body["transaction_status"] == "capture":
        body["transaction_status"], body["status_code"] = "deny", STATUS_CODES["deny"]
    denied = body["transaction_status"] == "deny"
    if denied:
        body.pop("approval_code", None)  # "absent on denied transactions"
    body.update(
        status_message=NOTIFICATION_MESSAGE,
        merchant_id=MERCHANT_ID,
        eci="05",
        channel_response_code="05" if denied else "00",
        channel_response_message="Do not honour" if denied else "Approved",
    )
    signed_status = body["status_code"]
    if quirk == "notification-signature-wrong":
        # The observed public bug: transaction_status signed where status_code belongs.
        signed_status = body["transaction_status"]
    body["signature_key"] = midtrans_signature(
        body["order_id"], signed_status, body["gross_amount"], server_key
    )
    if quirk == "notification-gross-amount-number":
        body["gross_amount"] = _number(body["gross_amount"])
    headers = json_headers("midtrans")
    if quirk == "notification-text-plain":
        headers["Content-Type"] = "text/plain"
    return Message(str(body["transaction_status"]), body, headers)


def forge(message: Message, variant: str) -> Message:
    """``forged-signature``: the same body, signed with a key that is not the merchant's."""
    if variant != "forged-signature":
        raise ValueError(f"midtrans has no forgery {variant!r}")
    body = dict(message.body)
    body["signature_key"] = midtrans_signature(
        str(body["order_id"]), str(body["status_code"]), str(body["gross_amount"]), FORGED_KEY
    )
    return Message(message.event, body, dict(message.headers))


def parse_url_headers(headers: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """``(mode, urls)`` of a request's notification headers, ``None`` without any.

    ``ValueError`` names what is wrong with a header.
    """
    for mode, name in (
        ("override", "x-override-notification"),
        ("append", "x-append-notification"),
    ):
        raw = headers.get(name)
        if raw is None:
            continue
        urls = [part.strip() for part in raw.split(",") if part.strip()]
        title = "-".join(word.capitalize() for word in name.split("-"))
        if not urls or len(urls) > MAX_NOTIFICATION_URLS:
            raise ValueError(
                f"{title} must hold 1 to {MAX_NOTIFICATION_URLS} http(s) URLs separated by commas"
            )
        for url in urls:
            try:
                check_url(url)
            except ValueError:
                raise ValueError(f"{title} holds {url!r}, not an http(s) URL") from None
        return mode, urls
    return None


def _number(amount: Any) -> int | float:
    value = float(amount)
    return int(value) if value.is_integer() else value
