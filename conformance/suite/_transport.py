"""A synchronous httpx transport onto an in-process ASGI app.

httpx's own :class:`httpx.ASGITransport` is asynchronous; the suite is
synchronous (hypothesis drives it), so this wraps it on one private event loop.
Nothing is re-implemented: the ASGI exchange is httpx's.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """Send requests straight to *app*, on a loop owned by this transport.

    >>> from starlette.responses import JSONResponse
    >>> with httpx.Client(transport=SyncASGITransport(JSONResponse({"ok": True})),
    ...                   base_url="http://sim") as client:
    ...     client.get("/").json()
    {'ok': True}
    """

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        # A fresh request whose byte stream serves async readers too.
        copy = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            extensions=request.extensions,
        )
        return self._loop.run_until_complete(self._send(copy))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.close()
