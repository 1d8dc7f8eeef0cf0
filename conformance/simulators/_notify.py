"""What both simulators do about deliveries: notice changes, queue them, fire them on demand.

:class:`Deliverer` is mixed into :class:`~conformance.simulators.Simulator`. After
every provider request (once its answer is produced), after every move of the
clock and on every flush, it compares each transaction's or session's status
with the last one announced; each change queues one delivery per URL, and due
attempts are made at once. In-process (``httpx.ASGITransport``,
``starlette.testclient``) the first attempt is therefore done by the time the
triggering answer reaches the client; served by uvicorn it runs right after the
answer is sent, and ``POST /_sim/deliveries/flush`` (or
:meth:`Deliverer.flush_deliveries`) waits for it.

>>> from conformance.simulators import create
>>> sim = create("pivot")
>>> sim.notify("e03c2066-9e5b-454c-add6-c7c85b0b9d6b")
Traceback (most recent call last):
...
ValueError: unknown payment session 'e03c2066-9e5b-454c-add6-c7c85b0b9d6b'
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .._json import loads
from ._deliveries import MAX_DELAY, Delivery, Message, Outbox, RetryPolicy

if TYPE_CHECKING:
    from ._clock import Clock

__all__ = [
    "COMMON_VARIANTS",
    "DEFAULT_SLOW_DELAY",
    "Deliverer",
    "DeliveryMiddleware",
    "json_object",
]

#: Variants every provider fires; each provider adds its own forgeries.
COMMON_VARIANTS = ("genuine", "duplicate", "out-of-order", "extra-fields", "slow", "failed")
DEFAULT_SLOW_DELAY = 2.0
_FIRE_FIELDS = {"id", "variant", "status", "delay", "wait"}


class Deliverer:
    """The delivery half of a simulator: ``deliveries``, ``deliver_to``, ``notify``, flushing.

    A provider supplies the hooks below; the machinery (outbox, retries,
    transports) is :mod:`~conformance.simulators._deliveries`.
    """

    provider: ClassVar[str]
    retry_policy: ClassVar[RetryPolicy]
    #: Forgery variants of this provider, beside :data:`COMMON_VARIANTS`.
    forgeries: ClassVar[tuple[str, ...]] = ()
    #: The path of the default URL when deliveries go to an in-process app.
    delivery_path: ClassVar[str] = "/notifications"
    #: The quirk that stops every automatic delivery (on-demand ones still go).
    suppressing_quirk: ClassVar[str | None] = None
    clock: Clock
    quirk: str | None

    def _init_deliveries(self) -> None:
        self.outbox = Outbox(self.retry_policy, self.clock.now)
        self._history: dict[str, list[tuple[str, Message]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.clock.subscribe(self._clock_moved)

    # -- what each provider supplies ------------------------------------------------
    def delivery_statuses(self) -> Iterable[tuple[str, str]]:
        """``(subject id, status now)`` of everything that may need a delivery (refreshed)."""
        raise NotImplementedError

    def delivery_message(self, subject: str, status: str | None) -> Message:
        """The genuine delivery for *subject* now; with *status*, one reporting that status."""
        raise NotImplementedError

    def delivery_urls(self, subject: str) -> list[str]:
        """Where *subject*'s deliveries go (empty: nowhere)."""
        return [self.outbox.url] if self.outbox.url else []

    #: ``forge(message, variant)``: *message* bent the way a forgery *variant* says.
    forge: Callable[[Message, str], Message]

    def delivery_subject(self, ident: str) -> str:
        """The subject id for what a merchant calls it; ``ValueError`` when unknown."""
        raise NotImplementedError

    def delivery_enabled(self) -> bool:
        return self.outbox.enabled or bool(self.outbox.items())

    def deliveries_suppressed(self) -> bool:
        return self.suppressing_quirk is not None and self.quirk == self.suppressing_quirk

    # -- the interface ----------------------------------------------------------------
    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, oldest first (``.json()`` is the control API's shape)."""
        return self.outbox.items()

    @property
    def delivery_variants(self) -> tuple[str, ...]:
        return COMMON_VARIANTS + self.forgeries

    def deliver_to(self, target: Any, *, url: str | None = None, kind: str | None = None) -> None:
        """Send deliveries to a URL, or in-process to an ASGI or WSGI app; ``None`` stops.

        What exists already counts as announced: only later changes are sent.

        >>> from conformance.simulators import create
        >>> sim = create("midtrans")
        >>> sim.deliver_to(lambda environ, start_response: [])
        >>> sim.outbox.url, sim.outbox.app_kind
        ('http://merchant.invalid/notifications', 'wsgi')
        """
        if target is not None and not isinstance(target, str):
            url = url or self.outbox.url or f"http://merchant.invalid{self.delivery_path}"
        self.outbox.deliver_to(target, url=url, kind=kind)
        self._scan(announce=False)

    def notify(
        self,
        ident: str,
        variant: str = "genuine",
        *,
        status: str | None = None,
        delay: float | None = None,
    ) -> list[Delivery]:
        """Fire a delivery for a transaction / order id (Midtrans) or session id (Pivot) now.

        Returns the deliveries made (one per URL) once their first attempt is
        done. From async code use :meth:`anotify`.
        """
        made = self._fire(ident, variant, status, delay)
        self.outbox.drain_sync()
        return made

    async def anotify(
        self,
        ident: str,
        variant: str = "genuine",
        *,
        status: str | None = None,
        delay: float | None = None,
    ) -> list[Delivery]:
        made = self._fire(ident, variant, status, delay)
        await self.outbox.drain()
        return made

    def flush_deliveries(self) -> list[Delivery]:
        """Queue what changed, make every due attempt and wait for those in flight."""
        self._scan()
        self.outbox.drain_sync()
        return self.deliveries

    async def aflush_deliveries(self) -> list[Delivery]:
        self._scan()
        await self.outbox.drain()
        return self.deliveries

    def reset_deliveries(self) -> None:
        self.outbox.clear()
        self._history.clear()

    # -- machinery --------------------------------------------------------------------
    def _scan(self, *, announce: bool = True) -> None:
        quiet = not announce or self.deliveries_suppressed()
        for subject, status in self.delivery_statuses():
            seen = self._history.setdefault(subject, [])
            if seen and seen[-1][0] == status:
                continue
            message = self.delivery_message(subject, None)
            seen.append((status, message))
            if not quiet:
                for url in self.delivery_urls(subject):
                    self.outbox.add(subject, message, url, variant="genuine")

    def _fire(
        self, ident: str, variant: str, status: str | None, delay: float | None
    ) -> list[Delivery]:
        if variant not in self.delivery_variants:
            raise ValueError(
                f"unknown variant {variant!r}; choose one of: {', '.join(self.delivery_variants)}"
            )
        if not isinstance(ident, str) or not ident:
            raise ValueError("id must be the transaction's or session's id, a non-empty string")
        subject = self.delivery_subject(ident)
        self._scan()
        urls = self.delivery_urls(subject)
        if not urls:
            raise ValueError(
                f"no delivery URL for {ident!r}: configure one (create(..., "
                f"{'notification_url' if self.provider == 'midtrans' else 'callback_url'}=URL), "
                "sim.deliver_to(URL or app), or PUT /_sim/deliveries/target)"
            )
        options: dict[str, Any] = {"variant": variant}
        history = self._history.get(subject, [])
        if variant == "duplicate":
            earlier = [d for d in self.outbox.items() if d.subject == subject]
            if not earlier:
                raise ValueError(f"nothing was delivered for {ident!r} yet: nothing to duplicate")
            last = earlier[-1]
            message, urls = Message(last.event, last.body, last.headers), [last.url]
            options["duplicate_of"] = last.id
        elif variant == "out-of-order" and status is None:
            if len(history) < 2:
                raise ValueError(
                    f"{ident!r} has no earlier status to re-send; give status=... to choose one"
                )
            message = history[-2][1]
        else:
            message = self.delivery_message(subject, status)
            if variant in self.forgeries:
                message = self.forge(message, variant)
            elif variant == "extra-fields":
                message = Message(message.event, _with_extras(message.body), message.headers)
        if variant == "slow":
            wait = DEFAULT_SLOW_DELAY if delay is None else delay
            if isinstance(wait, bool) or not isinstance(wait, int | float):
                raise ValueError(f"delay must be a number of seconds; got {wait!r}")
            if not 0 < wait <= MAX_DELAY:
                raise ValueError(f"delay must be more than 0 and at most {MAX_DELAY:g} s")
            options["delay"] = float(wait)
        elif delay is not None:
            raise ValueError("delay is only for the 'slow' variant")
        options["fail_first"] = variant == "failed"
        return [self.outbox.add(subject, message, url, **options) for url in urls]

    def _clock_moved(self) -> None:
        if not self.delivery_enabled():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush_deliveries()
            return
        self._spawn(loop, self.aflush_deliveries())

    def _spawn(self, loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, Any]) -> None:
        # The coroutine itself is the task: cancelled before it starts (a loop closing
        # with work left), it is closed, never left "never awaited".
        task = loop.create_task(work)
        self._tasks.add(task)  # a reference, so the task is not collected half-way
        task.add_done_callback(self._tasks.discard)

    async def _after_request(self) -> None:
        if self.delivery_enabled():
            self._scan()
            await self.outbox.pump()

    def delivery_routes(
        self, control: Callable[[Callable[[Request], Awaitable[Any]]], Callable[..., Any]]
    ) -> list[BaseRoute]:
        """``/deliveries``, ``/deliveries/flush`` and ``/deliveries/target`` of the control API."""

        async def listing(request: Request) -> Any:
            if request.method == "POST":
                return {"deliveries": [d.json() for d in await self._fire_request(request)]}
            return {"deliveries": [d.json() for d in self.deliveries]}

        async def flush(request: Request) -> Any:
            return {"deliveries": [d.json() for d in await self.aflush_deliveries()]}

        async def target(request: Request) -> Any:
            if request.method == "PUT":
                url = (await json_object(request)).get("url")
                if url is not None and not isinstance(url, str):
                    raise ValueError("url must be an http(s) URL or null")
                self.deliver_to(url)
            return {"url": self.outbox.url, "in_process": self.outbox.app is not None}

        return [
            Route("/deliveries", control(listing), methods=["GET", "POST"]),
            Route("/deliveries/flush", control(flush), methods=["POST"]),
            Route("/deliveries/target", control(target), methods=["GET", "PUT"]),
        ]

    async def _fire_request(self, request: Request) -> list[Delivery]:
        body = await json_object(request)
        unknown = sorted(set(body) - _FIRE_FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; use {sorted(_FIRE_FIELDS)}")
        status, wait = body.get("status"), body.get("wait", True)
        if status is not None and not isinstance(status, str):
            raise ValueError("status must be a string, e.g. 'capture' or 'PAID'")
        if not isinstance(wait, bool):
            raise ValueError("wait must be true or false")
        variant = body.get("variant", "genuine")
        made = self._fire(body.get("id", ""), variant, status, body.get("delay"))
        if wait:
            await self.outbox.drain()
        else:
            self._spawn(asyncio.get_running_loop(), self.outbox.drain())
        return made


def _with_extras(body: Any) -> Any:
    # Unknown fields a lenient receiver must ignore: both documents say fields get added.
    extra = {"x_sim_new_field": "added by the simulator", "x_sim_flags": {"beta": True}}
    return {**body, **extra} if isinstance(body, dict) else body


async def json_object(request: Request) -> dict[str, Any]:
    try:
        body = loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ValueError(f"control body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValueError("control body must be a JSON object")
    return body


class DeliveryMiddleware:
    """After a provider request has been answered, queue what it changed and send it."""

    def __init__(self, app: ASGIApp, simulator: Deliverer, prefix: str) -> None:
        self.app = app
        self.simulator = simulator
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and not scope["path"].startswith(self.prefix):
            await self.simulator._after_request()
