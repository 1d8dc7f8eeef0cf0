"""Cassettes transcribed from the seed pages' own examples (``conformance/examples.py``).

Each response example of an operation becomes one interaction, sent to the
provider's sandbox host with the headers the docs require (credentials as the
recorder's placeholders). The request body is the operation's seed request
example, except where the docs' request and response examples come from
different transactions: a success answer must echo the request's ids and
amount, so its request carries the ids and amount of that answer instead (the
docs' own values, paired consistently). Path ids are the answer's.

>>> cassette = example_cassette("midtrans")
>>> [(i.scenario, i.status) for i in cassette][:2]
[('example:capture success', 200), ('example:capture error412', 200)]
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from ..examples import Example, iter_examples
from ..specs import load_spec
from ..suite._setup import MIDTRANS_CARD
from ..suite._target import SANDBOX_HOSTS
from ._detect import METADATA_KEY
from ._format import Cassette, Interaction

__all__ = ["example_cassette"]

_BASIC = "Basic " + base64.b64encode(b"scrubbed-server-key:").decode()
_HEADERS = {
    "midtrans": {"Accept": "application/json", "Authorization": _BASIC},
    "pivot": {"Accept": "application/json", "Authorization": "Bearer scrubbed-access-token"},
}


def example_cassette(provider: str) -> Cassette:
    """Every response example of *provider* as an interaction, in the specs' order."""
    examples = list(iter_examples(provider))
    requests = {e.operation: e.body for e in examples if e.status is None}
    items = []
    for example in examples:
        if example.status is None:
            continue
        body = _request_body(provider, example, requests.get(example.operation))
        request = _request(provider, example, body)
        response = httpx.Response(example.status, json=example.body, request=request)
        items.append(
            Interaction.from_httpx(request, response, scenario=f"example:{example.operation} "
                                   f"{example.label.split(' ', 1)[1]}")
        )  # fmt: skip
    metadata = {METADATA_KEY: {"provider": provider, "recorded_from": "specs/ seed examples"}}
    return Cassette(items, f"{provider}-seed-examples.yaml", metadata)


def _request_body(provider: str, example: Example, seed: Any) -> Any:
    answer = example.body if isinstance(example.body, dict) else {}
    if provider == "midtrans" and answer.get("status_code") == "200" and isinstance(seed, dict):
        # The docs' capture request and answer are two transactions; pair the answer
        # with a request for its own transaction and amount.
        amount = answer.get("gross_amount")
        whole = int(float(amount)) if isinstance(amount, str | int | float) else None
        return {**seed, "transaction_id": answer.get("transaction_id")} | (
            {"gross_amount": whole} if whole is not None else {}
        )
    return seed


def _request(provider: str, example: Example, body: Any) -> httpx.Request:
    operation = load_spec(provider).operation(example.operation)
    path = operation.path
    data = example.body.get("data") if isinstance(example.body, dict) else None
    ids = {
        "transaction_id": (example.body or {}).get("transaction_id", "unknown"),
        "id": (data or {}).get("paymentSessionId") or (data or {}).get("id", "unknown"),
    }
    for name in operation.pattern.groupindex:
        path = path.replace(f"{{{name}}}", str(ids.get(name, "unknown")))
    headers = dict(_HEADERS[provider])
    params = None
    if example.operation == "token":
        params = {**MIDTRANS_CARD, "client_key": "scrubbed-client-key"}
        headers.pop("Authorization")
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body, separators=(",", ":")).encode()
    url = f"https://{SANDBOX_HOSTS[provider]}{path}"
    return httpx.Request(operation.method, url, params=params, headers=headers, content=content)
