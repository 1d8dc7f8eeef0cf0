"""The validating proxy as an ASGI app: forward, answer unchanged, judge on the side.

Every request is forwarded to the upstream as it came (method, path, query,
headers without the hop-by-hop ones and ``Host``, body), and the upstream's
answer goes back to the client unchanged (status, headers, body bytes, even
compressed). Then the exchange is judged: the operation is found from the
method and path (``specs/<provider>``), the request checked with
:meth:`Validator.validate_request` and the answer with
:meth:`Validator.validate_response`. A request that breaks the contract is still
forwarded, so the client sees the provider's own error.

When no answer comes, the client gets one from the proxy: 502 when the upstream
cannot be reached (504 when the whole exchange did not end within the timeout,
a slow drip included; 503 when the proxy stopped before it ended), a JSON body
``{"error": "..."}`` saying why. An answer whose body does not decode as its
``Content-Encoding`` says goes to the client unchanged and is a
``<provider>.transport`` finding. Bodies are read whole, in both directions: the
capture APIs exchange small JSON documents.

>>> import asyncio, httpx
>>> from conformance.simulators import create
>>> upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=create("midtrans").app))
>>> proxy = ProxyApp("midtrans", "https://api.sandbox.midtrans.com", client=upstream)
>>> async def capture() -> int:
...     transport = httpx.ASGITransport(app=proxy)
...     async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
...         answer = await client.post("/v2/capture", json={"transaction_id": "t-1"})
...     return answer.status_code
>>> asyncio.run(capture())  # no Authorization: the simulator's own 401, passed through
401
>>> [case.id for case in proxy.recorder.finish().results]
['midtrans.proxy.capture']
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Set
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._hosts import target_url
from ..errors import UsageError
from ..suite import Exchange, Finding
from ..suite._target import error_line, undecodable
from ..validator import Validator
from ..violations import Violation
from ._log import TrafficLog
from ._record import Recorder

__all__ = ["HOP_BY_HOP", "ProxyApp", "upstream_label"]

#: Headers that describe one connection, not the message (RFC 9110 section 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade",
    }
)  # fmt: skip
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def upstream_label(url: str) -> str:
    """*url* checked to be http(s) without credentials; no query or trailing slash kept.

    The client's own ``Authorization`` goes through; credentials in the URL would
    only end up in command lines and reports.

    >>> upstream_label("https://api.sandbox.midtrans.com/?unused=1")
    'https://api.sandbox.midtrans.com'
    >>> upstream_label("api.sandbox.midtrans.com")
    Traceback (most recent call last):
    ...
    conformance.errors.UsageError: --upstream must be an http(s) URL; got 'api.sandbox.midtrans.com'
    """
    parsed = target_url(url, option="upstream")
    if parsed.userinfo:
        raise UsageError(
            "--upstream must not carry credentials (user:password@); "
            "the client's own Authorization header is forwarded"
        )
    # The host as the client will connect to it (IDNA-encoded), so that every request
    # the proxy forwards can be sent: an upstream it cannot encode never gets this far.
    host = parsed.raw_host.decode("ascii")
    host = f"[{host}]" if ":" in host else host
    netloc = host if parsed.port is None else f"{host}:{parsed.port}"
    path = parsed.raw_path.decode("ascii").partition("?")[0].rstrip("/")
    return urlunsplit((parsed.scheme, netloc, path, "", ""))


def _drop(headers: list[tuple[bytes, bytes]], also: Set[str]) -> list[tuple[bytes, bytes]]:
    """*headers* without hop-by-hop ones, those ``Connection`` names, and *also*."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    gone = HOP_BY_HOP | named | also
    return [(k, v) for k, v in headers if k.decode("latin-1").lower() not in gone]


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": f"capture-conformance proxy: {message}"}, status_code=status)


class ProxyApp:
    """Forwards to *upstream* and judges each exchange as *provider* traffic.

    *client* is the :class:`httpx.AsyncClient` to forward with (tests pass one
    with an in-process transport); by default the app makes its own, with
    *timeout* seconds per exchange, and closes it on ASGI lifespan shutdown.
    Findings go to :attr:`recorder` and, as they happen, to *log*.
    """

    def __init__(
        self,
        provider: str,
        upstream: str,
        *,
        profile: str = "documented",
        timeout: float = 30.0,
        client: httpx.AsyncClient | None = None,
        log: TrafficLog | None = None,
    ) -> None:
        self.upstream = upstream_label(upstream)
        self.validator = Validator(provider, profile=profile)
        self.recorder = Recorder(provider, self.upstream, profile)
        self.log = log
        self.timeout = timeout
        self._prefixed = bool(urlsplit(self.upstream).path)
        # Transparent: Set-Cookie is the client's business, never kept in a jar of the proxy's.
        no_cookies = httpx.Cookies(CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))
        self._owned = client is None
        self.client = client or httpx.AsyncClient(timeout=timeout, cookies=no_cookies)
        self._app = Starlette(
            routes=[Route("/{path:path}", self._forward, methods=_METHODS)],
            lifespan=self._lifespan,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.log is not None:
            self.log.note(
                f"forwarding to {self.upstream}, validating {self.validator.provider} traffic "
                f"(profile {self.validator.profile})"
            )
        yield
        if self._owned:
            await self.client.aclose()

    async def _forward(self, incoming: Request) -> Response:
        method, path = incoming.method, incoming.url.path
        raw_path = incoming.scope.get("raw_path") or path.encode()
        query = incoming.scope.get("query_string", b"")
        target = (raw_path + (b"?" + query if query else b"")).decode("latin-1")
        headers = _drop(list(incoming.headers.raw), {"host", "content-length"})
        body = await incoming.body()
        started = time.perf_counter()
        forwarded, response, reply, problem = await self._send(method, target, headers, body)
        error = problem if isinstance(problem, str) else None
        elapsed = time.perf_counter() - started
        matched = None if forwarded is None else self.validator.spec.match(method, path)
        findings: list[Finding] = []
        if forwarded is None or matched is None:
            self.recorder.unmatched(method, path)
        else:
            operation = matched[0]
            exchange = Exchange(operation.name, forwarded, response, error, elapsed)
            # Judged as the client sent it: its own path, whatever prefix the upstream has.
            sent = forwarded
            if self._prefixed:
                sent = httpx.Request(method, "http://proxy" + target, headers=headers, content=body)
            exchange.violations = self._judge(operation.name, sent, response)
            if isinstance(problem, Violation):
                exchange.violations.insert(0, problem)
            title = f"{operation.method} {operation.path} through the proxy"
            findings = self.recorder.judged(exchange, title)
        if self.log is not None:
            status = None if response is None else response.status_code
            name = None if matched is None else matched[0].name
            self.log.exchange(method, path, status, name, findings)
        return reply

    async def _send(
        self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[httpx.Request | None, httpx.Response | None, Response, str | Violation | None]:
        """Forward; returns the request sent, the upstream's answer, the reply, and what went
        wrong: why no answer came, or the violation of an answer that does not decode."""
        forwarded: httpx.Request | None = None
        try:
            forwarded = httpx.Request(method, self.upstream + target, headers=headers, content=body)
            # httpx's timeouts bound each read; this bounds the whole exchange (a slow drip).
            async with asyncio.timeout(self.timeout):
                answer = await self.client.send(forwarded, stream=True)
                try:
                    raw = b"".join([chunk async for chunk in answer.aiter_raw()])
                finally:
                    await answer.aclose()
        except (httpx.TimeoutException, TimeoutError):
            error = f"the upstream did not answer within {self.timeout:g} s"
            return forwarded, None, _error(504, f"{error} ({self.upstream})"), error
        except asyncio.CancelledError:
            # The proxy is stopping (SIGTERM) and its grace period is over: the client
            # is told so, the exchange is recorded unanswered, no traceback is logged.
            error = "the proxy stopped before the upstream answered"
            return forwarded, None, _error(503, f"{error} ({self.upstream})"), error
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"cannot reach the upstream: {error_line(exc)}"
            return forwarded, None, _error(502, f"{error} ({self.upstream})"), error
        reply = Response(raw, status_code=answer.status_code)
        # The bytes as they came (still compressed, if they were), so their length as it is;
        # a HEAD answer has no body but announces the length a GET would get.
        kept = _drop(
            list(answer.headers.raw), frozenset() if method == "HEAD" else {"content-length"}
        )
        if method != "HEAD":
            kept.insert(0, (b"content-length", str(len(raw)).encode()))
        reply.raw_headers = kept
        readable, broken = self._readable(answer, raw)
        return forwarded, readable, reply, broken

    def _readable(
        self, answer: httpx.Response, raw: bytes
    ) -> tuple[httpx.Response, Violation | None]:
        """The answer for the validator: *raw* decoded as its Content-Encoding says.

        Bytes that do not decode as announced are judged as they came, and the
        exchange gets a ``<provider>.transport`` violation (the client gets them
        unchanged: it is the client that would fail to read them).
        """
        try:
            readable = httpx.Response(
                answer.status_code, headers=answer.headers, content=raw, request=answer.request
            )
        except httpx.DecodingError as exc:
            return undecodable(self.validator.provider, answer, raw, exc)
        return readable, None

    def _judge(
        self, operation: str, request: httpx.Request, response: httpx.Response | None
    ) -> list[Violation]:
        try:
            found = self.validator.validate_request(operation, request)
            if response is not None:
                found += self.validator.validate_response(operation, response, request=request)
        except Exception as exc:  # a fault of the kit must not break the client's traffic
            return [
                Violation(
                    rule="proxy.internal-error",
                    message=f"capture-conformance could not judge this exchange: {exc!r}",
                )
            ]
        return found
