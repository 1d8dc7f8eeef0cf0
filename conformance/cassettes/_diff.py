"""Comparing two recordings of the same scenarios: what changed, and whether it breaks.

Interactions are paired scenario by scenario (the kit's ``scenario`` tags), and
within a scenario by method, path shape and order: the second ``POST
/v2/capture`` of a scenario is compared with the second one of the other
recording. Untagged cassettes (plain vcrpy) are paired by method, path shape and
order over the whole cassette. Each pair is compared on its HTTP status, body
code, JSON fields (presence and type), enumerated values and messages; each
change is classified by a rule of :mod:`._diff_rules`.

Recorded deliveries (:mod:`._deliveries`) are paired the same way, scenario by
scenario, by their event (Midtrans ``transaction_status``, Pivot ``event``) and
order, and compared on their bodies (the request the provider made) and on how
they are authenticated: the fields a Midtrans ``signature_key`` is a signature
over with the recording's placeholder key, or whether a Pivot callback carries
the callback key as ``X-API-Key``. A delivery only the old recording received
is breaking (``delivery.removed``), so is a changed scheme
(``delivery.signature-scheme-changed``); a new field is not.

>>> import httpx
>>> from conformance.cassettes._format import Cassette, Interaction
>>> def one(status, body):
...     item = Interaction.from_httpx(httpx.Request("POST", "https://api.sandbox.midtrans.com"
...         "/v2/capture"), httpx.Response(status, json=body), scenario="midtrans.full-capture")
...     return Cassette([item])
>>> old = one(200, {"status_code": "200", "transaction_status": "capture"})
>>> new = one(200, {"status_code": "200", "transaction_status": "captured"})
>>> [(c.rule, c.severity) for c in diff(old, new).changes]
[('enum.value-undocumented', 'breaking')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._json import loads
from ..errors import InputError, UsageError
from ._deliveries import delivery_body, delivery_event, recorded_key, signature_scheme
from ._detect import cassette_provider, shape
from ._diff_rules import ERROR_CODE, MESSAGE_FIELDS, RULES, SEVERITIES, enum_fields
from ._format import BodyError, Cassette, Interaction, load_cassette

__all__ = ["FAIL_ON", "Change", "DiffResult", "diff"]

#: ``--fail-on`` choices: exit 1 on a breaking change, on any change, or never.
FAIL_ON = ("breaking", "any", "never")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One difference between the recordings, classified by *rule*."""

    scenario: str
    where: str  # "POST /v2/capture #1"
    pointer: str
    rule: str
    old: Any
    new: Any
    message: str

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "interaction": self.where,
            "pointer": self.pointer,
            "rule": self.rule,
            "severity": self.severity,
            "rationale": RULES[self.rule].rationale,
            "old": self.old,
            "new": self.new,
            "message": self.message,
        }


Exchanged = tuple[str, str, Interaction | None, Interaction | None]


@dataclass
class DiffResult:
    old: str
    new: str
    provider: str
    scenarios: list[str] = field(default_factory=list)
    pairs: int = 0
    changes: list[Change] = field(default_factory=list)
    #: Every interaction of both recordings as compared: (scenario, where, old, new), the
    #: side without a counterpart ``None``. What the HTML page shows side by side, and
    #: where the outputs find the secrets to scrub.
    exchanges: list[Exchanged] = field(default_factory=list, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.severity == s for c in self.changes) for s in SEVERITIES}

    def exit_code(self, fail_on: str = "breaking") -> int:
        """1 when a change at or above *fail_on* is found (``never``: always 0)."""
        if fail_on not in FAIL_ON:
            raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON)}; got {fail_on!r}")
        if fail_on == "never":
            return 0
        if fail_on == "any":
            return 1 if self.changes else 0
        return 1 if self.counts()["breaking"] else 0


def diff(old: str | Path | Cassette, new: str | Path | Cassette) -> DiffResult:
    """Compare recording *new* with *old* (paths or loaded cassettes)."""
    before = old if isinstance(old, Cassette) else load_cassette(old)
    after = new if isinstance(new, Cassette) else load_cassette(new)
    for cassette in (before, after):
        if not cassette.interactions:
            raise InputError(f"{cassette.path}: the cassette holds no interactions")
    provider = _provider(before, after)
    result = DiffResult(before.path, after.path, provider)
    old_groups, new_groups = _groups(before, provider), _groups(after, provider)
    old_sent, new_sent = _groups(before, provider, True), _groups(after, provider, True)
    keys = (recorded_key([before], provider), recorded_key([after], provider))
    for scenario in [*old_groups, *(s for s in new_groups if s not in old_groups)]:
        result.scenarios.append(scenario)
        everything = _paired(old_groups.get(scenario, []), new_groups.get(scenario, []))
        delivered = _paired(old_sent.get(scenario, []), new_sent.get(scenario, []))
        result.exchanges += [(scenario, label, b, a) for label, b, a in everything + delivered]
        if scenario not in new_groups:
            result.changes.append(_whole(scenario, "scenario.removed", "only OLD records it"))
        elif scenario not in old_groups:
            result.changes.append(_whole(scenario, "scenario.added", "only NEW records it"))
        else:
            result.changes += _compare_pairs(provider, scenario, everything)
            result.changes += _compare_deliveries(provider, scenario, delivered, keys)
            pairs = everything + delivered
            result.pairs += sum(1 for _, b, a in pairs if b is not None and a is not None)
    return result


def _scheme(provider: str, item: Interaction, key: str | None) -> str:
    """How *item* is authenticated, in words (what a merchant's verification depends on)."""
    if provider == "midtrans":
        scheme = signature_scheme(delivery_body(item), key) if key else "unknown"
        return {"none": "no signature_key", "unknown": "a signature_key over unknown fields"}.get(
            scheme, f"signature_key = SHA-512({scheme} + server key)"
        )  # fmt: skip
    got = next((v for n, v in item.request_headers() if n.lower() == "x-api-key"), None)
    if not got:
        return "no X-API-Key"
    if key is None:
        return "an X-API-Key"
    return "X-API-Key: the callback key" if got == key else "X-API-Key: another value"


def _compare_deliveries(
    provider: str, scenario: str, pairs: Pairs, keys: tuple[str | None, str | None]
) -> Iterator[Change]:
    for label, before, after in pairs:
        if before is None or after is None:
            yield _one_sided(scenario, label, "delivery", gone=after is None)
        else:
            old, new = _scheme(provider, before, keys[0]), _scheme(provider, after, keys[1])
            if old != new:
                yield Change(scenario, label, "/signature_key" if provider == "midtrans"
                             else "/headers/x-api-key", "delivery.signature-scheme-changed",
                             old, new, f"{old} became {new}")  # fmt: skip
            old_body, new_body = _body(before), _body(after)
            yield from _compare_bodies(provider, scenario, label, old_body, new_body)


def _provider(before: Cassette, after: Cassette) -> str:
    found = [cassette_provider(c) for c in (before, after)]
    for cassette, provider in zip((before, after), found, strict=True):
        if provider is None:
            raise InputError(f"{cassette.path}: no interaction with a Midtrans or Pivot host")
    if found[0] != found[1]:
        raise InputError(
            f"{before.path} is a {found[0]} recording and {after.path} a {found[1]} one; "
            "diff compares two recordings of the same provider"
        )
    return str(found[0])


Keyed = list[tuple[str, Interaction]]
Pairs = list[tuple[str, Interaction | None, Interaction | None]]


def _groups(cassette: Cassette, provider: str, deliveries: bool = False) -> dict[str, Keyed]:
    """Interactions per scenario tag (or one group, ``(untagged)``), each with its shape;
    with *deliveries*, the recorded deliveries instead, each with its event."""
    groups: dict[str, Keyed] = defaultdict(list)
    for item in cassette:
        if (item.delivery is not None) != deliveries:
            continue
        key = (
            f"delivery {delivery_event(item, provider)}"
            if deliveries
            else shape(provider, item.method, item.path)
        )
        groups[item.scenario or "(untagged)"].append((key, item))
    return dict(groups)


def _paired(old: Keyed, new: Keyed) -> Pairs:
    """(label, old, new) by shape and order; a side without a counterpart is ``None``."""
    seen: dict[str, int] = defaultdict(int)
    old_by: dict[tuple[str, int], Interaction] = {}
    order: list[tuple[str, int]] = []
    for key, item in old:
        seen[key] += 1
        old_by[(key, seen[key])] = item
        order.append((key, seen[key]))
    seen.clear()
    new_by: dict[tuple[str, int], Interaction] = {}
    for key, item in new:
        seen[key] += 1
        new_by[(key, seen[key])] = item
        if (key, seen[key]) not in old_by:
            order.append((key, seen[key]))
    return [(f"{key} #{n}", old_by.get((key, n)), new_by.get((key, n))) for key, n in order]


def _compare_pairs(provider: str, scenario: str, pairs: Pairs) -> Iterator[Change]:
    for label, before, after in pairs:
        if before is None or after is None:
            yield _one_sided(scenario, label, "interaction", gone=after is None)
        else:
            yield from _compare(provider, scenario, label, before, after)


def _one_sided(scenario: str, label: str, kind: str, *, gone: bool) -> Change:
    """``<kind>.removed`` (*gone*: only OLD has it) or ``<kind>.added`` (only NEW)."""
    did = "received this delivery" if kind == "delivery" else "makes this call"
    if gone:
        return Change(scenario, label, "", f"{kind}.removed", label, None, f"only OLD {did}")
    return Change(scenario, label, "", f"{kind}.added", None, label, f"only NEW {did}")


def _compare(
    provider: str, scenario: str, where: str, before: Interaction, after: Interaction
) -> Iterator[Change]:
    if before.status != after.status:
        yield Change(scenario, where, "", "status-code.changed", before.status, after.status,
                     f"HTTP {before.status} became HTTP {after.status}")  # fmt: skip
    yield from _compare_bodies(provider, scenario, where, _json(before), _json(after))


def _compare_bodies(
    provider: str, scenario: str, where: str, old_body: Any, new_body: Any
) -> Iterator[Change]:
    provider_code = ERROR_CODE[provider]

    def change(pointer: str, rule: str, old: Any, new: Any, message: str) -> Change:
        return Change(scenario, where, pointer, rule, old, new, message)

    if (old_body is _MISSING) != (new_body is _MISSING):
        yield change("", "body.not-json", _kind(old_body), _kind(new_body),
                     f"the body was {_kind(old_body)} and is now {_kind(new_body)}")  # fmt: skip
        return
    if old_body is _MISSING:
        return
    old_fields, new_fields = _flatten(old_body), _flatten(new_body)
    enums = enum_fields(provider)
    for pointer in [*old_fields, *(p for p in new_fields if p not in old_fields)]:
        if pointer not in new_fields:
            yield change(pointer, "field.removed", sorted(old_fields[pointer][0]), None,
                         f"{pointer} is gone")  # fmt: skip
            continue
        if pointer not in old_fields:
            yield change(pointer, "field.added", None, sorted(new_fields[pointer][0]),
                         f"{pointer} is new")  # fmt: skip
            continue
        (old_types, old_values), (new_types, new_values) = old_fields[pointer], new_fields[pointer]
        if old_types != new_types:
            yield change(pointer, "field.type-changed", sorted(old_types), sorted(new_types),
                         f"{pointer} was {'/'.join(sorted(old_types))}, "
                         f"is now {'/'.join(sorted(new_types))}")  # fmt: skip
            continue
        if old_values == new_values:
            continue
        # Array items (``/validation_messages/*``) are named by their array.
        name = next((part for part in reversed(pointer.split("/")) if part != "*"), "")
        shown_old, shown_new = _shown(old_values), _shown(new_values)
        if pointer == provider_code:
            yield change(pointer, "error-code.changed", shown_old, shown_new,
                         f"body code {shown_old!r} became {shown_new!r}")  # fmt: skip
        elif name in MESSAGE_FIELDS:
            yield change(pointer, "message.changed", shown_old, shown_new,
                         f"message {shown_old!r} became {shown_new!r}")  # fmt: skip
        elif name in enums:
            gone, came = sorted(old_values - new_values), sorted(new_values - old_values)
            unknown = [v for v in came if v not in enums[name]]
            rule = "enum.value-undocumented" if unknown else "enum.value-changed"
            note = f" ({unknown} not in specs/)" if unknown else ""
            yield change(pointer, rule, shown_old, shown_new,
                         f"{pointer}: {gone or 'nothing'} disappeared, "
                         f"{came or 'nothing'} appeared{note}")  # fmt: skip


def _json(item: Interaction) -> Any:
    try:
        raw = item.response_body()
    except BodyError:
        return _MISSING
    if not raw.strip():
        return None  # an empty body compares as JSON null
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def _body(item: Interaction) -> Any:
    """A delivery's request body as JSON, or :data:`_MISSING`."""
    raw = item.request_body()
    if not raw.strip():
        return None
    body = delivery_body(item)
    return _MISSING if body is None else body


def _kind(body: Any) -> str:
    return "not JSON" if body is _MISSING else "JSON"


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


Flat = dict[str, tuple[set[str], set[Any]]]


def _flatten(body: Any, pointer: str = "", out: Flat | None = None) -> Flat:
    """JSON pointer (array items as ``*``) -> (JSON types seen, scalar values seen)."""
    out = {} if out is None else out
    types, values = out.setdefault(pointer, (set(), set()))
    types.add(_type(body))
    if isinstance(body, dict):
        for key, value in body.items():
            _flatten(value, f"{pointer}/{key}", out)
    elif isinstance(body, list):
        for value in body:
            _flatten(value, f"{pointer}/*", out)
    else:
        values.add(body)
    return out


def _shown(values: set[Any]) -> Any:
    ordered: Sequence[Any] = sorted(values, key=repr)
    return ordered[0] if len(ordered) == 1 else list(ordered)


def _whole(scenario: str, rule: str, message: str) -> Change:
    return Change(scenario, "", "", rule, None, None, message)
