"""Serving a simulator over HTTP with uvicorn: in the foreground, or in a thread for tests."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = ["FAST", "bind", "serve", "served"]

#: uvicorn's fast HTTP parser and event loop (runtime dependencies), named rather than
#: left to uvicorn's "auto"; uvloop has no Windows build, so asyncio there.
FAST: dict[str, Any] = {
    "http": "httptools",
    "loop": "asyncio" if sys.platform == "win32" else "uvloop",
}


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 lets the system pick a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it
    # a keep-alive client waits ~40 ms (Nagle vs delayed ACK) for every response body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """A uvicorn server that ends with exit status 0 after Ctrl-C or SIGTERM.

    uvicorn re-raises the signal once it has shut down, so the process would end
    "killed by SIGTERM"; a clean, asked-for stop is a success for ``serve``.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        handlers = {sig: signal.signal(sig, self.handle_exit) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(
    app: ASGIApp, host: str, port: int, announce: Callable[[str], None], **options: Any
) -> None:
    """Serve until Ctrl-C or SIGTERM; both shut down cleanly and return normally.

    *options* are more :class:`uvicorn.Config` settings, e.g. ``lifespan="on"``.
    """
    sock = bind(host, port)
    announce(url_of(sock))
    settings: dict[str, Any] = {
        "log_level": "warning", "lifespan": "off", "access_log": False, **FAST,
    }  # fmt: skip
    config = uvicorn.Config(app, **{**settings, **options})
    _Server(config).run(sockets=[sock])


@contextlib.contextmanager
def served(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve *app* in a background thread; yields its base URL.

    >>> from starlette.responses import PlainTextResponse
    >>> import httpx
    >>> with served(PlainTextResponse("hi")) as url:
    ...     httpx.get(url).text
    'hi'
    """
    sock = bind(host, port)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, **FAST)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start within 10 s")
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
