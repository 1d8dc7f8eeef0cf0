"""What the live cases share: authorize, capture and read with every answer held to the facts.

The cases of ``agreement.py`` and ``race.py`` send through a :class:`Live`: each
answer is validated (the context does that), then judged against what the
setup established (:mod:`._facts`, ``<provider>.transaction-facts``) and
against the target's clock (:mod:`._clock_checks`, ``<provider>.clock``).
These cases run only against a live target: cassette recording and replay run
the scenario catalogue alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from ._clock_checks import midtrans_problems, midtrans_time, pivot_problems, pivot_time, target_now
from ._facts import Facts, Problem
from ._model import CaseContext
from ._results import Exchange
from ._setup import Authorization

__all__ = ["CLOCK_SOURCE", "Live", "accepted", "clock_check"]

CLOCK_SOURCE = {"midtrans": "midtrans.transaction-time-doc", "pivot": "pivot.timestamps"}


def clock_check(provider: str) -> str:
    return f"{provider}.clock"


def accepted(exchange: Exchange) -> bool:
    """A success answer: Midtrans body "200"; Pivot HTTP 2xx with code "00"."""
    body = exchange.json()
    if exchange.status is None or not isinstance(body, dict):
        return False
    if "status_code" in body:
        return exchange.status < 300 and body.get("status_code") == "200"
    return 200 <= exchange.status < 300 and body.get("code") == "00"


class Live:
    """One case's traffic to a live target, each answer judged against facts and clock."""

    def __init__(self, ctx: CaseContext) -> None:
        self.ctx = ctx
        self.provider = ctx.provider
        self.facts = Facts(self.provider, recorded=ctx.target.recorded)
        #: authorization id -> when it was authorized (by the target's own stamp)
        self.authorized: dict[str, datetime] = {}

    # -- sending --------------------------------------------------------------------------
    def authorize(self, amount: int) -> Authorization | None:
        seen: list[Exchange] = []

        def record(exchange: Exchange) -> None:
            self.ctx.record(exchange)
            self.facts.learn(exchange)
            seen.append(exchange)

        auth = self.ctx.setup.authorize(record, amount)
        for exchange in seen:
            if exchange.operation in ("charge", "create-payment"):
                self.judge(exchange, fresh=True)
                stamp = self._stamp(exchange)
                if auth is not None and stamp is not None:
                    self.authorized[auth.id] = stamp
        return auth

    def capture_request(
        self, auth: Authorization, amount: int | None, release: bool = False
    ) -> httpx.Request:
        target = self.ctx.target
        headers = self.ctx.auth_headers()
        if self.provider == "midtrans":
            body: dict[str, Any] = {"transaction_id": auth.id}
            if amount is not None:
                body["gross_amount"] = amount
            return target.request("POST", "/v2/capture", json=body, headers=headers)
        body = {"releaseRemainingAmount": release}
        if amount is not None:
            body["amount"] = {"value": amount, "currency": auth.currency}
        return target.request("POST", f"/v2/payments/{auth.id}/capture", json=body, headers=headers)

    def capture(self, auth: Authorization, amount: int | None, release: bool = False) -> Exchange:
        exchange = self.ctx.send("capture", self.capture_request(auth, amount, release))
        self.judge(exchange, auth, fresh=True)
        return exchange

    def read(self, auth: Authorization) -> Exchange:
        headers = self.ctx.auth_headers()
        if self.provider == "midtrans":
            request = self.ctx.target.request("GET", f"/v2/{auth.id}/status", headers=headers)
            exchange = self.ctx.send("status", request)
        else:
            request = self.ctx.target.request("GET", f"/v2/payments/{auth.id}", headers=headers)
            exchange = self.ctx.send("get-payment", request)
        self.judge(exchange, auth, fresh=False)
        return exchange

    # -- judging --------------------------------------------------------------------------
    def judge(self, exchange: Exchange, auth: Authorization | None = None, *, fresh: bool) -> None:
        """Hold an answer (already recorded) to the facts and the clock."""
        ctx = self.ctx
        subject = auth.id if auth is not None else None
        for problem in self.facts.judge(exchange, subject):
            self._fail(self.facts.check, self.facts.source, problem, exchange)
        body = exchange.json()
        if exchange.response is None or not isinstance(body, dict) or not accepted(exchange):
            return
        if not ctx.selection.keeps(clock_check(self.provider)):
            return
        now = target_now(ctx.target.client)
        authorized = self.authorized.get(subject or "")
        if self.provider == "midtrans":
            found = midtrans_problems(body, now, fresh=fresh, authorized=authorized)
        else:
            found = pivot_problems(exchange.operation, body, now, authorized=authorized)
        for problem in found:
            self._fail(clock_check(self.provider), CLOCK_SOURCE[self.provider], problem, exchange)

    def _stamp(self, exchange: Exchange) -> datetime | None:
        body = exchange.json()
        if not isinstance(body, dict):
            return None
        if self.provider == "midtrans":
            return midtrans_time(body.get("transaction_time"))
        data = body.get("data")
        return pivot_time(data.get("createdAt")) if isinstance(data, dict) else None

    def _fail(self, check: str, source: str, problem: Problem, exchange: Exchange) -> None:
        self.ctx.fail(
            check, problem.message, expected=problem.expected, actual=problem.actual,
            exchange=exchange, source=source, pointer=problem.pointer,
        )  # fmt: skip
