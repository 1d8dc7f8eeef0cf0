"""Deliveries taken in and judged: Midtrans notifications and Pivot callbacks.

It lives in the suite (below the receiver that serves it) because ``check`` and
``run`` wait on it for the notification each accepted capture should bring
(:mod:`._deliveries`); :mod:`conformance.receiver` re-exports it.

An :class:`Inbox` validates every delivery with
:meth:`~conformance.validator.Validator.validate_notification` as it arrives,
keeps it, and wakes whoever waits for it (``check`` waits for the notification
its capture should bring). Its :meth:`Inbox.report` is a
:class:`~conformance.suite.Report` like the proxy's: one case
``<provider>.receive.<event>`` per kind of delivery, a finding per violation,
each with the delivery as evidence.

>>> import httpx, json
>>> inbox = Inbox("pivot", callback_key="cb-key-test-123")
>>> body = {"event": "PAYMENT.PAID", "data": {"id": "ps-1", "status": "PAID"}}
>>> delivery = inbox.accept(httpx.Request("POST", "http://127.0.0.1/callback",
...     json=body, headers={"X-API-Key": "cb-key-test-123"}))
>>> delivery.event, delivery.subject
('PAYMENT.PAID', 'ps-1')
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._constants import DEFAULT_PROFILE
from .._json import loads
from ..validator import Validator
from ..violations import Violation
from ._results import CaseResult, Exchange, Finding, Kind, Outcome, Report
from ._scenario_checks import resolve

__all__ = ["ACCEPTED", "Delivery", "Inbox"]

#: The answer the receiver gives every delivery (recorded as the exchange's response).
ACCEPTED = {"status": "received"}


@dataclass
class Delivery:
    """One delivery as it came: the request, when, and what was wrong with it."""

    provider: str
    request: httpx.Request
    received: float
    violations: list[Violation] = field(default_factory=list)

    @property
    def body(self) -> Any:
        """The parsed JSON body, or ``None`` when it is not JSON."""
        try:
            return loads(self.request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None

    @property
    def event(self) -> str | None:
        """Midtrans's ``transaction_status``, Pivot's ``event``."""
        return self._text("/transaction_status", "/event")

    @property
    def subject(self) -> str | None:
        """What the delivery is about: Midtrans's ``order_id``, Pivot's ``data.id``."""
        return self._text("/order_id", "/data/id")

    @property
    def status(self) -> str | None:
        """The status the delivery reports: ``transaction_status`` or ``data.status``."""
        return self._text("/transaction_status", "/data/status")

    def _text(self, midtrans: str, pivot: str) -> str | None:
        """The string at JSON pointer *midtrans* or *pivot* (by provider) in the body, or None."""
        value = resolve(self.body, midtrans if self.provider == "midtrans" else pivot)
        return value if isinstance(value, str) else None


class Inbox:
    """Takes deliveries for *provider*, judges each, and lets callers wait for one.

    *server_key* (Midtrans) and *callback_key* (Pivot) are what the signature and
    the ``X-API-Key`` header are checked against; without one, that check is
    noted as not made. Thread-safe: a served receiver accepts on its own thread.
    """

    def __init__(
        self,
        provider: str,
        *,
        server_key: str | None = None,
        callback_key: str | None = None,
        profile: str = DEFAULT_PROFILE,
        target: str = "receiver",
        on_delivery: Callable[[Delivery, list[Finding]], None] | None = None,
    ) -> None:
        self.validator = Validator(provider, profile=profile)  # checks provider and profile
        self.provider = provider
        self.server_key = server_key
        self.callback_key = callback_key
        self.on_delivery = on_delivery
        self._report = Report(provider, target, profile, seed=0, examples=1)
        self._cases: dict[str, CaseResult] = {}
        self._deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        self._started = time.monotonic()

    def __iter__(self) -> Iterator[Delivery]:
        with self._changed:
            return iter(list(self._deliveries))

    def __len__(self) -> int:
        with self._changed:
            return len(self._deliveries)

    def accept(self, request: httpx.Request, elapsed: float = 0.0) -> Delivery:
        """Judge *request*, keep it, record its findings and wake the waiters."""
        request.read()
        violations = self.validator.validate_notification(
            request, server_key=self.server_key, callback_key=self.callback_key
        )
        delivery = Delivery(self.provider, request, time.time(), violations)
        response = httpx.Response(200, json=ACCEPTED, request=request)
        exchange = Exchange("notification", request, response, None, elapsed, violations)
        findings = [Finding.from_violation(v, exchange) for v in violations]
        with self._changed:
            case = self._case(delivery.event or "unknown")
            case.exchanges += 1
            case.duration += elapsed
            for finding in findings:
                case.fail(finding)
            self._deliveries.append(delivery)
            self._report.deliveries += 1
            self._changed.notify_all()
        if self.on_delivery is not None:
            self.on_delivery(delivery, findings)
        return delivery

    def wait_for(self, predicate: Callable[[Delivery], bool], timeout: float) -> Delivery | None:
        """The first delivery (already taken, or arriving within *timeout* s) that fits."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((d for d in self._deliveries if predicate(d)), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._changed.wait(left)

    def report(self) -> Report:
        """Everything taken so far as a :class:`Report` (the JSON and JUnit reports' input)."""
        with self._changed:
            self._report.duration = time.monotonic() - self._started
            unchecked = self._unchecked_note()
            if unchecked and self._deliveries:
                case = self._case("authentication")
                case.outcome, case.note = Outcome.SKIPPED, unchecked
            return self._report

    def _unchecked_note(self) -> str | None:
        if self.provider == "midtrans" and self.server_key is None:
            return "signature_key not checked: give --server-key or MIDTRANS_SERVER_KEY"
        if self.provider == "pivot" and self.callback_key is None:
            return "X-API-Key not checked: give --callback-key or PIVOT_CALLBACK_KEY"
        return None

    def _case(self, event: str) -> CaseResult:
        case_id = f"{self.provider}.receive.{event.lower()}"
        case = self._cases.get(case_id)
        if case is None:
            title = f"{self.provider} deliveries: {event}"
            case = self._cases[case_id] = CaseResult(case_id, Kind.TRAFFIC, title)
            self._report.results.append(case)
        return case
