"""A ``curl`` command that reproduces a request, its secrets as environment variables.

>>> import httpx
>>> request = httpx.Request("POST", "https://api.sandbox.midtrans.com/v2/capture",
...     json={"transaction_id": "t-1"}, headers={"Authorization": "Basic U0I6"})
>>> command = curl(request, "midtrans")
>>> command.split(" -H ")[0]
'curl -sS -X POST -u "$MIDTRANS_SERVER_KEY:"'
>>> command.endswith("https://api.sandbox.midtrans.com/v2/capture")
True
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .._secrets import SECRET_FIELDS, mask_pans
from ._redact import REDACTED, redact_body

__all__ = ["curl"]


#: Placeholders the reproduction commands use for each secret header.
_HEADER_ENV = {
    "x-merchant-id": "$PIVOT_CLIENT_ID",
    "x-merchant-secret": "$PIVOT_CLIENT_SECRET",
}


#: Query fields the reproduction commands take from the environment (the Midtrans token call).
_QUERY_ENV = {
    "client_key": "MIDTRANS_CLIENT_KEY",
    "card_number": "CARD_NUMBER",
    "card_exp_month": "CARD_EXP_MONTH",
    "card_exp_year": "CARD_EXP_YEAR",
    "card_cvv": "CARD_CVV",
}


def _quote(text: str, names: Mapping[str, str]) -> str:
    """*text* as one shell word; each value of *names* in it becomes ``${NAME}``."""
    hits = [value for value in names if value and value in text]
    if not hits and "${" not in text:
        return shlex.quote(text)
    quoted = re.sub(r'(["\\`]|\$(?!\{[A-Z_]+\}))', r"\\\1", text)
    for value in sorted(hits, key=len, reverse=True):
        quoted = quoted.replace(re.sub(r'(["\\`$])', r"\\\1", value), "${" + names[value] + "}")
    return f'"{quoted}"'


def _env_url(url: str) -> str:
    """*url* redacted, its secret query fields as ``${NAME}`` where the environment has them."""
    parts = urlsplit(url)
    query = [
        (k, "${" + _QUERY_ENV[k] + "}" if k in _QUERY_ENV else REDACTED if k in SECRET_FIELDS
         else mask_pans(v))
        for k, v in parse_qsl(parts.query)
    ]  # fmt: skip
    return mask_pans(urlunsplit(parts._replace(query=urlencode(query, safe="<>*${}"))))


def curl(request: httpx.Request, provider: str, names: Mapping[str, str] | None = None) -> str:
    """A ``curl`` command that replays *request*, with secrets as environment variables.

    *names* maps values (ids an earlier answer handed out) to the shell variables
    that hold them in a reproduction script (:func:`~._evidence.script`).
    """
    names = names or {}
    parts = ["curl", "-sS", "-X", request.method]
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
            continue
        if lower == "authorization":
            if value.lower().startswith("basic "):
                parts += ["-u", '"$MIDTRANS_SERVER_KEY:"']
            else:
                parts += ["-H", '"Authorization: Bearer $PIVOT_ACCESS_TOKEN"']
            continue
        if lower in _HEADER_ENV:
            parts += ["-H", f'"{name}: {_HEADER_ENV[lower]}"']
            continue
        parts += ["-H", _quote(f"{name}: {mask_pans(value)}", names)]
    body = request.read()
    if body:
        text = redact_body(body)
        for name in set(names.values()):  # a redacted field an earlier answer handed out
            text = text.replace(
                f'"{name.lower()}": "{REDACTED}"', f'"{name.lower()}": "${{{name}}}"'
            )
        parts += ["--data-binary", _quote(text, names)]
    parts.append(_quote(_env_url(str(request.url)), names))
    return " ".join(parts)
