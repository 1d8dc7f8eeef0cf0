"""Midtrans Core API rules that JSON Schema cannot express."""

from __future__ import annotations

from collections.abc import Iterator

from ..violations import MISSING, Severity
from ._base import Context, Failure, rule
from .common import basic_auth_user, digit_count, header_pointer, json_media_failures
from .common import object_body as _body

_P = "midtrans"
_AUTHED = {"capture", "charge", "status"}


@rule(
    "midtrans.gross-amount.decimal-literal",
    provider=_P,
    phase="request",
    operations={"capture", "charge"},
    source="midtrans.gross-amount-request",
)
def gross_amount_decimal(ctx: Context) -> Iterator[Failure]:
    """A request ``gross_amount`` is a Long: a decimal literal such as ``30000.0`` is invalid.

    JSON Schema calls ``30000.0`` an integer, so such a literal passes the schema
    and is caught here; ``30000.5`` already fails the schema's ``integer`` type.
    """
    body = _body(ctx.request)
    holders = [("", body), ("/transaction_details", body.get("transaction_details"))]
    for pointer, holder in holders:
        value = holder.get("gross_amount") if isinstance(holder, dict) else None
        if isinstance(value, float) and value.is_integer():
            yield Failure(
                f"{pointer}/gross_amount",
                "an integer (Long) without a decimal point",
                value,
                "gross_amount is written as a decimal; decimal values are invalid",
            )


@rule(
    "midtrans.request.authorization",
    provider=_P,
    phase="request",
    operations=_AUTHED,
    source="midtrans.auth-basic",
)
def authorization(ctx: Context) -> Iterator[Failure]:
    """Requests carry ``Authorization: Basic base64(<server key>:)``."""
    if ctx.request is None or ctx.request.headers is None:
        return
    value = ctx.request.headers.get("authorization")
    if not basic_auth_user(value):
        yield Failure(
            header_pointer("Authorization"),
            "Basic base64('<server key>:')",
            MISSING if value is None else "<redacted>",
            "Authorization must be HTTP Basic with the server key as user name",
        )


@rule(
    "midtrans.request.content-type",
    provider=_P,
    phase="request",
    operations={"capture", "charge"},
    source="midtrans.headers",
)
def content_type(ctx: Context) -> Iterator[Failure]:
    """POST bodies are sent as ``Content-Type: application/json``."""
    if ctx.request is not None and ctx.request.headers is not None:
        yield from json_media_failures(ctx.request.headers, "Content-Type")


@rule(
    "midtrans.request.accept",
    provider=_P,
    phase="request",
    source="midtrans.headers",
    severity=Severity.WARNING,
)
def accept(ctx: Context) -> Iterator[Failure]:
    """``Accept: application/json`` is a required header; ``*/*`` also admits JSON."""
    if ctx.request is None or ctx.request.headers is None:
        return
    value = ctx.request.headers.get("accept")
    ranges = {part.split(";", 1)[0].strip().lower() for part in (value or "").split(",")}
    if not ranges & {"application/json", "application/*", "*/*"}:
        yield Failure(
            header_pointer("Accept"),
            "application/json",
            MISSING if value is None else value,
            "Accept must admit application/json",
        )


@rule(
    "midtrans.response.http-status",
    provider=_P,
    phase="response",
    source="midtrans.http-status-vs-body",
)
def http_status_agrees(ctx: Context) -> Iterator[Failure]:
    """HTTP status is 200 or equal to the body ``status_code``; anything else contradicts it."""
    response = ctx.response
    code = _body(response).get("status_code")
    if response is None or not isinstance(code, str) or not code.isdigit():
        return
    if response.status not in (200, int(code)):
        yield Failure(
            "/status_code",
            f"HTTP 200 or HTTP {int(code)}",
            f"HTTP {response.status} with body status_code {code!r}",
            "HTTP status contradicts the body status_code",
        )


@rule(
    "midtrans.masked-card.full-pan",
    provider=_P,
    phase="response",
    source="midtrans.masked-card",
)
def masked_card_not_pan(ctx: Context) -> Iterator[Failure]:
    """``masked_card`` holds the first 8 and last 4 digits, never a full card number.

    A card number has at least 13 digits; a masked one shows 12, however separated.
    """
    masked = _body(ctx.response).get("masked_card")
    if digit_count(masked) >= 13:
        yield Failure(
            "/masked_card",
            "first 8 and last 4 digits, e.g. '48111111-1114'",
            "<a full card number>",
            "masked_card exposes a full card number",
        )


@rule(
    "midtrans.capture-response.transaction-id-echo",
    provider=_P,
    phase="response",
    operations={"capture"},
    source="midtrans.capture-response",
)
def transaction_id_echo(ctx: Context) -> Iterator[Failure]:
    """A successful capture answers for the transaction the request named."""
    body, sent = _body(ctx.response), _body(ctx.request)
    if body.get("status_code") != "200" or "transaction_id" not in sent:
        return
    if "transaction_id" in body and body["transaction_id"] != sent["transaction_id"]:
        yield Failure(
            "/transaction_id",
            sent["transaction_id"],
            body["transaction_id"],
            "transaction_id differs from the one captured",
        )


#: What a successful capture may report: the captured state, or settlement, which the
#: lifecycle lets follow it ("success means `status_code` 200, `fraud_status` accept and
#: `transaction_status` `capture` or `settlement`", midtrans.notification-handling).
_CAPTURED = ("capture", "settlement")


@rule(
    "midtrans.capture-response.captured-state",
    provider=_P,
    phase="response",
    operations={"capture"},
    source="midtrans.capture-success-state",
)
def captured_state(ctx: Context) -> Iterator[Failure]:
    """A capture that claims success (body "200", FDS not ``deny``) reports the captured state.

    ``authorize`` (nothing captured) or another catalogued status off the capture
    path contradicts the success the body claims. A ``deny`` by the FDS ("Transaction
    automatically failed") claims no success and is not judged here; an uncatalogued
    status is the schema's to report.
    """
    body = _body(ctx.response)
    status = body.get("transaction_status")
    claims = body.get("status_code") == "200" and body.get("fraud_status") != "deny"
    if not claims or status not in ctx.spec.catalogue_values("transaction_status"):
        return
    if status not in _CAPTURED:
        yield Failure(
            "/transaction_status",
            list(_CAPTURED),
            status,
            f"a successful capture reports transaction_status {status!r}, not the captured state",
        )
