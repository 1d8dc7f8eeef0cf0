"""The HTTP transport: keep-alive, reconnects, and httpx's errors for every broken answer."""

from __future__ import annotations

import gzip
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from conformance.suite._http_transport import HTTPClientTransport

Handler = Callable[[socket.socket, "Server"], None]


class Server(socketserver.ThreadingTCPServer):
    """A loopback server whose *handler* gets each accepted connection's socket."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        outer = self

        class _Handle(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                handler(self.request, outer)

        super().__init__(("127.0.0.1", 0), _Handle)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Server]]:
    servers: list[Server] = []

    def start(handler: Handler) -> Server:
        server = Server(handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def read_request(sock: socket.socket, server: Server) -> bytes:
    """One request (head and Content-Length body), or b"" when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += sock.recv(65536)
    server.requests.append(head + b"\r\n\r\n" + body)
    return data


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def keep_alive(sock: socket.socket, server: Server) -> None:
    while read_request(sock, server):
        sock.sendall(answer(b'{"ok":true}', "Content-Type: application/json"))


def get(transport: HTTPClientTransport, url: str, **timeouts: float) -> httpx.Response:
    request = httpx.Request("GET", url, extensions={"timeout": {"connect": 2, **timeouts}})
    return transport.handle_request(request)


@pytest.fixture
def transport() -> Iterator[HTTPClientTransport]:
    transport = HTTPClientTransport()
    yield transport
    transport.close()


def test_requests_reuse_one_connection_per_thread(serve, transport) -> None:
    server = serve(keep_alive)
    answers = [get(transport, server.url + "/a") for _ in range(5)]
    assert [a.json() for a in answers] == [{"ok": True}] * 5
    assert server.connections == 1

    worker = threading.Thread(target=lambda: get(transport, server.url + "/b"))
    worker.start()
    worker.join()
    assert server.connections == 2  # threads never share a connection


def test_the_request_goes_out_as_httpx_built_it(serve, transport) -> None:
    server = serve(keep_alive)
    request = httpx.Request(
        "POST", server.url + "/v2/capture?x=1", headers={"Authorization": "Basic abc"},
        content=b'{"gross_amount":1}',
    )  # fmt: skip
    transport.handle_request(request)
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v2/capture?x=1 HTTP/1.1"
    # Exactly httpx's headers (Host and Content-Length included), nothing added.
    assert sorted(lines[1:]) == sorted(k + b": " + v for k, v in request.headers.raw)
    assert body == b'{"gross_amount":1}'


def test_a_connection_the_server_closed_while_idle_is_replaced(serve, transport) -> None:
    def one_answer_then_close(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        sock.sendall(answer(b"{}"))  # keep-alive by HTTP/1.1 default, closed all the same
        time.sleep(0.05)
        sock.close()

    server = serve(one_answer_then_close)
    assert get(transport, server.url).status_code == 200
    time.sleep(0.2)
    assert get(transport, server.url).status_code == 200
    assert server.connections == 2


def test_connection_close_answers_and_http_1_0(serve, transport) -> None:
    def old_server(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        sock.sendall(b"HTTP/1.0 201 Made\r\nConnection: close\r\n\r\nthe body runs to the end")
        sock.close()

    server = serve(old_server)
    for _ in range(2):
        response = get(transport, server.url)
        assert (response.status_code, response.content) == (201, b"the body runs to the end")
        assert response.extensions["http_version"] == b"HTTP/1.0"
        assert response.reason_phrase == "Made"
    assert server.connections == 2


def test_headers_keep_repeats_and_bodies_are_decoded(serve, transport) -> None:
    def gzipped(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        headers = ("Content-Encoding: gzip", "Set-Cookie: a=1", "Set-Cookie: b=2")
        sock.sendall(answer(gzip.compress(b'{"a":1}'), *headers))

    response = get(transport, serve(gzipped).url)
    assert response.json() == {"a": 1}
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_a_refused_connection_is_a_connect_error(transport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
        with pytest.raises(httpx.ConnectError, match="Connection refused"):
            get(transport, f"http://127.0.0.1:{port}/")


def test_no_answer_in_time_is_a_read_timeout(serve, transport) -> None:
    def mute(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        time.sleep(1.0)

    with pytest.raises(httpx.ReadTimeout):
        get(transport, serve(mute).url, read=0.2)


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        (b"", httpx.RemoteProtocolError, "Server disconnected without sending a response."),
        (
            b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut',
            httpx.RemoteProtocolError,
            "peer closed connection without sending complete message body "
            "(received 5 bytes, expected 100)",
        ),
        (b"<html>not http</html>\r\n\r\n", httpx.RemoteProtocolError, "<html>not http</html>"),
    ],
    ids=["closed-without-answer", "body-cut-short", "not-http"],
)
def test_broken_answers_are_httpx_protocol_errors(serve, transport, reply, error, text) -> None:
    def broken(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        sock.sendall(reply)
        sock.close()

    with pytest.raises(error) as raised:
        get(transport, serve(broken).url)
    assert text in str(raised.value)


def test_a_reset_connection_is_a_read_error(serve, transport) -> None:
    def reset(sock: socket.socket, server: Server) -> None:
        read_request(sock, server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError), match=r"reset|disconnected"):
        get(transport, serve(reset).url)


def test_after_an_error_the_next_request_gets_a_fresh_connection(serve, transport) -> None:
    calls = []

    def first_broken(sock: socket.socket, server: Server) -> None:
        calls.append(1)
        if len(calls) == 1:
            read_request(sock, server)
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
            sock.close()
            return
        keep_alive(sock, server)

    server = serve(first_broken)
    with pytest.raises(httpx.RemoteProtocolError):
        get(transport, server.url)
    assert get(transport, server.url).json() == {"ok": True}
    assert server.connections == 2


def test_close_closes_every_threads_connections(serve) -> None:
    server = serve(keep_alive)
    transport = HTTPClientTransport()
    threads = [threading.Thread(target=get, args=(transport, server.url)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    transport.close()
    time.sleep(0.1)
    assert server.connections == 3
    assert get(transport, server.url).status_code == 200  # usable again: a new connection
    assert server.connections == 4
    transport.close()


def test_a_failed_tls_handshake_is_a_connect_error(serve, transport) -> None:
    def not_tls(sock: socket.socket, server: Server) -> None:
        sock.recv(65536)  # the ClientHello
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # a plain-HTTP server's answer

    server = serve(not_tls)
    url = server.url.replace("http://", "https://")
    with pytest.raises(httpx.ConnectError, match=r"SSL|ssl|record"):
        get(transport, url)
