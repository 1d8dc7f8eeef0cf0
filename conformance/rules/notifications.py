"""Rules for the deliveries a provider POSTs to the merchant: notifications and callbacks.

They judge what a schema cannot: Midtrans's ``signature_key`` against the server
key, Pivot's ``X-API-Key`` against the callback key, an event against the status it
names, and a delivered status against what the caller knows of the transaction
(:class:`~conformance.rules.Expectations`). A check whose input was not given
(no key, no headers, no known state) says nothing.

>>> from conformance.rules import all_rules
>>> sorted(r.id for r in all_rules() if r.phase == "notification")[:2]
['midtrans.notification.content-type', 'midtrans.notification.delivered']
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import httpx

from .._messages import parse_json
from ..errors import UsageError
from ..signatures import midtrans_signature, signature_matches
from ..specs import Spec
from ..violations import MISSING
from ._base import Context, Expectations, Failure, rule
from .common import header_pointer, json_media_failures, not_json_failures, object_body

__all__ = ["SIGNATURE_MISTAKES", "expectations"]

#: Per provider: the catalogue of the delivered status, and where it and the id stand.
_STATE = {
    "midtrans": ("transaction_status", "/transaction_status", "/transaction_id"),
    "pivot": ("session_status", "/data/status", "/data/id"),
}


def expectations(
    spec: Spec,
    *,
    server_key: str | None = None,
    callback_key: str | None = None,
    expected_status: str | Collection[str] | None = None,
    transaction: Mapping[str, Any] | httpx.Response | None = None,
) -> Expectations:
    """Check the caller's keywords against the provider and turn them into :class:`Expectations`.

    *transaction* is the transaction as last read: for Midtrans a status-read body or a
    capture answer (``transaction_status``, ``transaction_id``); for Pivot the payment
    session, bare or in its ``GET /v2/payments/{id}`` envelope.

    >>> from conformance.specs import load_spec
    >>> known = {"transaction_status": "capture", "transaction_id": "t-1"}
    >>> found = expectations(load_spec("midtrans"), transaction=known)
    >>> found.known_status, found.known_id
    ('capture', ('/transaction_id', 't-1'))
    """
    provider = spec.provider
    for name, value, owner in (
        ("server_key", server_key, "midtrans"),
        ("callback_key", callback_key, "pivot"),
    ):
        if value is not None and provider != owner:
            raise UsageError(f"{name} applies to {owner} deliveries, not to {provider}")
        if value == "":
            raise UsageError(f"{name} is empty; leave it out to skip the check")
    catalogue, _, id_at = _STATE[provider]
    values = set(spec.catalogue_values(catalogue))
    statuses = None
    if expected_status is not None:
        wanted = {expected_status} if isinstance(expected_status, str) else set(expected_status)
        unknown = sorted(wanted - values)
        if unknown or not wanted:
            raise UsageError(
                f"expected_status {unknown or wanted!r} is not a {provider} {catalogue}"
            )
        statuses = frozenset(wanted)
    known_status = known_id = None
    if transaction is not None:
        body: Any = transaction
        if isinstance(transaction, httpx.Response):
            body = parse_json(transaction.read())  # not JSON: no status, reported below
        if (
            provider == "pivot"
            and isinstance(body, Mapping)
            and isinstance(body.get("data"), Mapping)
        ):
            body = body["data"]
        key = "transaction_status" if provider == "midtrans" else "status"
        known_status = body.get(key) if isinstance(body, Mapping) else None
        if known_status not in values:
            raise UsageError(
                f"transaction must carry a {catalogue} in {key!r}, got {known_status!r}"
                + (
                    " (pass the payment session, not a capture answer)"
                    if provider == "pivot"
                    else ""
                )
            )
        ident = body.get(id_at.rsplit("/", 1)[-1])
        known_id = (id_at, ident) if isinstance(ident, str) else None
    return Expectations(server_key, callback_key, statuses, known_status, known_id)


def _at(body: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        body = body.get(part, MISSING) if isinstance(body, dict) else MISSING
    return body


# Both providers: a delivery is a JSON POST.
def _json(ctx: Context) -> Iterator[Failure]:
    """The delivery's body is a JSON document."""
    yield from not_json_failures(ctx.request, "notification")


def _method(ctx: Context) -> Iterator[Failure]:
    """The delivery is a POST (known only when a request, not a bare body, is given)."""
    method = ctx.request.method if ctx.request is not None else None
    if method is not None and method.upper() != ctx.operation.method:
        yield Failure(
            "/method", ctx.operation.method, method, f"a delivery is a POST, not {method!r}"
        )


def _state(ctx: Context) -> Iterator[Failure]:
    """The delivered status agrees with what the caller knows of the transaction.

    Exactly one of the expected statuses, when given; and on one documented
    lifecycle path with the known status (the same, later news, or stale news, which
    the providers say may arrive out of order). Statuses without a documented place
    on the path (no ``x-next`` in the catalogue) are not judged.
    """
    expect, body = ctx.expect, object_body(ctx.request)
    catalogue, status_at, _ = _STATE[ctx.spec.provider]
    if expect.known_id is not None:
        pointer, ident = expect.known_id
        got = _at(body, pointer)
        if isinstance(got, str) and got != ident:
            yield Failure(
                pointer, ident, got, f"the delivery is for another transaction than {ident!r}"
            )
    status = _at(body, status_at)
    if not isinstance(status, str):
        return  # missing or mistyped: the schema reports it
    if expect.statuses is not None and status not in expect.statuses:
        wanted = sorted(expect.statuses)
        yield Failure(
            status_at, wanted, status, f"status {status!r} is not the expected {wanted!r}"
        )
    known = expect.known_status
    if known is not None and not _on_one_path(ctx.spec, catalogue, status, known):
        yield Failure(
            status_at,
            f"{known!r}, a status before it or one the lifecycle allows after it",
            status,
            f"status {status!r} contradicts the transaction's {known!r}",
        )


def _on_one_path(spec: Spec, catalogue: str, one: str, other: str) -> bool:
    following = {e["const"]: e["x-next"] for e in spec.catalogue(catalogue) if "x-next" in e}
    if one not in following or other not in following:
        return True  # no documented place on the path: not judged

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(following.get(node, ()))
        return False

    return reaches(one, other) or reaches(other, one)


for _provider, _source, _state_source in (
    ("midtrans", "midtrans.notification", "midtrans.notification-handling"),
    ("pivot", "pivot.callback", "pivot.manual-capture-flow"),
):
    rule(
        f"{_provider}.notification.json", provider=_provider, phase="notification", source=_source
    )(_json)
    rule(
        f"{_provider}.notification.method", provider=_provider, phase="notification", source=_source
    )(_method)
    rule(
        f"{_provider}.notification.state",
        provider=_provider,
        phase="notification",
        source=_state_source,
    )(_state)


@rule(
    "midtrans.notification.content-type",
    provider="midtrans",
    phase="notification",
    source="midtrans.notification",
)
def midtrans_content_type(ctx: Context) -> Iterator[Failure]:
    """Midtrans sends notifications as ``Content-Type: application/json``."""
    if ctx.request is not None and ctx.request.headers is not None:
        yield from json_media_failures(ctx.request.headers, "Content-Type")


#: Signatures a sender computes by mistake, and how to say so.
SIGNATURE_MISTAKES = (
    (
        "transaction_status in place of status_code",
        ("order_id", "transaction_status", "gross_amount"),
    ),
    ("gross_amount and status_code swapped", ("order_id", "gross_amount", "status_code")),
)


def _signature_over(
    body: dict[str, Any], fields: tuple[str, str, str], key: str | None
) -> str | None:
    """The signature over three body fields, ``None`` without a key or a string field."""
    first, second, third = (body.get(name) for name in fields)
    if key is None or not all(isinstance(v, str) for v in (first, second, third)):
        return None
    return midtrans_signature(str(first), str(second), str(third), key)


@rule(
    "midtrans.notification.signature",
    provider="midtrans",
    phase="notification",
    source="midtrans.notification-signature",
)
def midtrans_signature_key(ctx: Context) -> Iterator[Failure]:
    """``signature_key`` is SHA-512(order_id + status_code + gross_amount + server key).

    Judged only with a server key, and only when the three signed fields are strings
    (a number there is ``midtrans.notification.signed-string``, from the schema).
    """
    key, body = ctx.expect.server_key, object_body(ctx.request)
    got = body.get("signature_key")
    expected = _signature_over(body, ("order_id", "status_code", "gross_amount"), key)
    if expected is None or not isinstance(got, str) or signature_matches(got, expected):
        return
    hint = ""
    for mistake, fields in SIGNATURE_MISTAKES:
        other = _signature_over(body, fields, key)
        if other is not None and signature_matches(got, other):
            hint = f"; it is the signature with {mistake}"
            break
    yield Failure(
        "/signature_key",
        expected,
        got,
        "signature_key is not SHA-512(order_id + status_code + gross_amount + server key) "
        f"for the configured server key{hint}",
    )


@rule(
    "pivot.notification.api-key",
    provider="pivot",
    phase="notification",
    source="pivot.callback-api-key",
)
def pivot_api_key(ctx: Context) -> Iterator[Failure]:
    """A callback carries ``X-API-Key``, equal to the configured callback key when one is given.

    Judged only when the delivery's headers are known (an :class:`httpx.Request`).
    Neither key is ever shown: both are secrets.
    """
    if ctx.request is None or ctx.request.headers is None:
        return
    pointer = header_pointer("X-API-Key")
    got = ctx.request.headers.get("x-api-key")
    if not got:
        yield Failure(
            pointer, "the callback API key", MISSING if got is None else got, "X-API-Key is missing"
        )
        return
    key = ctx.expect.callback_key
    if key is not None and not hmac.compare_digest(got.encode(), key.encode()):
        yield Failure(
            pointer,
            "<the configured callback key>",
            "<redacted: another value>",
            "X-API-Key does not equal the configured callback key",
        )


@rule(
    "pivot.notification.event-status",
    provider="pivot",
    phase="notification",
    source="pivot.callback-events",
)
def pivot_event_status(ctx: Context) -> Iterator[Failure]:
    """A ``PAYMENT.<status>`` event reports ``data.status`` ``<status>``.

    The documented events name their session status in the catalogue
    (``x-session-status``); observed ``PAYMENT.<status>`` events are built the same
    way. ``PAYMENT.TEST`` and ``CHARGE.<status>`` are not judged: the facts do not say
    what their ``data`` holds.
    """
    body = object_body(ctx.request)
    event, status = body.get("event"), _at(body, "/data/status")
    if not isinstance(event, str) or status not in ctx.spec.catalogue_values("session_status"):
        return  # an uncatalogued status is the schema's to report
    named = {e["const"]: e.get("x-session-status") for e in ctx.spec.catalogue("callback_event")}
    wanted = named.get(event)
    if wanted is None and event.startswith("PAYMENT.") and event != "PAYMENT.TEST":
        wanted = event.removeprefix("PAYMENT.")
    if wanted is not None and status != wanted:
        yield Failure(
            "/data/status",
            wanted,
            status,
            f"event {event!r} reports status {wanted!r}, data.status is {status!r}",
        )


def _delivered(ctx: Context) -> Iterator[Failure]:
    """An accepted capture's outcome is delivered: judged by the suite, never on one message.

    A delivery that arrived was delivered, so this yields nothing here. ``check``
    and ``run`` report the rule when an accepted capture (Midtrans) or the
    session it settled (Pivot) brought no delivery within ``--delivery-timeout``
    (:mod:`conformance.suite._deliveries`).
    """
    return iter(())


for _provider, _source in (
    ("midtrans", "midtrans.notification"),
    ("pivot", "pivot.callback-events"),
):
    rule(
        f"{_provider}.notification.delivered",
        provider=_provider,
        phase="notification",
        source=_source,
    )(_delivered)
