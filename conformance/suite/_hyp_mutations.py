"""Schema-violating mutations of a valid request body, derived from the request schema.

:func:`mutation_kinds` walks an operation's request schema (following ``$ref``
and merging ``allOf`` items, observed ones included) and lists, per field:

* ``missing``: the field removed;
* ``type:<json type>``: a value of each JSON type the field does not allow;
  ``null`` only for a *required* field (an optional field sent as ``null`` is
  commonly read as absent: JSON decoders and the reference simulator do so);
* ``exclusiveMinimum`` / ``minimum`` / ``maximum`` / ``minLength`` /
  ``maxLength`` / ``pattern``: a value just outside the keyword;
* ``decimal``: a number with a decimal point for an integer or number field,
  near the authorized amount (the Midtrans decimal-literal rule and Pivot's
  observed "IDR has no fraction" rule live in Python, not in the schema);

plus, for the body itself, a value of each other JSON type and a truncated
(malformed) document. Unknown extra fields are *not* generated: servers commonly
ignore them, and the kit does not require them to be refused.

Whether a mutated body must be refused is not decided here: the caller asks the
kit's validator in the run's profile, so observed-only rules count only in the
``observed`` profile.

Each kind carries a hypothesis strategy for its values and a canonical value
(the simplest one, where hypothesis shrinks to), used as an explicit example so
that every kind is tried once whatever the budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from hypothesis import strategies as st

from ..specs import Spec
from ._hyp_common import Raw

__all__ = ["DROP", "Cut", "MutationKind", "Near", "apply", "mutation_kinds"]


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


#: The value that removes a field.
DROP: Any = _Drop()


@dataclass(frozen=True)
class Near:
    """A decimal near the authorized amount: ``max(1, amount * share // 100) + fraction``."""

    share: int
    fraction: float

    def resolve(self, authorized: int) -> float:
        return float(max(1, authorized * self.share // 100)) + self.fraction


@dataclass(frozen=True)
class Cut:
    """The valid body's JSON text cut to ``share`` percent (at least one character)."""

    share: int


@dataclass(frozen=True)
class MutationKind:
    """One way to break a body: where, how, the values to try and the simplest one."""

    path: tuple[str, ...]
    how: str
    values: st.SearchStrategy[Any]
    canonical: Any

    @property
    def name(self) -> str:
        where = ".".join(self.path) or "body"
        return f"{where}: {self.how}"

    def __repr__(self) -> str:
        return f"MutationKind({self.name!r})"


_JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
_SHARES = st.integers(min_value=0, max_value=99)


def _wrong_values(json_type: str, field_type: str) -> tuple[st.SearchStrategy[Any], Any]:
    """Values of *json_type* for a field declared *field_type*, and the simplest one."""
    if json_type == "string":
        if field_type == "boolean":
            return st.sampled_from(["true", "false", "1"]), "true"
        if field_type in ("integer", "number"):
            return st.integers(min_value=0, max_value=10**9).map(str), "0"
        return st.text(max_size=8), ""
    if json_type == "integer":
        return st.integers(min_value=-(10**6), max_value=10**9), 0
    if json_type == "number":
        return st.integers(min_value=0, max_value=10**6).map(lambda i: i + 0.5), 0.5
    if json_type == "boolean":
        return st.booleans(), False
    if json_type == "array":
        return st.lists(st.integers(min_value=0, max_value=100), max_size=3), []
    if json_type == "object":
        keys = st.sampled_from(["value", "a"])
        return st.dictionaries(keys, st.integers(min_value=0, max_value=100), max_size=2), {}
    return st.none(), None


def _allowed(field_type: Any) -> set[str]:
    types = {field_type} if isinstance(field_type, str) else set(field_type or ())
    if "number" in types:
        types.add("integer")  # every integer is a number
    return types


def _keyword_kinds(path: tuple[str, ...], node: Mapping[str, Any]) -> list[MutationKind]:
    kinds = []
    values: st.SearchStrategy[Any]
    if isinstance(node.get("exclusiveMinimum"), int | float):
        low = int(node["exclusiveMinimum"])
        values = st.integers(min_value=low - 10**6, max_value=low)
        kinds.append(MutationKind(path, "exclusiveMinimum", values, min(max(0, low - 10**6), low)))
    if isinstance(node.get("minimum"), int | float):
        low = int(node["minimum"]) - 1
        values = st.integers(min_value=low - 10**6, max_value=low)
        kinds.append(MutationKind(path, "minimum", values, min(max(0, low - 10**6), low)))
    if isinstance(node.get("maximum"), int | float):
        high = int(node["maximum"]) + 1
        values = st.integers(min_value=high, max_value=high + 10**6)
        kinds.append(MutationKind(path, "maximum", values, high))
    if isinstance(node.get("minLength"), int) and node["minLength"] > 0:
        short = node["minLength"] - 1
        kinds.append(MutationKind(path, "minLength", st.text(max_size=short), ""))
    if isinstance(node.get("maxLength"), int):
        long = node["maxLength"] + 1
        values = st.text(min_size=long, max_size=long + 8)
        kinds.append(MutationKind(path, "maxLength", values, "0" * long))
    if isinstance(node.get("pattern"), str):
        pattern = re.compile(node["pattern"])
        lo = node.get("minLength", 0) if isinstance(node.get("minLength"), int) else 0
        hi = node.get("maxLength", lo + 8) if isinstance(node.get("maxLength"), int) else lo + 8
        values = st.text(min_size=max(lo, 1), max_size=max(hi, 1)).filter(
            lambda s: pattern.search(s) is None
        )
        canonical = next(c for c in ("a", "0", "-", " ", "a0-") if pattern.search(c) is None)
        kinds.append(MutationKind(path, "pattern", values, canonical))
    return kinds


def _field_kinds(
    path: tuple[str, ...], node: Mapping[str, Any], required: bool
) -> list[MutationKind]:
    kinds = [MutationKind(path, "missing", st.just(DROP), DROP)]
    declared = node.get("type")
    allowed = _allowed(declared)
    field_type = declared if isinstance(declared, str) else ""
    for json_type in _JSON_TYPES:
        if json_type in allowed or (json_type == "null" and not required) or not allowed:
            continue
        if json_type == "number" and "integer" in allowed:
            continue  # a decimal for an integer field: the "decimal" kind below
        values, canonical = _wrong_values(json_type, field_type)
        kinds.append(MutationKind(path, f"type:{json_type}", values, canonical))
    kinds += _keyword_kinds(path, node)
    if allowed & {"integer", "number"}:
        # An integral literal (30000.0) breaks an integer field only; a number field
        # needs a fraction.
        integral = "number" not in allowed
        fractions = [0.0, 0.5, 0.25, 0.75] if integral else [0.5, 0.25, 0.75]
        values = st.builds(Near, share=_SHARES, fraction=st.sampled_from(fractions))
        kinds.append(MutationKind(path, "decimal", values, Near(0, fractions[0])))
    return kinds


def mutation_kinds(spec: Spec, schema_uri: str) -> list[MutationKind]:
    """Every mutation kind of the request schema at *schema_uri*, body kinds first."""
    root = _Resolver(spec).expand(spec.schemas[schema_uri], schema_uri)
    kinds = []
    for json_type in ("array", "string", "integer", "boolean", "null"):
        if json_type not in _allowed(root.get("type")):
            values, canonical = _wrong_values(json_type, "object")
            kinds.append(MutationKind((), f"type:{json_type}", values, canonical))
    kinds.append(MutationKind((), "malformed JSON", st.builds(Cut, share=_SHARES), Cut(0)))
    kinds += _object_kinds((), root)
    return kinds


def _object_kinds(path: tuple[str, ...], node: Mapping[str, Any]) -> list[MutationKind]:
    kinds = []
    required = set(node.get("required", ()))
    for name, child in node.get("properties", {}).items():
        if not isinstance(child, Mapping):
            continue
        here = (*path, name)
        kinds += _field_kinds(here, child, name in required)
        if "object" in _allowed(child.get("type")):
            kinds += _object_kinds(here, child)
    return kinds


class _Resolver:
    """``$ref`` (relative file and fragment) resolution and ``allOf`` merging."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def expand(self, node: Any, base: str, depth: int = 0) -> dict[str, Any]:
        if not isinstance(node, Mapping) or depth > 12:
            return {}
        merged: dict[str, Any] = {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target, target_base = self._lookup(ref, base)
            merged = self.expand(target, target_base, depth + 1)
        local = {k: v for k, v in node.items() if k not in ("$ref", "allOf", "properties")}
        properties = {
            name: self.expand(child, base, depth + 1)
            for name, child in node.get("properties", {}).items()
            if isinstance(child, Mapping)
        }
        merged = _merge(merged, {**local, "properties": properties})
        for item in node.get("allOf", ()):
            merged = _merge(merged, self.expand(item, base, depth + 1))
        return merged

    def _lookup(self, ref: str, base: str) -> tuple[Any, str]:
        absolute = urljoin(base, ref)
        document_uri, fragment = urldefrag(absolute)
        document: Any = self.spec.schemas.get(document_uri, {})
        for part in [p for p in fragment.split("/") if p]:
            key = part.replace("~1", "/").replace("~0", "~")
            document = document.get(key, {}) if isinstance(document, Mapping) else {}
        return document, document_uri


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key == "properties":
            props = dict(out.get("properties", {}))
            for name, child in value.items():
                props[name] = _merge(props.get(name, {}), child)
            out["properties"] = props
        elif key == "required":
            out["required"] = sorted(set(out.get("required", ())) | set(value))
        elif key not in out:
            out[key] = value
    return out


def apply(
    body: Any, kind: MutationKind, value: Any, authorized: int, dumps: Callable[[Any], str]
) -> Any:
    """*body* with *kind* applied using *value*; a :class:`Raw` for a malformed document."""
    if isinstance(value, Cut):
        text = dumps(body)
        return Raw(text[: max(1, len(text) * value.share // 100)])
    if isinstance(value, Near):
        value = value.resolve(authorized)
    if not kind.path:
        return value
    out = _copy(body)
    holder = out
    for key in kind.path[:-1]:
        child = holder.get(key)
        if not isinstance(child, dict):
            child = {}
            holder[key] = child
        holder = child
    if value is DROP:
        holder.pop(kind.path[-1], None)
    else:
        holder[kind.path[-1]] = value
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
