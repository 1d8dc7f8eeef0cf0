"""Deliveries in ``check`` and ``run``: every accepted capture must bring its outcome.

A :class:`Deliveries` rides on a :class:`~conformance.suite.Target`. While the
cases run it puts ``X-Override-Notification`` on Midtrans charges and captures
(so their notifications come to the kit's receiver, an
:class:`~conformance.suite._inbox.Inbox` that validates each as it arrives) and
notes every accepted capture. When the cases are done, :meth:`Deliveries.conclude`
holds each capture to its delivery:

* Midtrans: a notification for the transaction that is not the earlier
  ``authorize`` news, within ``timeout`` seconds of the capture, conformant and
  correctly signed with the run's server key, its status on one lifecycle path
  with the capture answer.
* Pivot: the capture answers ``PENDING``; the outcome comes when the session
  settles. Each session is read back (``GET /v2/payments/{id}``); one still
  settling is moved on with the simulator clock where the target has one, else
  read again until the bound. A session that settled (``PAID``/``CANCELLED``,
  the documented ``PAYMENT.<status>`` events) must have been called back with
  the configured ``X-API-Key``, its status agreeing with the read. A partial
  capture leaves the session ``PROCESSING``: no event is documented for it, so
  no callback is due.

A missing delivery is ``<provider>.notification.delivered``; what is wrong with
one is the validator's rule. Findings go to the case that made the capture.
``mode`` says how to read silence: ``require`` fails it; ``auto`` skips the
whole check with a note when *no* delivery at all reached the receiver (the
target cannot reach it), and fails a capture's missing one when others came;
``off`` sends no header and checks nothing.

A recording keeps the deliveries too (``capture-conformance record``), and its
replay answers them from the cassette: *recorded* says so in a missing
delivery's finding, and *on_conclude* hears the start of the conclusion (the
session reads it makes are tagged ``<provider>.deliveries`` in a cassette).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..errors import UsageError
from ..specs import check_choice
from ._delivery_checks import Capture, Judge, captured, delivery_exchange
from ._inbox import Inbox
from ._model import CaseContext
from ._results import CaseResult, Exchange, Finding, Kind, Outcome, Report
from ._target import check_seconds

__all__ = [
    "CHECK_DELIVERY_TIMEOUT",
    "DELIVERY_MODES",
    "RUN_DELIVERY_TIMEOUT",
    "Deliveries",
]

DELIVERY_MODES = ("auto", "require", "off")
#: Seconds a capture's delivery may take: over a network (``check``), in-process (``run``).
CHECK_DELIVERY_TIMEOUT = 5.0
RUN_DELIVERY_TIMEOUT = 0.5
#: The Midtrans header that routes a charge's or capture's notifications (documented).
OVERRIDE_HEADER = "X-Override-Notification"


class Deliveries:
    """What ``check``/``run`` know and expect of one target's deliveries.

    *inbox* is ``None`` when nothing can receive them (Pivot without
    ``--callback-listen``): the check is skipped with *unavailable* as its note.
    *notification_url* is what Midtrans calls are told to notify. *hint* says, in
    a skip note, how to let the target reach the receiver.
    """

    def __init__(
        self,
        provider: str,
        inbox: Inbox | None,
        *,
        mode: str = "auto",
        timeout: float = CHECK_DELIVERY_TIMEOUT,
        notification_url: str | None = None,
        receiver: str = "the kit's receiver",
        hint: str = "",
        unavailable: str = "",
        option: Callable[[str], str] = "--{}".format,
        recorded: bool = False,
    ) -> None:
        check_choice("deliveries", mode, DELIVERY_MODES)
        self.timeout = check_seconds(timeout, option="delivery-timeout", minimum=0.001)
        if mode == "require" and inbox is None:
            raise UsageError(
                f"{{option}} require: {unavailable or 'no receiver is listening'}",
                option="deliveries",
            )
        self.provider = provider
        self.inbox = inbox
        self.mode = mode
        self.notification_url = notification_url
        self.receiver = receiver
        self.hint = hint
        self.unavailable = unavailable
        self.option = option
        self.recorded = recorded
        #: Called as :meth:`conclude` begins (a recorder or a replay re-tags what follows).
        self.on_conclude: Callable[[], None] | None = None
        #: Seconds from sending each checked capture to its delivery being validated.
        self.latencies: list[float] = []
        self._captures: list[Capture] = []
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.mode != "off" and self.inbox is not None

    @property
    def captures(self) -> list[Capture]:
        """Every accepted capture noted so far: its case id and subject."""
        with self._lock:
            return list(self._captures)

    # -- while the cases run ------------------------------------------------------------
    def headers(self, method: str, path: str) -> dict[str, str]:
        """Headers for a request: Midtrans charges and captures name the receiver."""
        if (
            self.active
            and self.provider == "midtrans"
            and self.notification_url
            and method.upper() == "POST"
            and path in ("/v2/charge", "/v2/capture")
        ):
            return {OVERRIDE_HEADER: self.notification_url}
        return {}

    def expect(self, case_id: str, exchange: Exchange) -> None:
        """Note *exchange* if it is an accepted capture: its delivery is due."""
        if not self.active or exchange.operation != "capture" or exchange.response is None:
            return
        subject = captured(self.provider, exchange)
        if subject is None:
            return
        now = time.monotonic()
        sent = time.time() - exchange.elapsed
        with self._lock:
            self._captures.append(Capture(case_id, subject, exchange, sent, now + self.timeout))

    # -- after the cases ----------------------------------------------------------------
    def conclude(
        self,
        report: Report,
        context: Callable[[CaseResult], CaseContext],
        deadline: float,
        *,
        summary: bool = True,
    ) -> None:
        """*context* makes a case's context (its reads are its exchanges); *deadline*
        (monotonic) is the run's time limit, which bounds every wait here too.

        With *summary* the report gains the case ``<provider>.deliveries``: the
        count, the skip note, and what was wrong with deliveries no capture claimed.
        """
        if self.on_conclude is not None:
            self.on_conclude()
        title = "notifications" if self.provider == "midtrans" else "callbacks"
        case = CaseResult(f"{self.provider}.deliveries", Kind.TRAFFIC, f"{title} of the run")
        if summary:
            report.results.append(case)
        if self.mode == "off" or self.inbox is None:
            case.outcome = Outcome.SKIPPED
            case.note = report.delivery_note = (
                f"{title} not checked ({self.option('deliveries')} off)" if self.mode == "off"
                else self.unavailable
            )  # fmt: skip
            return
        begun = time.monotonic()
        by_id = {r.id: r for r in report.results}
        checks = Judge(self, by_id, context, deadline)
        if self.provider == "midtrans":
            missing = checks.midtrans(self._captures)
        else:
            missing = checks.pivot(self._captures)
        inbox = self.inbox
        case.exchanges = len(inbox)
        case.duration = time.monotonic() - begun
        if not len(inbox) and self.mode == "auto":
            case.outcome = Outcome.SKIPPED
            case.note = report.delivery_note = (
                f"no {title[:-1]} reached {self.receiver} during the run, so none was checked "
                f"(the target cannot reach the receiver, or sends none). {self.hint} "
                f"Use {self.option('deliveries')} require to fail a target that delivers nothing."
            ).replace("  ", " ")
            return
        for finding_case, finding in missing:
            checks.add(finding_case, finding)
        for delivery in inbox:
            if id(delivery) not in checks.matched:
                exchange = delivery_exchange(delivery, delivery.violations)
                for violation in delivery.violations:
                    checks.add(case, Finding.from_violation(violation, exchange))
        report.deliveries = len(inbox)
        what = "accepted captures" if self.provider == "midtrans" else "captured sessions"
        case.note = (
            f"{len(inbox)} {title} received at {self.receiver}; {checks.checked} of "
            f"{checks.subjects} {what} checked against theirs"
            + (f"; {checks.not_due}" if checks.not_due else "")
        )
