"""The catalogue of deliberate non-conformances the simulators can switch on.

One quirk at a time turns a conformant simulator into a subtly broken one, so
the conformance suite can prove that each of its checks fires. Each entry
names what should detect it: a validator rule id, or a scenario of the suite.
Quirks of ``kind="delivery"`` bend the notifications / callbacks the simulator
sends, not its answers; they are caught by checking what was delivered.

>>> get("midtrans", "gross-amount-number").detected_by
'midtrans.capture-response.gross-amount'
>>> get("pivot", "callback-key-missing").kind
'delivery'
>>> get("pivot", "teleport")
Traceback (most recent call last):
...
ValueError: unknown pivot quirk 'teleport'; see capture-conformance serve pivot --help
"""

from __future__ import annotations

from ._delivery_quirks import DELIVERY_QUIRKS
from ._quirk import KINDS, Quirk
from ._quirk_answers import ANSWER_QUIRKS

__all__ = ["KINDS", "QUIRKS", "Quirk", "get", "names"]


QUIRKS: tuple[Quirk, ...] = (
    # Both: the whole answer (simulators/_quirk_answers.py)
    *(
        Quirk(provider, name, f"capture success: {description}", f"{provider}.response.{name}")
        for provider in ("midtrans", "pivot")
        for name, description in ANSWER_QUIRKS.items()
    ),
    Quirk(
        "midtrans",
        "capture-still-authorize",
        'capture answers status_code "200" with transaction_status still "authorize"',
        "midtrans.capture-response.captured-state",
    ),
    # Midtrans: response shape
    Quirk(
        "midtrans",
        "gross-amount-number",
        "capture answers gross_amount as a JSON number",
        "midtrans.capture-response.gross-amount",
    ),
    Quirk(
        "midtrans",
        "gross-amount-one-decimal",
        'capture answers gross_amount as "30000.0"',
        "midtrans.capture-response.gross-amount",
    ),
    Quirk(
        "midtrans",
        "status-code-integer",
        'status_code is the number 200, not "200"',
        "midtrans.capture-response.status-code",
    ),
    Quirk(
        "midtrans",
        "transaction-status-captured",
        'capture answers transaction_status "captured"',
        "midtrans.capture-response.transaction-status",
    ),
    Quirk(
        "midtrans",
        "masked-card-full-pan",
        "masked_card holds the full card number",
        "midtrans.masked-card.full-pan",
    ),
    Quirk(
        "midtrans",
        "missing-transaction-id",
        "capture success omits transaction_id",
        "midtrans.capture-response.transaction-id",
    ),
    Quirk(
        "midtrans",
        "transaction-time-iso",
        "transaction_time as 2014-10-31T14:46:44+07:00",
        "midtrans.capture-response.transaction-time",
    ),
    Quirk(
        "midtrans",
        "fraud-status-unknown",
        'fraud_status "unchecked"',
        "midtrans.capture-response.fraud-status",
    ),
    Quirk(
        "midtrans",
        "transaction-id-echo",
        "capture answers for another transaction_id",
        "midtrans.capture-response.transaction-id-echo",
    ),
    Quirk(
        "midtrans",
        "error-without-message",
        "error bodies omit status_message",
        "midtrans.error.status-message",
    ),
    Quirk(
        "midtrans",
        "http-status-contradiction",
        "errors are served with HTTP 500 whatever the body",
        "midtrans.response.http-status",
    ),
    Quirk("midtrans", "html-errors", "errors are served as an HTML page", "midtrans.response.json"),
    Quirk(
        "midtrans",
        "capture-created-201",
        "a successful capture answers HTTP 201",
        "midtrans.response.undocumented-status",
    ),
    # Midtrans: behaviour
    Quirk(
        "midtrans",
        "double-capture-accepted",
        "a second capture succeeds again",
        "scenario:midtrans.second-capture",
    ),
    Quirk(
        "midtrans",
        "over-capture-accepted",
        "gross_amount above the authorized amount succeeds",
        "scenario:midtrans.over-capture",
    ),
    Quirk(
        "midtrans",
        "decimal-amount-accepted",
        "a decimal gross_amount is captured",
        "scenario:midtrans.decimal-amount",
    ),
    Quirk(
        "midtrans",
        "unknown-id-500",
        "an unknown transaction_id answers 500",
        "scenario:midtrans.unknown-id",
    ),
    Quirk(
        "midtrans",
        "bad-key-accepted",
        "any Authorization is accepted",
        "scenario:midtrans.wrong-credentials",
    ),
    Quirk(
        "midtrans",
        "refused-capture-applied",
        "an over-capture is refused (412) but the authorization is captured anyway",
        "midtrans.stateful.status-agrees",
    ),
    Quirk(
        "midtrans",
        "status-not-updated",
        "a status read after capture still says authorize",
        "scenario:midtrans.status-after-capture",
    ),
    # Pivot: response shape
    Quirk(
        "pivot",
        "code-integer",
        'the success code is the number 0, not "00"',
        "pivot.capture-response.code",
    ),
    Quirk("pivot", "status-done", 'capture answers status "DONE"', "pivot.capture-response.status"),
    Quirk(
        "pivot", "amount-value-string", 'amount.value is the string "12000"', "pivot.amount.value"
    ),
    Quirk(
        "pivot", "created-at-local", "createdAt as 30/01/2026", "pivot.capture-response.created-at"
    ),
    Quirk(
        "pivot",
        "client-reference-id-capitalised",
        "the field is spelt PaymentSessionClientReferenceId, as in the seed's table",
        "pivot.capture-response.payment-session-client-reference-id",
    ),
    Quirk(
        "pivot",
        "session-id-mismatch",
        "paymentSessionId is not the path id",
        "pivot.capture-response.session-id-echo",
    ),
    Quirk(
        "pivot",
        "release-echo-flipped",
        "releaseRemainingAmount is answered inverted",
        "pivot.capture-response.release-echo",
    ),
    Quirk(
        "pivot",
        "amount-echo-wrong",
        "the answered amount differs from the request",
        "pivot.capture-response.amount-echo",
    ),
    Quirk("pivot", "error-with-data", "error bodies also carry data", "pivot.error.data"),
    Quirk("pivot", "error-without-message", "error bodies omit message", "pivot.error.message"),
    Quirk(
        "pivot",
        "error-code-mismatch",
        "a 404 carries code api_validation_error",
        "pivot.error.http-code",
    ),
    Quirk(
        "pivot",
        "capture-accepted-202",
        "a capture answers HTTP 202 (it is asynchronous)",
        "pivot.response.undocumented-status",
    ),
    Quirk("pivot", "html-errors", "errors are served as an HTML page", "pivot.response.json"),
    # Pivot: behaviour
    Quirk(
        "pivot",
        "over-capture-accepted",
        "captures above the authorized amount succeed",
        "scenario:pivot.over-capture",
    ),
    Quirk(
        "pivot",
        "capture-after-release-accepted",
        "captures after release succeed",
        "scenario:pivot.capture-after-release",
    ),
    Quirk(
        "pivot",
        "decimal-idr-accepted",
        "an IDR amount with a fraction is captured",
        "scenario:pivot.decimal-amount",
    ),
    Quirk(
        "pivot",
        "non-uuid-id-404",
        "a path id that is not a UUID answers 404, not 400",
        "scenario:pivot.malformed-id",
    ),
    Quirk(
        "pivot",
        "refused-capture-applied",
        "an over-capture is refused (400) but what was left is captured anyway",
        "pivot.stateful.status-agrees",
    ),
    Quirk(
        "pivot",
        "history-not-updated",
        "GET /v2/payments/{id} does not show captures",
        "scenario:pivot.status-after-capture",
    ),
    Quirk(
        "pivot",
        "expired-token-accepted",
        "access tokens never expire",
        "scenario:pivot.expired-token",
    ),
    # Midtrans: what is already known (issue 17)
    Quirk(
        "midtrans",
        "order-id-truncated",
        "capture answers and status reads cut the order_id to half its length",
        "midtrans.transaction-facts",
    ),
    Quirk(
        "midtrans",
        "masked-card-other-card",
        "masked_card is well-shaped but another card's (41111111-1111)",
        "midtrans.transaction-facts",
    ),
    Quirk(
        "midtrans",
        "transaction-time-utc",
        "capture answers write transaction_time in UTC, not GMT+7 (seven hours early)",
        "midtrans.clock",
    ),
    Quirk(
        "midtrans",
        "settlement-amount-changed",
        "a settled partial capture shows the authorized amount, not the captured one",
        "midtrans.settled-end-state",
    ),
    Quirk(
        "midtrans",
        "capture-race-window",
        "a capture checks, waits 10 ms, then acts: captures sent together all succeed",
        "midtrans.capture-race",
    ),
    # Pivot: what is already known (issue 17)
    Quirk(
        "pivot",
        "client-reference-id-wrong",
        "capture answers name half of the session's clientReferenceId",
        "pivot.transaction-facts",
    ),
    Quirk(
        "pivot",
        "created-at-jakarta",
        "capture answers stamp Jakarta wall time with a Z (seven hours ahead)",
        "pivot.clock",
    ),
    Quirk(
        "pivot",
        "release-ends-paid",
        "a release with nothing captured settles PAID / SUCCESS, not CANCELLED / FAILED",
        "pivot.settled-end-state",
    ),
    Quirk(
        "pivot",
        "capture-race-window",
        "a capture checks, waits 10 ms, then acts: captures sent together all succeed",
        "pivot.capture-race",
    ),
    Quirk(
        "pivot",
        "capture-id-not-uuid",
        "capture ids are UUID hex without hyphens (the docs say String; observed: a UUID)",
        "pivot.capture-response.id",
    ),
    Quirk(
        "pivot",
        "over-capture-after-partial-accepted",
        "the over-capture check forgets earlier captures: half, then the rest plus one, succeeds",
        "scenario:pivot.partial-then-over-capture",
    ),
    *DELIVERY_QUIRKS,
)


def get(provider: str, name: str) -> Quirk:
    """The quirk *name* of *provider*; ``ValueError`` if there is none."""
    for quirk in QUIRKS:
        if quirk.provider == provider and quirk.name == name:
            return quirk
    raise ValueError(
        f"unknown {provider} quirk {name!r}; see capture-conformance serve {provider} --help"
    )


def names(provider: str) -> list[str]:
    return [q.name for q in QUIRKS if q.provider == provider]
