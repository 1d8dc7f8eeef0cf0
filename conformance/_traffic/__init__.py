"""Client-traffic validation: provider calls routed to in-process simulators (or not), then judged.

Private: the plugin's ``conformance_traffic`` fixture is the public face; how a
test's traffic is judged at its end is the plugin's (``pytest_plugin/_traffic.py``).

>>> import httpx
>>> with intercept() as traffic:
...     httpx.get("https://api.sandbox.midtrans.com/v2/t-1/status").status_code
401
>>> [e.operation for e in traffic.exchanges]
['status']
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .._constants import DEFAULT_PROFILE
from ._session import Traffic

__all__ = ["Traffic", "intercept"]


@contextmanager
def intercept(profile: str = DEFAULT_PROFILE, mode: str = "route") -> Iterator[Traffic]:
    """Route ``requests`` and ``httpx`` calls to the provider hosts into a new :class:`Traffic`.

    *mode* ``"judge"`` routes nothing: the calls go where they would (a sandbox, a
    vcrpy cassette) and each exchange with a sandbox host is put on record.
    """
    from . import _httpx, _judge, _requests

    with Traffic(profile, mode) as traffic:
        if mode == "judge":
            with _judge.judged(traffic):
                yield traffic
        else:
            with _requests.routed(traffic), _httpx.routed(traffic):
                yield traffic
