"""The receiver as an ASGI app: a webhook endpoint that judges what it is sent.

Every ``POST`` (any path: dashboards and ``X-Override-Notification`` name their
own) is handed to an :class:`~conformance.receiver.Inbox` and answered ``200``,
so a sandbox does not retry because of the kit. Other methods answer 405. A
body over :data:`MAX_BODY` bytes answers 413 and is not kept.

>>> from starlette.testclient import TestClient
>>> from conformance.receiver import Inbox
>>> app = ReceiverApp(Inbox("midtrans"))
>>> TestClient(app).post("/notify", json={"order_id": "o-1"}).status_code
200
>>> len(app.inbox)
1
"""

from __future__ import annotations

import time

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from ._inbox import ACCEPTED, Inbox

__all__ = ["MAX_BODY", "ReceiverApp"]

#: Deliveries are a few KiB; a larger body is refused rather than held in memory.
MAX_BODY = 1 << 20


class ReceiverApp:
    """An ASGI app that takes deliveries into *inbox*."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        response = await self._answer(Request(scope, receive))
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        if request.method != "POST":
            return JSONResponse({"error": "deliveries are POSTed"}, status_code=405)
        started = time.perf_counter()
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return JSONResponse({"error": "body too large"}, status_code=413)
        delivered = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=bytes(body),
        )
        self.inbox.accept(delivered, time.perf_counter() - started)
        return JSONResponse(ACCEPTED)
