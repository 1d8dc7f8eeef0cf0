"""JSON Schemas compiled per profile, and schema failures turned into violations.

Two engines serve two purposes: ``jsonschema_rs`` answers "is this valid?" in
about a microsecond (the fast path every document takes), and ``jsonschema``
(the reference implementation) explains a failure in detail
(:mod:`conformance._schema_explain`). Only a document that fails pays for the
explanation. A number neither engine can hold (a :class:`~conformance._json.BigNumber`)
is judged through a stand-in beyond every bound, and reported as received.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
import jsonschema_rs
import referencing
from referencing.jsonschema import DRAFT202012

from ._json import engine_view
from ._schema_explain import UNKNOWN, Explainer, catalogue_values, json_type
from .specs import Spec
from .violations import Source, Violation

__all__ = ["CompiledSchemas", "for_profile", "json_type"]

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


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


#: Explained documents kept per compiled spec (violations are immutable values).
_EXPLAINED = 1024


class CompiledSchemas:
    """The schemas of one :class:`Spec` in one profile, compiled once."""

    def __init__(self, spec: Spec, profile: str) -> None:
        self.spec = spec
        self.profile = profile
        contents = {uri: for_profile(schema, profile) for uri, schema in spec.schemas.items()}
        self.contents = contents
        self._explained: dict[tuple[str, str, str], tuple[Violation, ...]] = {}
        self.registry: referencing.Registry[Any] = referencing.Registry().with_resources(
            (uri, DRAFT202012.create_resource(schema)) for uri, schema in contents.items()
        )
        self._rs_registry = jsonschema_rs.Registry(list(contents.items()))

    @functools.cache  # noqa: B019 - one instance per (spec, profile), kept for the process
    def fast(self, uri: str) -> jsonschema_rs.Validator:
        return jsonschema_rs.validator_for(
            {"$ref": uri}, registry=self._rs_registry, validate_formats=True
        )

    @functools.cache  # noqa: B019
    def detailed(self, uri: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(
            {"$ref": uri},
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    def is_valid(self, uri: str, instance: Any) -> bool:
        return bool(self.fast(uri).is_valid(instance))

    def violations(self, uri: str, instance: Any, prefix: str = "") -> list[Violation]:
        """Every failure of *instance* against schema *uri*, as violations.

        *prefix* is prepended to pointers (e.g. ``/query/card_number`` for a parameter).
        """
        judged = instance
        try:
            valid = self.is_valid(uri, instance)
        except ValueError:  # a BigNumber: jsonschema-rs holds no such number
            judged = engine_view(instance)
            valid = self.is_valid(uri, judged)
        if valid:
            return []
        try:
            # Explaining costs ~1 ms, and the same invalid document is often judged
            # twice: by a simulator that must refuse it and by the suite that sent it.
            # A document with a BigNumber is not cached (json.dumps refuses it), so a
            # stand-in never answers for another number.
            key = (uri, prefix, json.dumps(instance, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError):
            return list(self._explain(uri, judged, prefix, instance))
        found = self._explained.get(key)
        if found is None:
            if len(self._explained) >= _EXPLAINED:
                self._explained.clear()
            found = self._explained[key] = self._explain(uri, judged, prefix, instance)
        return list(found)

    def _explain(self, uri: str, instance: Any, prefix: str, shown: Any) -> tuple[Violation, ...]:
        explainer = Explainer(self.spec, self.registry, uri, instance, prefix, shown)
        found: dict[tuple[str, str], Violation] = {}
        for error in self.detailed(uri).iter_errors(instance):
            for violation in explainer.explain(error):
                found.setdefault((violation.rule, violation.pointer), violation)
        if not found:  # the two engines disagree: still report, never pass silently
            fast = next(iter(self.fast(uri).iter_errors(instance)), None)
            rule, source = explainer.annotation(())
            violation = Violation(
                rule=rule or explainer.fallback("schema"),
                message="invalid against the schema" if fast is None else fast.message,
                pointer=prefix,
                expected="a document valid against the schema",
                actual=shown,
                source=source,
            )
            found[(violation.rule, prefix)] = violation
        return tuple(found.values())

    def annotation(self, uri: str) -> tuple[str | None, Source | None]:
        """The ``x-rule`` and source a schema's root reports under."""
        return Explainer(self.spec, self.registry, uri, UNKNOWN, "").annotation(())

    def consts(self, branches: Any) -> list[Any] | None:
        """The values of a ``oneOf``/``anyOf`` made only of ``const`` branches (a catalogue)."""
        return catalogue_values(branches)
