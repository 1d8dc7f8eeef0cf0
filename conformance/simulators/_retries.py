"""Retry schedules of deliveries, by the merchant's answer, on the simulated clock.

>>> MIDTRANS_RETRIES.budget(503), MIDTRANS_RETRIES.budget(302), PIVOT_RETRIES.budget(429)
(4, 0, 6)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["MIDTRANS_RETRIES", "PIVOT_RETRIES", "Attempt", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries an answer earns and when each is due.

    *budget* maps the merchant's HTTP status (``None``: no answer, a connection
    failure or a timeout) to the most retries that answer allows in total.
    ``after`` are the waits of retry 1, 2, ...: between consecutive attempts
    (``cumulative=False``) or counted from the first attempt (``True``).
    *exhausted* is the status of a delivery whose retryable failures ran out.
    """

    name: str
    budget: Callable[[int | None], int]
    after: tuple[timedelta, ...]
    cumulative: bool
    follow_redirects: bool
    exhausted: str = "failed"

    def next_at(self, attempts: list[Attempt]) -> datetime | None:
        """When the next retry is due, or ``None`` when the last answer allows no more."""
        last = attempts[-1]
        if last.ok:
            return None
        done = len(attempts) - 1
        if done >= min(self.budget(last.status_code), len(self.after)):
            return None
        start = attempts[0].at if self.cumulative else last.at
        return start + self.after[done]


def _midtrans_budget(status: int | None) -> int:
    # docs (2021 copy): 2xx none; 500 once; 503 four times; 400/404 twice;
    # 301/302/303 none; 307/308 are followed; anything else five times.
    if status is not None and 200 <= status < 300:
        return 0
    return {500: 1, 503: 4, 400: 2, 404: 2, 301: 0, 302: 0, 303: 0}.get(status or 0, 5)


def _pivot_budget(status: int | None) -> int:
    # docs: retried on 5xx, 408 and 429. No answer at all is treated like a 5xx
    # (the simulator's choice: the documents only name statuses).
    if status is None or status >= 500 or status in (408, 429):
        return 6
    return 0


_MIN = timedelta(minutes=1)
MIDTRANS_RETRIES = RetryPolicy(
    "midtrans",
    _midtrans_budget,
    # "about 2, 10, 30, 90 and 210 minutes apart, with random jitter": the
    # simulator waits exactly these, between attempts, with no jitter, so a test
    # can move the clock by the documented amounts.
    tuple(m * _MIN for m in (2, 10, 30, 90, 210)),
    cumulative=False,
    follow_redirects=True,
)
PIVOT_RETRIES = RetryPolicy(
    "pivot",
    _pivot_budget,
    # "after 5 min, 15 min, 1 h, 3 h, 6 h, then a final try at 12 h": read as
    # times after the first attempt; then the dashboard's manual retry.
    tuple(m * _MIN for m in (5, 15, 60, 180, 360, 720)),
    cumulative=True,
    follow_redirects=False,
    exhausted="manual-retry",
)


@dataclass
class Attempt:
    number: int
    at: datetime
    url: str
    status_code: int | None
    error: str | None
    redirects: list[str]
    elapsed_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "at": self.at.isoformat(),
            "url": self.url,
            "status_code": self.status_code,
            "error": self.error,
            "redirects": list(self.redirects),
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
