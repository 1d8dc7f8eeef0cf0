"""The providers' hosts, and the one production guard every entry point applies.

A host is compared as the HTTP client will connect to it: the URL is parsed the
way httpx parses it (userinfo and port dropped, IDNA-encoded), then mapped by
UTS-46 (Unicode full stops ``．`` ``。`` ``｡`` become ``.``, full-width letters
become ASCII, case folds) and its trailing dots dropped. So every spelling that
reaches ``api.midtrans.com`` is ``api.midtrans.com`` here. A URL the HTTP
client could not connect to at all (a bad port, an IPv6 literal left open, a
host IDNA cannot encode) is a :class:`~conformance.errors.UsageError` of one
line naming the option, never an exception of the client's.

>>> canonical_host("API．Midtrans。com。")
'api.midtrans.com'
>>> classify("api.sandbox.midtrans.com.")
('sandbox', 'midtrans')
>>> guard_production("midtrans", "https://user@api｡midtrans｡com:443/v2", False)
Traceback (most recent call last):
...
conformance.errors.UsageError: https://user@api｡midtrans｡com:443/v2 is midtrans's production host \
and the suite captures real money; use the sandbox (https://api.sandbox.midtrans.com) or pass \
--allow-production
"""

from __future__ import annotations

import httpx
import idna

from .errors import UsageError

__all__ = [
    "PRODUCTION_HOSTS",
    "SANDBOX_HOSTS",
    "canonical_host",
    "classify",
    "guard_production",
    "target_url",
]

SANDBOX_HOSTS = {"midtrans": "api.sandbox.midtrans.com", "pivot": "api-stg.pivot-payment.com"}
PRODUCTION_HOSTS = {"midtrans": "api.midtrans.com", "pivot": "api.pivot-payment.com"}

_KINDS = {host: ("sandbox", p) for p, host in SANDBOX_HOSTS.items()} | {
    host: ("production", p) for p, host in PRODUCTION_HOSTS.items()
}


def canonical_host(host: str) -> str:
    """*host* as DNS sees it: UTS-46 mapped, lower case, without trailing dots.

    A host UTS-46 cannot map (an IP v6 literal, a label IDNA refuses) is only
    folded to lower case: no resolver would turn it into a provider's name.
    """
    try:
        mapped = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        mapped = host.lower()
    return mapped.rstrip(".")


def classify(host: str | None) -> tuple[str, str] | None:
    """``("sandbox" | "production", provider)`` for a provider's host, else ``None``."""
    return _KINDS.get(canonical_host(host or ""))


def target_url(url: str, *, option: str = "base-url") -> httpx.URL:
    """*url* parsed as the HTTP client will use it; a :class:`UsageError` if it cannot be.

    >>> target_url("http://[::1").host
    Traceback (most recent call last):
    ...
    conformance.errors.UsageError: --base-url must be an http(s) URL; got 'http://[::1' \
(the HTTP client cannot use it: Invalid port: ':1')
    """
    reason: str | None = None
    try:
        parsed = httpx.URL(url)
        # The client encodes the host when it connects: a host it cannot encode fails here.
        parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, idna.IDNAError, UnicodeError, ValueError, TypeError) as exc:
        text = str(exc).strip().splitlines()
        reason = f" (the HTTP client cannot use it: {text[0] if text else type(exc).__name__})"
    else:
        if parsed.scheme not in ("http", "https") or not parsed.host:
            reason = ""
        elif parsed.port is not None and not 0 < parsed.port < 65536:
            reason = f" (port {parsed.port} is out of range)"
    if reason is not None:
        raise UsageError(f"{{option}} must be an http(s) URL; got {url!r}{reason}", option=option)
    return parsed


def guard_production(provider: str, url: str, allow: bool, *, option: str = "base-url") -> None:
    """Refuse *provider*'s production host in *url* unless *allow*: the suite captures money.

    *url* must be one the HTTP client can use (see :func:`target_url`, whose
    error names ``--option``); the refusal itself names ``--allow-production``.
    """
    parsed = target_url(url, option=option)
    # Both spellings: the host httpx connects to, and the UTS-46 mapping of it.
    seen = {canonical_host(parsed.raw_host.decode("ascii")), canonical_host(parsed.host)}
    if PRODUCTION_HOSTS[provider] in seen and not allow:
        raise UsageError(
            f"{url} is {provider}'s production host and the suite captures real money; "
            f"use the sandbox (https://{SANDBOX_HOSTS[provider]}) or pass {{option}}",
            option="allow-production",
        )
