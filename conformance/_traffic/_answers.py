"""One catalogue answer scripted into the routed simulators, and what the integration did next.

:class:`AnswerScript` gives the next call of the answer's operation that answer,
and keeps the simulator's state consistent with it, so reads and deliveries that
follow tell the same story:

* ``applied: true`` capture answers send the capture to the simulator first (it
  is applied there), then serve the answer or raise the fault; ``applied: false``
  ones never reach the simulator, so a read shows the transaction untouched.
* Pivot captures stay ``PENDING`` until resolved: at the next read of the session
  (``resolves: read``, and every unknown answer without ``resolves``) or when the
  test calls :meth:`AnswerScript.resolve` (``resolves: callback``; the callback
  then goes to the handler given to ``deliver_to``). The outcome is the answer's
  ``outcome`` (default: captured when applied).
* Read answers put the transaction in their ``state`` before the read is answered.

It also notes a second capture sent after an unknown answer with no read between.

>>> from conformance.answers import load_answers
>>> from conformance._traffic import Traffic
>>> with Traffic() as traffic:
...     script = traffic.script_answer(load_answers("midtrans")[1])
...     script.served
False
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from json import loads
from typing import TYPE_CHECKING, Any, Protocol, cast

import httpx

from ..answers import Answer

if TYPE_CHECKING:
    from ..simulators import Simulator
    from ..simulators._midtrans_model import Transaction
    from ..simulators._pivot_model import Capture, Session
    from ..simulators.midtrans import MidtransSimulator
    from ..simulators.pivot import PivotSimulator

__all__ = ["READS", "AnswerScript"]


class Routed(Protocol):
    """What a script uses of :class:`~._session.Traffic` (named here: no import circle)."""

    simulators: dict[str, Simulator]
    scripted: set[int]
    _worker: ThreadPoolExecutor

    @property
    def midtrans(self) -> Simulator: ...

    @property
    def pivot(self) -> Simulator: ...

    def notify(self, provider: str, ident: str) -> Any: ...


#: The read operation of each provider: what resolves an unknown capture answer.
READS = {"midtrans": "status", "pivot": "get-payment"}
#: A held Pivot capture settles at this simulated nanosecond: never, until resolved.
_HELD = 2**62
Send = Callable[[httpx.Request], httpx.Response]


class AnswerScript:
    """The answer for the next call of ``answer.operation``, then the reads and captures after it.

    ``served`` (the answer was given), ``subject`` (the transaction or session
    id it was given for), ``reads_after`` (reads of the provider since), and
    ``problems`` (what the kit saw the integration do wrong, in words).
    """

    def __init__(self, traffic: Routed, answer: Answer) -> None:
        self.traffic = traffic
        self.answer = answer
        self.served = False
        self.subject: str | None = None
        self.reads_after = 0
        self.problems: list[str] = []
        self.served_at: datetime | None = None
        self._awaiting_read = False
        self._held: str | None = None  # Pivot: the capture id waiting for its outcome

    # -- what the traffic router calls ---------------------------------------------------
    def exchange(self, provider: str, operation: str, request: httpx.Request, send: Send) -> Any:
        """The answer to *request*: scripted, or the simulator's (*send*), state kept in step."""
        if provider != self.answer.provider:
            return send(request)
        if not self.served and operation == self.answer.operation:
            return self._serve(request, send)
        if self.served and operation == "capture" and self._awaiting_read:
            self.problems.append(
                f"a second capture was sent after the answer {self.answer.id!r} "
                f"({self.answer.meaning}: {self.answer.title}) without reading the status first; "
                "if the first capture went through, the second is refused or captures twice"
            )
            self._awaiting_read = False
        if self.served and operation == READS[provider]:
            self.reads_after += 1
            self._awaiting_read = False
            if self._held and self.answer.resolves != "callback":
                self._settle_held()
        return send(request)

    # -- what a test calls -----------------------------------------------------------------
    def resolve(self) -> None:
        """Let the outcome arrive now: a held capture settles, deliveries go out."""
        sim = self.traffic.simulators[self.answer.provider]
        before = len(sim.deliveries)
        if self._held:
            self._settle_held()
        self.traffic._worker.submit(sim.flush_deliveries).result()
        made = [d for d in sim.deliveries[before:] if d.subject == self.subject]
        if not made and self.subject and sim.outbox.enabled:
            self.traffic.notify(self.answer.provider, self.subject)

    def truth(self) -> str | None:
        """What the simulator holds now: ``captured``, ``not-captured``, ``unknown``, or None."""
        if self.subject is None:
            return None
        if self.answer.provider == "midtrans":
            tx = self._transaction(self.subject)
            if tx is None:
                return "not-captured"
            tx.refresh(self._midtrans.clock.now())
            return "captured" if tx.status in ("capture", "settlement") else "not-captured"
        session = self._pivot._sessions.get(self.subject)
        statuses = {c.status for c in session.charge.captures} if session else set()
        if "SUCCESS" in statuses:
            return "captured"
        return "unknown" if "PENDING" in statuses else "not-captured"

    def deliveries_after(self) -> int:
        """Deliveries made for the subject since the answer, that its handler answered 2xx."""
        sim = self.traffic.simulators[self.answer.provider]
        return sum(
            1
            for d in sim.deliveries
            if self.served_at is not None
            and d.created_at >= self.served_at
            and d.subject == self.subject
            and d.status == "delivered"
        )

    # -- inside ----------------------------------------------------------------------------
    @property
    def _midtrans(self) -> MidtransSimulator:
        return cast("MidtransSimulator", self.traffic.midtrans)

    @property
    def _pivot(self) -> PivotSimulator:
        return cast("PivotSimulator", self.traffic.pivot)

    def _serve(self, request: httpx.Request, send: Send) -> httpx.Response:
        answer = self.answer
        self.served = True
        self.served_at = self.traffic.simulators[answer.provider].clock.now()
        self._awaiting_read = answer.meaning == "unknown"
        if answer.operation == READS[answer.provider]:
            self.subject = self._read_subject(request)
            if answer.state is not None and self.subject is not None:
                self._put_in_state(self.subject, answer.state)
            return send(request) if answer.serve == "simulator" else self._scripted(request)
        self.subject = self._capture_subject(request)
        response = None
        if answer.applied:
            response = send(request)
            if not _succeeded(answer.provider, response):
                self.problems.append(
                    f"the answer {answer.id!r} needs the capture to go through first, but the "
                    f"simulator answered HTTP {response.status_code}: start from an authorized "
                    "transaction (conformance_traffic.authorize) and send a valid capture"
                )
                return response
            if answer.provider == "pivot":
                response = self._pivot_applied(response)
        if answer.fault == "timeout":
            raise httpx.ReadTimeout("capture-conformance: scripted read timeout", request=request)
        if answer.fault == "reset":
            raise httpx.ReadError("capture-conformance: connection reset by peer", request=request)
        if answer.serve == "simulator" and response is not None:
            return response
        return self._scripted(request)

    def _scripted(self, request: httpx.Request) -> httpx.Response:
        answer = self.answer
        assert answer.http_status is not None
        if isinstance(answer.body, str):
            content, kind = answer.body.encode(), answer.content_type or "text/html"
        else:
            content, kind = _json_bytes(answer.body), answer.content_type or "application/json"
        response = httpx.Response(
            answer.http_status, headers={"content-type": kind}, content=content, request=request
        )
        self.traffic.scripted.add(id(response))  # validated once, in the catalogue's own test
        return response

    def _pivot_applied(self, response: httpx.Response) -> httpx.Response:
        document = loads(response.content)
        capture_id = document["data"]["id"]
        found = self._pivot_capture(capture_id)
        if found is None:
            return response
        _, capture = found
        capture.due_ns = _HELD
        self._held = capture_id
        if self.answer.settles is None:
            return response
        self._settle_held("captured" if self.answer.settles == "SUCCESS" else "not-captured")
        document["data"]["status"] = self.answer.settles
        return httpx.Response(
            response.status_code, headers=dict(response.headers), content=_json_bytes(document),
            request=response.request,
        )  # fmt: skip

    def _settle_held(self, outcome: str | None = None) -> None:
        found = self._pivot_capture(self._held or "")
        self._held = None
        if found is None:
            return
        session, capture = found
        from ..simulators._pivot_model import settle

        now = self._pivot._now_ns()
        default = "captured" if self.answer.applied or self.answer.state else "not-captured"
        if (outcome or self.answer.outcome or default) == "captured":
            capture.due_ns = now
        else:
            capture.status, capture.updated_ns = "FAILED", max(now, capture.created_ns + 1)
        settle(session, now)

    def _pivot_capture(self, capture_id: str) -> tuple[Session, Capture] | None:
        session = self._pivot._sessions.get(self.subject or "")
        for capture in session.charge.captures if session else []:
            if capture.id == capture_id:
                return session, capture  # type: ignore[return-value]
        return None

    def _put_in_state(self, subject: str, state: str) -> None:
        if self.answer.provider == "midtrans":
            self._midtrans_state(subject, state)
            return
        session = self._pivot._sessions.get(subject)
        if session is None:
            return
        pending = [c for c in session.charge.captures if c.status == "PENDING"]
        if not pending and not session.charge.captures:
            authorized = session.charge.authorized or session.value
            pending = [self._pivot._record_capture(session, authorized, False)]
        if not pending:
            return
        pending[-1].due_ns = _HELD
        self._held = pending[-1].id
        if state != "PENDING":
            self._settle_held("captured" if state == "SUCCESS" else "not-captured")

    def _midtrans_state(self, subject: str, state: str) -> None:
        sim = self._midtrans
        tx = self._transaction(subject)
        if tx is None:
            return
        now = sim.clock.now()
        tx.refresh(now)
        if state in ("capture", "settlement") and tx.status == "authorize":
            tx.capture(tx.authorized_amount, now)
        if state == "settlement" and tx.status == "capture":
            tx.settles_at = now
        if state == "expire" and tx.status == "authorize" and tx.expires_at is not None:
            wait = tx.expires_at - now + timedelta(seconds=1)
            self.traffic._worker.submit(sim.clock.advance, wait.total_seconds()).result()
        tx.refresh(sim.clock.now())
        if tx.status != state:
            self.problems.append(
                f"the answer {self.answer.id!r} reads a transaction in {state!r}, but this one "
                f"is in {tx.status!r}: script it on a fresh authorization"
            )

    def _transaction(self, ident: str) -> Transaction | None:
        sim = self._midtrans
        try:
            return sim._transactions[sim.delivery_subject(ident)]
        except ValueError:
            return None

    def _capture_subject(self, request: httpx.Request) -> str | None:
        if self.answer.provider == "pivot":
            return request.url.path.rstrip("/").split("/")[-2]
        try:
            ident = loads(request.content).get("transaction_id")
        except (ValueError, AttributeError):
            return None
        tx = self._transaction(ident) if isinstance(ident, str) else None
        return tx.transaction_id if tx is not None else ident if isinstance(ident, str) else None

    def _read_subject(self, request: httpx.Request) -> str | None:
        parts = request.url.path.rstrip("/").split("/")
        if self.answer.provider == "pivot":
            return parts[-1]
        tx = self._transaction(parts[-2])
        return tx.transaction_id if tx is not None else parts[-2]


def _succeeded(provider: str, response: httpx.Response) -> bool:
    try:
        body = loads(response.content)
    except ValueError:
        return False
    if not isinstance(body, dict) or response.status_code != 200:
        return False
    return str(body.get("status_code" if provider == "midtrans" else "code")) in ("200", "00")


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
