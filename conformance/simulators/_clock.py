"""Simulated time, shared by the simulators' models, faults and delivery retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock"]


class Clock:
    """Simulated time: the wall clock plus an offset that tests move forward.

    Moving it tells every subscriber (the simulator fires due delivery retries).

    >>> clock = Clock()
    >>> before = clock.now()
    >>> clock.advance(3600)
    >>> round((clock.now() - before).total_seconds() / 60)
    60
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; got advance={seconds!r}")
        self._offset += seconds
        for listener in self._listeners:
            listener()

    def reset(self) -> None:
        self._offset = 0.0
