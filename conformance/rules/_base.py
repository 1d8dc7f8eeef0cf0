"""The rule registry: checks that JSON Schema cannot express, as small named functions.

A rule receives a :class:`Context` (the operation, the parsed request and/or
response) and yields :class:`Failure` values; the validator turns each into a
:class:`~conformance.violations.Violation` carrying the rule's id, severity and
source::

    @rule("midtrans.capture-response.transaction-id-echo", provider="midtrans",
          phase="response", operations={"capture"}, source="midtrans.capture-response")
    def transaction_id_echo(ctx):
        ...  # yield Failure(pointer, expected, actual, message) for each problem
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from .._messages import Message
from ..specs import Operation, Spec
from ..violations import Severity

__all__ = ["Context", "Expectations", "Failure", "Phase", "Rule", "all_rules", "rule", "rules_for"]

#: ``notification`` rules judge a delivery the provider POSTs to the merchant
#: (the ``webhooks`` of a spec); its body and headers are ``Context.request``.
Phase = Literal["request", "response", "notification"]


class Failure(NamedTuple):
    """What a rule found wrong: where, what it expected, what it got, in one line."""

    pointer: str
    expected: Any
    actual: Any
    message: str


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the caller knows beyond the message itself; ``None`` means "not known".

    *server_key* / *callback_key*: the secret a delivery must be signed or sent with.
    *statuses*: the status values a delivery may report, exactly. *known_status*: the
    transaction's status as last read; a delivery agrees with it when both lie on one
    path of the documented lifecycle (the catalogue's ``x-next``). *known_id*: where
    the delivery names its transaction (a JSON pointer) and the id it must name.
    """

    server_key: str | None = None
    callback_key: str | None = None
    statuses: frozenset[str] | None = None
    known_status: str | None = None
    known_id: tuple[str, str] | None = None  # (JSON pointer, value): the transaction's id


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may look at. ``request`` is ``None`` when only a response is checked."""

    spec: Spec
    operation: Operation
    request: Message | None
    response: Message | None
    path_params: dict[str, str]
    expect: Expectations = Expectations()


Check = Callable[[Context], Iterable[Failure]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    provider: str
    phase: Phase
    operations: frozenset[str] | None
    profile: str
    source: str | None
    severity: Severity
    check: Check
    doc: str


_REGISTRY: list[Rule] = []


def rule(
    rule_id: str,
    *,
    provider: str,
    phase: Phase,
    source: str | None,
    operations: Iterable[str] | None = None,
    profile: str = "documented",
    severity: Severity = Severity.ERROR,
) -> Callable[[Check], Check]:
    """Register a check. ``profile="observed"`` rules run only in the observed profile."""

    def register(check: Check) -> Check:
        if any(r.id == rule_id for r in _REGISTRY):
            raise ValueError(f"rule id {rule_id!r} is registered twice")
        _REGISTRY.append(
            Rule(
                id=rule_id,
                provider=provider,
                phase=phase,
                operations=None if operations is None else frozenset(operations),
                profile=profile,
                source=source,
                severity=severity,
                check=check,
                doc=(check.__doc__ or "").strip().splitlines()[0] if check.__doc__ else "",
            )
        )
        rules_for.cache_clear()
        return check

    return register


@functools.lru_cache(maxsize=256)
def rules_for(provider: str, phase: Phase, operation: str, profile: str) -> tuple[Rule, ...]:
    """The rules that apply to one provider, phase, operation and profile."""
    return tuple(
        r
        for r in _REGISTRY
        if r.provider == provider
        and r.phase == phase
        and (r.operations is None or operation in r.operations)
        and r.profile in ("documented", profile)
    )


def all_rules() -> tuple[Rule, ...]:
    return tuple(_REGISTRY)
