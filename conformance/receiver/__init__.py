"""The webhook receiver: Midtrans notifications and Pivot callbacks, judged as they arrive.

``capture-conformance receive PROVIDER`` serves :class:`ReceiverApp`; ``check``
serves one to await the deliveries its captures cause (:func:`listening`),
``run`` points the simulators' deliveries at one in-process (:func:`attach`,
:func:`simulator_target`), and the pytest fixtures hand deliveries to an
:class:`Inbox` directly.

>>> from conformance.receiver import Inbox
>>> Inbox("midtrans", server_key="SB-Mid-server-test-1").provider
'midtrans'
"""

from ._app import MAX_BODY, ReceiverApp
from ._inbox import Delivery, Inbox
from ._wiring import RUN_CALLBACK_KEY, attach, listening, simulator_target

__all__ = [
    "MAX_BODY",
    "RUN_CALLBACK_KEY",
    "Delivery",
    "Inbox",
    "ReceiverApp",
    "attach",
    "listening",
    "simulator_target",
]
