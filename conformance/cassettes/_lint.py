"""Linting cassettes: every interaction of any vcrpy cassette, validated against ``specs/``.

For each interaction the provider and the operation are detected from the
request (:mod:`._detect`); the answer is validated against the operation's
response schema and rules (given the request, for what must be echoed), and the
request against its own, except where the interaction is tagged with a scenario
of the kit's catalogue: those scenarios send invalid requests on purpose, so only
their answers are judged, as the suite does. Unrelated hosts and paths no
operation serves are skipped with a note. Gzip and deflate bodies are decoded
(vcrpy's ``decode_response``); a body that is not JSON, binary or not, is a
violation of the operation's JSON rule.

>>> from conformance.cassettes._format import Cassette, Interaction
>>> import httpx
>>> item = Interaction.from_httpx(
...     httpx.Request("POST", "https://example.com/v1/things"), httpx.Response(200))
>>> result = lint([Cassette([item], "other.yaml")])
>>> result.exit_code, result.notes
(0, ['other.yaml: skipped 1 interaction(s): unrelated host example.com'])
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..errors import InputError
from ..suite._scenario_catalogue import load_catalogue
from ..validator import Validator
from ..violations import Severity, Violation
from ._detect import detect, host_provider
from ._format import BodyError, Cassette, Interaction, load_cassette
from ._replay import expand

__all__ = ["Checked", "LintResult", "lint"]


@dataclass
class Checked:
    """One interaction that was checked, and what was found."""

    cassette: str
    index: int
    scenario: str | None
    method: str
    uri: str
    status: int
    provider: str
    operation: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity is Severity.ERROR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cassette": self.cassette,
            "index": self.index,
            "scenario": self.scenario,
            "method": self.method,
            "uri": self.uri,
            "status": self.status,
            "provider": self.provider,
            "operation": self.operation,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass
class LintResult:
    """Every checked interaction, the notes on what was skipped, and the totals."""

    cassettes: list[str] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def failed(self) -> list[Checked]:
        return [c for c in self.checked if c.errors]

    @property
    def exit_code(self) -> int:
        """0 every checked interaction is conformant, 1 violations found."""
        return 1 if self.failed else 0

    def summary(self) -> str:
        skipped = self.total - len(self.checked)
        return (
            f"{self.total} interaction(s) in {len(self.cassettes)} cassette(s): "
            f"{len(self.checked)} checked, {len(self.failed)} with violations, {skipped} skipped"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cassettes": self.cassettes,
            "interactions": [c.to_dict() for c in self.checked],
            "notes": self.notes,
            "summary": {
                "interactions": self.total,
                "checked": len(self.checked),
                "with_violations": len(self.failed),
                "skipped": self.total - len(self.checked),
            },
            "exit_code": self.exit_code,
        }


def lint(
    sources: Iterable[str | Path | Cassette],
    *,
    profile: str = "documented",
    provider: str | None = None,
) -> LintResult:
    """Lint cassette files, folders or loaded cassettes; *provider* forces the provider.

    :class:`InputError` (one line) for a file that is not a readable cassette, an
    empty cassette, or, with *provider*, a cassette of the other provider.
    """
    result = LintResult()
    for cassette in _cassettes(sources):
        if not cassette.interactions:
            raise InputError(f"{cassette.path}: the cassette holds no interactions")
        result.cassettes.append(cassette.path)
        result.total += len(cassette.interactions)
        skipped: collections.Counter[str] = collections.Counter()
        for index, item in enumerate(cassette.interactions):
            checked = _check(cassette, index, item, profile, provider, skipped)
            if checked is not None:
                result.checked.append(checked)
        result.notes += [
            f"{cassette.path}: skipped {count} interaction(s): {why}"
            for why, count in skipped.items()
        ]
    return result


def _check(
    cassette: Cassette,
    index: int,
    item: Interaction,
    profile: str,
    forced: str | None,
    skipped: collections.Counter[str],
) -> Checked | None:
    host = item.host
    if forced is not None and host_provider(host) not in (None, forced):
        raise InputError(
            f"{cassette.path} is a {host_provider(host)} cassette (interaction {index} goes "
            f"to {host}), not a {forced} one"
        )
    detected = detect(item.method, host, item.path, provider=forced)
    if detected.provider is None or detected.operation is None:
        skipped[detected.note or "no provider detected"] += 1
        return None
    provider, operation = detected.provider, detected.operation
    validator = _validator(provider, profile)
    checked = Checked(
        cassette.path, index, item.scenario, item.method, item.uri, item.status, provider, operation
    )
    try:
        request, response = item.to_httpx()
    except BodyError as exc:
        checked.violations.append(_unreadable(provider, str(exc)))
        return checked
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise InputError(f"{cassette.path}: interaction {index} cannot be read: {exc}") from None
    if item.scenario not in _catalogue_ids(provider):
        checked.violations += validator.validate_request(operation, request)
    checked.violations += validator.validate_response(operation, response, request=request)
    return checked


def _cassettes(sources: Iterable[str | Path | Cassette]) -> Iterator[Cassette]:
    """Loaded cassettes as given; paths (files, folders) loaded one by one."""
    given = list(sources)
    files = [s for s in given if not isinstance(s, Cassette)]
    yield from (s for s in given if isinstance(s, Cassette))
    if files:
        yield from map(load_cassette, expand(files))


def _unreadable(provider: str, why: str) -> Violation:
    return Violation(
        rule=f"{provider}.response.json",
        message=f"response body is not readable JSON: {why}",
        pointer="",
        expected="a JSON body",
        actual="<undecodable body>",
    )


@functools.cache
def _validator(provider: str, profile: str) -> Validator:
    return Validator(provider, profile=profile)


@functools.cache
def _catalogue_ids(provider: str) -> frozenset[str]:
    return frozenset(s.id for s in load_catalogue(provider))


def iter_lines(result: LintResult) -> Iterator[str]:
    """The text report: each interaction with violations, the notes, the summary."""
    for checked in result.checked:
        if not checked.violations:
            continue
        tag = f" [{checked.scenario}]" if checked.scenario else ""
        yield (
            f"{checked.cassette} #{checked.index}{tag} {checked.method} {checked.uri} "
            f"-> {checked.status} ({checked.provider} {checked.operation})"
        )
        for violation in checked.violations:
            yield f"    {violation}"
    for note in result.notes:
        yield f"note: {note}"
    yield result.summary()
