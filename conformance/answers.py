"""The answer catalogue: every answer a provider's capture (and its status read) can give.

Read from ``specs/<provider>/answers.yaml`` (format: ``specs/answers.schema.json``)
through :func:`conformance.specs.specs_root`, so package data, ``specs_dir=`` and
``$CAPTURE_CONFORMANCE_SPECS`` work as for the specs themselves.

>>> by_id = {a.id: a for a in load_answers("midtrans")}
>>> answer = by_id["capture-412-http-200"]
>>> answer.http_status, answer.body["status_code"], answer.meaning
(200, '412', 'not-captured')
>>> [a.id for a in select_answers("pivot", only=["capture-429"])]
['capture-429']
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._constants import PROFILES
from .errors import SpecError, UsageError
from .specs import check_choice, load_spec, load_yaml, specs_root
from .violations import Source

__all__ = ["FAULTS", "MEANINGS", "Answer", "load_answers", "select_answers"]

MEANINGS = ("captured", "not-captured", "unknown")
FAULTS = ("timeout", "reset")


@dataclass(frozen=True)
class Answer:
    """One answer of the catalogue (see ``specs/answers.schema.json`` for each field)."""

    provider: str
    id: str
    operation: str
    title: str
    meaning: str
    source_id: str
    profile: str
    http_status: int | None = None
    body: Any = None
    content_type: str | None = None
    fault: str | None = None
    applied: bool = False
    outcome: str | None = None
    resolves: str | None = None
    serve: str = "catalogue"
    settles: str | None = None
    state: str | None = None
    note: str = ""

    @property
    def is_json(self) -> bool:
        """Whether the answer has a JSON body (not a transport fault, not a text page)."""
        return self.fault is None and not isinstance(self.body, str)

    @property
    def source(self) -> Source:
        """The entry of ``sources.json`` the answer rests on."""
        found = load_spec(self.provider).source(self.source_id)
        assert found is not None  # checked when the catalogue is loaded
        return found


def load_answers(provider: str, specs_dir: str | None = None) -> list[Answer]:
    """The catalogue of *provider*, in file order; :class:`SpecError` names what is wrong."""
    return list(_load(provider, specs_dir))


def select_answers(
    provider: str,
    *,
    operation: str | None = None,
    profile: str | None = None,
    only: Iterable[str] = (),
    skip: Iterable[str] = (),
    specs_dir: str | None = None,
) -> list[Answer]:
    """The answers of *provider* kept by the filters; an unknown id or operation is a UsageError.

    *profile* ``documented`` keeps documented answers only; ``observed`` (or ``None``)
    keeps every answer, as the observed profile adds to the documented one.
    """
    answers = load_answers(provider, specs_dir)
    if profile is not None:
        check_choice("profile", profile, PROFILES)
    if operation is not None:
        check_choice("operation", operation, tuple(dict.fromkeys(a.operation for a in answers)))
    only, skip = list(only), list(skip)
    known = {a.id for a in answers}
    unknown = [i for i in [*only, *skip] if i not in known]
    if unknown:
        raise UsageError(
            f"unknown {provider} answer id(s) {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(sorted(known))}"
        )
    return [
        a
        for a in answers
        if (operation is None or a.operation == operation)
        and (profile != "documented" or a.profile == "documented")
        and (not only or a.id in only)
        and a.id not in skip
    ]


@functools.cache
def _load(provider: str, specs_dir: str | None) -> tuple[Answer, ...]:
    spec = load_spec(provider, specs_dir)
    root = specs_root(specs_dir)
    where = f"specs/{provider}/answers.yaml"
    try:
        document = load_yaml(root.joinpath(provider).joinpath("answers.yaml").read_text("utf-8"))
        schema = json.loads(root.joinpath("answers.schema.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"cannot read {where}: {exc}") from exc
    import jsonschema

    checker = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(checker.iter_errors(document))
    if error is not None:
        at = "/".join(map(str, error.absolute_path)) or "/"
        raise SpecError(f"{where} at {at}: {error.message}")
    if document["provider"] != provider:
        raise SpecError(f"{where} says provider {document['provider']!r}")
    out: list[Answer] = []
    for raw in document["answers"]:
        answer = Answer(
            provider=provider,
            source_id=raw.pop("source"),
            **raw,
        )
        if answer.id in {a.id for a in out}:
            raise SpecError(f"{where}: answer id {answer.id!r} is used twice")
        if spec.source(answer.source_id) is None:
            raise SpecError(f"{where}: {answer.id} cites {answer.source_id!r}, not in sources.json")
        spec.operation(answer.operation)  # an unknown operation fails here
        out.append(answer)
    return tuple(out)
