"""The system under test: base URL or in-process app, credentials, and one way to send.

Every request the suite makes goes through :meth:`Target.send`, which never
raises for what the target does: a refused connection, a timeout, a reset or a
body that is not JSON all come back as an :class:`Exchange` to be judged.
"""

from __future__ import annotations

import base64
import json as _json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.types import ASGIApp

from ..errors import UsageError
from ..validator import Validator
from ._http_transport import HTTPClientTransport
from ._results import Exchange
from ._transport import SyncASGITransport

__all__ = [
    "PRODUCTION_HOSTS",
    "SANDBOX_HOSTS",
    "Credentials",
    "Target",
    "error_line",
    "guard_production",
]

SANDBOX_HOSTS = {"midtrans": "api.sandbox.midtrans.com", "pivot": "api-stg.pivot-payment.com"}
PRODUCTION_HOSTS = {"midtrans": "api.midtrans.com", "pivot": "api.pivot-payment.com"}
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

    >>> Credentials.resolve(server_key="SB-Mid-server-abc", env={}).server_key
    'SB-Mid-server-abc'
    """

    server_key: str
    client_key: str
    client_id: str
    client_secret: str

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **given: str | None) -> Credentials:
        env = os.environ if env is None else env
        values = {
            name: given.get(name) or env.get(_ENV[name]) or default
            for name, default in DEFAULT_CREDENTIALS.items()
        }
        return cls(**values)

    def secrets(self) -> list[str]:
        return [self.server_key, self.client_key, self.client_secret]

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()


def guard_production(provider: str, base_url: str, allow: bool) -> None:
    """Refuse a provider's production host unless *allow*: the suite captures money."""
    # A trailing dot names the same host (a fully qualified name).
    host = (urlsplit(base_url).hostname or "").rstrip(".")
    if host == PRODUCTION_HOSTS[provider] and not allow:
        raise UsageError(
            f"{base_url} is {provider}'s production host and the suite captures real money; "
            f"use the sandbox (https://{SANDBOX_HOSTS[provider]}) or pass {{option}}",
            option="allow-production",
        )


class Target:
    """Where the suite sends traffic, and how each answer is judged on the way back.

    Give *base_url* for an HTTP target, or *app* for an in-process ASGI app.
    *transport* replaces the one a base URL would get (cassette recording and
    replay wrap or stand in for it); *on_case* hears each case id before the case
    runs and may return a note to skip it with (see :meth:`begin_case`).
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
    ) -> None:
        if (base_url is None) == (app is None):
            raise UsageError("give a target base URL or an in-process app, not both or neither")
        if timeout <= 0:
            raise UsageError(
                f"{{option}} must be a positive number of seconds; got {timeout!r}",
                option="timeout",
            )
        self.provider = provider
        self.validator = Validator(provider, profile=profile)
        self.credentials = credentials or Credentials.resolve()
        self.label = base_url or f"in-process {provider} simulator"
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(
                    f"{{option}} must be an http(s) URL; got {base_url!r}", option="base-url"
                )
            transport = transport or HTTPClientTransport()
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
        #: Whether cases may send at once: the HTTP transports are thread-safe;
        #: the in-process transport (one event loop) and recording/replay are not.
        self.concurrent = type(transport) in (HTTPClientTransport, httpx.HTTPTransport)

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
        merged = {**base, **(headers or {})}
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
        """Send *request*, judge the answer against *operation*, never raise for the target."""
        start = time.perf_counter()
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
        exchange = Exchange(operation, request, response, None, time.perf_counter() - start)
        exchange.violations = self.validator.validate_response(operation, response, request=request)
        return exchange


def _dumps(value: Any) -> bytes:
    return _json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def error_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    kind = type(exc).__name__
    return f"{kind}: {text[0]}" if text else kind
