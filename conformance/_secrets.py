"""Which names hold secrets: one table for everything the kit prints, writes or records.

Each header, JSON field and query parameter name maps to the *kind* of secret it
holds. Reports, the console, JUnit, the proxy and the client-traffic explainer
redact the value of every name here (``suite/_redact.py``); cassette recording
replaces it with a stable placeholder of its kind (``cassettes/_scrub.py``), card
data keeping its shape, except the kinds in :data:`KEPT_IN_RECORDINGS`.

>>> SECRET_HEADERS["x-merchant-secret"], SECRET_FIELDS["accessToken"], SECRET_FIELDS["cvc"]
('client-secret', 'access-token', 'cvv')
>>> "gross_amount" in SECRET_FIELDS
False
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["KEPT_IN_RECORDINGS", "SECRET_FIELDS", "SECRET_HEADERS"]

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
