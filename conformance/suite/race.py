"""The race: concurrent captures of one authorization (``<provider>.capture-race``).

A check-then-act gap in a gateway (read the authorization, decide, then write)
lets two captures that arrive together both pass the check. The case sends
:data:`FAN_OUT` captures of one fresh authorization at once, twice:

1. :data:`FAN_OUT` captures of the whole amount: at most one is accepted
   (Midtrans: "Capture is only valid from `authorize`"; Pivot: the flow ends
   "once captured == authorized");
2. :data:`FAN_OUT` captures of a third each: Midtrans accepts at most one (the
   first leaves ``authorize``); Pivot at most three (captured never exceeds
   authorized).

Then it reads the authorization: the total captured never exceeds the
authorized, and every refusal changed nothing: the read shows exactly the
accepted captures (Pivot: ``captureHistories`` holds the accepted capture ids
and no other; Midtrans: ``capture`` with the accepted amount, or still
``authorize`` when none was accepted).

Only on authorizations the kit made itself (never on a ``--authorizations``
file: those are someone's transactions), against any target. Over HTTP the
captures go out on :data:`FAN_OUT` threads; in-process they are awaited
together on one event loop, as a server's loop would run them.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx

from ._facts import answer_data, check_id
from ._live import Live, accepted, clock_check
from ._model import Case, CaseContext, SuiteOptions
from ._results import Exchange, Kind, Outcome
from ._scenario_checks import amount_value, as_decimal
from ._setup import Authorization

__all__ = ["FAN_OUT", "RaceCase", "cases"]

#: Captures sent at once.
FAN_OUT = 8
AMOUNT = 90_000
SOURCE = {"midtrans": "midtrans.lifecycle", "pivot": "pivot.manual-capture-flow"}


def cases(provider: str, options: SuiteOptions) -> list[Case]:
    del options
    return [RaceCase(provider)]


def fan_out(ctx: CaseContext, requests: list[httpx.Request]) -> list[Exchange]:
    """Send *requests* at once; each answer is validated and recorded, in request order."""
    ctx.check_time()
    target = ctx.target
    app = target.app
    if app is not None:
        exchanges = asyncio.run(_together(app, requests))
        for exchange in exchanges:
            if exchange.response is not None:
                exchange.violations = target.validator.validate_response(
                    "capture", exchange.response, request=exchange.request
                )
    else:
        with ThreadPoolExecutor(len(requests), thread_name_prefix="conformance-race") as pool:
            exchanges = list(pool.map(lambda r: target.send("capture", r), requests))
    for exchange in exchanges:
        ctx.record(exchange)
    return exchanges


async def _together(app: Any, requests: list[httpx.Request]) -> list[Exchange]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:

        async def one(request: httpx.Request) -> Exchange:
            start = time.perf_counter()
            try:
                response = await client.send(request)
            except httpx.HTTPError as exc:
                return Exchange("capture", request, None, str(exc), time.perf_counter() - start)
            return Exchange("capture", request, response, None, time.perf_counter() - start)

        return list(await asyncio.gather(*(one(r) for r in requests)))


class RaceCase:
    kind = Kind.SCENARIO

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.capture-race"
        self.title = (
            f"{FAN_OUT} captures of one authorization at once: at most one full capture, never "
            "more captured than authorized, refusals change nothing"
        )
        self.checks = (self.id, check_id(provider), clock_check(provider))

    def run(self, ctx: CaseContext) -> None:
        if ctx.options.authorizations is not None:
            ctx.result.outcome = Outcome.SKIPPED
            ctx.result.note = (
                "runs only on authorizations the kit makes itself, not on an --authorizations file"
            )
            return
        live = Live(ctx)
        for share, most in ((1, 1), (3, 1 if self.provider == "midtrans" else 3)):
            auth = live.authorize(AMOUNT)
            if auth is None:
                return
            value = auth.amount // share
            requests = [live.capture_request(auth, value) for _ in range(FAN_OUT)]
            exchanges = fan_out(ctx, requests)
            for exchange in exchanges:
                live.judge(exchange, auth, fresh=True)
            won = [e for e in exchanges if accepted(e)]
            if len(won) > most:
                what = "the whole amount" if share == 1 else f"{value} (a third) each"
                ctx.fail(
                    self.id,
                    f"{len(won)} of {FAN_OUT} concurrent captures of {what} were accepted "
                    f"on an authorization of {auth.amount}",
                    expected=f"at most {most} accepted",
                    actual=[_summary(e) for e in exchanges],
                    exchange=won[most],
                    source=SOURCE[self.provider],
                )
            read = live.read(auth)
            self._after(ctx, live, auth, value, won, read)

    def _after(
        self, ctx: CaseContext, live: Live, auth: Authorization, value: int,
        won: list[Exchange], read: Exchange,
    ) -> None:  # fmt: skip
        body = read.json()
        body = body if isinstance(body, dict) else {}
        if self.provider == "midtrans":
            status = body.get("transaction_status")
            shown = as_decimal(body.get("gross_amount"))
            wanted = {"authorize"} if not won else {"capture", "settlement"}
            if isinstance(status, str) and status not in wanted:
                message = f"after {len(won)} of {FAN_OUT} concurrent captures were accepted"
                self._fail(ctx, f"{message}, the status read says {status!r}", sorted(wanted),
                           status, read)  # fmt: skip
            if shown is not None and shown > auth.amount:
                self._fail(ctx, f"the status read shows {shown} on an authorization of "
                           f"{auth.amount}", f"at most {auth.amount}", body.get("gross_amount"),
                           read)  # fmt: skip
            return
        data = body.get("data")
        charges = data.get("chargeDetails") if isinstance(data, dict) else None
        charge = charges[0] if isinstance(charges, list) and charges else None
        if not isinstance(charge, dict):
            return
        histories = charge.get("captureHistories")
        listed = histories if isinstance(histories, list) else []
        entries = [h for h in listed if isinstance(h, dict)]
        ids = {answer_data(e).get("id") for e in won}
        shown_ids = [h.get("captureId") for h in entries]
        values = (amount_value(h.get("capturedAmount")) or Decimal(0) for h in entries)
        total = sum(values, Decimal(0))
        if total > auth.amount:
            self._fail(ctx, f"captureHistories add up to {total} on an authorization of "
                       f"{auth.amount}", f"at most {auth.amount}", total, read)  # fmt: skip
        if sorted(str(i).lower() for i in shown_ids) != sorted(str(i).lower() for i in ids):
            self._fail(ctx, f"captureHistories holds {len(entries)} captures, but {len(won)} of "
                       f"{FAN_OUT} concurrent captures were accepted (a refusal must change "
                       "nothing)", sorted(map(str, ids)), shown_ids, read)  # fmt: skip

    def _fail(self, ctx: CaseContext, message: str, expected: Any, actual: Any,
              exchange: Exchange) -> None:  # fmt: skip
        ctx.fail(self.id, message, expected=expected, actual=actual, exchange=exchange,
                 source=SOURCE[self.provider])  # fmt: skip


def _summary(exchange: Exchange) -> str:
    body = exchange.json()
    body = body if isinstance(body, dict) else {}
    code = body.get("status_code", body.get("code"))
    return f"HTTP {exchange.status} code {code!r}"
