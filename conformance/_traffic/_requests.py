"""Routing ``requests`` traffic with ``responses``: callbacks for the provider hosts.

Requests to any other host go out as they would have (``responses`` pass-through).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import requests
import responses

from ._convert import to_httpx_request
from ._hosts import HOSTS_PATTERN

if TYPE_CHECKING:
    from ._session import Traffic

__all__ = ["routed"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
Answer = tuple[int, dict[str, str], bytes]


@contextmanager
def routed(traffic: Traffic) -> Iterator[responses.RequestsMock]:
    """While active, ``requests`` calls to the provider hosts are answered by *traffic*."""

    def answer(prepared: requests.PreparedRequest) -> Answer:
        request = to_httpx_request(prepared)
        try:
            response = traffic.handle(request)
        except httpx.TimeoutException as exc:
            # What requests raises when the answer does not come in time.
            raise requests.ReadTimeout(str(exc), request=prepared) from exc
        except httpx.TransportError as exc:
            # What requests raises for a refused or dropped connection.
            raise requests.ConnectionError(str(exc), request=prepared) from exc
        # One value per name: httpx joins repeated headers with ", " as HTTP allows.
        return response.status_code, dict(response.headers.items()), response.content

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    for method in _METHODS:
        mock.add_callback(method, HOSTS_PATTERN, callback=answer, content_type=None)
    mock.add_passthru(re.compile(".*"))
    with mock:
        yield mock
