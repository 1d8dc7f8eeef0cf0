"""The simulators' outbox: notifications and callbacks, their attempts, retries and transports.

A :class:`Delivery` is one body POSTed to one URL. Its first attempt is due when
it is queued; each failed attempt asks the provider's :class:`RetryPolicy` how
long to wait on the *simulated* clock before the next, so moving the clock
forward fires due retries. Sending goes over the network (``httpx``, loopback in
tests) or, with :meth:`Outbox.deliver_to` an app, in-process through
``httpx.ASGITransport`` / ``httpx.WSGITransport``: no socket at all.

Retry schedules are in :mod:`~conformance.simulators._retries`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from ._retries import MIDTRANS_RETRIES, PIVOT_RETRIES, Attempt, RetryPolicy

__all__ = [
    "MAX_DELAY",
    "MIDTRANS_RETRIES",
    "PIVOT_RETRIES",
    "WAIT_BOUND",
    "Attempt",
    "Delivery",
    "Message",
    "Outbox",
    "RetryPolicy",
    "check_url",
    "json_headers",
]

#: How long one attempt waits for the merchant's answer: Midtrans documents 15 s;
#: Pivot documents no bound, and the simulator uses the same.
WAIT_BOUND = 15.0
#: The most real seconds a ``slow`` delivery may be held back before its first attempt.
MAX_DELAY = 30.0
#: Redirects (307/308) followed within one attempt, as Midtrans documents.
MAX_REDIRECTS = 5
#: A sync flush waits at most this long for attempts another thread has in flight.
_FLUSH_BOUND = MAX_DELAY + (MAX_REDIRECTS + 1) * WAIT_BOUND


@dataclass(frozen=True)
class Message:
    """What a delivery sends: the event name, the JSON body and the headers."""

    event: str
    body: Any
    headers: dict[str, str]


@dataclass
class Delivery:
    """One notification or callback to one URL, and everything that happened to it.

    ``status``: ``pending`` (first attempt not made yet), ``retrying`` (a retry
    is due at ``next_at``), ``delivered`` (a 2xx answer), ``failed`` (no retry
    left), or ``manual-retry`` (Pivot: retries ran out, flagged for the dashboard).
    """

    id: str
    provider: str
    subject: str
    event: str
    variant: str
    url: str
    headers: dict[str, str]
    body: Any
    created_at: datetime
    delay: float = 0.0
    fail_first: bool = False
    duplicate_of: str | None = None
    status: str = "pending"
    next_at: datetime | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def content(self) -> bytes:
        return json.dumps(self.body).encode()

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "subject": self.subject,
            "event": self.event,
            "variant": self.variant,
            "duplicate_of": self.duplicate_of,
            "url": self.url,
            "headers": dict(self.headers),
            "body": self.body,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": None if self.next_at is None else self.next_at.isoformat(),
            "attempts": [a.json() for a in self.attempts],
        }


def _is_asgi(app: Any) -> bool:
    """An ASGI app is an ``async`` callable; a WSGI app a plain one."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(type(app).__call__)


class Outbox:
    """The queue of deliveries of one simulator, and the one way they are sent.

    Thread-safe: a served simulator pumps on uvicorn's loop while a test may
    flush from its own thread; an attempt is claimed under the lock, so it is
    never made twice.
    """

    def __init__(self, policy: RetryPolicy, now: Callable[[], datetime]) -> None:
        self.policy = policy
        self._now = now
        self._lock = threading.Lock()
        self._items: list[Delivery] = []
        self._in_flight = 0
        self._count = 0
        self.url: str | None = None
        self.app: Any = None
        self.app_kind: str | None = None

    # -- where deliveries go --------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.url is not None

    def deliver_to(self, target: Any, *, url: str | None = None, kind: str | None = None) -> None:
        """Send to a URL (a string) or an in-process ASGI / WSGI app; ``None`` stops.

        An app receives every delivery whatever its URL (the URL's path is kept);
        *url* is then the configured URL (default ``http://merchant.invalid/<path>``
        is set by the simulator). *kind* (``asgi`` / ``wsgi``) overrides the guess.
        """
        if target is None or isinstance(target, str):
            self.url, self.app, self.app_kind = (check_url(target) if target else None), None, None
            return
        if not callable(target):
            raise ValueError(f"deliver_to takes a URL, an ASGI app or a WSGI app; got {target!r}")
        if kind not in (None, "asgi", "wsgi"):
            raise ValueError(f"kind must be 'asgi' or 'wsgi'; got {kind!r}")
        self.app, self.app_kind = target, kind or ("asgi" if _is_asgi(target) else "wsgi")
        self.url = check_url(url) if url else self.url

    # -- the queue --------------------------------------------------------------------
    def add(self, subject: str, message: Message, url: str, **options: Any) -> Delivery:
        with self._lock:
            self._count += 1
            delivery = Delivery(
                id=f"dlv_{self._count:06d}",
                provider=self.policy.name,
                subject=subject,
                event=message.event,
                url=url,
                headers=dict(message.headers),
                body=message.body,
                created_at=self._now(),
                **options,
            )
            delivery.next_at = delivery.created_at
            self._items.append(delivery)
        return delivery

    def items(self) -> list[Delivery]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._count = 0

    def _claim(self) -> list[Delivery]:
        now = self._now()
        with self._lock:
            due = [
                d
                for d in self._items
                if d.status in ("pending", "retrying")
                and d.next_at is not None
                and d.next_at <= now
            ]
            for delivery in due:
                delivery.next_at = None  # claimed: no other pump takes it
            self._in_flight += len(due)
            return due

    # -- sending ----------------------------------------------------------------------
    async def pump(self) -> None:
        """Make every attempt that is due now, one at a time, in the order they were queued."""
        while batch := self._claim():
            for index, delivery in enumerate(batch):
                try:
                    await self._attempt(delivery)
                except BaseException:
                    with self._lock:  # cancelled: give back what was claimed and not made
                        for rest in batch[index:]:
                            rest.next_at = rest.next_at or self._now()
                        self._in_flight -= len(batch) - index
                    raise
                with self._lock:
                    self._in_flight -= 1

    async def drain(self) -> None:
        """Pump, then wait for attempts other tasks or threads have in flight."""
        await self.pump()
        deadline = time.monotonic() + _FLUSH_BOUND
        while self._in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def drain_sync(self) -> None:
        """:meth:`drain` from synchronous code (in a helper thread if a loop is running here)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.drain())
            return
        errors: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self.drain())
            except BaseException as exc:  # handed to the caller's thread
                errors.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join()
        if errors:
            raise errors[0]

    async def _attempt(self, delivery: Delivery) -> None:
        first = not delivery.attempts
        if first and delivery.delay:
            await asyncio.sleep(delivery.delay)
        at, started = self._now(), time.perf_counter()
        outcome: tuple[int | None, str | None, list[str]]
        if first and delivery.fail_first:
            outcome = None, "simulated failed send (variant 'failed')", []
        else:
            outcome = await self._send(delivery)
        status, error, redirects = outcome
        elapsed = (time.perf_counter() - started) * 1000
        attempt = Attempt(
            len(delivery.attempts) + 1, at, delivery.url, status, error, redirects, elapsed
        )
        with self._lock:
            delivery.attempts.append(attempt)
            delivery.next_at = self.policy.next_at(delivery.attempts)
            if attempt.ok:
                delivery.status = "delivered"
            elif delivery.next_at is not None:
                delivery.status = "retrying"
            elif self.policy.budget(status) > 0:
                delivery.status = self.policy.exhausted
            else:
                delivery.status = "failed"

    async def _send(self, delivery: Delivery) -> tuple[int | None, str | None, list[str]]:
        url, redirects = delivery.url, list[str]()
        headers, content = delivery.headers, delivery.content
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = await asyncio.wait_for(self._post(url, headers, content), WAIT_BOUND)
            except TimeoutError:
                return None, f"no answer within {WAIT_BOUND:g} s", redirects
            except (httpx.HTTPError, OSError) as exc:
                return None, f"{type(exc).__name__}: {exc}", redirects
            location = answer.headers.get("location")
            if not (self.policy.follow_redirects and answer.status_code in (307, 308)):
                return answer.status_code, None, redirects
            if not location:
                return answer.status_code, "redirect without a Location header", redirects
            url = urljoin(url, location)
            redirects.append(url)
        return answer.status_code, f"more than {MAX_REDIRECTS} redirects", redirects

    async def _post(self, url: str, headers: dict[str, str], content: bytes) -> httpx.Response:
        if self.app is not None and self.app_kind == "wsgi":
            app = self.app

            def post() -> httpx.Response:
                with httpx.Client(transport=httpx.WSGITransport(app=app)) as client:
                    return client.post(url, headers=headers, content=content)

            return await asyncio.to_thread(post)
        transport = None if self.app is None else httpx.ASGITransport(app=self.app)
        # trust_env=False: a proxy from the environment must never see a delivery.
        async with httpx.AsyncClient(
            transport=transport, timeout=WAIT_BOUND, trust_env=False
        ) as client:
            return await client.post(url, headers=headers, content=content)


def json_headers(provider: str) -> dict[str, str]:
    """The headers every delivery of *provider* carries: a new dict, to add to."""
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": f"capture-conformance-simulator/{provider}",
    }


def check_url(url: str) -> str:
    """*url* if it is an absolute http(s) URL, else ``ValueError`` saying so.

    >>> check_url("ftp://x")
    Traceback (most recent call last):
    ...
    ValueError: a delivery URL must be an absolute http:// or https:// URL; got 'ftp://x'
    """
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else None
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"a delivery URL must be an absolute http:// or https:// URL; got {url!r}")
    return url
