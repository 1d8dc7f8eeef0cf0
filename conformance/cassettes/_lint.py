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

A delivery the kit recorded (a Midtrans notification or Pivot callback,
:mod:`._deliveries`) is validated as the receiver validates one
(``validate_notification``): its body and headers always, its Midtrans
``signature_key`` only when a server key is given, its Pivot ``X-API-Key``
against the callback key only when one is given (else only its presence). The
keys come from *server_key* / *callback_key* (``--server-key``,
``--callback-key``), or from *env* (``MIDTRANS_SERVER_KEY``,
``PIVOT_CALLBACK_KEY``) for cassettes the kit did not record: the kit's own
were re-signed with the placeholder key they state, so a real key from the
environment cannot verify them (give ``--server-key scrubbed-server-key``).

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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .._constants import PROVIDERS
from ..errors import InputError
from ..suite._scenario_catalogue import load_catalogue
from ..validator import Validator
from ..violations import Severity, Violation
from ._deliveries import stated_deliveries
from ._detect import cassette_provider, detect, host_provider
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
    server_key: str | None = None,
    callback_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> LintResult:
    """Lint cassette files, folders or loaded cassettes; *provider* forces the provider.

    *server_key* / *callback_key* check the deliveries' signatures and ``X-API-Key``
    (*env*'s ``MIDTRANS_SERVER_KEY`` / ``PIVOT_CALLBACK_KEY`` those of cassettes the
    kit did not record). :class:`InputError` (one line) for a file that is not a
    readable cassette, an empty cassette, or, with *provider*, a cassette of the
    other provider.
    """
    result = LintResult()
    for cassette in _cassettes(sources):
        if not cassette.interactions:
            raise InputError(f"{cassette.path}: the cassette holds no interactions")
        result.cassettes.append(cassette.path)
        result.total += len(cassette.interactions)
        skipped: collections.Counter[str] = collections.Counter()
        keys = _keys(cassette, server_key, callback_key, env or {})
        unkeyed: collections.Counter[str] = collections.Counter()
        for index, item in enumerate(cassette.interactions):
            if item.delivery is not None:
                checked = _check_delivery(cassette, index, item, profile, provider, keys, skipped)
                if checked is not None and keys.get(checked.provider) is None:
                    unkeyed[checked.provider] += 1
            else:
                checked = _check(cassette, index, item, profile, provider, skipped)
            if checked is not None:
                result.checked.append(checked)
        result.notes += [
            f"{cassette.path}: skipped {count} interaction(s): {why}"
            for why, count in skipped.items()
        ]
        result.notes += [_unkeyed(cassette, p, count) for p, count in unkeyed.items()]
    return result


#: The option and variable naming each provider's delivery key.
_KEY_NAMES = {
    "midtrans": ("--server-key", "MIDTRANS_SERVER_KEY", "signature_key"),
    "pivot": ("--callback-key", "PIVOT_CALLBACK_KEY", "X-API-Key"),
}


def _keys(
    cassette: Cassette, server_key: str | None, callback_key: str | None, env: Mapping[str, str]
) -> dict[str, str | None]:
    """The key each provider's deliveries in *cassette* are checked with (``None``: not checked)."""
    stated = stated_deliveries(cassette) is not None
    given = {"midtrans": server_key, "pivot": callback_key}
    return {
        p: given[p] or (None if stated else env.get(_KEY_NAMES[p][1]) or None) for p in PROVIDERS
    }


def _unkeyed(cassette: Cassette, provider: str, count: int) -> str:
    option, variable, what = _KEY_NAMES[provider]
    wrong = sum(
        1
        for item in cassette
        if item.delivery is not None
        and item.delivery.get("signature") in ("as-received", "re-signed-wrong")
    )
    key = (stated_deliveries(cassette) or {}).get("key")
    how = (
        f"give {option} {key} (the placeholder the kit recorded them with)"
        if isinstance(key, str)
        else f"give {option} or {variable}"
    )
    found = f"; {wrong} did not verify when recorded" if wrong else ""
    return (
        f"{cassette.path}: {count} {provider} deliveries checked without their {what}: {how}{found}"
    )


def _check_delivery(
    cassette: Cassette,
    index: int,
    item: Interaction,
    profile: str,
    forced: str | None,
    keys: Mapping[str, str | None],
    skipped: collections.Counter[str],
) -> Checked | None:
    """A recorded notification or callback, validated as the receiver validates one."""
    assert item.delivery is not None
    marked = item.delivery.get("provider")
    provider = marked if marked in PROVIDERS else cassette_provider(cassette)
    if provider is None or (forced is not None and provider != forced):
        skipped["a delivery of another provider" if provider else "a delivery of no provider"] += 1
        return None
    checked = Checked(
        cassette.path, index, item.scenario, item.method, item.uri, item.status, provider,
        "notification",
    )  # fmt: skip
    try:
        request = item.httpx_request()
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise InputError(f"{cassette.path}: interaction {index} cannot be read: {exc}") from None
    key = keys.get(provider)
    checked.violations += _validator(provider, profile).validate_notification(
        request,
        server_key=key if provider == "midtrans" else None,
        callback_key=key if provider == "pivot" else None,
    )
    return checked


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
