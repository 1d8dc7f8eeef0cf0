"""Schema failures explained: jsonschema's detailed errors turned into violations.

Only a document the fast engine refused comes here. Each error is named by the
innermost ``x-rule`` on the way the validator took (with the ``x-source`` written
beside it), and says what the failing keyword expected and what it received.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import jsonschema
import referencing
import referencing.exceptions
from jsonschema.exceptions import ValidationError, best_match

from .specs import Spec
from .violations import MISSING, Source, Violation

__all__ = ["UNKNOWN", "Explainer", "catalogue_values", "json_type"]

_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value (a ``BigNumber`` has no fraction: ``"integer"``)."""
    found = _JSON_TYPES.get(type(value))
    if found is not None:
        return found
    if isinstance(value, Decimal):
        return "integer" if value == value.to_integral_value() else "number"
    return type(value).__name__


def catalogue_values(branches: Any) -> list[Any] | None:
    """The values of a ``oneOf``/``anyOf`` made only of ``const`` branches (a catalogue)."""
    values = []
    for branch in branches:
        if not isinstance(branch, dict) or "const" not in branch:
            return None
        values.append(branch["const"])
    return values


_UNKNOWN: Any = object()
#: The document of an explainer asked only for annotations.
UNKNOWN: Any = _UNKNOWN
_ANY: Any = object()
Resolver = referencing._core.Resolver[Any]


class Explainer:
    """Turns the detailed errors of one document into violations.

    *root* is the document the engines judged; *shown*, when given, is the same
    document as received (its big numbers not yet replaced), whose values the
    violations report.
    """

    def __init__(
        self,
        spec: Spec,
        registry: referencing.Registry[Any],
        uri: str,
        root: Any,
        prefix: str,
        shown: Any = None,
    ) -> None:
        self.spec = spec
        self.registry = registry
        self.uri = uri
        self.root = root
        self.prefix = prefix
        self.shown = root if shown is None else shown

    def if_holds(self, schema: Any, instance: Any) -> bool | None:
        """Whether an ``if`` subschema holds for *instance*; ``None`` when it cannot be told."""
        if instance is _UNKNOWN:
            return None
        try:
            return bool(
                jsonschema.Draft202012Validator(schema, registry=self.registry).is_valid(instance)
            )
        except referencing.exceptions.Unresolvable:
            return None

    def received(self, parts: tuple[Any, ...], judged: Any) -> Any:
        """The value received at *parts*: *judged* unless the engines saw a stand-in."""
        if self.shown is self.root:
            return judged
        value = self.shown
        for part in parts:
            value = _step(value, part)
        return judged if value is _UNKNOWN else value

    def explain(self, error: ValidationError) -> Iterator[Violation]:
        combinator = error.validator in ("anyOf", "oneOf") and error.context
        if combinator and catalogue_values(error.validator_value) is None:
            # Not a catalogue: explain by the first branch of the instance's own type
            # (for an object, the object branch, not the `null` one), else the best match.
            for sub in _fitting_branch(error) or [best_match(error.context)]:
                yield from self.explain(sub)
            return
        parts = tuple(error.absolute_path)
        expect = _ANY if error.validator is None else error.validator_value
        rule, source_id, node = self.along(tuple(error.absolute_schema_path), expect)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in cast(list[str], error.validator_value):
                if name not in error.instance:
                    prop = node.get("properties", {}).get(name) if isinstance(node, dict) else None
                    own = self._annotated(prop)
                    # A property with a rule of its own names the failure; else the
                    # schema that demands the field (e.g. an observed-only `required`).
                    at = own if own[0] else (rule, source_id)
                    yield self.violation(
                        (*parts, name),
                        f"required field {name!r} is missing",
                        "present",
                        MISSING,
                        "required",
                        at,
                    )
            return
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            source = self.spec.source(source_id)
            base = rule or self.fallback("")[:-1]
            for name in _extras(cast(dict[str, Any], error.schema), error.instance):
                yield Violation(
                    rule=f"{base}.unknown-field",
                    message=f"field {name!r} is not defined by the spec",
                    pointer=self.prefix + _pointer((*parts, name)),
                    expected="no such field",
                    actual=self.received((*parts, name), error.instance[name]),
                    source=source,
                )
            return
        expected, message = _expectation(error)
        keyword = str(error.validator or "forbidden")
        actual = self.received(parts, error.instance)
        yield self.violation(parts, message, expected, actual, keyword, (rule, source_id))

    def violation(
        self,
        parts: tuple[Any, ...],
        message: str,
        expected: Any,
        actual: Any,
        keyword: str,
        at: tuple[str | None, str | None] = (None, None),
    ) -> Violation:
        """A violation named by *at* (rule, source id), else by the instance location."""
        if at[0] is not None:
            rule: str | None = at[0]
            source = self.spec.source(at[1])
        else:
            rule, source = self.annotation(parts)
        return Violation(
            rule=rule or self.fallback(keyword),
            message=message,
            pointer=self.prefix + _pointer(parts),
            expected=expected,
            actual=actual,
            source=source,
        )

    def fallback(self, keyword: str) -> str:
        stem = self.uri.rsplit("/", 1)[-1].removesuffix(".json")
        return f"{self.spec.provider}.{stem}.{keyword}"

    def along(
        self, schema_path: tuple[Any, ...], expect: Any = _ANY
    ) -> tuple[str | None, str | None, Any]:
        """The innermost ``x-rule`` (with its ``x-source``) on the path the validator took.

        *schema_path* ends with the failing keyword, whose value is *expect*.
        jsonschema's schema paths omit ``$ref`` hops, and a ``$ref`` may have
        sibling keywords of the same name, so both ways are tried and the one
        that reaches the failing keyword wins. Returns the rule, its source id
        and the schema holding the keyword.
        """
        resolved = self.registry.resolver().lookup(self.uri)
        found = self._walk(resolved.resolver, resolved.contents, schema_path, (None, None), expect)
        return found if found is not None else (None, None, None)

    def _walk(
        self,
        resolver: Resolver,
        node: Any,
        path: tuple[Any, ...],
        best: tuple[str | None, str | None],
        expect: Any,
        hops: int = 0,
    ) -> tuple[str | None, str | None, Any] | None:
        own = self._annotated(node)
        if own[0] is not None:
            best = own
        step, rest = path[0], path[1:]
        if isinstance(node, dict) and step in node:
            if not rest:
                if expect is _ANY or node[step] == expect:
                    return (*best, node)
            else:
                found = self._walk(resolver, node[step], rest, best, expect)
                if found is not None:
                    return found
        elif isinstance(node, list) and isinstance(step, int) and step < len(node) and rest:
            return self._walk(resolver, node[step], rest, best, expect)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 32:
            target = resolver.lookup(node["$ref"])
            return self._walk(target.resolver, target.contents, path, best, expect, hops + 1)
        return None

    @staticmethod
    def _annotated(node: Any) -> tuple[str | None, str | None]:
        if isinstance(node, dict) and "x-rule" in node:
            return node["x-rule"], node.get("x-source")
        return None, None

    def annotation(self, parts: tuple[Any, ...]) -> tuple[str | None, Source | None]:
        """The innermost ``x-rule`` (and ``x-source``) on the way from the root to *parts*.

        ``if``/``then``/``else`` are followed the way the document itself goes.
        """
        rule: str | None = None
        source_id: str | None = None
        resolved = self.registry.resolver().lookup(self.uri)
        level: list[tuple[Resolver, Any]] = [(resolved.resolver, resolved.contents)]
        instance = self.root
        for depth in range(len(parts) + 1):
            expanded = list(self._expand(level, instance))
            for _, schema in expanded:
                if "x-rule" in schema:
                    rule, source_id = schema["x-rule"], schema.get("x-source", source_id)
                    break
            if depth == len(parts):
                break
            level = list(_children(expanded, parts[depth]))
            instance = _step(instance, parts[depth])
            if not level:
                break
        return rule, self.spec.source(source_id)

    def _expand(
        self, level: list[tuple[Resolver, Any]], instance: Any
    ) -> Iterator[tuple[Resolver, dict[str, Any]]]:
        """Every schema that applies at one instance location, through refs and combinators."""
        queue, seen = list(level), set()
        while queue:
            resolver, schema = queue.pop(0)
            if not isinstance(schema, dict) or id(schema) in seen:
                continue
            seen.add(id(schema))
            yield resolver, schema
            if isinstance(schema.get("$ref"), str):
                target = resolver.lookup(schema["$ref"])
                queue.append((target.resolver, target.contents))
            for key in ("allOf", "anyOf", "oneOf"):
                queue.extend((resolver, sub) for sub in schema.get(key, ()))
            if "if" in schema:
                holds = self.if_holds(schema["if"], instance)
                branches = {True: ("then",), False: ("else",), None: ("then", "else")}[holds]
                queue.extend((resolver, schema[b]) for b in branches if b in schema)


def _fitting_branch(error: ValidationError) -> list[ValidationError]:
    """The errors of the first branch that does not refuse the instance's type outright."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for errors in branches.values():
        if not any(e.validator == "type" and not e.relative_path for e in errors):
            return errors
    return []


def _step(instance: Any, part: Any) -> Any:
    if isinstance(instance, dict) and part in instance:
        return instance[part]
    if isinstance(instance, list) and isinstance(part, int) and part < len(instance):
        return instance[part]
    return _UNKNOWN


def _children(
    expanded: list[tuple[Resolver, dict[str, Any]]], key: Any
) -> Iterator[tuple[Resolver, Any]]:
    for resolver, schema in expanded:
        if isinstance(key, int):
            prefix = schema.get("prefixItems", [])
            if key < len(prefix):
                yield resolver, prefix[key]
            elif isinstance(schema.get("items"), dict):
                yield resolver, schema["items"]
            continue
        if key in schema.get("properties", {}):
            yield resolver, schema["properties"][key]
        for pattern, sub in schema.get("patternProperties", {}).items():
            if re.search(pattern, key):
                yield resolver, sub


def _extras(schema: dict[str, Any], instance: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    return [
        name
        for name in instance
        if name not in props and not any(re.search(p, name) for p in patterns)
    ]


def _expectation(error: ValidationError) -> tuple[Any, str]:
    """What the failing keyword expected, and a one-line message saying so."""
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "type":
        return value, f"must be of type {value!r}, received {json_type(instance)!r}"
    if keyword == "enum":
        return value, f"must be one of {value!r}"
    if keyword == "const":
        return value, f"must be {value!r}"
    if keyword == "pattern":
        return f"a string matching {value!r}", f"does not match {value!r}"
    if keyword in ("anyOf", "oneOf"):
        consts = catalogue_values(value)
        return consts, f"is not a catalogued value; expected one of {consts!r}"
    bounds = {
        "minimum": ">=",
        "maximum": "<=",
        "exclusiveMinimum": ">",
        "exclusiveMaximum": "<",
        "minLength": "length >=",
        "maxLength": "length <=",
        "minItems": "items >=",
        "maxItems": "items <=",
    }
    if keyword in bounds:
        return f"{bounds[keyword]} {value}", f"must be {bounds[keyword]} {value}"
    if keyword is None:  # the `false` schema: the field must not be there at all
        return "absent", "field is not allowed here"
    if keyword == "not":
        return f"not {value!r}", error.message
    return value, error.message


def _pointer(parts: tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
