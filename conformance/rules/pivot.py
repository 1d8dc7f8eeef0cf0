"""Pivot Payment rules that JSON Schema cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..violations import MISSING
from ._base import Context, Failure, rule
from .common import header_pointer, json_media_failures
from .common import object_body as _body

_P = "pivot"
_BEARER_OPS = {"capture", "create-payment", "get-payment"}


def _data(ctx: Context) -> dict[str, Any]:
    data = _body(ctx.response).get("data")
    return data if isinstance(data, dict) else {}


def _success(ctx: Context) -> bool:
    return ctx.response is not None and ctx.response.status == 200 and bool(_data(ctx))


@rule(
    "pivot.request.authorization",
    provider=_P,
    phase="request",
    operations=_BEARER_OPS,
    source="pivot.auth-bearer",
)
def bearer(ctx: Context) -> Iterator[Failure]:
    """API calls send ``Authorization: Bearer <access token>``."""
    if ctx.request is None or ctx.request.headers is None:
        return
    value = ctx.request.headers.get("authorization")
    scheme, _, token = (value or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        yield Failure(
            header_pointer("Authorization"),
            "Bearer <access token>",
            MISSING if value is None else "<redacted>",
            "Authorization must be a Bearer access token",
        )


@rule(
    "pivot.request.merchant-credentials",
    provider=_P,
    phase="request",
    operations={"access-token"},
    source="pivot.access-token",
)
def merchant_credentials(ctx: Context) -> Iterator[Failure]:
    """The access-token call is authorised by ``X-MERCHANT-ID`` and ``X-MERCHANT-SECRET``."""
    if ctx.request is None or ctx.request.headers is None:
        return
    for name in ("X-MERCHANT-ID", "X-MERCHANT-SECRET"):
        if not ctx.request.headers.get(name):
            yield Failure(header_pointer(name), "a non-empty value", MISSING, f"{name} is missing")


@rule(
    "pivot.request.content-type",
    provider=_P,
    phase="request",
    operations={"capture", "create-payment", "access-token"},
    source="pivot.capture-request",
)
def content_type(ctx: Context) -> Iterator[Failure]:
    """Request bodies are JSON."""
    if ctx.request is not None and ctx.request.headers is not None:
        yield from json_media_failures(ctx.request.headers, "Content-Type")


@rule(
    "pivot.capture-request.idr-decimal",
    provider=_P,
    phase="request",
    operations={"capture"},
    profile="observed",
    source="pivot.observed-capture-rules",
)
def idr_decimal(ctx: Context) -> Iterator[Failure]:
    """IDR amounts have no fraction: ``12000.5`` is rejected by the sandbox."""
    amount = _body(ctx.request).get("amount")
    if isinstance(amount, dict) and amount.get("currency") == "IDR":
        value = amount.get("value")
        if isinstance(value, float) and not value.is_integer():
            yield Failure(
                "/amount/value", "a whole number of rupiah", value, "IDR amounts have no fraction"
            )


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@rule(
    "pivot.capture-response.id",
    provider=_P,
    phase="response",
    operations={"capture"},
    profile="observed",
    source="pivot.capture-id",
)
def capture_id_uuid(ctx: Context) -> Iterator[Failure]:
    """Observed: the capture id is a UUID (v7 in practice); documented, it is a String.

    A rule, not a schema constraint: the OpenAPI document states the documented
    contract, so tools that read it (schemathesis) judge no more strictly than that.
    """
    capture_id = _data(ctx).get("id")
    if (
        _success(ctx)
        and isinstance(capture_id, str)
        and capture_id
        and not _UUID.fullmatch(capture_id)
    ):
        yield Failure("/data/id", "a UUID (observed)", capture_id, "the capture id is not a UUID")


@rule(
    "pivot.capture-response.session-id-echo",
    provider=_P,
    phase="response",
    operations={"capture"},
    source="pivot.capture-response",
)
def session_id_echo(ctx: Context) -> Iterator[Failure]:
    """``data.paymentSessionId`` is the payment session id of the request path."""
    sent = ctx.path_params.get("id")
    data = _data(ctx)
    if not _success(ctx) or sent is None or "paymentSessionId" not in data:
        return
    # The path id is a UUID, and UUIDs compare case-insensitively (RFC 9562).
    answered = data["paymentSessionId"]
    if not isinstance(answered, str) or answered.lower() != sent.lower():
        yield Failure(
            "/data/paymentSessionId",
            sent,
            data["paymentSessionId"],
            "paymentSessionId differs from the path id",
        )


@rule(
    "pivot.capture-response.release-echo",
    provider=_P,
    phase="response",
    operations={"capture"},
    source="pivot.release-remaining",
)
def release_echo(ctx: Context) -> Iterator[Failure]:
    """``data.releaseRemainingAmount`` echoes the request."""
    sent = _body(ctx.request).get("releaseRemainingAmount", MISSING)
    data = _data(ctx)
    if not _success(ctx) or not isinstance(sent, bool) or "releaseRemainingAmount" not in data:
        return
    if data["releaseRemainingAmount"] is not sent:
        yield Failure(
            "/data/releaseRemainingAmount",
            sent,
            data["releaseRemainingAmount"],
            "releaseRemainingAmount differs from the request",
        )


@rule(
    "pivot.capture-response.amount-echo",
    provider=_P,
    phase="response",
    operations={"capture"},
    source="pivot.amount",
)
def amount_echo(ctx: Context) -> Iterator[Failure]:
    """When the request named an amount, ``data.amount`` is that amount (never ``null``)."""
    sent = _body(ctx.request).get("amount")
    got = _data(ctx).get("amount", MISSING)
    if not (_success(ctx) and isinstance(sent, dict)):
        return
    if got is None:  # observed `null` stands only for "the request had no amount"
        yield Failure("/data/amount", sent, None, "amount is null although the request named one")
    if not isinstance(got, dict):
        return
    for key in ("value", "currency"):
        if key in sent and key in got and got[key] != sent[key]:
            yield Failure(
                f"/data/amount/{key}", sent[key], got[key], f"amount.{key} differs from the request"
            )


@rule(
    "pivot.error.http-code",
    provider=_P,
    phase="response",
    source="pivot.error-table",
)
def error_code_matches_status(ctx: Context) -> Iterator[Failure]:
    """An error's ``code`` and ``error.type`` are the ones the error table gives its HTTP status."""
    response, body = ctx.response, _body(ctx.response)
    status = response.status if response is not None else None
    if status is None or status < 400 or not isinstance(body.get("code"), str):
        return
    entries = {e["const"]: e for e in ctx.spec.catalogue("error_code")}
    code = body["code"]
    allowed = sorted(c for c, e in entries.items() if status in e.get("x-http-status", ()))
    if code in entries and allowed and code not in allowed:
        yield Failure("/code", allowed, code, f"code is not one the table gives HTTP {status}")
    error = body.get("error")
    kind = error.get("type") if isinstance(error, dict) else None
    # The table pairs no code with PARTNER_ERROR, so it constrains only the other two
    # types; an uncatalogued type is the schema's to report.
    if code in entries and kind in ("API_ERROR", "GATEWAY_ERROR"):
        types = entries[code].get("x-error-type", ())
        if types and kind not in types:
            yield Failure("/error/type", list(types), kind, f"error.type does not fit {code!r}")
