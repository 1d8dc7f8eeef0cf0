"""Which names hold secrets: one table for everything the kit prints, writes or records.

Each header, JSON field and query parameter name maps to the *kind* of secret it
holds. Reports, the console, JUnit, the proxy and the client-traffic explainer
redact the value of every name here (``reports/_redact.py``); cassette recording
replaces it with a stable placeholder of its kind (``cassettes/_scrub.py``), card
data keeping its shape, except the kinds in :data:`KEPT_IN_RECORDINGS`.

A secret value, once known, is looked for in every form it travels in
(:func:`secret_forms`): raw, URL- and form-encoded, and base64, alone, as HTTP
Basic credentials or inside a longer base64 text. The recorder refuses a
cassette that still holds one; the reports scrub each one.

>>> SECRET_HEADERS["x-merchant-secret"], SECRET_FIELDS["accessToken"], SECRET_FIELDS["cvc"]
('client-secret', 'access-token', 'cvv')
>>> "gross_amount" in SECRET_FIELDS
False
>>> [form for _, form in secret_forms("key/+1 2")][:3]
['key/+1 2', 'key%2F%2B1%202', 'key%2F%2B1+2']

A card number can also arrive where no secret name announces it (a full PAN in
``masked_card``, in a message). :func:`mask_pans` masks every PAN-shaped run of
digits in a text: 13 to 19 digits, alone or in groups joined by one space or
dash, that pass the Luhn check. It keeps the first 6 and the last 4 digits, as
a masked card number may show them.

>>> mask_pans("received '4811111111111114', order 1234567890123, id 4811-1111-1111-1114")
"received '481111******1114', order 1234567890123, id 4811-11**-****-1114"
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from urllib.parse import quote, quote_plus

__all__ = [
    "CREDENTIAL_VARIABLES",
    "ENCODINGS",
    "KEPT_IN_RECORDINGS",
    "SECRET_FIELDS",
    "SECRET_HEADERS",
    "luhn_valid",
    "mask_pans",
    "secret_forms",
]

#: Lower-case header names. ``Authorization`` carries a scheme and credentials
#: (Basic user and password, a Bearer token): recording takes it apart.
SECRET_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "authorization": "authorization",
        "proxy-authorization": "authorization",
        "x-merchant-id": "client-id",
        "x-merchant-secret": "client-secret",
        "x-server-key": "server-key",
        "x-client-key": "client-key",
        # Pivot callbacks authenticate with a static key ("Pivot payment callback", facts).
        "x-api-key": "callback-key",
        "cookie": "cookie",
        "set-cookie": "cookie",
    }
)
#: JSON fields and query parameters, with both spellings the providers use.
SECRET_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(("server_key", "serverKey"), "server-key"),
        **dict.fromkeys(("client_key", "clientKey"), "client-key"),
        **dict.fromkeys(("client_id", "clientId", "merchant_id", "merchantId"), "client-id"),
        **dict.fromkeys(
            ("client_secret", "clientSecret", "merchant_secret", "merchantSecret", "password"),
            "client-secret",
        ),
        **dict.fromkeys(
            ("access_token", "accessToken", "refresh_token", "refreshToken"), "access-token"
        ),
        **dict.fromkeys(("token_id", "tokenId", "token", "encryptedCard"), "token-id"),
        **dict.fromkeys(("card_number", "cardNumber", "number", "pan"), "card-number"),
        **dict.fromkeys(("card_cvv", "cvv", "cvc", "cvv2"), "cvv"),
        **dict.fromkeys(("card_exp_month", "card_exp_year", "expMonth", "expYear"), "card-expiry"),
    }
)
#: Kinds hidden from reports but left in recordings: an expiry date identifies
#: nothing without the card number, which recordings always scrub.
KEPT_IN_RECORDINGS = frozenset({"card-expiry"})
#: The environment variables that hold the credentials of a run (``check``, ``record``, ...).
CREDENTIAL_VARIABLES = (
    "MIDTRANS_SERVER_KEY",
    "MIDTRANS_CLIENT_KEY",
    "PIVOT_CLIENT_ID",
    "PIVOT_CLIENT_SECRET",
)


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: Each whole encoding a secret travels in, by the label a leak is reported with:
#: a placeholder encoded the same way can stand in for it (what the recorder does).
ENCODINGS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("", str),
    (" (URL-encoded)", lambda value: quote(value, safe="")),
    (" (form-encoded)", lambda value: quote_plus(value, safe="")),
    # A Midtrans server key is the user name of HTTP Basic, with an empty password.
    (" (HTTP Basic base64)", lambda value: _base64(f"{value}:")),
    (" (base64)", _base64),
)
#: Shorter pieces of base64 are not looked for: they would match by chance.
_MIN_FRAGMENT = 8


def secret_forms(value: str) -> list[tuple[str, str]]:
    """``(label, text)`` of each form in which *value* can show, most telling first.

    Its :data:`ENCODINGS`, then the pieces of base64 that show wherever *value*
    sits inside a longer base64 text (``base64("<id>:<secret>")``, a key followed
    by more bytes): base64 turns 3 bytes into 4 characters, so at each of the
    three alignments the characters made of *value*'s bytes alone are fixed,
    whatever comes before or after. Each distinct text is listed once.

    >>> import base64
    >>> pair = base64.b64encode(b"merchant-1:secret-made-up").decode()
    >>> [label for label, form in secret_forms("secret-made-up") if form in pair]
    [' (base64)']
    """
    forms: dict[str, str] = {}
    for label, encode in ENCODINGS:
        forms.setdefault(encode(value), label)
    data = value.encode()
    # Followed by more bytes: the complete groups of "<value>:" (Basic, a password after).
    basic = f"{value}:".encode()
    pieces = [(" (HTTP Basic base64)", basic, 0)]
    pieces += [(" (base64)", data, shift) for shift in range(3)]
    for label, raw, shift in pieces:
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = 4 if shift else 0  # the first group mixes in what precedes
        end = (shift + len(raw)) // 3 * 4  # the last complete group; the rest mixes in what follows
        if end - start >= _MIN_FRAGMENT:
            forms.setdefault(encoded[start:end], label)
    return [(label, form) for form, label in forms.items()]


#: At least 13 digits, maybe joined by single spaces or dashes: a text without one has no PAN.
_MAY_HOLD_PAN = re.compile(r"\d(?:[ -]?\d){12}")
#: A maximal run of digit groups joined by single spaces or dashes.
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ -]\d+)*(?!\d)")
_GROUP = re.compile(r"\d+|[ -]")
#: Digits a masked card number may show: the first 6 (the issuer) and the last 4.
_SHOWN_FIRST, _SHOWN_LAST = 6, 4


def luhn_valid(digits: str) -> bool:
    """Whether *digits* pass the Luhn check, as every card number does.

    >>> luhn_valid("4811111111111114"), luhn_valid("4811111111111115")
    (True, False)
    """
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_pans(text: str) -> str:
    """*text* with each PAN-shaped run of digits masked but its first 6 and last 4 digits.

    Groups are read left to right; at each, the longest stretch of whole groups
    that holds 13 to 19 digits and passes the Luhn check is masked (separators
    kept), so a card number next to other numbers (``"12 4811 1111 1111 1114"``)
    is found too. A run of digits that is not Luhn-valid, or shorter than 13
    digits or longer than 19 without a separator, is left as it is.
    """
    if not _MAY_HOLD_PAN.search(text):
        return text
    return _DIGIT_RUN.sub(lambda match: _mask_run(match[0]), text)


def _mask_run(run: str) -> str:
    parts = _GROUP.findall(run)  # digits, separator, digits, ...
    groups = parts[::2]
    out: list[str] = []
    start = 0
    while start < len(groups):
        end = _pan_end(groups, start)
        stop = start + 1 if end is None else end
        piece = "".join(parts[2 * start : 2 * stop - 1])
        out.append(piece if end is None else _mask(piece))
        out.append(parts[2 * stop - 1] if 2 * stop - 1 < len(parts) else "")  # the separator
        start = stop
    return "".join(out)


def _pan_end(groups: list[str], start: int) -> int | None:
    """The end (exclusive) of the longest PAN that starts at group *start*, if any."""
    found, count = None, 0
    for end in range(start + 1, len(groups) + 1):
        count += len(groups[end - 1])
        if count > 19:
            break
        if count >= 13 and luhn_valid("".join(groups[start:end])):
            found = end
    return found


def _mask(pan: str) -> str:
    """*pan* (digits and separators) with all but its first 6 and last 4 digits as ``*``."""
    total = sum(char.isdigit() for char in pan)
    seen, out = 0, []
    for char in pan:
        if char.isdigit():
            seen += 1
            hidden = _SHOWN_FIRST < seen <= total - _SHOWN_LAST
            out.append("*" if hidden else char)
        else:
            out.append(char)
    return "".join(out)
