"""The handler checks: each sends its deliveries to the merchant's handler and judges what followed.

Sending is the simulators' own (:class:`~conformance.simulators._deliveries.Outbox`:
a URL over httpx, or an ASGI/WSGI app in-process, 15 s per attempt). Each check
uses fresh orders from *orders*. A check whose verdict needs the order's state
is skipped (and says so) without an oracle; the HTTP-level ones always run.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..simulators._deliveries import MIDTRANS_RETRIES, PIVOT_RETRIES, WAIT_BOUND, Message, Outbox
from ..specs import load_spec
from ..suite import CaseResult, Finding, Kind, Outcome
from ..violations import Severity
from ._build import midtrans_messages, pivot_messages

__all__ = ["AIM", "Context", "OracleError", "all_checks", "fresh_order"]

#: Midtrans: "waits at most 15 s, aim to answer within 5 s" (a slower answer is a warning).
AIM = 5.0
State = Callable[[str], Any]


class OracleError(Exception):
    """The state oracle could not say what an order's state is."""


def fresh_order() -> str:
    """A made-up order id: ``cc-handler-<12 hex>``."""
    return f"cc-handler-{secrets.token_hex(6)}"


@dataclass
class Context:
    """What every check uses: the provider, the key, where to send, the oracle, the orders."""

    provider: str
    key: str
    target: Any
    url: str
    state: State | None
    orders: Callable[[], str]
    #: The state a genuine capture left its order in (read by the ``genuine`` check).
    paid: Any = None

    def messages(self, order_id: str, *, failed: bool = False) -> dict[str, Message]:
        if self.provider == "midtrans":
            return midtrans_messages(order_id, self.key)
        return pivot_messages(order_id, self.key, failed=failed)

    def send(self, name: str, message: Message) -> tuple[int | None, str | None, float]:
        """Deliver *message* once: ``(HTTP status, transport error, seconds)``."""
        policy = MIDTRANS_RETRIES if self.provider == "midtrans" else PIVOT_RETRIES
        outbox = Outbox(policy, lambda: datetime.now(UTC))
        outbox.deliver_to(self.target, url=self.url if not isinstance(self.target, str) else None)
        delivery = outbox.add("handler-check", message, self.url, variant=name)
        started = time.perf_counter()
        outbox.drain_sync()
        seconds = time.perf_counter() - started
        attempt = delivery.attempts[0]
        return attempt.status_code, attempt.error, seconds

    def read(self, order_id: str) -> Any:
        assert self.state is not None
        try:
            return self.state(order_id)
        except Exception as exc:  # the oracle is the user's code: any failure is reported
            raise OracleError(f"state({order_id!r}) failed: {type(exc).__name__}: {exc}") from exc


class _Case:
    """Builds one :class:`CaseResult`: findings with the provider's sources."""

    def __init__(self, ctx: Context, name: str, title: str) -> None:
        self.ctx = ctx
        self.result = CaseResult(f"{ctx.provider}.handler.{name}", Kind.SCENARIO, title)
        self.spec = load_spec(ctx.provider)

    def fail(
        self, message: str, expected: Any, actual: Any, source: str,
        severity: Severity = Severity.ERROR,
    ) -> None:  # fmt: skip
        self.result.fail(Finding(
            check=self.result.id, message=message, expected=expected, actual=actual,
            severity=severity, source=self.spec.source(source),
        ))  # fmt: skip

    def deliver(self, what: str, message: Message, *, answered: bool = True) -> None:
        """Send; with *answered*, the answer must be 2xx within the documented time."""
        status, error, seconds = self.ctx.send(what, message)
        self.result.exchanges += 1
        if not answered:
            return
        source = _source(self.ctx.provider, "answer")
        shown = error or f"HTTP {status}"
        if status is None or not 200 <= status < 300:
            # What follows a refusal is each provider's own (provider-facts.md).
            then = (
                "Midtrans retries it"
                if self.ctx.provider == "midtrans"
                else "Pivot retries 5xx, 408 and 429, and takes any other answer as final"
            )
            self.fail(f"the {what} delivery was answered {shown}, not 2xx: {then}",
                      "a 2xx answer", shown, source)  # fmt: skip
        elif seconds > WAIT_BOUND and self.ctx.provider == "midtrans":
            # Midtrans waits at most 15 s (documented); Pivot documents no bound.
            self.fail(f"the {what} delivery took {seconds:.1f} s", f"at most {WAIT_BOUND:g} s",
                      f"{seconds:.1f} s", source)  # fmt: skip
        elif seconds > AIM and self.ctx.provider == "midtrans":
            self.fail(f"the {what} delivery took {seconds:.1f} s; aim for {AIM:g} s",
                      f"within {AIM:g} s", f"{seconds:.1f} s", source,
                      Severity.WARNING)  # fmt: skip

    def skip(self, why: str) -> None:
        self.result.outcome = Outcome.SKIPPED
        self.result.note = why


_SOURCES = {
    ("midtrans", "answer"): "midtrans.notification-handling",
    ("midtrans", "idempotent"): "midtrans.notification-handling",
    ("midtrans", "stale"): "midtrans.notification-handling",
    ("midtrans", "forged"): "midtrans.notification-signature",
    ("midtrans", "wrong-fields"): "midtrans.notification-signature-bug",
    ("midtrans", "lenient"): "midtrans.notification-lenient",
    ("pivot", "answer"): "pivot.callback-retries",
    ("pivot", "idempotent"): "pivot.callback-api-key",
    ("pivot", "stale"): "pivot.callback-api-key",
    ("pivot", "forged"): "pivot.callback-api-key",
    ("pivot", "lenient"): "pivot.callback",
}


def _source(provider: str, topic: str) -> str:
    return _SOURCES[(provider, topic)]


def _final(provider: str) -> str:
    return "capture" if provider == "midtrans" else "PAID"


NO_ORACLE = "needs the order's state: give state= (pytest) or --state-url (CLI)"


# -- the checks ----------------------------------------------------------------------------
def genuine(ctx: Context) -> CaseResult:
    case = _Case(ctx, "genuine", "a genuine delivery is answered 2xx in time and moves the order")
    order = ctx.orders()
    messages = ctx.messages(order)
    before = ctx.read(order) if ctx.state else None
    case.deliver("genuine", messages[_final(ctx.provider)])
    if ctx.state is not None and (ctx_paid := ctx.read(order)) != before:
        ctx.paid = ctx_paid
    elif ctx.state is not None:
        case.fail("the genuine delivery did not change the order (read through the oracle)",
                  "a changed order state", before, _source(ctx.provider, "answer"))  # fmt: skip
    return case.result


def duplicate(ctx: Context) -> CaseResult:
    case = _Case(ctx, "duplicate", "a duplicate delivery is answered 2xx and changes nothing")
    order = ctx.orders()
    message = ctx.messages(order)[_final(ctx.provider)]
    case.deliver("genuine", message)
    once = ctx.read(order) if ctx.state else None
    case.deliver("duplicate", message)
    if ctx.state is not None and (twice := ctx.read(order)) != once:
        case.fail("the duplicate changed the order again: the handler is not idempotent",
                  once, twice, _source(ctx.provider, "idempotent"))  # fmt: skip
    return case.result


def out_of_order(ctx: Context) -> CaseResult:
    midtrans = ctx.provider == "midtrans"
    stale, final = ("capture", "settlement") if midtrans else ("PROCESSING", "PAID")
    title = f"a stale {stale} after {final} is answered 2xx and does not move the order back"
    case = _Case(ctx, "out-of-order", title)
    order = ctx.orders()
    messages = ctx.messages(order)
    if ctx.provider == "midtrans":
        case.deliver("capture", messages["capture"])
    case.deliver(final, messages[final])
    settled = ctx.read(order) if ctx.state else None
    case.deliver(f"stale {stale}", messages[stale])
    if ctx.state is not None and (after := ctx.read(order)) != settled:
        case.fail(f"the stale {stale} delivery moved the order backwards",
                  settled, after, _source(ctx.provider, "stale"))  # fmt: skip
    return case.result


def _unchanged(ctx: Context, name: str, title: str, topic: str) -> CaseResult:
    case = _Case(ctx, name, title)
    if ctx.state is None:
        case.skip(NO_ORACLE)
        return case.result
    order = ctx.orders()
    message = ctx.messages(order)[name]
    before = ctx.read(order)
    case.deliver(name, message, answered=False)  # any answer will do; the order must not move
    if (after := ctx.read(order)) != before:
        case.fail(f"the {name} delivery changed the order: the handler does not authenticate "
                  "deliveries", before, after, _source(ctx.provider, topic))  # fmt: skip
    return case.result


_FORGERIES = {
    "midtrans": (
        ("forged-signature", "a forged signature_key changes nothing", "forged"),
        ("wrong-fields", "a signature over transaction_status where status_code belongs "
         "changes nothing", "wrong-fields"),
    ),
    "pivot": (
        ("wrong-key", "a wrong X-API-Key changes nothing", "forged"),
        ("missing-key", "a missing X-API-Key changes nothing", "forged"),
    ),
}  # fmt: skip


def extra_fields(ctx: Context) -> CaseResult:
    case = _Case(ctx, "extra-fields", "unknown extra fields are tolerated")
    order = ctx.orders()
    before = ctx.read(order) if ctx.state else None
    case.deliver("extra-fields", ctx.messages(order)["extra-fields"])
    if ctx.state is not None and ctx.read(order) == before:
        case.fail(
            "a delivery with unknown fields did not change the order; fields get added over time",
            "a changed order state",
            before,
            _source(ctx.provider, "lenient"),
        )
    return case.result


def denied(ctx: Context) -> CaseResult:
    name = "deny" if ctx.provider == "midtrans" else "failed"
    what = "deny" if ctx.provider == "midtrans" else "CANCELLED (charge FAILED)"
    case = _Case(ctx, name, f"a {what} outcome is answered 2xx and not taken for paid")
    order = ctx.orders()
    messages = ctx.messages(order, failed=True)
    case.deliver(what, messages["deny" if ctx.provider == "midtrans" else "CANCELLED"])
    paid = ctx.paid
    if ctx.state is not None and paid is not None and (after := ctx.read(order)) == paid:
        case.fail(f"after the {what} delivery the order reads like a captured one",
                  f"not {paid!r}", after, _source(ctx.provider, "answer"))  # fmt: skip
    return case.result


def all_checks(ctx: Context) -> list[tuple[str, Callable[[], CaseResult]]]:
    """``(case id, run)`` of each check in the order they run (``deny`` reads ``genuine``)."""
    checks: list[tuple[str, Callable[[], CaseResult]]] = [
        ("genuine", lambda: genuine(ctx)),
        ("duplicate", lambda: duplicate(ctx)),
        ("out-of-order", lambda: out_of_order(ctx)),
    ]
    for name, title, topic in _FORGERIES[ctx.provider]:
        checks.append((name, functools.partial(_unchanged, ctx, name, title, topic)))
    checks.append(("extra-fields", lambda: extra_fields(ctx)))
    checks.append(("deny" if ctx.provider == "midtrans" else "failed", lambda: denied(ctx)))
    return [(f"{ctx.provider}.handler.{name}", run) for name, run in checks]
