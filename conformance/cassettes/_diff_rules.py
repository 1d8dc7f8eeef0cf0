"""How ``cassettes diff`` classifies a change: one table of named rules, and what they read.

Each rule has an id, a class (``breaking``: an integration written against the
contract may fail; ``non-breaking``: the behaviour differs but such an
integration keeps working; ``cosmetic``: nothing a program should read) and a
one-line rationale. Values that legitimately differ between two recordings
(ids, timestamps, tokens, amounts echoed from them) are never compared: only
presence and JSON type, except for codes, enumerated values and messages.

>>> RULES["status-code.changed"].severity
'breaking'
>>> {"fraud_status", "payment_type", "transaction_status"} <= enum_fields("midtrans").keys()
True
>>> ERROR_CODE["pivot"]
'/code'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..specs import load_spec

__all__ = ["ERROR_CODE", "MESSAGE_FIELDS", "RULES", "SEVERITIES", "Rule", "enum_fields"]

BREAKING, NON_BREAKING, COSMETIC = "breaking", "non-breaking", "cosmetic"
#: Most severe first.
SEVERITIES = (BREAKING, NON_BREAKING, COSMETIC)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    rationale: str


RULES: Mapping[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("status-code.changed", BREAKING,
             "integrations branch on the HTTP status of an answer"),
        Rule("error-code.changed", BREAKING,
             "integrations branch on the body code (Midtrans status_code, Pivot code)"),
        Rule("enum.value-undocumented", BREAKING,
             "a value the specs do not list is one no integration written against them handles"),
        Rule("enum.value-changed", NON_BREAKING,
             "another documented value: handled by a documented integration, yet behaviour moved"),
        Rule("field.removed", BREAKING,
             "an integration reading the field no longer finds it"),
        Rule("field.type-changed", BREAKING,
             "a parser expecting the old JSON type fails on the new one"),
        Rule("field.added", NON_BREAKING,
             "responses are open: providers add fields over time and clients ignore unknown ones"),
        Rule("body.not-json", BREAKING,
             "the answer was JSON and is no longer (or the reverse): nothing parses both"),
        Rule("message.changed", COSMETIC,
             "message text is for people; neither the kit nor integrations may judge its wording"),
        Rule("interaction.removed", BREAKING,
             "a call the old recording made and answered is no longer reached: the flow changed"),
        Rule("interaction.added", NON_BREAKING,
             "an extra call is made; the changes before it say why"),
        Rule("delivery.removed", BREAKING,
             "a notification or callback the old recording received no longer comes: a "
             "merchant waiting on it never learns the outcome"),
        Rule("delivery.added", NON_BREAKING,
             "an extra delivery (another event, a retry): handlers are idempotent and "
             "ignore events they do not handle"),
        Rule("delivery.signature-scheme-changed", BREAKING,
             "merchants verify deliveries as documented (Midtrans signature_key, Pivot "
             "X-API-Key): deliveries authenticated another way are rejected"),
        Rule("scenario.removed", NON_BREAKING,
             "a scenario only the old recording holds: the catalogue changed, not the target"),
        Rule("scenario.added", NON_BREAKING,
             "a scenario only the new recording holds: the catalogue changed, not the target"),
    )
}  # fmt: skip

#: Where each provider's answers carry their body code (an error code, or "200"/"00").
ERROR_CODE = {"midtrans": "/status_code", "pivot": "/code"}
#: Fields holding text for people, at any depth.
MESSAGE_FIELDS = frozenset({"status_message", "message", "validation_messages"})
_CATALOGUE_REF = re.compile(r"catalogue\.json#/\$defs/(\w+)$")


@functools.cache
def enum_fields(provider: str) -> Mapping[str, frozenset[Any]]:
    """Field name -> every value the specs allow it, for each enumerated response field.

    Read from the schemas: a property whose schema refers to a catalogue
    enumeration or lists an ``enum``. The same name in several schemas (Pivot's
    session, charge and capture ``status``) gets the union. Body-code fields are
    left out (they have their own rule).
    """
    spec = load_spec(provider)
    found: dict[str, set[Any]] = {}
    for schema in spec.schemas.values():
        for name, sub in _properties(schema):
            values = set(_enum_values(sub, spec))
            if values:
                found.setdefault(name, set()).update(values)
    code = ERROR_CODE[provider].lstrip("/")
    return {name: frozenset(v) for name, v in found.items() if name != code}


def _properties(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            yield from props.items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item)


def _enum_values(sub: Any, spec: Any) -> Iterator[Any]:
    """The values one property schema enumerates (through allOf/anyOf/oneOf, not deeper)."""
    if not isinstance(sub, dict):
        return
    if isinstance(sub.get("enum"), list):
        yield from (v for v in sub["enum"] if isinstance(v, str))
    ref = sub.get("$ref")
    match = _CATALOGUE_REF.search(ref) if isinstance(ref, str) else None
    if match is not None:
        yield from (v for v in spec.catalogue_values(match.group(1)) if isinstance(v, str))
    for key in ("allOf", "anyOf", "oneOf"):
        for item in sub.get(key) or ():
            yield from _enum_values(item, spec)
