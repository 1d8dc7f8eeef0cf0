"""The scenario catalogue as data: ``specs/<provider>/scenarios.yaml``, loaded and checked.

The YAML is validated against ``specs/scenarios.schema.json``; the loader then
checks what a schema cannot (ids, sources, operations, template names, ``when``
labels) and turns each scenario into frozen values the runner interprets.

>>> [s.id for s in load_catalogue("midtrans")][:2]
['midtrans.full-capture', 'midtrans.partial-capture']
>>> variables = {"auth.amount": 10, "auth.id": "x"}
>>> render({"value": "${auth.amount + 1}", "note": "id ${auth.id}"}, variables)
{'value': 11, 'note': 'id x'}
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
import yaml

from ..errors import SpecError
from ..specs import load_spec, load_yaml, specs_root
from ._scenario_checks import NAMED_CHECKS

__all__ = [
    "SIMULATOR_CLOCK",
    "Alternative",
    "ClockStep",
    "Scenario",
    "SendStep",
    "Step",
    "TemplateError",
    "load_catalogue",
    "render",
    "render_text",
]

SIMULATOR_CLOCK = "simulator-clock"
SCHEMA_FILE = "scenarios.schema.json"
CATALOGUE_FILE = "scenarios.yaml"
#: ``${name}``, ``${name + 12}``, ``${name - 1}``.
_TEMPLATE = re.compile(r"\$\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*(?:([+-])\s*(\d+)\s*)?\}")
#: The names a scenario may use besides ``saved.*``, and whether they need an authorization.
_AUTH_NAMES = ("auth.id", "auth.amount", "auth.half", "auth.rest", "auth.currency")
_FREE_NAMES = ("unknown.uuid",)


class TemplateError(ValueError):
    """A template names a value that is not there, or cannot compute with it."""


def _evaluate(match: re.Match[str], variables: Mapping[str, Any]) -> Any:
    name, op, operand = match.groups()
    if name not in variables:
        raise TemplateError(f"${{{name}}} has no value here")
    value = variables[name]
    if op is None:
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"${{{name}}} is {value!r}, not a whole number") from None
    return number + int(operand) if op == "+" else number - int(operand)


def render_text(text: str, variables: Mapping[str, Any], *, keep_type: bool = False) -> Any:
    """*text* with its templates filled; with *keep_type*, a lone ``${...}`` keeps its type."""
    whole = _TEMPLATE.fullmatch(text)
    if whole is not None and keep_type:
        return _evaluate(whole, variables)

    def text_of(match: re.Match[str]) -> str:
        value = _evaluate(match, variables)
        return value if isinstance(value, str) else json.dumps(value)

    return _TEMPLATE.sub(text_of, text)


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """A JSON-like *value* with every string template filled (keys are left as written)."""
    if isinstance(value, str):
        return render_text(value, variables, keep_type=True)
    if isinstance(value, list):
        return [render(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: render(item, variables) for key, item in value.items()}
    return value


def template_names(value: Any) -> Iterator[str]:
    """Every name a JSON-like *value* refers to in its templates (keys included)."""
    if isinstance(value, str):
        for match in _TEMPLATE.finditer(value):
            yield match.group(1)
    elif isinstance(value, list):
        for item in value:
            yield from template_names(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from template_names(key)
            yield from template_names(item)


@dataclass(frozen=True)
class Alternative:
    """One acceptable answer: every part given must hold."""

    outcome: str | None
    http: tuple[int, ...]
    status_code: tuple[str, ...]
    code: tuple[str, ...]
    error_type: tuple[str, ...]
    fields: Mapping[str, Any]
    checks: tuple[str, ...]

    def summary(self) -> str:
        """The status part, as a reader would say it: ``HTTP 400|422 code api_validation_error``."""
        parts = []
        if self.http:
            parts.append("HTTP " + "|".join(map(str, self.http)))
        if self.status_code:
            parts.append("status_code " + "|".join(self.status_code))
        if self.code:
            parts.append("code " + "|".join(self.code))
        if self.error_type:
            parts.append("error.type " + "|".join(self.error_type))
        return " ".join(parts) or "any answer"


@dataclass(frozen=True)
class SendStep:
    """Send one request and judge its answer against the profile's alternatives."""

    name: str
    when: str | None
    operation: str
    validate: bool
    method: str | None
    path: str | None
    auth: Any  # "default" | "none" | "merchant" | {"basic": str} | {"bearer": str}
    headers: Mapping[str, str]
    body: tuple[str, Any] | None  # ("json", value) or ("raw", text)
    documented: tuple[Alternative, ...]
    observed: tuple[Alternative, ...] | None
    save: Mapping[str, str]

    def expected(self, profile: str) -> tuple[Alternative, ...]:
        if profile == "observed" and self.observed is not None:
            return self.observed
        return self.documented


@dataclass(frozen=True)
class ClockStep:
    """Move the target's simulated clock forward by *advance* seconds (a number or template)."""

    name: str
    when: str | None
    advance: float | str


Step = SendStep | ClockStep


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    source: str
    observed_source: str | None
    why: str
    authorize: int | bool
    requires: frozenset[str]
    steps: tuple[Step, ...]

    def source_for(self, profile: str, step: SendStep | None) -> str:
        """The source a failure cites: the observed one where the step's observed answer differs."""
        if (
            profile == "observed"
            and self.observed_source is not None
            and step is not None
            and step.observed is not None
        ):
            return self.observed_source
        return self.source


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _ints(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _alternatives(raw: list[dict[str, Any]]) -> tuple[Alternative, ...]:
    return tuple(
        Alternative(
            outcome=item.get("outcome"),
            http=_ints(item.get("http")),
            status_code=_strings(item.get("status_code")),
            code=_strings(item.get("code")),
            error_type=_strings(item.get("error_type")),
            fields=dict(item.get("fields", {})),
            checks=tuple(item.get("checks", ())),
        )
        for item in raw
    )


def _step(raw: dict[str, Any]) -> Step:
    if "clock" in raw:
        return ClockStep(raw["name"], raw.get("when"), raw["clock"]["advance"])
    send, expect = raw["send"], raw["expect"]
    body: tuple[str, Any] | None = None
    if "json" in send:
        body = ("json", send["json"])
    elif "raw" in send:
        body = ("raw", send["raw"])
    observed = expect.get("observed")
    return SendStep(
        name=raw["name"],
        when=raw.get("when"),
        operation=send["operation"],
        validate=send.get("validate", True),
        method=send.get("method"),
        path=send.get("path"),
        auth=send.get("auth", "default"),
        headers=dict(send.get("headers", {})),
        body=body,
        documented=_alternatives(expect["documented"]),
        observed=None if observed is None else _alternatives(observed),
        save=dict(raw.get("save", {})),
    )


def _scenario(raw: dict[str, Any]) -> Scenario:
    return Scenario(
        id=raw["id"],
        title=raw["title"],
        source=raw["source"],
        observed_source=raw.get("observed_source"),
        why=raw.get("why", ""),
        authorize=raw.get("authorize", False),
        requires=frozenset(raw.get("requires", ())),
        steps=tuple(_step(s) for s in raw["steps"]),
    )


@functools.cache
def _schema(root: str) -> dict[str, Any]:
    del root  # the cache key: another specs folder may hold another schema
    text = specs_root().joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def load_catalogue(provider: str) -> tuple[Scenario, ...]:
    """The scenarios of *provider*, in catalogue order; :class:`SpecError` if the file is wrong."""
    return _load(provider, str(specs_root()))


@functools.cache
def _load(provider: str, root: str) -> tuple[Scenario, ...]:
    where = f"{provider}/{CATALOGUE_FILE}"
    try:
        text = specs_root().joinpath(provider).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
        raw = load_yaml(text)
        schema = _schema(root)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read the scenario catalogue {where}: {exc}") from exc
    # The compiled engine answers in microseconds; only a bad file pays for the details.
    valid = jsonschema_rs.validator_for(schema).is_valid(raw)
    error = (
        None
        if valid
        else jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(schema).iter_errors(raw)
        )
    )
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise SpecError(f"{where} does not fit {SCHEMA_FILE} at {at}: {error.message}")
    if raw["provider"] != provider:
        raise SpecError(f"{where} says provider {raw['provider']!r}, not {provider!r}")
    scenarios = tuple(_scenario(item) for item in raw["scenarios"])
    problems = list(_problems(provider, scenarios))
    if problems:
        raise SpecError(f"{where}: " + "; ".join(problems))
    return scenarios


def _problems(provider: str, scenarios: tuple[Scenario, ...]) -> Iterator[str]:
    """What the schema cannot see: ids, sources, operations, names, labels."""
    spec = load_spec(provider)
    seen: set[str] = set()
    for sc in scenarios:
        if not sc.id.startswith(f"{provider}."):
            yield f"scenario {sc.id} does not start with {provider!r}"
        if sc.id in seen:
            yield f"scenario {sc.id} is defined twice"
        seen.add(sc.id)
        for source in (sc.source, sc.observed_source):
            if source is not None and source not in spec.sources:
                yield f"{sc.id}: source {source!r} is not in {provider}/sources.json"
        names = set(_FREE_NAMES) | (set(_AUTH_NAMES) if sc.authorize else set())
        outcomes: set[str] = set()
        for step in sc.steps:
            label = f"{sc.id} step {step.name!r}"
            if step.when is not None and step.when not in outcomes:
                yield f"{label}: no earlier step has an outcome {step.when!r}"
            if isinstance(step, ClockStep):
                if SIMULATOR_CLOCK not in sc.requires:
                    yield f"{label} moves the clock: the scenario must require {SIMULATOR_CLOCK}"
                used = set(template_names(step.advance))
            else:
                if step.operation not in spec.operations:
                    yield f"{label}: no operation {step.operation!r} in {provider}/openapi.yaml"
                elif (
                    step.path is None
                    and "{" in spec.operations[step.operation].path
                    and not sc.authorize
                ):
                    yield f"{label}: the default path needs an authorization (authorize: true)"
                parts = [step.path, step.auth, step.headers, step.body]
                for alt in (*step.documented, *(step.observed or ())):
                    parts.append(alt.fields)
                    outcomes.update([alt.outcome] if alt.outcome else [])
                    for check in alt.checks:
                        if check not in NAMED_CHECKS:
                            yield f"{label}: no named check {check!r}"
                used = set(template_names(parts))
            for name in sorted(used - names):
                if name.startswith("auth."):
                    yield f"{label} uses ${{{name}}} without an authorization (authorize: true)"
                elif name.startswith("saved."):
                    yield f"{label} uses ${{{name}}}, which no earlier step saved"
                else:
                    yield f"{label} uses ${{{name}}}, which is not a template name"
            if isinstance(step, SendStep):
                names.update(f"saved.{key}" for key in step.save)
