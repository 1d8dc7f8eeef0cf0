"""The shop's Midtrans notification handler (a plain WSGI app), in two versions, and its orders.

``make_handler(server_key, orders)`` is the fixed one: it checks ``signature_key``,
ignores duplicates and never moves an order backwards. ``verify=False`` is the
bug a public script shipped: no signature check, so anyone can mark an order paid.
This is the code under test: nothing in it knows about capture-conformance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any

#: How far along each Midtrans status takes an order; an order only moves forward.
RANK = {"authorize": 0, "capture": 1, "settlement": 2, "deny": 1, "cancel": 1, "expire": 1}
ORDER_STATUS = {
    "capture": "paid",
    "settlement": "settled",
    "deny": "failed",
    "cancel": "failed",
    "expire": "failed",
    "authorize": "pending",
}


class Orders:
    """The shop's order book: order id -> (status, rank)."""

    def __init__(self) -> None:
        self._orders: dict[str, tuple[str, int]] = {}

    def status(self, order_id: str) -> str | None:
        found = self._orders.get(order_id)
        return None if found is None else found[0]

    def record(self, order_id: str, transaction_status: str) -> None:
        rank = RANK.get(transaction_status, -1)
        current = self._orders.get(order_id)
        if current is not None and rank <= current[1]:
            return  # a duplicate or a stale notification: nothing to do
        self._orders[order_id] = (ORDER_STATUS.get(transaction_status, "pending"), rank)


def signature_ok(body: dict[str, Any], server_key: str) -> bool:
    text = f"{body.get('order_id')}{body.get('status_code')}{body.get('gross_amount')}{server_key}"
    expected = hashlib.sha512(text.encode()).hexdigest()
    return hmac.compare_digest(str(body.get("signature_key", "")).lower(), expected)


def make_handler(server_key: str, orders: Orders, *, verify: bool = True) -> Callable[..., Any]:
    """A WSGI app for POST notifications; ``verify=False`` is the bug."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        except ValueError:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"not JSON"]
        if verify and not signature_ok(body, server_key):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        fraud_ok = body.get("fraud_status", "accept") == "accept"
        status = str(body.get("transaction_status"))
        orders.record(str(body.get("order_id")), status if fraud_ok else "deny")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app
