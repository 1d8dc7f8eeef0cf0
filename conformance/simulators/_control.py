"""What every simulator shares: a controllable clock, injected faults, the ``/_sim/`` routes.

The control API is described in ``specs/simulator/openapi.yaml``; its
``/_sim/deliveries`` routes, and the Python side of deliveries, are
:mod:`~conformance.simulators._notify`. Control
answers use a small shape of their own, ``{"error": "..."}`` on failure, so they
can never be mistaken for a provider's answer.
"""

from __future__ import annotations

import abc
import asyncio
import random
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..violations import Violation
from . import quirks as _quirks
from ._clock import Clock
from ._notify import Deliverer, DeliveryMiddleware, json_object

__all__ = ["CONTROL_PREFIX", "FAULT_KINDS", "Clock", "Fault", "Faults", "Simulator"]

CONTROL_PREFIX = "/_sim"
FAULT_KINDS = ("latency", "error", "non-json", "truncate", "disconnect")


@dataclass
class Fault:
    """One injected fault: for the next *count* requests, at a *rate*, or (neither) always.

    >>> Fault("error", status=503, count=1).status
    503
    >>> Fault("explode")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown fault kind 'explode'; choose one of: latency, error, non-json, ...
    """

    kind: str
    status: int = 500
    delay: float = 0.0
    count: int | None = None
    rate: float | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; choose one of: {', '.join(FAULT_KINDS)}"
            )
        if not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599); got {self.status!r}")
        if not 0 <= self.delay <= 60:
            raise ValueError(f"delay must be 0-60 seconds; got {self.delay!r}")
        if self.count is not None and self.rate is not None:
            raise ValueError("give count (next N requests) or rate (a fraction), not both")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1; got {self.count!r}")
        if self.rate is not None and not 0 < self.rate <= 1:
            raise ValueError(f"rate must be in (0, 1]; got {self.rate!r}")


class Faults:
    """The active faults, consulted once per provider request (seeded, so runs repeat)."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._items: list[Fault] = []
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> None:
        self._items.append(fault)

    def clear(self) -> None:
        self._items.clear()
        self._random = random.Random(self._seed)

    def take(self, path: str) -> Fault | None:
        for fault in list(self._items):
            if fault.path is not None and not path.startswith(fault.path):
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self._items.remove(fault)
                return fault
            if fault.rate is None or self._random.random() < fault.rate:
                return fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in asdict(f).items() if v is not None} for f in self._items]


class Simulator(Deliverer, abc.ABC):
    """A stateful reference simulator of one provider's sandbox, as a plain ASGI app.

    Handlers are ``async`` and never ``await`` between reading and writing
    state, so one event loop serialises every capture: no lock is needed.
    Deliveries (notifications, callbacks) come from :class:`~._notify.Deliverer`.
    """

    provider: ClassVar[str]

    def __init__(self, *, quirk: str | None = None, seed: int = 0) -> None:
        self.clock = Clock()
        self.faults = Faults(seed)
        self.quirk: str | None = None
        self.set_quirk(quirk)
        self._app: Starlette | None = None
        self._init_deliveries()

    # -- what each provider supplies ------------------------------------------------
    @abc.abstractmethod
    def routes(self) -> list[BaseRoute]:
        """The provider's own routes."""

    @abc.abstractmethod
    def error_response(self, status: int, message: str | None = None) -> Response:
        """An error answer in the provider's own shape."""

    @abc.abstractmethod
    def reset_state(self) -> None:
        """Forget every transaction, token and session."""

    @abc.abstractmethod
    def state(self) -> dict[str, Any]:
        """A JSON-ready picture of the stored state."""

    # -- shared ---------------------------------------------------------------------
    def request_violations(self, operation: str, body: Any) -> list[Violation]:
        """What the documented contract finds wrong in a request body: the server's 400s.

        The simulators decode requests with the kit's own validator, so they refuse
        exactly what ``specs/`` calls invalid, never more and never less.
        """
        from ..validator import Validator

        return Validator(self.provider).validate_request(operation, body)

    def set_quirk(self, name: str | None) -> None:
        """Switch on one deliberate non-conformance (``None`` switches it off)."""
        if name is not None:
            _quirks.get(self.provider, name)
        self.quirk = name

    def reset(self) -> None:
        """Clear state, clock, faults and deliveries; the quirk and the configuration stay."""
        self.reset_state()
        self.clock.reset()
        self.faults.clear()
        self.reset_deliveries()

    @property
    def app(self) -> Starlette:
        if self._app is None:
            self._app = Starlette(
                routes=[Mount(CONTROL_PREFIX, routes=self._control_routes()), *self.routes()],
                middleware=[
                    Middleware(DeliveryMiddleware, simulator=self, prefix=CONTROL_PREFIX),
                    Middleware(_FaultMiddleware, simulator=self),
                ],
                exception_handlers={HTTPException: self._http_exception},
            )
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith(CONTROL_PREFIX):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        response = self.error_response(exc.status_code)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    def _control_routes(self) -> list[BaseRoute]:
        def control(handler: Callable[[Request], Awaitable[Any]]) -> Callable[..., Any]:
            async def endpoint(request: Request) -> Response:
                try:
                    return JSONResponse(await handler(request))
                except (ValueError, TypeError, KeyError) as exc:
                    return JSONResponse({"error": str(exc).strip("'\"")}, status_code=400)

            return endpoint

        async def get_state(request: Request) -> Any:
            return {
                "provider": self.provider,
                "now": self.clock.now().isoformat(),
                "quirk": self.quirk,
                "faults": self.faults.snapshot(),
                "state": self.state(),
            }

        async def reset(request: Request) -> Any:
            self.reset()
            return {"reset": True}

        async def clock(request: Request) -> Any:
            if request.method == "POST":
                body = await json_object(request)
                self.clock.advance(float(body.get("advance", 0)))
                await self.aflush_deliveries()  # the retries this move made due are done
            return {"now": self.clock.now().isoformat()}

        async def faults(request: Request) -> Any:
            if request.method == "POST":
                self.faults.add(Fault(**await json_object(request)))
            elif request.method == "DELETE":
                self.faults.clear()
            return {"faults": self.faults.snapshot()}

        async def quirk(request: Request) -> Any:
            if request.method == "PUT":
                self.set_quirk((await json_object(request)).get("name"))
            return {"quirk": self.quirk, "available": _quirks.names(self.provider)}

        return [
            Route("/state", control(get_state), methods=["GET"]),
            Route("/reset", control(reset), methods=["POST"]),
            Route("/clock", control(clock), methods=["GET", "POST"]),
            Route("/faults", control(faults), methods=["GET", "POST", "DELETE"]),
            Route("/quirk", control(quirk), methods=["GET", "PUT"]),
            *self.delivery_routes(control),
        ]


class _FaultMiddleware:
    """Applies the simulator's injected faults to provider routes (never to ``/_sim/``)."""

    def __init__(self, app: ASGIApp, simulator: Simulator) -> None:
        self.app = app
        self.simulator = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        fault = self.simulator.faults.take(scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "latency":
            await asyncio.sleep(fault.delay)
            await self.app(scope, receive, send)
        elif fault.kind == "error":
            response = self.simulator.error_response(fault.status)
            await response(scope, receive, send)
        elif fault.kind == "non-json":
            status = fault.status if fault.status != 500 else 502
            html = f"<html><body><h1>{status} Bad Gateway</h1></body></html>"
            await HTMLResponse(html, status_code=status)(scope, receive, send)
        else:
            await self._cut(scope, receive, send, drop_connection=fault.kind == "disconnect")

    async def _cut(self, scope: Scope, receive: Receive, send: Send, drop_connection: bool) -> None:
        """Serve half of the real body: well-framed ("truncate") or cut mid-stream."""
        start: MutableMapping[str, Any] = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        body = b"".join(chunks)
        half = body[: len(body) // 2]
        declared = len(body) if drop_connection else len(half)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(declared).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": half, "more_body": drop_connection})
        # "disconnect": returning with the body unfinished makes the server drop the connection.
