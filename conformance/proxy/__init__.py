"""The validating proxy: put the kit between any integration and its provider.

``capture-conformance proxy midtrans --upstream URL`` serves :class:`ProxyApp`.
Each exchange is forwarded to the upstream (a sandbox or a simulator) and
answered unchanged, judged against ``specs/<provider>`` on the way, its findings
printed by :class:`TrafficLog` as they happen and kept by :class:`Recorder` for
the JSON and JUnit reports written on exit.

>>> from conformance.proxy import ProxyApp
>>> ProxyApp("pivot", "http://127.0.0.1:8001/").upstream
'http://127.0.0.1:8001'
"""

from ._app import HOP_BY_HOP, ProxyApp, upstream_label
from ._log import TrafficLog
from ._record import Recorder, redact_violation

__all__ = [
    "HOP_BY_HOP",
    "ProxyApp",
    "Recorder",
    "TrafficLog",
    "redact_violation",
    "upstream_label",
]
