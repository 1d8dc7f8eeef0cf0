"""Routing ``httpx`` traffic with ``respx``: one route for the provider hosts.

Sync clients get a sync answer and async clients an awaitable one, so an async
caller's event loop keeps running while the simulator answers. Requests to any
other host pass through to the network, unless another ``respx`` router started
after this one is there to take them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough

from ._hosts import classify

if TYPE_CHECKING:
    from ._session import Traffic

__all__ = ["routed"]

#: Set while respx resolves a request of an async client.
_ASYNC = contextvars.ContextVar("capture_conformance_async", default=False)


class _Router(respx.MockRouter):
    """A respx router that tells sync from async requests and passes unknown hosts on."""

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        token = _ASYNC.set(True)
        try:
            return await self._unless_unmatched(super().async_handler(request), request)
        finally:
            _ASYNC.reset(token)

    def handler(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handler(request)
        except AllMockedAssertionError:
            raise self._not_ours(request) from None

    async def _unless_unmatched(
        self, answer: Awaitable[httpx.Response], request: httpx.Request
    ) -> httpx.Response:
        try:
            return await answer
        except AllMockedAssertionError:
            raise self._not_ours(request) from None

    def _not_ours(self, request: httpx.Request) -> Exception:
        # Another respx router started after this one (a test's own mock) gets its turn;
        # with none, the request goes to the network as it would have without the kit.
        routers: list[Any] = list(getattr(self.Mocker, "routers", []))
        if routers and routers[-1] is not self:
            return AllMockedAssertionError(f"RESPX: {request!r} not mocked!")
        return PassThrough(
            f"not a provider host: {request.url.host}", request=request, origin=self.routes[0]
        )


@contextmanager
def routed(traffic: Traffic) -> Iterator[respx.MockRouter]:
    """While active, httpx calls (sync and async) to the provider hosts go to *traffic*."""

    def answer(request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response] | None:
        if classify(request.url.host) is None:
            return None  # not ours: respx moves on
        if _ASYNC.get():
            return traffic.ahandle(request)
        return traffic.handle(request)

    router = _Router(assert_all_called=False, assert_all_mocked=True)
    router.route().mock(side_effect=answer)
    with router:
        yield router
