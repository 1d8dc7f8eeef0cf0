"""Stateful reference simulators of the Midtrans and Pivot sandboxes, as plain ASGI apps.

>>> from conformance.simulators import create
>>> sim = create("midtrans")
>>> sim.provider
'midtrans'

Use ``sim.app`` in-process (``httpx.ASGITransport``, ``starlette.testclient``)
or serve it: ``capture-conformance serve midtrans --port 0``.
"""

from __future__ import annotations

from typing import Any

from ._control import CONTROL_PREFIX, Clock, Fault, Simulator
from .quirks import QUIRKS, Quirk

__all__ = ["CONTROL_PREFIX", "QUIRKS", "Clock", "Fault", "Quirk", "Simulator", "create"]


def create(provider: str, **options: Any) -> Simulator:
    """A fresh simulator of *provider* (``midtrans`` or ``pivot``) with *options*."""
    if provider == "midtrans":
        from .midtrans import MidtransSimulator

        return MidtransSimulator(**options)
    if provider == "pivot":
        from .pivot import PivotSimulator

        return PivotSimulator(**options)
    raise ValueError(f"unknown provider {provider!r}; choose one of: midtrans, pivot")
