"""Midtrans credentials: sandbox key checks and the ``Basic`` header.

>>> basic_user("Basic U0ItTWlkLXNlcnZlci14Og==")
'SB-Mid-server-x'
"""

from __future__ import annotations

import base64
import binascii
import hmac

__all__ = ["basic_user", "check_key", "key_ok"]


def check_key(name: str, key: object, prefix: str) -> None:
    if key is None:
        return
    if not isinstance(key, str) or not key or ":" in key or any(c.isspace() for c in key):
        raise ValueError(
            f"{name} must be a non-empty key without ':' or spaces, e.g. '{prefix}abc123', "
            f"or None to accept any {prefix}… key; got {key!r}"
        )


def key_ok(key: str, pinned: str | None, prefix: str) -> bool:
    if pinned is not None:
        return hmac.compare_digest(key.encode(), pinned.encode())
    return key.startswith(prefix) and len(key) > len(prefix)


def basic_user(value: str | None) -> str | None:
    """The user of ``Basic base64(user:password)``; the password is not checked."""
    scheme, _, encoded = (value or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, _ = decoded.partition(":")
    return user if colon else None
