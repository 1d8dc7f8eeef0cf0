"""Client-traffic validation: provider calls routed to in-process simulators, then judged.

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
def intercept(profile: str = DEFAULT_PROFILE) -> Iterator[Traffic]:
    """Route ``requests`` and ``httpx`` calls to the provider hosts into a new :class:`Traffic`."""
    from . import _httpx, _requests

    with Traffic(profile) as traffic, _requests.routed(traffic), _httpx.routed(traffic):
        yield traffic
