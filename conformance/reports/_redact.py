"""Secrets out of everything the kit prints or writes: headers, query strings, bodies.

Secret names (:mod:`conformance._secrets`) are redacted where they stand: in
headers, query strings, JSON bodies, and form-encoded text (a body sent as
``application/x-www-form-urlencoded``, or a string that holds one). The
:class:`Redactor` then scrubs every secret value it knows from free text, in
every form the recorder refuses (:func:`conformance._secrets.secret_forms`).
Wherever a value or text is redacted, a card number that no secret name
announces (a full PAN in ``masked_card``) is masked too, keeping its first 6 and
last 4 digits (:func:`conformance._secrets.mask_pans`).

>>> redact_headers({"Authorization": "Basic U0ItTWlk", "Accept": "application/json"})
{'Authorization': '<redacted>', 'Accept': 'application/json'}
>>> redact_json({"credit_card": {"token_id": "tok-1"}, "gross_amount": 1})
{'credit_card': {'token_id': '<redacted>'}, 'gross_amount': 1}
>>> redact_body(b"server_key=SB-Mid-server-abc&gross_amount=1")
'server_key=<redacted>&gross_amount=1'
>>> redact_json({"masked_card": "4811111111111114", "order_id": "1234567890123"})
{'masked_card': '481111******1114', 'order_id': '1234567890123'}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .._json import loads
from .._secrets import (
    CREDENTIAL_VARIABLES,
    SECRET_FIELDS,
    SECRET_HEADERS,
    luhn_valid,
    mask_pans,
    secret_forms,
)

if TYPE_CHECKING:
    from ..suite import Exchange, Report

__all__ = [
    "REDACTED",
    "Redactor",
    "body_secrets",
    "credentials_redactor",
    "exchange_secrets",
    "json_secrets",
    "names_a_secret",
    "redact_body",
    "redact_form",
    "redact_headers",
    "redact_json",
]

REDACTED = "<redacted>"
#: Secret values shorter than this are not scrubbed from free text (they are redacted
#: where they stand, by field name; scrubbing "12" everywhere would garble the report).
_MIN_SECRET = 6
#: A secret cut short where a text was cut (a body shown up to its first 200
#: characters) is scrubbed when this much of one of its forms ends the text.
_MIN_CUT = 10
#: Form-encoded text is read this far: further on, a report has cut the body already.
_FORM_LIMIT = 65536
_SECRET_OPTION = re.compile(
    r"(?P<opt>--[\w-]*(?:key|secret|token|password)[\w-]*)(?P<sep>=|\s+)(?P<value>\S+)",
    re.IGNORECASE,
)
#: The command-line options whose values are credentials (``--server-key``,
#: ``--conformance-client-id``, ...).
_CREDENTIAL_OPTION = re.compile(
    r"--[\w-]*(?:key|secret|token|password|client-id|merchant-id)[\w-]*", re.IGNORECASE
)
#: A ``name=value`` pair of form-encoded text: the name starts the text or follows a
#: separator (``&``, ``?``, ``;``, a space, a quote or bracket); the value runs to
#: the next ``&`` or space (a form value has its spaces and quotes encoded).
_FORM_PAIR = re.compile(r"(?<![^\s&?;'\"(\[{,])(?P<name>[A-Za-z_][\w.-]*)=(?P<value>[^&\s]*)")


def names_a_secret(pointer: str) -> bool:
    """Whether the JSON pointer of a violation names a secret field or header.

    >>> names_a_secret("/query/card_cvv"), names_a_secret("/headers/authorization")
    (True, True)
    >>> names_a_secret("/gross_amount")
    False
    """
    name = pointer.rstrip("/").rsplit("/", 1)[-1]
    header = pointer.lower().startswith("/headers/") and name.lower() in SECRET_HEADERS
    return name in SECRET_FIELDS or header


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        k: REDACTED if k.lower() in SECRET_HEADERS else mask_pans(v) for k, v in headers.items()
    }


def redact_form(text: str) -> str:
    """*text* with the value of each secret-named ``name=value`` pair in it redacted.

    A form-encoded body, a query string, or any text that holds one (a URL in a
    message, a body shown as the received value of a finding).

    >>> redact_form("card_number=4811111111111114&gross_amount=1")
    'card_number=<redacted>&gross_amount=1'
    """
    if "=" not in text:
        return text

    def pair(match: re.Match[str]) -> str:
        if match["name"] in SECRET_FIELDS and match["value"]:
            return f"{match['name']}={REDACTED}"
        return match[0]

    return _FORM_PAIR.sub(pair, text)


def redact_json(value: Any) -> Any:
    """*value* with every secret field redacted, at any depth of dicts, lists and tuples.

    A string is redacted as form-encoded text (:func:`redact_form`); in a string,
    and for an integer, a PAN-shaped number is masked (:func:`mask_pans`).
    """
    if isinstance(value, str):
        return mask_pans(redact_form(value))
    if isinstance(value, int) and not isinstance(value, bool) and 13 <= len(str(value)) <= 19:
        return mask_pans(str(value)) if luhn_valid(str(value)) else value
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_FIELDS else redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, tuple):
        items = [redact_json(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, REDACTED if k in SECRET_FIELDS else mask_pans(v)) for k, v in parse_qsl(parts.query)
    ]
    return mask_pans(urlunsplit(parts._replace(query=urlencode(query, safe="<>*"))))


def redact_body(raw: bytes) -> str:
    """A body as text with its secrets redacted by name: JSON fields, else form-encoded pairs.

    A body that is not JSON is read as form-encoded text whatever its
    content-type says, and cut at 2048 characters (after redacting, so that no
    secret is cut in half and shown).
    """
    try:
        return json.dumps(redact_json(loads(raw)), ensure_ascii=False, default=repr)
    except (ValueError, UnicodeDecodeError):
        text = mask_pans(redact_form(raw[:_FORM_LIMIT].decode("utf-8", "replace")))
        return text[:2048] + ("…" if len(text) > 2048 or len(raw) > _FORM_LIMIT else "")


class Redactor:
    """Scrubs every secret value seen in the reports' traffic out of free text.

    Structured places (headers, query, JSON fields, form pairs) are redacted by
    name with the functions above; this catches the same values where they leak
    into a message, a transport error, an expected/actual value or the command
    line, in each of their forms (raw, URL- or form-encoded, base64: see
    :func:`conformance._secrets.secret_forms`). A text that ends with the first
    part of a form (a body cut short in a message) has that part scrubbed too.

    >>> scrub = Redactor([], extra=["SB-Mid-server-abc"])
    >>> scrub("key SB-Mid-server-abc refused")
    'key <redacted> refused'
    >>> scrub("Authorization: Basic U0ItTWlkLXNlcnZlci1hYmM6")
    'Authorization: Basic <redacted>'
    >>> scrub('{"echo": "SB-Mid-serv')
    '{"echo": "<redacted>'
    """

    def __init__(self, reports: Iterable[Report], *, extra: Iterable[str] = ()) -> None:
        found: set[str] = {s for s in extra if len(s) >= _MIN_SECRET}
        for report in reports:
            for _, finding in report.findings():
                if finding.exchange is not None:
                    found.update(
                        s for s in exchange_secrets(finding.exchange) if len(s) >= _MIN_SECRET
                    )
        found.discard(REDACTED)
        self.secrets = tuple(sorted(found, key=len, reverse=True))
        forms = {form for secret in self.secrets for _, form in secret_forms(secret)}
        forms.discard(REDACTED)
        # Longest first: where one form holds another, the whole of it goes.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._starts = {
            form[:size]
            for form in ordered
            for size in range(max(_MIN_CUT, len(form) // 2), len(form))
        }
        self._longest = max(map(len, self._starts), default=0)
        # What the last _MIN_CUT characters of a cut secret can be: most texts end otherwise.
        self._ends = {start[-_MIN_CUT:] for start in self._starts}

    def __call__(self, text: str) -> str:
        """*text* without a known secret in any of its forms, and with each PAN masked."""
        if self._pattern is None:
            return mask_pans(text)
        return mask_pans(self._cut_end(self._pattern.sub(REDACTED, text)))

    def _cut_end(self, text: str) -> str:
        """*text* with the start of a secret that ends it (before a ``…``) scrubbed."""
        body = text.removesuffix("…")
        if body[-_MIN_CUT:] not in self._ends:
            return text
        for size in range(min(self._longest, len(body)), _MIN_CUT - 1, -1):
            if body[-size:] in self._starts:
                return body[:-size] + REDACTED + text[len(body) :]
        return text

    def line(self, text: str) -> str:
        """*text* scrubbed and on one line: for a message printed as a one-line error."""
        return re.sub(r"\s*[\r\n]+\s*", " ", self(text)).strip()

    def command(self, command: str) -> str:
        """*command* with the values of ``--…key``/``--…secret``/``--…token`` options hidden."""
        hidden = _SECRET_OPTION.sub(lambda m: f"{m['opt']}{m['sep']}{REDACTED}", command)
        return self(hidden)

    def deep(self, value: Any) -> Any:
        """*value* (JSON-like) with every string in it scrubbed."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value


def credentials_redactor(argv: Sequence[str], env: Mapping[str, str]) -> Redactor:
    """A :class:`Redactor` of the credentials a command was given, for its error lines.

    The values of the credential variables in *env* (``MIDTRANS_SERVER_KEY``,
    ``PIVOT_CLIENT_SECRET``, ...) and of the credential options in *argv*
    (``--server-key KEY``, ``--client-secret=SECRET``, ``--conformance-client-id ID``).

    >>> scrub = credentials_redactor(["check", "--client-id=merchant-777"], {})
    >>> scrub("unknown merchant merchant-777")
    'unknown merchant <redacted>'
    """
    given = [env.get(name, "") for name in CREDENTIAL_VARIABLES]
    args = list(argv)
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if not _CREDENTIAL_OPTION.fullmatch(name):
            continue
        if equals:
            given.append(value)
        elif index + 1 < len(args):
            given.append(args[index + 1])
    return Redactor([], extra=given)


def exchange_secrets(exchange: Exchange) -> Iterator[str]:
    request = exchange.request
    for name, value in request.headers.items():
        if name.lower() not in SECRET_HEADERS:
            continue
        yield value
        scheme, _, credential = value.partition(" ")
        if credential:
            yield credential.strip()
        if scheme.lower() == "basic" and credential:
            try:
                decoded = base64.b64decode(credential.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue
            yield decoded
            yield from decoded.split(":", 1)
    for key, value in request.url.params.multi_items():
        if key in SECRET_FIELDS:
            yield value
    yield from body_secrets(request_body(request))
    if exchange.response is not None:
        for name, value in exchange.response.headers.items():
            if name.lower() in SECRET_HEADERS:
                yield value
        yield from body_secrets(exchange.response.content)


def body_secrets(raw: bytes) -> Iterator[str]:
    """The values of the secret fields of a body: JSON, else form-encoded pairs.

    >>> list(body_secrets(b"client_secret=s%2Fcret-1&amount=1"))
    ['s/cret-1']
    """
    if not raw:
        return
    document = _parse(raw)
    if document is not None:
        yield from json_secrets(document)
        return
    text = raw[:_FORM_LIMIT].decode("utf-8", "replace")
    if "=" in text:
        for key, value in parse_qsl(text):
            if key in SECRET_FIELDS:
                yield value


def json_secrets(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str | int) and not isinstance(item, bool):
                yield str(item)
            else:
                yield from json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_secrets(item)


def _parse(raw: bytes) -> Any:
    try:
        return loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def request_body(request: httpx.Request) -> bytes:
    try:
        return request.read()
    except (httpx.StreamError, RuntimeError):  # a streamed body that cannot be replayed
        return b""
