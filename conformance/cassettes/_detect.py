"""Which provider and which operation a recorded request is, from the request alone.

The provider comes from the host: each provider's sandbox and production hosts
(``conformance/suite/_target.py``). On a loopback host (``127.0.0.1``,
``localhost``, ``::1``: a simulator or a local gateway) it comes from the path
shape instead, when exactly one provider's specs have an operation for the
method and path; the two APIs share no operation shape, so that is unambiguous
in practice, and a request matching both is skipped with a note. Any other host
is unrelated traffic. The operation is the ``openapi.yaml`` operation whose
method and path pattern match.

>>> d = detect("POST", "api-stg.pivot-payment.com", "/v2/payments/e03c2066-9e5b/capture")
>>> d.provider, d.operation
('pivot', 'capture')
>>> detect("POST", "127.0.0.1", "/v2/capture").provider
'midtrans'
>>> detect("GET", "example.com", "/").note
'unrelated host example.com'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .._constants import PROVIDERS
from ..errors import InputError
from ..specs import load_spec
from ..suite._target import PRODUCTION_HOSTS, SANDBOX_HOSTS
from ._fast_yaml import METADATA_KEY
from ._format import Cassette, Interaction

__all__ = [
    "LOOPBACK",
    "METADATA_KEY",
    "Detected",
    "cassette_provider",
    "detect",
    "host_provider",
    "require_provider",
    "shape",
]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_HOSTS = {host: p for hosts in (SANDBOX_HOSTS, PRODUCTION_HOSTS) for p, host in hosts.items()}


@dataclass(frozen=True)
class Detected:
    """The provider and operation of a request; *note* says why one of them is unknown."""

    provider: str | None
    operation: str | None = None
    note: str | None = None


def host_provider(host: str) -> str | None:
    return _HOSTS.get(host.rstrip(".").lower())


def detect(method: str, host: str, path: str, *, provider: str | None = None) -> Detected:
    """Detect provider and operation; *provider* forces the provider for unknown hosts."""
    known = host_provider(host)
    if known is not None and provider is not None and known != provider:
        return Detected(None, None, f"{host} is {known}'s host, not {provider}'s")
    chosen = known or provider
    if chosen is None:
        if host.lower() not in LOOPBACK:
            return Detected(None, None, f"unrelated host {host}")
        fits = [p for p in PROVIDERS if load_spec(p).match(method, path) is not None]
        if len(fits) != 1:
            why = "either" if not fits else "both"
            return Detected(None, None, f"{method} {path} on {host} fits {why} provider's API")
        chosen = fits[0]
    found = load_spec(chosen).match(method, path)
    if found is None:
        return Detected(chosen, None, f"{shape(chosen, method, path)} is no {chosen} operation")
    return Detected(chosen, found[0].name)


def shape(provider: str, method: str, path: str) -> str:
    """Method and path with ids generalised by the specs' path templates.

    >>> shape("midtrans", "GET", "/v2/be4f3e44/status")
    'GET /v2/{transaction_id}/status'
    """
    for op in load_spec(provider).operations.values():
        if op.pattern.fullmatch(path):
            return f"{method.upper()} {op.path}"
    return f"{method.upper()} {path}"


def cassette_provider(cassette: Cassette) -> str | None:
    """The provider a cassette records: its metadata, else what its requests show.

    :class:`InputError` when the requests show both providers.
    """
    meta = cassette.metadata.get(METADATA_KEY)
    if isinstance(meta, dict) and meta.get("provider") in PROVIDERS:
        return str(meta["provider"])
    found = _providers(cassette.interactions)
    if len(found) > 1:
        raise InputError(f"{cassette.path}: holds traffic of both providers ({', '.join(found)})")
    return found[0] if found else None


def _providers(interactions: Iterable[Interaction]) -> list[str]:
    seen: set[str] = set()
    for item in interactions:
        detected = detect(item.method, item.host, item.path)
        if detected.provider is not None:
            seen.add(detected.provider)
    return sorted(seen)


def require_provider(cassette: Cassette, provider: str) -> None:
    """:class:`InputError` unless *cassette* records *provider*'s traffic."""
    found = cassette_provider(cassette)
    if found is None:
        raise InputError(
            f"{cassette.path}: no interaction with a {provider} host or operation; nothing to check"
        )
    if found != provider:
        raise InputError(f"{cassette.path} is a {found} cassette, not a {provider} one")
