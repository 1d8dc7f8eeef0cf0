"""Deliveries in cassettes: the notifications and callbacks a recording received.

A delivery is a request the provider made to the merchant, so a cassette keeps
it as vcrpy keeps any exchange: an interaction whose request is the delivery's
``POST`` (as it reached the kit's receiver) and whose response is the receiver's
``200`` answer. The kit marks it with an extra ``delivery`` key (vcrpy and
pytest-recording ignore it, as they ignore ``scenario``) and tags it with the
scenario whose capture (or, failing that, whose calls) it is about.

Scrubbing keeps signatures checkable (:func:`seal`). A Midtrans
``signature_key`` is a SHA-512 over the body and the server key; once the
server key is scrubbed to its placeholder (:data:`PLACEHOLDER_KEY`), each
signature is checked against the *real* key and then:

* ``re-signed``: it matched, and is recomputed with the placeholder key, so a
  replay given the placeholder verifies it;
* ``re-signed-wrong``: it matched a known mistake (``signed_over`` names the
  fields), and is recomputed over the same wrong fields with the placeholder,
  so it stays wrong the same way;
* ``as-received``: it matched nothing, and is kept as it came (still wrong);
* ``none``: there was no signature to check.

Pivot callbacks carry a static ``X-API-Key``: the configured key becomes
``scrubbed-callback-key``, any other value another placeholder, so a wrong key
stays wrong.

>>> import httpx, json
>>> from conformance.signatures import midtrans_signature
>>> body = {"order_id": "o-1", "status_code": "200", "gross_amount": "10.00",
...     "transaction_id": "t-1", "transaction_status": "capture"}
>>> body["signature_key"] = midtrans_signature("o-1", "200", "10.00", "SB-Mid-server-real-1")
>>> item = delivery_interaction("midtrans", httpx.Request("POST", "http://127.0.0.1/n", json=body))
>>> seal([item], "midtrans", "SB-Mid-server-real-1")
>>> item.delivery, json.loads(item.request_body())["signature_key"] == midtrans_signature(
...     "o-1", "200", "10.00", PLACEHOLDER_KEY["midtrans"])
({'provider': 'midtrans', 'signature': 're-signed'}, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpx

from .._json import loads
from ..rules.notifications import SIGNATURE_MISTAKES
from ..signatures import midtrans_signature, signature_matches
from ..suite._inbox import ACCEPTED
from ._fast_yaml import METADATA_KEY
from ._format import Cassette, Interaction

__all__ = [
    "KEY_KIND",
    "PLACEHOLDER_KEY",
    "assign_scenarios",
    "delivery_body",
    "delivery_event",
    "delivery_interaction",
    "delivery_subject",
    "recorded_key",
    "seal",
    "signature_scheme",
    "stated_deliveries",
]

#: The kind of secret each provider's deliveries are authenticated with.
KEY_KIND = {"midtrans": "server-key", "pivot": "callback-key"}
#: The placeholder that key is scrubbed to (:class:`~._scrub.Scrubber`'s first of its kind):
#: what a replay checks re-signed notifications and scrubbed ``X-API-Key`` headers against.
PLACEHOLDER_KEY = {provider: f"scrubbed-{kind}" for provider, kind in KEY_KIND.items()}
_DOCUMENTED = ("order_id", "status_code", "gross_amount")


def stated_deliveries(cassette: Cassette) -> dict[str, Any] | None:
    """What the kit's recording states of its deliveries (``received``, ``key``), or ``None``
    (a cassette the kit did not record, or recorded before it kept deliveries)."""
    meta = cassette.metadata.get(METADATA_KEY)
    stated = meta.get("deliveries") if isinstance(meta, dict) else None
    return stated if isinstance(stated, dict) else None


def recorded_key(cassettes: Iterable[Cassette], provider: str) -> str | None:
    """The key the deliveries of *cassettes* are authenticated with: the first one they state;
    else Midtrans's placeholder (the kit re-signs what it records with it), Pivot ``None``."""
    for cassette in cassettes:
        key = (stated_deliveries(cassette) or {}).get("key")
        if isinstance(key, str):
            return key
    return PLACEHOLDER_KEY[provider] if provider == "midtrans" else None


def delivery_interaction(provider: str, request: httpx.Request, scenario: str = "") -> Interaction:
    """A delivery as a cassette keeps it: its request, the receiver's 200 answer, the mark."""
    answer = httpx.Response(200, json=ACCEPTED)
    item = Interaction.from_httpx(request, answer, scenario=scenario or None)
    item.delivery = {"provider": provider}
    return item


def delivery_body(item: Interaction) -> Any:
    """The delivery's parsed JSON body, or ``None``."""
    try:
        return loads(item.request_body())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def delivery_event(item: Interaction, provider: str) -> str:
    """Midtrans's ``transaction_status``, Pivot's ``event`` (``?`` when there is none)."""
    body = delivery_body(item)
    value = body.get("transaction_status" if provider == "midtrans" else "event") if isinstance(
        body, dict
    ) else None  # fmt: skip
    return value if isinstance(value, str) else "?"


def delivery_subject(item: Interaction, provider: str) -> str | None:
    """What it is about, as a capture names it: the transaction id, or the session id (lower)."""
    body = delivery_body(item)
    if not isinstance(body, dict):
        return None
    if provider == "midtrans":
        value = body.get("transaction_id")
        return value if isinstance(value, str) else None
    data = body.get("data")
    value = data.get("id") if isinstance(data, dict) else None
    return value.lower() if isinstance(value, str) else None


def assign_scenarios(
    items: Sequence[Interaction], provider: str, captures: Iterable[tuple[str, str]]
) -> None:
    """Tag each delivery with the scenario it is about.

    The case of the first capture of its subject (*captures*: case id and
    subject); else the scenario of the first call whose URI or answer names the
    subject; else the scenario it arrived in (its tag already).
    """
    owners: dict[str, str] = {}
    for case_id, captured in captures:
        owners.setdefault(captured.lower(), case_id)
    calls = [i for i in items if i.delivery is None]
    texts: list[tuple[str, str]] = []
    for item in calls:
        answer = item.response["body"]["string"]
        shown = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
        texts.append(((item.uri + "\n" + shown).lower(), item.scenario or ""))
    for item in items:
        subject = delivery_subject(item, provider) if item.delivery is not None else None
        if subject is None:
            continue
        owner = owners.get(subject.lower())
        if owner is None:
            found = next((tag for text, tag in texts if tag and subject.lower() in text), None)
            if found is not None:
                owner = owners[subject.lower()] = found
        if owner is not None:
            item.scenario = owner


def _over(body: dict[str, Any], fields: Sequence[str], key: str) -> str | None:
    first, second, third = (body.get(name) for name in fields)
    if not all(isinstance(v, str) for v in (first, second, third)):
        return None
    return midtrans_signature(str(first), str(second), str(third), key)


def signature_scheme(body: Any, key: str) -> str:
    """Which fields *body*'s ``signature_key`` is a signature over with *key*, in words.

    >>> body = {"order_id": "o", "status_code": "200", "gross_amount": "1.00"}
    >>> body["signature_key"] = midtrans_signature("o", "200", "1.00", "k")
    >>> signature_scheme(body, "k"), signature_scheme(body, "other")
    ('order_id + status_code + gross_amount', 'unknown')
    """
    got = body.get("signature_key") if isinstance(body, dict) else None
    if not isinstance(got, str):
        return "none"
    for fields in (_DOCUMENTED, *(f for _, f in SIGNATURE_MISTAKES)):
        expected = _over(body, fields, key)
        if expected is not None and signature_matches(got, expected):
            return " + ".join(fields)
    return "unknown"


def register_api_keys(items: Iterable[Interaction], placeholder: Any) -> None:
    """Give each Pivot delivery's ``X-API-Key`` value a ``callback-key`` placeholder.

    *placeholder* is :meth:`~._scrub.Scrubber.placeholder`; the configured key was
    registered first, so it becomes ``scrubbed-callback-key`` and any other value
    another one. The scrubber then replaces them wherever they appear.
    """
    for item in items:
        if item.delivery is None or item.delivery.get("provider") != "pivot":
            continue
        for name, value in list(item.request.headers.items()):
            if name.lower() == "x-api-key" and value:
                item.request.headers[name] = placeholder(str(value), KEY_KIND["pivot"])


def seal(items: Iterable[Interaction], provider: str, key: str | None) -> None:
    """Re-sign scrubbed Midtrans notifications with the placeholder key (see the module).

    *key* is the real server key they were recorded with (``None``: nothing is
    re-signed, each is kept ``as-received``). Pivot callbacks need nothing here.
    """
    if provider != "midtrans":
        return
    placeholder = PLACEHOLDER_KEY[provider]
    for item in items:
        if item.delivery is None:
            continue
        body = delivery_body(item)
        got = body.get("signature_key") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(got, str):
            item.delivery["signature"] = "none"
            continue
        scheme = signature_scheme(body, key) if key else "unknown"
        if scheme == "unknown":
            item.delivery["signature"] = "as-received"
            continue
        fields = scheme.split(" + ")
        fresh = _over(body, fields, placeholder)
        assert fresh is not None  # the fields were strings: the scheme matched
        raw = item.request_body()
        item.request.body = raw.replace(got.encode(), fresh.encode())
        if tuple(fields) == _DOCUMENTED:
            item.delivery["signature"] = "re-signed"
        else:
            item.delivery["signature"] = "re-signed-wrong"
            item.delivery["signed_over"] = list(fields)
