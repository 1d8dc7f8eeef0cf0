"""How a delivery proves where it came from: Midtrans's ``signature_key``.

Midtrans signs each HTTP notification with the hex SHA-512 of four *strings*
as they stand in the body: ``order_id + status_code + gross_amount + ServerKey``
(``provider-facts.md``, "Capture outcome delivery"). ``gross_amount`` is signed
as delivered (``"10000.00"``), never as a number. Pivot's callbacks carry no
signature: a static ``X-API-Key`` header authenticates them.

>>> midtrans_signature("order-1", "200", "10000.00", "SB-Mid-server-test")[:16]
'013e054d7cefbc04'
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["midtrans_signature", "signature_matches"]


def midtrans_signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """The ``signature_key`` Midtrans sends for these four strings."""
    return hashlib.sha512(
        (order_id + status_code + gross_amount + server_key).encode("utf-8")
    ).hexdigest()


def signature_matches(signature: str, expected: str) -> bool:
    """Whether *signature* equals *expected*, compared in constant time, case-insensitively."""
    return hmac.compare_digest(signature.lower().encode(), expected.lower().encode())
