"""Turn a request or a response into a list of precise violations.

>>> v = Validator("midtrans")
>>> body = {"transaction_id": "t-1", "gross_amount": 30000.0}
>>> [x.rule for x in v.validate_request("capture", body)]
['midtrans.gross-amount.decimal-literal']
>>> v.validate_response("capture", {"status_code": "412",
...     "status_message": "Merchant cannot modify the status of the transaction"}, status=412)
[]
>>> [x.rule for x in v.validate_notification(b"<html>")]
['midtrans.notification.json']
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

import httpx

from . import rules as _rules
from ._messages import NOT_JSON, Message, request_message, response_message
from ._schemas import CompiledSchemas
from .rules.notifications import expectations
from .specs import PROFILES, Operation, Spec, check_choice, load_spec
from .violations import MISSING, Violation

__all__ = ["Validator", "validate_notification", "validate_request", "validate_response"]

#: What a delivery may be given as: an httpx request, its raw body, or the parsed body.
NotificationInput = httpx.Request | bytes | str | Mapping[str, Any] | Any


@functools.cache
def _compiled(provider: str, profile: str, specs_dir: str | None) -> CompiledSchemas:
    return CompiledSchemas(load_spec(provider, specs_dir), profile)


class Validator:
    """Checks one provider's traffic against ``specs/`` in one profile.

    *profile* is ``documented`` (the providers' documentation only) or
    ``observed`` (documentation plus what the sandboxes are seen to do).
    Compiled schemas are shared by every validator of the same provider and profile.
    """

    def __init__(
        self, provider: str, *, profile: str = "documented", specs_dir: str | None = None
    ) -> None:
        check_choice("profile", profile, PROFILES)
        self.spec: Spec = load_spec(provider, specs_dir)
        self.provider = provider
        self.profile = profile
        self._schemas = _compiled(provider, profile, specs_dir)

    def __repr__(self) -> str:
        return f"Validator({self.provider!r}, profile={self.profile!r})"

    def validate_request(self, operation: str, request: httpx.Request | Any) -> list[Violation]:
        """Violations of a request: an :class:`httpx.Request`, its raw ``bytes`` body, or a
        bare (parsed) JSON body. Bytes that are not JSON are a violation, not an exception."""
        op = self.spec.operation(operation)
        msg = request_message(request)
        found = self._schema_violations(op.request_schema, msg)
        found += self._parameter_violations(op, msg)
        return found + self._rule_violations("request", op, msg, None)

    def validate_response(
        self,
        operation: str,
        response: httpx.Response | Any,
        *,
        request: httpx.Request | Any | None = None,
        status: int | None = None,
    ) -> list[Violation]:
        """Violations of a response: an :class:`httpx.Response`, or a body and *status*.

        The body is raw ``bytes`` (read as JSON: not JSON is a violation) or the parsed
        document.

        Pass the *request* to also check what the response must echo from it.
        """
        op = self.spec.operation(operation)
        msg = response_message(response, status)
        sent = None if request is None else request_message(request)
        uri = op.response_schema(msg.status or 0)
        found = self._schema_violations(uri, msg)
        return found + self._rule_violations("response", op, sent, msg)

    def validate_notification(
        self,
        notification: NotificationInput,
        *,
        server_key: str | None = None,
        callback_key: str | None = None,
        expected_status: str | Collection[str] | None = None,
        transaction: Mapping[str, Any] | httpx.Response | None = None,
    ) -> list[Violation]:
        """Violations of a delivery the provider POSTs to the merchant (the spec's webhook).

        *notification* is an :class:`httpx.Request` (its headers are checked too:
        Midtrans's ``Content-Type``, Pivot's ``X-API-Key``), raw ``bytes``/``str``
        (a body that is not JSON is a violation, not an exception), or a parsed body.

        - *server_key* (Midtrans): check ``signature_key``; without it the signature
          is not judged and nothing is reported about it.
        - *callback_key* (Pivot): ``X-API-Key`` must equal it; without it only its
          presence is checked (when headers are known).
        - *expected_status*: the status (or statuses) the delivery must report, exactly.
        - *transaction*: the transaction as last read (Midtrans: a status-read body or a
          capture answer; Pivot: the payment session or its GET envelope). The delivery
          must be for it, and its status on one documented lifecycle path with it.

        A key or status that does not fit the provider raises :class:`UsageError`.

        >>> body = {"event": "PAYMENT.PAID", "data": {"id": "e03c2066-9e5b-454c-add6-c7c85b0b9d6b",
        ...     "status": "CANCELLED", "amount": {"value": 12000, "currency": "IDR"}}}
        >>> [x.rule for x in Validator("pivot").validate_notification(body)]
        ['pivot.notification.event-status']
        """
        op = self.spec.webhook("notification")
        expect = expectations(
            self.spec,
            server_key=server_key,
            callback_key=callback_key,
            expected_status=expected_status,
            transaction=transaction,
        )
        msg = _delivery_message(notification)
        found = self._schema_violations(op.request_schema, msg)
        return found + self._rule_violations("notification", op, msg, None, expect)

    def _schema_violations(self, uri: str | None, msg: Message) -> list[Violation]:
        if uri is None or msg.body is NOT_JSON or msg.body is MISSING:
            return []  # the rules report a missing or unreadable body
        return self._schemas.violations(uri, msg.body)

    def _parameter_violations(self, op: Operation, msg: Message) -> list[Violation]:
        """Path, query and header parameters; a bare body (no method) has none to check."""
        if msg.method is None:
            return []
        path = op.pattern.fullmatch(msg.path or "")
        values = {
            "path": path.groupdict() if path else {},
            "query": msg.query,
            "header": msg.headers if msg.headers is not None else {},
        }
        found: list[Violation] = []
        for param in op.parameters:
            where = values.get(param.location, {})
            pointer = f"/{'headers' if param.location == 'header' else param.location}/"
            pointer += param.name.lower() if param.location == "header" else param.name
            value = where.get(param.name)
            if value is not None:
                found += self._schemas.violations(param.schema, value, prefix=pointer)
            elif param.required and (param.location != "path" or path is not None):
                rule, source = self._schemas.annotation(param.schema)
                found.append(
                    Violation(
                        rule=rule or f"{self.provider}.{op.name}-request.{param.name.lower()}",
                        message=f"required {param.location} parameter {param.name!r} is missing",
                        pointer=pointer,
                        expected="present",
                        actual=MISSING,
                        source=source,
                    )
                )
        return found

    def _rule_violations(
        self,
        phase: _rules._base.Phase,
        op: Operation,
        request: Message | None,
        response: Message | None,
        expect: _rules.Expectations | None = None,
    ) -> list[Violation]:
        params: dict[str, str] = {}
        if request is not None and request.path is not None:
            found = op.pattern.fullmatch(request.path)
            params = found.groupdict() if found else {}
        ctx = _rules.Context(
            self.spec, op, request, response, params, expect or _rules.Expectations()
        )
        out = []
        for rule in _rules.rules_for(self.provider, phase, op.name, self.profile):
            for failure in rule.check(ctx):
                out.append(
                    Violation(
                        rule=rule.id,
                        message=failure.message,
                        pointer=failure.pointer,
                        expected=failure.expected,
                        actual=failure.actual,
                        severity=rule.severity,
                        source=self.spec.source(rule.source),
                    )
                )
        return out


def _delivery_message(notification: NotificationInput) -> Message:
    """A delivery read as a request; a ``str`` is its raw body, like ``bytes``."""
    return request_message(notification.encode() if isinstance(notification, str) else notification)


@functools.cache
def _validator(provider: str, profile: str) -> Validator:
    return Validator(provider, profile=profile)


def validate_request(
    provider: str, operation: str, request: httpx.Request | Any, *, profile: str = "documented"
) -> list[Violation]:
    """Shortcut for ``Validator(provider, profile=profile).validate_request(...)``."""
    return _validator(provider, profile).validate_request(operation, request)


def validate_response(
    provider: str,
    operation: str,
    response: httpx.Response | Any,
    *,
    request: httpx.Request | Any | None = None,
    status: int | None = None,
    profile: str = "documented",
) -> list[Violation]:
    """Shortcut for ``Validator(provider, profile=profile).validate_response(...)``."""
    return _validator(provider, profile).validate_response(
        operation, response, request=request, status=status
    )


def validate_notification(
    provider: str,
    notification: NotificationInput,
    *,
    server_key: str | None = None,
    callback_key: str | None = None,
    expected_status: str | Collection[str] | None = None,
    transaction: Mapping[str, Any] | httpx.Response | None = None,
    profile: str = "documented",
) -> list[Violation]:
    """Shortcut for ``Validator(provider, profile=profile).validate_notification(...)``.

    >>> validate_notification("pivot", {"event": "PAYMENT.PAID"})[0].rule
    'pivot.notification.data'
    """
    return _validator(provider, profile).validate_notification(
        notification,
        server_key=server_key,
        callback_key=callback_key,
        expected_status=expected_status,
        transaction=transaction,
    )
