"""Judge-only traffic: the integration's calls go where they would, each exchange is recorded.

The high-level sends are wrapped (``requests.Session.send``, ``httpx.Client.send``
and ``httpx.AsyncClient.send``), so whatever answers below them still answers: a
real sandbox, or vcrpy's patched transports (``@pytest.mark.vcr``), whichever
was set up first. Calls to a provider's sandbox host are recorded into the
:class:`~._session.Traffic` and judged when the test ends, as routed ones are;
production hosts are refused as in route mode; other hosts are untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import requests

from ._convert import to_httpx_request, to_httpx_response
from ._hosts import classify

if TYPE_CHECKING:
    from ._session import Traffic

__all__ = ["judged"]


def _ours(url: str | httpx.URL) -> bool:
    return classify(httpx.URL(str(url)).host) is not None


def _record_httpx(traffic: Traffic, response: httpx.Response) -> None:
    """Each hop of *response* (redirects first) that went to a provider host."""
    for hop in (*response.history, response):
        if _ours(hop.request.url):
            traffic.record(hop.request, hop)


@contextmanager
def _patched(owner: type, name: str, wrapper: Any) -> Iterator[None]:
    original = owner.__dict__[name]
    setattr(owner, name, wrapper(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def judged(traffic: Traffic) -> Iterator[None]:
    """While active, ``requests`` and ``httpx`` exchanges with the provider hosts go on record."""

    def requests_send(original: Any) -> Any:
        def send(self: requests.Session, request: requests.PreparedRequest, **kw: Any) -> Any:
            if not _ours(request.url or ""):
                return original(self, request, **kw)
            seen = to_httpx_request(request)
            try:
                traffic.refuse_production(seen)
                response = original(self, request, **kw)
            except httpx.TransportError as exc:
                raise requests.ConnectionError(str(exc), request=request) from None
            except requests.RequestException as exc:
                traffic.record(seen, None, f"{exc!r}")
                raise
            # Redirects after the first answer come through here on their own.
            first = response.history[0] if response.history else response
            traffic.record(seen, to_httpx_response(first))
            return response

        return send

    def httpx_send(original: Any) -> Any:
        def send(self: httpx.Client, request: httpx.Request, **kw: Any) -> Any:
            if not _ours(request.url):
                return original(self, request, **kw)
            traffic.refuse_production(request)
            try:
                response = original(self, request, **kw)
            except httpx.TransportError as exc:
                traffic.record(request, None, f"{exc!r}")
                raise
            response.read()  # a streamed body is kept, so it can be judged and still read
            _record_httpx(traffic, response)
            return response

        return send

    def httpx_asend(original: Any) -> Any:
        async def send(self: httpx.AsyncClient, request: httpx.Request, **kw: Any) -> Any:
            if not _ours(request.url):
                return await original(self, request, **kw)
            traffic.refuse_production(request)
            try:
                response = await original(self, request, **kw)
            except httpx.TransportError as exc:
                traffic.record(request, None, f"{exc!r}")
                raise
            await response.aread()
            _record_httpx(traffic, response)
            return response

        return send

    with ExitStack() as stack:
        stack.enter_context(_patched(requests.Session, "send", requests_send))
        stack.enter_context(_patched(httpx.Client, "send", httpx_send))
        stack.enter_context(_patched(httpx.AsyncClient, "send", httpx_asend))
        yield
