"""The webhook receiver: Midtrans notifications and Pivot callbacks, judged as they arrive.

``capture-conformance receive PROVIDER`` serves :class:`ReceiverApp`; ``check``
starts one to await the deliveries its captures cause, and the pytest fixtures
hand deliveries to an :class:`Inbox` directly.

>>> from conformance.receiver import Inbox
>>> Inbox("midtrans", server_key="SB-Mid-server-test-1").provider
'midtrans'
"""

from ._app import MAX_BODY, ReceiverApp
from ._inbox import Delivery, Inbox

__all__ = ["MAX_BODY", "Delivery", "Inbox", "ReceiverApp"]
