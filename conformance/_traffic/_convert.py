"""``requests`` objects as the validator reads them (httpx requests and responses).

>>> import requests
>>> prepared = requests.Request("POST", "https://api.sandbox.midtrans.com/v2/capture",
...                             data='{"gross_amount": 1}').prepare()
>>> to_httpx_request(prepared).content
b'{"gross_amount": 1}'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import requests

__all__ = ["is_requests_object", "to_httpx_request", "to_httpx_response"]


def is_requests_object(value: Any) -> bool:
    """True for objects of the ``requests`` library (checked without importing it)."""
    return type(value).__module__.split(".", 1)[0] == "requests"


def body_bytes(body: Any) -> bytes:
    """The bytes a prepared body puts on the wire."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        # http.client sends a str body as ISO-8859-1; so does this.
        return body.encode("iso-8859-1")
    if isinstance(body, Iterable):
        return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)
    raise TypeError(f"cannot read a request body of type {type(body).__name__}")


def to_httpx_request(
    request: requests.PreparedRequest | requests.Request, body: bytes | None = None
) -> httpx.Request:
    """An :class:`httpx.Request` with the method, URL, headers and body of *request*."""
    import requests

    prepared = request.prepare() if isinstance(request, requests.Request) else request
    content = body_bytes(prepared.body) if body is None else body
    return httpx.Request(
        prepared.method or "GET",
        prepared.url or "",
        headers=list(prepared.headers.items()),
        content=content,
    )


def to_httpx_response(response: requests.Response) -> httpx.Response:
    """An :class:`httpx.Response` with the status, headers and (decoded) body of *response*."""
    headers = [
        (k, v)
        for k, v in response.headers.items()
        # requests has already undone the content encoding of .content.
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    request = None if response.request is None else to_httpx_request(response.request)
    return httpx.Response(
        response.status_code, headers=headers, content=response.content, request=request
    )
