"""The system under test: base URL or in-process app, credentials, and one way to send.

Every request the suite makes goes through :meth:`Target.send`, which never
raises for what the target does: a refused connection, a timeout, a reset or a
body that is not JSON all come back as an :class:`Exchange` to be judged.
"""

from __future__ import annotations

import base64
import json as _json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from starlette.types import ASGIApp

from .._hosts import PRODUCTION_HOSTS, SANDBOX_HOSTS, guard_production, target_url
from ..errors import UsageError
from ..validator import Validator
from ..violations import Violation
from ._http_transport import HTTPClientTransport
from ._results import Exchange
from ._transport import SyncASGITransport

__all__ = [
    "PRODUCTION_HOSTS",
    "SANDBOX_HOSTS",
    "Credentials",
    "DeliveryWatch",
    "Target",
    "check_seconds",
    "error_line",
    "guard_production",
    "undecodable",
]

#: The most seconds a timeout or time limit may be (a day): larger values, and
#: ``nan``/``inf``, overflow the socket and timer calls they end up in.
MAX_SECONDS = 86_400.0
#: Made-up sandbox-shaped credentials; the simulators accept them.
DEFAULT_CREDENTIALS = {
    "server_key": "SB-Mid-server-conformance-kit",
    "client_key": "SB-Mid-client-conformance-kit",
    "client_id": "conformance-kit",
    "client_secret": "conformance-kit-secret",
}
_ENV = {
    "server_key": "MIDTRANS_SERVER_KEY",
    "client_key": "MIDTRANS_CLIENT_KEY",
    "client_id": "PIVOT_CLIENT_ID",
    "client_secret": "PIVOT_CLIENT_SECRET",
}


@dataclass(frozen=True)
class Credentials:
    """Sandbox credentials: option > environment variable > made-up default.

    *callback_key* (Pivot's "Callback API Key", which callbacks carry as ``X-API-Key``)
    has no default: without one, only its presence is checked.

    >>> Credentials.resolve(server_key="SB-Mid-server-abc", env={}).server_key
    'SB-Mid-server-abc'
    """

    server_key: str
    client_key: str
    client_id: str
    client_secret: str
    callback_key: str | None = None

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **given: str | None) -> Credentials:
        env = os.environ if env is None else env
        values = {
            name: given.get(name) or env.get(_ENV[name]) or default
            for name, default in DEFAULT_CREDENTIALS.items()
        }
        callback = given.get("callback_key") or env.get("PIVOT_CALLBACK_KEY") or None
        return cls(**values, callback_key=callback)

    def secrets(self) -> list[str]:
        found = [self.server_key, self.client_key, self.client_secret]
        return found + ([self.callback_key] if self.callback_key else [])

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()


class DeliveryWatch(Protocol):
    """What a target asks of its deliveries check (:class:`~._deliveries.Deliveries`)."""

    def headers(self, method: str, path: str) -> dict[str, str]: ...

    def expect(self, case_id: str, exchange: Exchange) -> None: ...


def check_seconds(value: float, *, option: str, minimum: float = 0.1) -> float:
    """*value* if it is a finite number of seconds from *minimum* to a day, else a usage error.

    >>> check_seconds(float("nan"), option="timeout")
    Traceback (most recent call last):
    ...
    conformance.errors.UsageError: --timeout must be a number of seconds from 0.1 to 86400; got nan
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        number = math.nan
    else:
        number = float(value)
    if not (math.isfinite(number) and minimum <= number <= MAX_SECONDS):
        raise UsageError(
            f"{{option}} must be a number of seconds from {minimum:g} to {MAX_SECONDS:g}; "
            f"got {value!r}",
            option=option,
        )
    return number


class Target:
    """Where the suite sends traffic, and how each answer is judged on the way back.

    Give *base_url* for an HTTP target, or *app* for an in-process ASGI app.
    *transport* replaces the one a base URL would get (cassette recording and
    replay wrap or stand in for it); *on_case* hears each case id before the case
    runs and may return a note to skip it with (see :meth:`begin_case`).
    *deliveries* (a :class:`~conformance.suite._deliveries.Deliveries`) checks the
    notifications or callbacks the run's captures cause; ``None``: not checked.
    """

    def __init__(
        self,
        provider: str,
        *,
        base_url: str | None = None,
        app: ASGIApp | None = None,
        credentials: Credentials | None = None,
        profile: str = "documented",
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        on_case: Callable[[str], str | None] | None = None,
        deliveries: DeliveryWatch | None = None,
        rate_limit: float | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        proxy: str | None = None,
    ) -> None:
        if (base_url is None) == (app is None):
            raise UsageError("give a target base URL or an in-process app, not both or neither")
        timeout = check_seconds(timeout, option="timeout", minimum=0.001)
        self.provider = provider
        self.validator = Validator(provider, profile=profile)
        self.credentials = credentials or Credentials.resolve()
        self.label = base_url or f"in-process {provider} simulator"
        if base_url is not None:
            target_url(base_url)
            transport = transport or HTTPClientTransport(verify=verify, proxy=proxy)
            url = base_url.rstrip("/")
        else:
            assert app is not None
            transport = SyncASGITransport(app)
            url = f"https://{SANDBOX_HOSTS[provider]}"
        # Suite traffic goes straight to the transport: httpx.Client's cookie jar,
        # redirect and auth machinery cost ~0.2 ms a request and serve nothing here.
        # The client stays for the odd control call (the simulator clock).
        self.client = httpx.Client(base_url=url, transport=transport, timeout=timeout)
        self._transport = transport
        self._base = url
        self._timeout = httpx.Timeout(timeout).as_dict()
        self._urls: dict[str, httpx.URL] = {}
        self._on_case = on_case
        self.deliveries = deliveries
        #: A replay of a recording (set by the replay): its answers are the recorded ones.
        self.recorded = False
        #: Headers every request carries (``check -H``); a case's own headers win.
        self.extra_headers = dict(headers or {})
        self._pace = _Pace(rate_limit)
        #: Answers waited out and sent again (429/503 with Retry-After), and the seconds waited.
        self.retried = 0
        self.waited = 0.0
        #: Whether cases may send at once: the HTTP transports are thread-safe;
        #: the in-process transport (one event loop) and recording/replay are not.
        self.concurrent = type(transport) in (HTTPClientTransport, httpx.HTTPTransport)

    @property
    def app(self) -> ASGIApp | None:
        """The in-process ASGI app the requests go to, or ``None`` when they go over a network."""
        transport = self._transport
        return transport.app if isinstance(transport, SyncASGITransport) else None

    def begin_case(self, case_id: str) -> str | None:
        """The runner is about to run *case_id*: a note means "skip it, because ..."."""
        return None if self._on_case is None else self._on_case(case_id)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """A request with the provider's usual headers; *headers* override them."""
        base = {"Accept": "application/json"}
        if json is not None or content is not None:
            base["Content-Type"] = "application/json"
        if self.deliveries is not None:
            base.update(self.deliveries.headers(method, path))
        merged = {**base, **self.extra_headers, **(headers or {})}
        if json is not None:
            content = _dumps(json)
        return httpx.Request(
            method, self._url(path), params=params, headers=merged, content=content,
            extensions={"timeout": self._timeout},
        )  # fmt: skip

    def _url(self, path: str) -> httpx.URL:
        # httpx checks every character of a URL it parses (~40 us); the suite sends
        # the same few paths again and again, so each is parsed once. URLs are immutable.
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) > 4096:
                self._urls.clear()
            url = self._urls[path] = httpx.URL(self._base + path)
        return url

    def send(self, operation: str, request: httpx.Request) -> Exchange:
        """Send *request*, judge the answer against *operation*, never raise for the target.

        An answer whose body does not decode as its ``Content-Encoding`` says is
        judged as the bytes that came, with a ``<provider>.transport`` violation.
        A 429 or 503 answer with a ``Retry-After`` of at most :data:`MAX_RETRY_WAIT`
        seconds is waited out and the request sent again, up to :data:`RETRIES`
        times (counted in :attr:`retried`); the last answer is judged.
        """
        for attempt in range(RETRIES + 1):
            exchange = self._send_once(operation, request)
            wait = _retry_after(exchange.response) if attempt < RETRIES else None
            if wait is None:
                return exchange
            with self._pace.lock:
                self.retried += 1
                self.waited += wait
            time.sleep(wait)
        return exchange  # pragma: no cover - the loop returns on its last attempt

    def _send_once(self, operation: str, request: httpx.Request) -> Exchange:
        self._pace.wait()
        start = time.perf_counter()
        response: httpx.Response | None = None
        broken: Violation | None = None
        try:
            response = self._transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        except httpx.TimeoutException:
            return Exchange(operation, request, None, "timed out", time.perf_counter() - start)
        except httpx.TransportError as exc:
            return Exchange(operation, request, None, error_line(exc), time.perf_counter() - start)
        except httpx.DecodingError as exc:
            raw = _raw_bytes(response)
            if response is None or raw is None:  # nothing kept to judge: no answer to show
                elapsed = time.perf_counter() - start
                return Exchange(operation, request, None, error_line(exc), elapsed)
            response, broken = undecodable(self.provider, response, raw, exc)
        exchange = Exchange(operation, request, response, None, time.perf_counter() - start)
        exchange.violations = self.validator.validate_response(operation, response, request=request)
        if broken is not None:
            exchange.violations.insert(0, broken)
        return exchange


#: How often one request is sent again after a 429/503 answer with Retry-After.
RETRIES = 3
#: The longest Retry-After waited out; a longer one is judged as the answer it is.
MAX_RETRY_WAIT = 30.0


def _retry_after(response: httpx.Response | None) -> float | None:
    """Seconds a 429/503 answer asks to wait (``Retry-After``), when the suite should.

    >>> _retry_after(httpx.Response(429, headers={"Retry-After": "2"}))
    2.0
    >>> _retry_after(httpx.Response(429)) is None, _retry_after(httpx.Response(200)) is None
    (True, True)
    """
    if response is None or response.status_code not in (429, 503):
        return None
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        import datetime

        seconds = (when - datetime.datetime.now(datetime.UTC)).total_seconds()
    if not math.isfinite(seconds) or seconds > MAX_RETRY_WAIT:
        return None
    return max(seconds, 0.0)


class _Pace:
    """At most *rate* requests a second, across threads (``--rate-limit``); None: no limit."""

    def __init__(self, rate: float | None) -> None:
        if rate is not None and not (math.isfinite(rate) and rate > 0):
            raise UsageError(
                f"{{option}} must be a positive number; got {rate!r}", option="rate-limit"
            )
        self.gap = 0.0 if rate is None else 1.0 / rate
        self.lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        if not self.gap:
            return
        with self.lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.gap
        if slot > now:
            time.sleep(slot - now)


def _raw_bytes(response: httpx.Response | None) -> bytes | None:
    """The bytes of an answer whose decoding failed, when its stream can be read again."""
    if response is None or not isinstance(response.stream, httpx.ByteStream):
        return None
    return b"".join(response.stream)


def undecodable(
    provider: str, response: httpx.Response, raw: bytes, error: Exception
) -> tuple[httpx.Response, Violation]:
    """*response* as the bytes that came (``Content-Encoding`` dropped), and the violation.

    The check is ``<provider>.transport``: the answer is HTTP, but its body is not
    what its headers say, so no client could read it.
    """
    said = response.headers.get("content-encoding", "")
    plain = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-encoding"]
    readable = httpx.Response(
        response.status_code, headers=plain, content=raw, request=response.request,
        extensions=response.extensions,
    )  # fmt: skip
    violation = Violation(
        rule=f"{provider}.transport",
        message=f"the body does not decode as its Content-Encoding ({said}) says: "
        f"{error_line(error)}",
        pointer="/headers/content-encoding",
        expected=f"a body encoded as {said}",
        actual=f"{len(raw)} bytes that do not decode as {said}",
    )
    return readable, violation


def _dumps(value: Any) -> bytes:
    return _json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def error_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    kind = type(exc).__name__
    return f"{kind}: {text[0]}" if text else kind
