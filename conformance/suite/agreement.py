"""Cases that hold a live target to what is already known: facts, settled end states, the clock.

``<provider>.transaction-facts``
    Authorizes, captures in parts and reads the transaction between the steps;
    every answer names the transaction as the setup established it
    (:mod:`._facts`).
``<provider>.settled-end-state``
    Lets each capture outcome settle, then reads the session or transaction
    again and holds its final state to the documented lifecycle
    (``pivot.manual-capture-flow``, ``midtrans.lifecycle``): a partial capture
    with ``releaseRemainingAmount: true`` ends ``PAID``/``SUCCESS``; a release
    with nothing captured ends ``CANCELLED``/``FAILED``; a full capture ends
    ``PAID``/``SUCCESS``; a final state never moves back; Midtrans ``capture``
    to ``settlement`` keeps the amount. Against a target with the simulator
    clock the clock is moved (:data:`SETTLE_ADVANCE`); otherwise the case polls,
    at most :data:`SETTLE_BOUND` seconds. A Pivot session that has not settled
    by then is a finding. Midtrans settles in a daily batch: without the
    simulator clock the case holds what it sees (``capture`` or ``settlement``,
    the amount kept) and does not wait.

Every answer of these cases (and of ``race.py``) is also judged by
``<provider>.clock`` (:mod:`._clock_checks`). They run only against a live
target: recording and replay run the scenario catalogue alone.
"""

from __future__ import annotations

import time
from typing import Any

from ._clock_checks import move_clock, offers_clock
from ._facts import answer_body, answer_data, check_id
from ._live import Live, accepted, clock_check
from ._model import Case, CaseContext, SuiteOptions
from ._results import Exchange, Kind, Outcome
from ._scenario_checks import amount_value, as_decimal
from ._setup import Authorization

__all__ = ["SETTLE_ADVANCE", "SETTLE_BOUND", "cases"]

AMOUNT = 90_000
#: Simulated seconds the clock is moved for outcomes to settle (two days: a Midtrans
#: capture settles at the next 19:00 Jakarta time; a Pivot capture within seconds).
SETTLE_ADVANCE = 2 * 86_400
#: Real seconds a target without the simulator clock is given for a Pivot capture to settle.
SETTLE_BOUND = 30.0
_MIDTRANS_FINAL_BACK = {"settlement": {"authorize", "capture"}}
_PIVOT_FINAL = {"PAID", "CANCELLED", "EXPIRED", "INACTIVE"}


def cases(provider: str, options: SuiteOptions) -> list[Case]:
    del options
    return [FactsCase(provider), SettledCase(provider)]


def has_clock(ctx: CaseContext) -> bool:
    return offers_clock(ctx.target.client)


def advance(ctx: CaseContext, seconds: float) -> None:
    move_clock(ctx.target.client, seconds)
    ctx.setup.forget_token()  # tokens were issued on the old time


class _LiveCase:
    kind = Kind.SCENARIO
    name = ""
    title = ""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.{self.name}"
        self.checks = (self.id, check_id(provider), clock_check(provider))

    def authorize(self, live: Live, amount: int = AMOUNT) -> Authorization | None:
        auth = live.authorize(amount)
        if auth is None:
            live.ctx.result.outcome = Outcome.SKIPPED
            live.ctx.result.note = "no authorization left in the --authorizations file"
        return auth


class FactsCase(_LiveCase):
    name = "transaction-facts"
    title = "every capture answer and read names the transaction as the setup established it"

    def run(self, ctx: CaseContext) -> None:
        live = Live(ctx)
        auth = self.authorize(live)
        if auth is None:
            return
        live.read(auth)
        third = auth.amount // 3
        if self.provider == "midtrans":
            live.capture(auth, third)
            live.read(auth)
            return
        live.capture(auth, third)
        live.capture(auth, third)
        live.read(auth)
        live.read(auth)  # capture ids stay as they were
        live.capture(auth, auth.amount - 2 * third, release=True)
        live.read(auth)


class SettledCase(_LiveCase):
    name = "settled-end-state"
    title = "after each outcome settles, the final state is the documented one and stays"

    def run(self, ctx: CaseContext) -> None:
        live = Live(ctx)
        if self.provider == "midtrans":
            self._midtrans(live)
        else:
            self._pivot(live)

    def _fail(self, live: Live, message: str, expected: Any, exchange: Exchange, source: str,
              actual: Any = None) -> None:  # fmt: skip
        live.ctx.fail(
            self.id, message, expected=expected, exchange=exchange, source=source,
            actual=actual if actual is not None else _summary(exchange),
        )  # fmt: skip

    # -- Midtrans -------------------------------------------------------------------------
    def _midtrans(self, live: Live) -> None:
        ctx = live.ctx
        auth = self.authorize(live)
        if auth is None:
            return
        half = auth.amount // 2
        if not accepted(live.capture(auth, half)):
            return  # the scenarios report a refused valid capture
        first = live.read(auth)
        amount = as_decimal(answer_body(first).get("gross_amount"))
        if has_clock(ctx):
            advance(ctx, SETTLE_ADVANCE)
        settled = live.read(auth)
        status = answer_body(settled).get("transaction_status")
        if has_clock(ctx) and status != "settlement" and status in ("capture", "authorize"):
            self._fail(
                live, f"two simulated days after a capture the transaction is still {status!r}",
                "transaction_status 'settlement' (capture -> settlement)", settled,
                "midtrans.lifecycle",
            )  # fmt: skip
        now = as_decimal(answer_body(settled).get("gross_amount"))
        if status == "settlement" and amount is not None and now is not None and now != amount:
            self._fail(
                live, f"gross_amount went from {amount} to {now} when the capture settled",
                f"{amount}: settlement keeps the captured amount", settled, "midtrans.lifecycle",
                actual=answer_body(settled).get("gross_amount"),
            )  # fmt: skip
        again = live.read(auth)
        later = answer_body(again).get("transaction_status")
        if isinstance(status, str) and later in _MIDTRANS_FINAL_BACK.get(status, set()):
            self._fail(
                live, f"transaction_status moved back from {status!r} to {later!r}",
                f"{status!r}: a final state never moves back", again, "midtrans.lifecycle",
            )  # fmt: skip

    # -- Pivot ----------------------------------------------------------------------------
    def _pivot(self, live: Live) -> None:
        ctx = live.ctx
        plans = []  # (authorization, what to send, expected session / charge status, why)
        for amount, release, expected, why in (
            (AMOUNT // 2, True, ("PAID", "SUCCESS"), "a partial capture with the rest released"),
            (None, True, ("CANCELLED", "FAILED"), "a release with nothing captured"),
            (AMOUNT, False, ("PAID", "SUCCESS"), "a capture of the whole amount"),
        ):
            auth = self.authorize(live)
            if auth is None:
                return
            if not accepted(live.capture(auth, amount, release=release)):
                continue  # the scenarios and the stateful run report a refused valid capture
            plans.append((auth, expected, why))
        if not plans:
            return
        bound = f"{SETTLE_BOUND:g} s"
        if has_clock(ctx):
            bound = f"the simulator clock moved on {SETTLE_ADVANCE} s"
            advance(ctx, SETTLE_ADVANCE)
            reads = {auth.id: live.read(auth) for auth, _, _ in plans}
        else:
            reads = self._poll(live, [auth for auth, _, _ in plans])
        for auth, (session, charge), why in plans:
            exchange = reads[auth.id]
            data = answer_data(exchange)
            got = (data.get("status"), _charge(data).get("status"))
            if not _settled(data):
                self._fail(
                    live, f"after {why}, the session had not settled within the bound ({bound})",
                    f"session {session} / charge {charge}", exchange, "pivot.async-capture",
                )  # fmt: skip
                continue
            if got != (session, charge):
                self._fail(
                    live, f"after {why}, the session settled as {got[0]} / charge {got[1]}",
                    f"session {session} / charge {charge}", exchange, "pivot.manual-capture-flow",
                )  # fmt: skip
                continue
            captured = amount_value(_charge(data).get("capturedAmount"))
            authorized = amount_value(_charge(data).get("authorizedAmount"))
            if captured is not None and authorized is not None and captured > authorized:
                self._fail(
                    live, f"the settled charge shows {captured} captured of {authorized}",
                    f"at most {authorized}", exchange, "pivot.manual-capture-flow",
                )  # fmt: skip
            again = live.read(auth)
            then = answer_data(again)
            if (then.get("status"), _charge(then).get("status")) != got:
                self._fail(
                    live, f"the final state {got[0]} / {got[1]} moved to "
                    f"{then.get('status')} / {_charge(then).get('status')}",
                    f"session {got[0]} / charge {got[1]}: a final state never changes", again,
                    "pivot.session-lifecycle",
                )  # fmt: skip

    def _poll(self, live: Live, auths: list[Authorization]) -> dict[str, Exchange]:
        ctx = live.ctx
        deadline = min(time.monotonic() + SETTLE_BOUND, ctx.deadline)
        reads: dict[str, Exchange] = {}
        pause = 0.1
        while True:
            for auth in auths:
                if auth.id not in reads or not _settled(answer_data(reads[auth.id])):
                    reads[auth.id] = live.read(auth)
            if all(_settled(answer_data(e)) for e in reads.values()) or time.monotonic() > deadline:
                return reads
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def _charge(data: dict[str, Any]) -> dict[str, Any]:
    charges = data.get("chargeDetails")
    first = charges[0] if isinstance(charges, list) and charges else None
    return first if isinstance(first, dict) else {}


def _settled(data: dict[str, Any]) -> bool:
    """The session is final and no capture of its charge is still PENDING."""
    histories = _charge(data).get("captureHistories")
    pending = any(
        isinstance(h, dict) and h.get("status") == "PENDING"
        for h in (histories if isinstance(histories, list) else [])
    )
    return data.get("status") in _PIVOT_FINAL and not pending


def _summary(exchange: Exchange) -> str:
    body = answer_body(exchange)
    if "transaction_status" in body:
        return f"HTTP {exchange.status} transaction_status {body['transaction_status']!r}"
    data = answer_data(exchange)
    return (
        f"HTTP {exchange.status} status {data.get('status')!r} / charge "
        f"{_charge(data).get('status')!r}"
    )
