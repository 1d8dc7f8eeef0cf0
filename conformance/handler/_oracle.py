"""The state oracle of the command line: ``--state-url`` with ``{order_id}``, read as JSON.

>>> UrlOracle("http://127.0.0.1:9/orders/{order_id}").url("order 1")
'http://127.0.0.1:9/orders/order%201'
>>> state_from_url("http://127.0.0.1:9/orders")
Traceback (most recent call last):
...
conformance.errors.UsageError: --state-url must hold {order_id}; got 'http://127.0.0.1:9/orders'
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from .._json import loads
from ..errors import UsageError

__all__ = ["UrlOracle", "reachable", "state_from_url"]

PLACEHOLDER = "{order_id}"


class UrlOracle:
    """``state(order_id)``: GET the template's URL; 404 reads as ``None`` (no such order)."""

    def __init__(self, template: str, timeout: float = 10.0) -> None:
        self.template = template
        self.timeout = timeout

    def url(self, order_id: str) -> str:
        return self.template.replace(PLACEHOLDER, quote(order_id, safe=""))

    def __call__(self, order_id: str) -> Any:
        url = self.url(order_id)
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            answer = client.get(url, headers={"Accept": "application/json"})
        if answer.status_code == 404:
            return None
        if not answer.is_success:
            raise ValueError(f"GET {url} answered HTTP {answer.status_code}")
        try:
            return loads(answer.content)
        except ValueError:
            raise ValueError(f"GET {url} did not answer JSON") from None


def state_from_url(template: str) -> UrlOracle:
    """The oracle for *template*; a template without ``{order_id}`` is a UsageError."""
    if PLACEHOLDER not in template:
        raise UsageError(f"--state-url must hold {PLACEHOLDER}; got {template!r}")
    reachable(template.replace(PLACEHOLDER, "x"), "--state-url")
    return UrlOracle(template)


def reachable(url: str, option: str) -> None:
    """UsageError when *url* is not an http(s) URL or nothing answers it (any status will do)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"{option} must be an absolute http(s) URL; got {url!r}")
    try:
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            client.get(url)
    except httpx.HTTPError as exc:
        raise UsageError(f"{option} {url}: nothing answers there ({type(exc).__name__})") from None
