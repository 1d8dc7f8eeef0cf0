"""Which hosts the traffic fixture owns: the providers' sandboxes, routed; production, refused.

>>> classify("API.Sandbox.Midtrans.com.")
('sandbox', 'midtrans')
>>> classify("api.pivot-payment.com")
('production', 'pivot')
>>> classify("127.0.0.1") is None
True
"""

from __future__ import annotations

import re

from ..suite._target import PRODUCTION_HOSTS, SANDBOX_HOSTS

__all__ = ["HOSTS_PATTERN", "classify"]

_KINDS = {host: ("sandbox", p) for p, host in SANDBOX_HOSTS.items()} | {
    host: ("production", p) for p, host in PRODUCTION_HOSTS.items()
}

#: Any http(s) URL on one of the owned hosts (a trailing dot and a port allowed).
HOSTS_PATTERN = re.compile(
    r"^https?://(?:" + "|".join(re.escape(h) for h in _KINDS) + r")\.?(?::\d+)?(?:[/?#]|$)",
    re.IGNORECASE,
)


def classify(host: str | None) -> tuple[str, str] | None:
    """``("sandbox" | "production", provider)`` for an owned host, else ``None``."""
    # A trailing dot names the same host (a fully qualified name); hosts are case-blind.
    return _KINDS.get((host or "").rstrip(".").lower())
