"""A synchronous httpx transport straight onto an in-process ASGI app.

The suite is synchronous (hypothesis drives it) and httpx's own
:class:`httpx.ASGITransport` is asynchronous. Wrapping that one costs about
0.35 ms a request (measured: 0.40 ms against 0.05 ms for the app itself), more
than the simulators take to answer, so this transport speaks ASGI directly, on
one event loop it owns. It speaks only what a request/response app needs: one
request body, one response.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

import httpx
from starlette.types import ASGIApp, Message

__all__ = ["SyncASGITransport"]

_PORTS = {"http": 80, "https": 443}


class SyncASGITransport(httpx.BaseTransport):
    """Send requests to *app* in-process, as an HTTP server would.

    >>> from starlette.responses import JSONResponse
    >>> with httpx.Client(transport=SyncASGITransport(JSONResponse({"ok": True})),
    ...                   base_url="http://sim") as client:
    ...     client.get("/").json()
    {'ok': True}
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (url.host, url.port or _PORTS.get(url.scheme, 80)),
            "client": ("127.0.0.1", 50000),
        }
        answer: dict[str, Any] = {"status": None, "headers": [], "more": True}
        chunks: list[bytes] = []
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                answer["more"] = message.get("more_body", False)

        try:
            self._loop.run_until_complete(self.app(scope, receive, send))
        except Exception as exc:
            # An app that crashed after answering (Starlette re-raises after its 500
            # page) still answered; one that did not is a dropped connection.
            if answer["status"] is None:
                raise httpx.RemoteProtocolError(
                    f"the app failed: {exc!r}", request=request
                ) from exc
        if answer["status"] is None:
            raise httpx.RemoteProtocolError("the app sent no response", request=request)
        if answer["more"]:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.Response(
            answer["status"], headers=answer["headers"], content=b"".join(chunks), request=request
        )

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.close()
