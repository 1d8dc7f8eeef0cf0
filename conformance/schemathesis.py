"""The kit's judgement as a schemathesis check: every answer, validated by the kit's rules.

A hooks module for schemathesis 4. Enable it in one line, for either provider::

    SCHEMATHESIS_HOOKS=conformance.schemathesis schemathesis run specs/pivot/openapi.yaml --url URL

or ``hooks = "conformance.schemathesis"`` at the top of ``schemathesis.toml``.
Importing it registers one check, ``capture_conformance``, beside schemathesis's
own (all stay on). For every answer schemathesis gets, it finds the operation
the request was sent to (method and path, :meth:`conformance.specs.Spec.match`)
and runs :meth:`conformance.validator.Validator.validate_response` on the answer,
given the request (so echoed ids and amounts are judged too). Each
error-severity violation becomes one schemathesis failure titled with the kit's
rule id, with the pointer, expected vs received (redacted) and the source.

- The provider: ``$CAPTURE_CONFORMANCE_PROVIDER`` (``midtrans`` or ``pivot``)
  when set; else the OpenAPI document's ``info.title`` when it is one of the
  kit's own (``specs/<provider>/openapi.yaml``); else the provider whose spec
  has the operation's method and path template. An operation no provider
  serves (a route of your own) is not judged.
- The profile: ``$CAPTURE_CONFORMANCE_PROFILE``, ``documented`` (the default)
  or ``observed``.

An unknown provider or profile in the environment stops schemathesis before it
sends anything (it reports a hooks error naming this module).

>>> PROFILE, sorted(CHECKS)
('documented', ['capture_conformance'])
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import httpx
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.failures import Severity as FailureSeverity

from ._constants import DEFAULT_PROFILE, PROFILES, PROVIDERS
from .reports._evidence import display
from .reports._redact import Redactor
from .specs import Spec, check_choice, load_spec
from .validator import Validator
from .violations import Severity, Violation

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response

__all__ = ["CHECKS", "PROFILE", "PROFILE_VAR", "PROVIDER_VAR", "KitViolation", "provider_of"]

PROVIDER_VAR = "CAPTURE_CONFORMANCE_PROVIDER"
PROFILE_VAR = "CAPTURE_CONFORMANCE_PROFILE"


def _setting(variable: str, choices: tuple[str, ...], default: str | None) -> str | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    return check_choice(f"${variable} value", value, choices)


#: Read once, when schemathesis loads the hooks: one run, one provider and profile.
PROVIDER = _setting(PROVIDER_VAR, PROVIDERS, None)
PROFILE: str = _setting(PROFILE_VAR, PROFILES, DEFAULT_PROFILE) or DEFAULT_PROFILE


class KitViolation(Failure):
    """One rule of the kit broken by one operation's answers (a schemathesis failure).

    Failures of the same rule on the same operation are one finding, as
    schemathesis keeps one per kind: the rule id is the kind.
    """

    code: ClassVar[str] = "ST901"
    kind_title: ClassVar[str] = "capture-conformance rule"

    __slots__ = ("rule",)

    def __init__(self, *, operation: str, rule: str, title: str, message: str) -> None:
        super().__init__(
            operation=operation, title=title, message=message, severity=FailureSeverity.HIGH
        )
        self.rule = rule

    @property
    def _unique_key(self) -> str:
        return self.rule


def _title_of(spec: Spec) -> str:
    title = spec.openapi.get("info", {}).get("title", "")
    return str(title)


@functools.cache
def _titles() -> dict[str, str]:
    return {_title_of(load_spec(provider)): provider for provider in PROVIDERS}


def provider_of(document: Any, method: str, template: str) -> str | None:
    """The provider whose contract judges *method* *template* of the OpenAPI *document*.

    >>> provider_of({"info": {"title": "My gateway"}}, "POST", "/v2/payments/{id}/capture")
    'pivot'
    >>> provider_of({"info": {"title": "My gateway"}}, "GET", "/health") is None
    True
    """
    if PROVIDER is not None:
        return PROVIDER
    info = document.get("info") if isinstance(document, dict) else None
    title = info.get("title") if isinstance(info, dict) else None
    if isinstance(title, str) and title in _titles():
        return _titles()[title]
    serving = [
        provider
        for provider in PROVIDERS
        if any(
            op.method == method.upper() and op.path == template
            for op in load_spec(provider).operations.values()
        )
    ]
    return serving[0] if len(serving) == 1 else None


@functools.cache
def _validator(provider: str) -> Validator:
    return Validator(provider, profile=PROFILE)


def _request(response: Response) -> httpx.Request:
    sent = response.request
    body = sent.body
    content = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
    return httpx.Request(
        str(sent.method or "GET"), str(sent.url), headers=dict(sent.headers), content=content
    )


def _response(response: Response, request: httpx.Request) -> httpx.Response:
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    return httpx.Response(
        response.status_code, headers=headers, content=response.content, request=request
    )


def _failure(label: str, violation: Violation, scrub: Redactor) -> KitViolation:
    lines = [
        f"at: {violation.pointer or '/'}",
        f"expected: {display(violation.expected, scrub)}",
        f"received: {display(violation.actual, scrub)}",
    ]
    if violation.source is not None:
        src = violation.source
        lines.append(scrub(f"source: {src.kind}, {src.ref}: {src.quote!r}"))
    lines.append(f"profile: {PROFILE}")
    return KitViolation(
        operation=label,
        rule=violation.rule,
        title=f"{violation.rule}: {scrub(violation.message)}",
        message="\n".join(lines),
    )


def judge(
    provider: str, request: httpx.Request, response: httpx.Response, *, paths: Iterable[str] = ()
) -> list[Violation]:
    """The kit's error-severity violations of *response*, or none for a route no spec has.

    *paths* are more paths to try when the request's own does not match (the
    operation's path without a base path the URL adds).

    >>> request = httpx.Request("POST", "http://127.0.0.1/v2/capture", json={})
    >>> answer = httpx.Response(500, json={"status_code": "404", "status_message": "?"})
    >>> [v.rule for v in judge("midtrans", request, answer)]
    ['midtrans.response.http-status']
    """
    validator = _validator(provider)
    for path in (request.url.path, *paths):
        found = validator.spec.match(request.method, path)
        if found is not None:
            operation = found[0].name
            break
    else:
        return []
    found_violations = validator.validate_response(operation, response, request=request)
    return [v for v in found_violations if v.severity is Severity.ERROR]


@schemathesis.check
def capture_conformance(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every error-severity violation the kit finds in the answer, as schemathesis failures."""
    operation = case.operation
    provider = provider_of(operation.schema.raw_schema, operation.method, operation.path)
    if provider is None:
        return True  # not an operation of a provider's capture API: nothing to judge
    request = _request(response)
    violations = judge(
        provider, request, _response(response, request), paths=[urlsplit(case.formatted_path).path]
    )
    if not violations:
        return None
    scrub = Redactor([], extra=_secrets(request))
    failures = [_failure(operation.label, v, scrub) for v in violations]
    if len(failures) == 1:
        raise failures[0]
    raise FailureGroup(failures)


def _secrets(request: httpx.Request) -> list[str]:
    from .reports._redact import exchange_secrets
    from .suite import Exchange

    return list(exchange_secrets(Exchange("schemathesis", request, None)))


#: The checks this module registers, by name.
CHECKS = {"capture_conformance": capture_conformance}
