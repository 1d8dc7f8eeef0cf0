"""The "capture-race-window" quirk: a capture that checks, waits, then acts on what it checked.

A conformant simulator never awaits between reading and writing a
transaction, so one event loop serialises every capture. With this quirk a
capture waits :data:`RACE_WINDOW` seconds between its checks and its act;
captures of one transaction that arrive together all pass the checks (the
state they checked is stale by the time they act). A capture that arrives
alone is judged as usual, so only concurrent captures show the quirk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from .._json import loads

__all__ = ["RACE_QUIRK", "RACE_WINDOW", "RaceWindow", "json_field"]

RACE_QUIRK = "capture-race-window"
#: Seconds between the check and the act.
RACE_WINDOW = 0.01
T = TypeVar("T")


class RaceWindow:
    """Captures in flight per transaction; :attr:`stale` while one acts on a stale check."""

    def __init__(self) -> None:
        self._in_flight: dict[str, int] = {}
        self.stale = False

    async def run(self, key: str, act: Callable[[], T]) -> T:
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            await asyncio.sleep(RACE_WINDOW)
            self.stale = self._in_flight[key] > 1
            return act()
        finally:
            self.stale = False
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key]


def json_field(raw: bytes, name: str) -> str:
    """The string field *name* of a JSON object body, or ``""``."""
    try:
        value = loads(raw).get(name)
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""
