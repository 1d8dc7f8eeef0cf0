"""A hand-written Midtrans capture client on httpx, as many merchants write one: two versions.

Each returns the checkout's conclusion: ``"captured"``, ``"not-captured"``, or
``"unknown"`` (find out later: a status read, a notification). This is the code
under test: nothing in it knows about capture-conformance.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

SANDBOX = "https://api.sandbox.midtrans.com"


def _headers(server_key: str) -> dict[str, str]:
    token = base64.b64encode(f"{server_key}:".encode()).decode()
    return {
        "Authorization": f"Basic {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def capture_trusting_http_status(server_key: str, transaction_id: str, amount: int) -> str:
    """THE BUG: judges the capture by the HTTP status alone.

    Midtrans may answer HTTP 200 with body ``status_code`` "412": this calls it captured.
    """
    with httpx.Client(timeout=10) as http:
        try:
            answer = http.post(
                f"{SANDBOX}/v2/capture",
                headers=_headers(server_key),
                json={"transaction_id": transaction_id, "gross_amount": amount},
            )
        except httpx.TransportError:
            return "unknown"
    if answer.status_code == 200:
        return "captured"
    return "not-captured" if answer.status_code < 500 else "unknown"


def capture(server_key: str, transaction_id: str, amount: int) -> str:
    """THE FIX: judges by the body's ``status_code``; an unclear answer is resolved by a read."""
    with httpx.Client(timeout=10) as http:
        try:
            answer = http.post(
                f"{SANDBOX}/v2/capture",
                headers=_headers(server_key),
                json={"transaction_id": transaction_id, "gross_amount": amount},
            )
            verdict = _verdict(answer)
        except httpx.TransportError:
            verdict = "unknown"
        if verdict == "unknown":  # never capture again blind: read what happened
            verdict = _read(http, server_key, transaction_id)
    return verdict


def _body(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        body = answer.json()
    except ValueError:
        return None  # an HTML page from a load balancer, say
    return body if isinstance(body, dict) else None


def _verdict(answer: httpx.Response) -> str:
    body = _body(answer)
    if body is None:
        return "unknown"
    code = str(body.get("status_code", ""))
    if code == "200" and body.get("transaction_status") == "capture":
        return "captured"
    if code.startswith("4"):
        return "not-captured"
    return "unknown"


def _read(http: httpx.Client, server_key: str, transaction_id: str) -> str:
    try:
        answer = http.get(f"{SANDBOX}/v2/{transaction_id}/status", headers=_headers(server_key))
    except httpx.TransportError:
        return "unknown"
    body = _body(answer) or {}
    status = body.get("transaction_status")
    if str(body.get("status_code")) in ("200", "407"):
        return "captured" if status in ("capture", "settlement") else "not-captured"
    return "unknown"
