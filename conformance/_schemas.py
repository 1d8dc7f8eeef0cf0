"""JSON Schemas compiled per profile, and schema failures turned into violations.

Two engines serve two purposes: ``jsonschema_rs`` answers "is this valid?" in
about a microsecond (the fast path every document takes), and ``jsonschema``
(the reference implementation) explains a failure in detail. Only a document
that fails pays for the explanation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs
import referencing
from jsonschema.exceptions import ValidationError, best_match
from referencing.jsonschema import DRAFT202012

from .specs import Spec
from .violations import MISSING, Source, Violation

__all__ = ["CompiledSchemas", "for_profile", "json_type"]

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def for_profile(schema: Any, profile: str) -> Any:
    """A copy of *schema* without the subschemas whose ``x-profile`` is another profile.

    >>> for_profile({"anyOf": [{"type": "object"}, {"type": "null", "x-profile": "observed"}]},
    ...             "documented")
    {'anyOf': [{'type': 'object'}]}
    """
    if isinstance(schema, list):
        kept = [for_profile(item, profile) for item in schema if _keeps(item, profile)]
        return kept
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: for_profile(v, profile) for k, v in value.items() if _keeps(v, profile)}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            kept = for_profile(value, profile)
            if kept:  # an empty allOf/anyOf is not a valid schema: the keyword goes
                out[key] = kept
        elif isinstance(value, dict) and not _keeps(value, profile):
            continue
        else:
            out[key] = for_profile(value, profile) if isinstance(value, dict) else value
    return out


def _keeps(node: Any, profile: str) -> bool:
    return not (isinstance(node, dict) and node.get("x-profile", profile) != profile)


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


class CompiledSchemas:
    """The schemas of one :class:`Spec` in one profile, compiled once."""

    def __init__(self, spec: Spec, profile: str) -> None:
        self.spec = spec
        self.profile = profile
        contents = {uri: for_profile(schema, profile) for uri, schema in spec.schemas.items()}
        self.contents = contents
        self.registry: referencing.Registry[Any] = referencing.Registry().with_resources(
            (uri, DRAFT202012.create_resource(schema)) for uri, schema in contents.items()
        )
        self._rs_registry = jsonschema_rs.Registry(list(contents.items()))

    @functools.cache  # noqa: B019 - one instance per (spec, profile), kept for the process
    def fast(self, uri: str) -> jsonschema_rs.Validator:
        return jsonschema_rs.validator_for({"$ref": uri}, registry=self._rs_registry)

    @functools.cache  # noqa: B019
    def detailed(self, uri: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator({"$ref": uri}, registry=self.registry)

    def is_valid(self, uri: str, instance: Any) -> bool:
        return bool(self.fast(uri).is_valid(instance))

    def violations(self, uri: str, instance: Any, prefix: str = "") -> list[Violation]:
        """Every failure of *instance* against schema *uri*, as violations.

        *prefix* is prepended to pointers (e.g. ``/amount`` when checking a subdocument).
        """
        if self.is_valid(uri, instance):
            return []
        found: dict[tuple[str, str], Violation] = {}
        for error in self.detailed(uri).iter_errors(instance):
            for violation in self._explain(uri, error, prefix):
                found.setdefault((violation.rule, violation.pointer), violation)
        if not found:  # the two engines disagree: still report, never pass silently
            message = next(iter(self.fast(uri).iter_errors(instance))).message
            rule, source = self.annotation(uri, ())
            found[(rule, prefix)] = Violation(
                rule=rule or self._fallback(uri, "schema"),
                message=message,
                pointer=prefix,
                expected="a document valid against the schema",
                actual=instance,
                source=source,
            )
        return list(found.values())

    def _explain(self, uri: str, error: ValidationError, prefix: str) -> Iterator[Violation]:
        if error.validator in ("anyOf", "oneOf") and error.context:
            consts = self._consts(error.validator_value)
            if consts is None:
                yield from self._explain(uri, best_match(error.context), prefix)
                return
        parts = tuple(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    path = (*parts, name)
                    yield self._violation(
                        uri, path, prefix, f"required field {name!r} is missing", "present", MISSING
                    )
            return
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            rule, source = self.annotation(uri, parts)
            base = rule or self._fallback(uri, "")[:-1]
            for name in _extras(error.schema, error.instance):
                yield Violation(
                    rule=f"{base}.unknown-field",
                    message=f"field {name!r} is not defined by the spec",
                    pointer=prefix + _pointer((*parts, name)),
                    expected="no such field",
                    actual=error.instance[name],
                    source=source,
                )
            return
        expected, message = _expectation(error, self)
        yield self._violation(
            uri, parts, prefix, message, expected, error.instance, error.validator, error.schema
        )

    def _violation(
        self,
        uri: str,
        parts: tuple[Any, ...],
        prefix: str,
        message: str,
        expected: Any,
        actual: Any,
        keyword: Any = "required",
        own: Any = None,
    ) -> Violation:
        # The failing keyword's own schema names the rule best; else the innermost
        # annotation on the way to the failing location.
        if isinstance(own, dict) and "x-rule" in own:
            rule: str | None = own["x-rule"]
            source = self.spec.source(own.get("x-source")) or self.annotation(uri, parts)[1]
        else:
            rule, source = self.annotation(uri, parts)
        return Violation(
            rule=rule or self._fallback(uri, str(keyword or "forbidden")),
            message=message,
            pointer=prefix + _pointer(parts),
            expected=expected,
            actual=actual,
            source=source,
        )

    def _fallback(self, uri: str, keyword: str) -> str:
        stem = uri.rsplit("/", 1)[-1].removesuffix(".json")
        return f"{self.spec.provider}.{stem}.{keyword}"

    def _consts(self, branches: Any) -> list[Any] | None:
        """The values of a ``oneOf``/``anyOf`` made only of ``const`` branches (a catalogue)."""
        values = []
        for branch in branches:
            if not isinstance(branch, dict) or "const" not in branch:
                return None
            values.append(branch["const"])
        return values

    @functools.cache  # noqa: B019
    def annotation(self, uri: str, parts: tuple[Any, ...]) -> tuple[str | None, Source | None]:
        """The innermost ``x-rule`` (and ``x-source``) on the way from the root to *parts*."""
        rule: str | None = None
        source_id: str | None = None
        resolved = self.registry.resolver().lookup(uri)
        level = [(resolved.resolver, resolved.contents)]
        for depth in range(len(parts) + 1):
            expanded = list(_expand(level))
            for _, schema in expanded:
                if "x-rule" in schema:
                    rule, source_id = schema["x-rule"], schema.get("x-source", source_id)
                    break
            if depth == len(parts):
                break
            level = list(_children(expanded, parts[depth]))
            if not level:
                break
        return rule, self.spec.source(source_id)


def _expand(
    level: list[tuple[referencing._core.Resolver[Any], Any]],
) -> Iterator[tuple[referencing._core.Resolver[Any], dict[str, Any]]]:
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
        queue.extend((resolver, schema[key]) for key in ("then", "else") if key in schema)


def _children(
    expanded: list[tuple[referencing._core.Resolver[Any], dict[str, Any]]], key: Any
) -> Iterator[tuple[referencing._core.Resolver[Any], Any]]:
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


def _expectation(error: ValidationError, compiled: CompiledSchemas) -> tuple[Any, str]:
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
        consts = compiled._consts(value)
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

