"""An httpx transport on the standard library's :mod:`http.client`, for HTTP targets.

The suite sends thousands of small requests and judges each answer; over
loopback its own CPU is what limits it. httpx's default transport (httpcore on
h11) takes about 0.5 ms of CPU a request on the 2-core CI machine, more than
everything else the suite does for an exchange; ``http.client`` takes about
0.17 ms for the same request (``benchmarks/suite_speed.py``). The suite keeps
httpx's :class:`~httpx.Request` and :class:`~httpx.Response` everywhere
(reports, redaction, curl lines, cassettes); only the wire work moves here.

What it keeps of httpx's transport:

* keep-alive connections, one per thread and origin (the suite's concurrent
  cases run on threads), and a connection the server closed while idle is
  noticed before it is reused, as httpcore does;
* the timeouts of ``request.extensions["timeout"]``, with one difference: the
  largest of them bounds the *whole* exchange, from connecting to the last byte
  of the answer, not each socket operation. A server that drips a byte every
  half second never lets a single read time out; a watchdog thread shuts such
  an exchange's socket at its deadline, and the caller gets
  :class:`~httpx.ReadTimeout` (or :class:`~httpx.WriteTimeout`) on time;
* httpx's exception classes, so that callers see the same errors:
  :class:`httpx.ConnectError`/:class:`~httpx.ConnectTimeout` before the
  request is sent, :class:`~httpx.ReadTimeout`/:class:`~httpx.WriteTimeout`,
  :class:`~httpx.RemoteProtocolError` for an answer that is cut short or is
  not HTTP, :class:`~httpx.ReadError`/:class:`~httpx.WriteError` for a reset;
* certificate checks with httpx's default SSL context.

It sends exactly the request's headers (``Host`` and ``Content-Length`` come
from :class:`httpx.Request`) and nothing of its own. An answer whose body does
not decode as its ``Content-Encoding`` says comes back unread, so that the
caller's ``read()`` raises :class:`~httpx.DecodingError` and can judge the bytes.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import select
import socket
import ssl
import threading
import time
from typing import Any

import httpx

__all__ = ["HTTPClientTransport", "proxy_for"]

_Origin = tuple[str, str, int]


class HTTPClientTransport(httpx.BaseTransport):
    """Send requests with :mod:`http.client`; thread-safe, keep-alive per thread.

    >>> transport = HTTPClientTransport()
    >>> timeouts = {"connect": 1.0, "read": 5.0}
    >>> request = httpx.Request("GET", "http://127.0.0.1:9/", extensions={"timeout": timeouts})
    >>> transport.handle_request(request)
    Traceback (most recent call last):
    ...
    httpx.ConnectError: [Errno 111] Connection refused
    >>> transport.close()
    """

    def __init__(self, *, verify: bool | str = True, proxy: str | None = None) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._every: list[http.client.HTTPConnection] = []
        self._ssl: ssl.SSLContext | None = None
        self._watchdog = _Watchdog()
        #: True: the default certificate checks; False: none (``--insecure``); a path:
        #: the CA bundle to check against (``--ca-bundle``).
        self.verify = verify
        #: ``--proxy``, else HTTPS_PROXY/HTTP_PROXY from the environment (NO_PROXY and
        #: loopback hosts go direct). ``""``: never a proxy.
        self._proxy = proxy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        budget = max((t for t in timeouts.values() if t is not None), default=None)
        deadline = None if budget is None else time.monotonic() + budget
        # The host as the client encodes it (IDNA), as httpx's own transport connects.
        host = url.raw_host.decode("ascii")
        conn = self._connection((url.scheme, host, url.port or _PORTS[url.scheme]))
        if conn.sock is None:
            conn.timeout = _left(deadline, timeouts.get("connect"))
            try:
                conn.connect()
            except OSError as exc:
                timed_out = isinstance(exc, TimeoutError)
                connect = httpx.ConnectTimeout if timed_out else httpx.ConnectError
                raise connect(_text(exc, "cannot connect"), request=request) from exc
        key = self._watchdog.watch(conn, deadline)
        try:
            return self._exchange(conn, request, timeouts, deadline, key, budget)
        finally:
            self._watchdog.release(key)

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        request: httpx.Request,
        timeouts: dict[str, Any],
        deadline: float | None,
        key: int,
        budget: float | None,
    ) -> httpx.Response:
        url = request.url
        try:
            _set_timeout(conn, _left(deadline, timeouts.get("write")))
            target = url.raw_path.decode("ascii")
            if isinstance(conn, _ProxiedConnection):
                target = str(url.copy_with(fragment=None))
            conn.putrequest(
                request.method, target, skip_host=True, skip_accept_encoding=True,
            )  # fmt: skip
            for name, value in request.headers.raw:
                conn.putheader(name, value)
            conn.endheaders(request.content or None)
        except OSError as exc:
            conn.close()
            if isinstance(exc, TimeoutError) or self._watchdog.expired(key):
                raise httpx.WriteTimeout(_late(budget), request=request) from exc
            raise httpx.WriteError(_text(exc, "cannot send"), request=request) from exc
        try:
            _set_timeout(conn, _left(deadline, timeouts.get("read")))
            answer = conn.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if self._watchdog.expired(key):
                raise httpx.ReadTimeout(_late(budget), request=request) from exc
            raise _read_error(exc, request) from exc
        if self._watchdog.expired(key):  # cut off at the deadline: the body may be short
            conn.close()
            raise httpx.ReadTimeout(_late(budget), request=request)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.getheaders()]
        extensions = {
            "http_version": b"HTTP/1.0" if answer.version == 10 else b"HTTP/1.1",
            "reason_phrase": answer.reason.encode("latin-1", "replace"),
        }
        try:
            return httpx.Response(
                answer.status, headers=headers, content=body, request=request,
                extensions=extensions,
            )  # fmt: skip
        except httpx.DecodingError:
            # Left unread: the caller's read() meets the same error, and the bytes stay.
            return httpx.Response(
                answer.status, headers=headers, stream=httpx.ByteStream(body), request=request,
                extensions=extensions,
            )  # fmt: skip

    def _connection(self, origin: _Origin) -> http.client.HTTPConnection:
        """This thread's connection to *origin*; a fresh one if the server closed it."""
        pool: dict[_Origin, http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        conn = pool.get(origin)
        if conn is not None and conn.sock is not None and _readable(conn.sock):
            # An idle keep-alive connection has nothing to read unless the server
            # closed it (or broke the protocol): start afresh rather than fail a request.
            conn.close()
        if conn is None:
            scheme, host, port = origin
            proxy = proxy_for(scheme, host, self._proxy)
            if proxy is not None:
                where = httpx.URL(proxy)
                p_host, p_port = where.host, where.port or _PORTS.get(where.scheme, 8080)
                if scheme == "https":  # a CONNECT tunnel through the proxy
                    conn = http.client.HTTPSConnection(p_host, p_port, context=self._ssl_context())
                    conn.set_tunnel(host, port)
                else:  # the proxy takes the whole URL
                    conn = _ProxiedConnection(p_host, p_port)
            elif scheme == "https":
                conn = http.client.HTTPSConnection(host, port, context=self._ssl_context())
            else:
                conn = http.client.HTTPConnection(host, port)
            pool[origin] = conn
            with self._lock:
                self._every.append(conn)
        return conn

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            if self.verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                self._ssl = context
            elif isinstance(self.verify, str):
                self._ssl = ssl.create_default_context(cafile=self.verify)
            else:
                self._ssl = httpx.create_ssl_context()
        return self._ssl

    def close(self) -> None:
        with self._lock:
            every, self._every = self._every, []
        for conn in every:
            conn.close()
        self._watchdog.close()


class _ProxiedConnection(http.client.HTTPConnection):
    """A plain-HTTP connection to a proxy: requests name the whole URL."""


_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def proxy_for(scheme: str, host: str, given: str | None) -> str | None:
    """The proxy URL a request to *scheme*://*host* goes through, or None.

    *given* (``--proxy``) wins; ``""`` means none. Else the environment's
    ``HTTPS_PROXY``/``HTTP_PROXY`` (either case), minus ``NO_PROXY`` hosts.
    Loopback targets always go direct.

    >>> proxy_for("https", "api.example.com", "http://proxy:3128")
    'http://proxy:3128'
    >>> proxy_for("http", "127.0.0.1", "http://proxy:3128") is None
    True
    """
    if host in _LOOPBACK or host.startswith("127."):
        return None
    if given is not None:
        return given or None
    import urllib.request

    found = urllib.request.getproxies_environment().get(scheme)
    if not found or urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]
        return None
    return found


class _Watchdog:
    """Shuts down the socket of an exchange still running at its deadline.

    One thread for the transport, started on first use, asleep while nothing is
    watched: a socket timeout bounds one read, this bounds the exchange.
    """

    #: Longest sleep between checks, so a deadline sooner than the one slept for is kept.
    TICK = 0.1

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, http.client.HTTPConnection]] = {}
        self._expired: set[int] = set()
        self._keys = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, conn: http.client.HTTPConnection, deadline: float | None) -> int:
        key = next(self._keys)
        if deadline is None:
            return key
        with self._cond:
            self._due[key] = (deadline, conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="conformance-watchdog", daemon=True
                )
                self._thread.start()
            elif len(self._due) == 1:
                self._cond.notify()
        return key

    def release(self, key: int) -> None:
        with self._cond:
            self._due.pop(key, None)
            self._expired.discard(key)

    def expired(self, key: int) -> bool:
        with self._cond:
            return key in self._expired

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._due:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                for key, (deadline, conn) in list(self._due.items()):
                    if deadline <= now:
                        del self._due[key]
                        self._expired.add(key)
                        _cut(conn)
                soonest = min((d for d, _ in self._due.values()), default=now + self.TICK)
                self._cond.wait(max(0.0, min(soonest - now, self.TICK)))


def _cut(conn: http.client.HTTPConnection) -> None:
    """Unblock whatever waits on *conn*'s socket: it reads end of file, or fails to write."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)


def _left(deadline: float | None, seconds: float | None) -> float | None:
    """The smaller of *seconds* and what is left until *deadline* (a little, if none is)."""
    if deadline is None:
        return seconds
    left = max(deadline - time.monotonic(), 0.001)
    return left if seconds is None else min(seconds, left)


def _late(budget: float | None) -> str:
    return f"the exchange took longer than {budget:g} s" if budget else "timed out"


_PORTS = {"http": 80, "https": 443}


def _readable(sock: Any) -> bool:
    try:
        if hasattr(select, "poll"):  # select() cannot watch descriptors past 1023
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):  # closed under us
        return True


def _set_timeout(conn: http.client.HTTPConnection, seconds: float | None) -> None:
    if conn.sock is not None:
        conn.sock.settimeout(seconds)


def _read_error(exc: OSError | http.client.HTTPException, request: httpx.Request) -> Exception:
    """The httpx exception for what went wrong while waiting for or reading the answer."""
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(_text(exc, "read timed out"), request=request)
    if isinstance(exc, http.client.RemoteDisconnected):  # closed before a status line
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    if isinstance(exc, http.client.IncompleteRead):
        got = len(exc.partial)
        wanted = f", expected {got + exc.expected}" if isinstance(exc.expected, int) else ""
        return httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body (received {got} "
            f"bytes{wanted})",
            request=request,
        )
    if isinstance(exc, http.client.HTTPException):  # not HTTP: a bad status line, a huge header
        return httpx.RemoteProtocolError(_text(exc, type(exc).__name__), request=request)
    return httpx.ReadError(_text(exc, "cannot read the answer"), request=request)


def _text(exc: BaseException, fallback: str) -> str:
    return str(exc) or fallback
