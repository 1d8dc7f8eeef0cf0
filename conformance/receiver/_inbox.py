"""The receiver's inbox: :mod:`conformance.suite._inbox`, where ``check`` and ``run`` use it too."""

from ..suite._inbox import ACCEPTED, Delivery, Inbox

__all__ = ["ACCEPTED", "Delivery", "Inbox"]
