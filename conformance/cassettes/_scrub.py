"""Secrets out of recorded interactions, as stable placeholders; and the check that none is left.

Scrubbed, wherever they appear: the names of :mod:`conformance._secrets`, the
table the reports redact by too (``Authorization`` with its Basic user and
password or Bearer token, the Pivot merchant headers, cookies, server and client
keys, merchant ids and secrets, access tokens, card numbers, CVVs and
``token_id``; card expiry dates stay) — in headers, query strings and JSON
bodies (a body is read as JSON whatever its content-type says,
``application/json; charset=utf-8`` included). A secret learned in one place
(an access token in an answer) is then replaced everywhere else it appears (the
``Bearer`` header of later calls), raw, URL- or form-encoded or in its HTTP
Basic base64 form. Any other form it shows in (base64 alone or inside a longer
base64 text: :func:`conformance._secrets.secret_forms`) makes :meth:`Scrubber.leak`
refuse the recording.

Each distinct secret gets one placeholder (``scrubbed-access-token``,
``scrubbed-access-token-2``, ...), so recordings stay consistent and replays match.
Card numbers and CVVs keep their shape (digits become ``0``), so the scrubbed
requests still fit the specs' patterns.

>>> scrubber = Scrubber({"server-key": "SB-Mid-server-abc"})
>>> scrubber.placeholder("4811 1111 1111 1114", "card-number")
'0000 0000 0000 0000'
>>> scrubber.replace_text("key=SB-Mid-server-abc")
'key=scrubbed-server-key'
>>> scrubber.leak("...U0ItTWlkLXNlcnZlci1hYmM6...")
'the server-key (HTTP Basic base64)'
"""

from __future__ import annotations

import base64
import collections
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._json import loads
from .._secrets import ENCODINGS, KEPT_IN_RECORDINGS, SECRET_FIELDS, SECRET_HEADERS, secret_forms
from ._format import Interaction, body_bytes

__all__ = ["Scrubber"]

#: A card number: 12-19 digits, single spaces or dashes allowed between them.
_CARD = re.compile(r"^[0-9](?:[ -]?[0-9]){11,18}$")
#: The forms a learned secret is rewritten in (:data:`~conformance._secrets.ENCODINGS`):
#: those HTTP carries it in. Any other form (plain base64 in a debug header) is
#: refused by :meth:`Scrubber.leak`, so the user sees what the target did.
_REWRITTEN = frozenset({"", " (URL-encoded)", " (form-encoded)", " (HTTP Basic base64)"})
#: Secrets shorter than this are replaced where they are named, never as substrings
#: (a CVV "123" must not rewrite every "123" of a cassette).
_MIN_SUBSTRING = 8


class Scrubber:
    """Scrubs interactions; *given* maps a kind (``server-key``, ...) to a secret the user gave."""

    def __init__(self, given: Mapping[str, str]) -> None:
        self._given = {kind: value for kind, value in given.items() if value}
        self._placeholders: dict[str, str] = {}
        self._counts: collections.Counter[str] = collections.Counter()
        for kind, value in self._given.items():
            self.placeholder(value, kind)

    def placeholder(self, value: str, kind: str) -> str:
        """The stable placeholder of *value* (a secret of *kind*); one per distinct value."""
        if value in self._placeholders:
            return self._placeholders[value]
        if value in self._placeholders.values():
            return value  # already a placeholder
        if kind in ("card-number", "cvv"):
            shown = re.sub(r"[0-9]", "0", value)
        else:
            self._counts[kind] += 1
            count = self._counts[kind]
            shown = f"scrubbed-{kind}" + ("" if count == 1 else f"-{count}")
        self._placeholders[value] = shown
        return shown

    # -- scrubbing --------------------------------------------------------------------
    def scrub(self, interactions: Iterable[Interaction]) -> list[Interaction]:
        """Named secrets first (learning their values), then every learned value anywhere."""
        items = list(interactions)
        for item in items:
            self._named(item)
        for item in items:
            self._anywhere(item)
        return items

    def _named(self, item: Interaction) -> None:
        request = item.request
        request.uri = self._uri(request.uri)
        request.headers = {k: self._header(k, v) for k, v in request.headers.items()}
        body = self._json_body(request.body)
        if body is not None:
            request.body = body
            _set_length(request.headers, len(body), single=True)
        response = item.response
        response["headers"] = {
            name: [self._header(name, str(v)) for v in _values(values)]
            for name, values in (response.get("headers") or {}).items()
        }
        body = self._json_body(response["body"]["string"])
        if body is not None:
            response["body"]["string"] = body
            _set_length(response["headers"], len(body), single=False)

    def _header(self, name: str, value: str) -> str:
        lower = name.lower()
        kind = SECRET_HEADERS.get(lower)
        if kind == "authorization":
            return self._authorization(value)
        if kind is not None and value:
            return self.placeholder(value, kind)
        return value

    def _authorization(self, value: str) -> str:
        scheme, _, credentials = value.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials:
            return f"{scheme} {self.placeholder(credentials, 'access-token')}"
        if scheme.lower() == "basic" and credentials:
            try:
                user, _, password = base64.b64decode(credentials).decode("utf-8").partition(":")
            except ValueError:
                return f"{scheme} {self.placeholder(credentials, 'authorization')}"
            user = self.placeholder(user, "server-key") if user else ""
            password = self.placeholder(password, "client-secret") if password else ""
            return f"{scheme} " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return self.placeholder(value, "authorization") if value else value

    def _uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if not any(k in SECRET_FIELDS for k, _ in pairs):
            return uri
        pairs = [(k, self._field(k, v)) for k, v in pairs]
        return urlunsplit(parts._replace(query=urlencode(pairs)))

    def _field(self, name: str, value: Any) -> Any:
        kind = SECRET_FIELDS.get(name)
        if kind is None or kind in KEPT_IN_RECORDINGS:
            return value
        if not isinstance(value, str | int) or isinstance(value, bool):
            return value
        text = str(value)
        if kind == "card-number" and not _CARD.match(text):
            return value  # "number" names other things than cards
        if kind == "cvv" and not text.isdigit():
            return value
        shown = self.placeholder(text, kind)
        return shown if isinstance(value, str) else int(shown) if shown.isdigit() else shown

    def _json_body(self, raw: Any) -> bytes | None:
        """The body with named secrets replaced, or ``None`` when it is not JSON or unchanged."""
        data = body_bytes(raw)
        if data.lstrip()[:1] not in (b"{", b"["):
            return None
        try:
            document = loads(data)
        except (ValueError, UnicodeDecodeError):
            return None
        scrubbed = self._walk(document)
        if scrubbed == document:
            return None
        return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode()

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: self._walk(v) if isinstance(v, dict | list) else self._field(k, v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        return value

    def _anywhere(self, item: Interaction) -> None:
        request = item.request
        request.uri = self.replace_text(request.uri)
        request.headers = {k: self.replace_text(v) for k, v in request.headers.items()}
        if request.body:
            request.body = self._replace_bytes(body_bytes(request.body))
        response = item.response
        response["headers"] = {
            name: [self.replace_text(str(v)) for v in _values(values)]
            for name, values in response["headers"].items()
        }
        if response["body"]["string"]:
            response["body"]["string"] = self._replace_bytes(body_bytes(response["body"]["string"]))

    def _forms(self) -> Iterator[tuple[str, str]]:
        """Every learned secret long enough to look for, in each form it is rewritten in."""
        for value, shown in sorted(self._placeholders.items(), key=lambda kv: -len(kv[0])):
            if len(value) < _MIN_SUBSTRING:
                continue
            for label, encode in ENCODINGS:
                if label in _REWRITTEN:
                    yield encode(value), encode(shown)

    def replace_text(self, text: str) -> str:
        """*text* with every learned secret (raw, URL- or form-encoded, Basic base64) replaced."""
        for secret, shown in self._forms():
            if secret in text:
                text = text.replace(secret, shown)
        return text

    def _replace_bytes(self, data: bytes) -> bytes:
        for secret, shown in self._forms():
            data = data.replace(secret.encode(), shown.encode())
        return data

    # -- the last line of defence ------------------------------------------------------
    def leak(self, text: str | bytes) -> str | None:
        """Which given secret still appears in *text*, and in which form, if any.

        Every form of :func:`~conformance._secrets.secret_forms` counts: raw,
        URL- or form-encoded, base64 alone, as HTTP Basic or inside a longer
        base64 text (a client id and secret encoded together).
        """
        data = text.encode() if isinstance(text, str) else text
        for kind, value in self._given.items():
            for label, form in secret_forms(value):
                if len(form) >= 4 and form.encode() in data:
                    return f"the {kind}{label}"
        return None


def _values(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else [values]


def _set_length(headers: dict[str, Any], length: int, *, single: bool) -> None:
    for name in headers:
        if name.lower() == "content-length":
            headers[name] = str(length) if single else [str(length)]
