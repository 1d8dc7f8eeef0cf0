"""Which hosts the traffic fixture owns: the providers' sandboxes, routed; production, refused.

The comparison is the production guard's own (:mod:`conformance._hosts`): a
host as the HTTP client connects to it, whatever its case, Unicode full stops
or trailing dot.

>>> classify("API.Sandbox.Midtrans.com.")
('sandbox', 'midtrans')
>>> classify("api.pivot-payment.com")
('production', 'pivot')
>>> classify("api．midtrans。com。")
('production', 'midtrans')
>>> classify("127.0.0.1") is None
True
"""

from __future__ import annotations

import re

from .._hosts import PRODUCTION_HOSTS, SANDBOX_HOSTS, classify

__all__ = ["HOSTS_PATTERN", "classify"]

#: A dot as a URL may spell it before the client maps it (UTS-46 full stops).
_DOT = "[.\uff0e\u3002\uff61]"

#: Any http(s) URL on one of the owned hosts (a trailing dot and a port allowed).
HOSTS_PATTERN = re.compile(
    r"^https?://(?:"
    + "|".join(
        _DOT.join(map(re.escape, h.split(".")))
        for h in (*SANDBOX_HOSTS.values(), *PRODUCTION_HOSTS.values())
    )
    + rf"){_DOT}?(?::\d+)?(?:[/?#]|$)",
    re.IGNORECASE,
)
