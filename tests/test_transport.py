"""The in-process transport: apps that answer at once, and apps that really wait."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.suite._transport import SyncASGITransport


async def at_once(request: Request) -> Response:
    # Code that asks for the running loop without awaiting must still find one.
    loop = asyncio.get_running_loop()
    found = isinstance(loop, asyncio.AbstractEventLoop)
    return JSONResponse({"body": (await request.body()).decode(), "loop": found})


async def waits(request: Request) -> Response:
    await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_soon(future.set_result, 3)
    return JSONResponse({"value": await future})


async def fails_after_waiting(request: Request) -> Response:
    await asyncio.sleep(0)
    raise RuntimeError("boom")


async def silent(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that ends without answering."""
    await asyncio.sleep(0)


APP = Starlette(
    routes=[
        Route("/at-once", at_once, methods=["POST"]),
        Route("/waits", waits),
        Route("/fails", fails_after_waiting),
    ]
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(transport=SyncASGITransport(APP), base_url="http://sim") as client:
        yield client


def test_an_app_that_never_waits_answers_with_a_running_loop(client: httpx.Client) -> None:
    answer = client.post("/at-once", content=b"hello")
    assert answer.json() == {"body": "hello", "loop": True}


def test_an_app_that_waits_is_finished_on_the_loop(client: httpx.Client) -> None:
    assert client.get("/waits").json() == {"value": 3}
    # And the transport still answers at once afterwards: no loop left marked running.
    assert client.post("/at-once", content=b"again").json()["body"] == "again"


def test_a_crash_after_waiting_is_the_app_s_500(client: httpx.Client) -> None:
    assert client.get("/fails").status_code == 500
    assert client.post("/at-once", content=b"x").status_code == 200


def test_no_answer_at_all_is_a_protocol_error() -> None:
    with (
        httpx.Client(transport=SyncASGITransport(silent), base_url="http://sim") as client,
        pytest.raises(httpx.RemoteProtocolError, match="the app sent no response"),
    ):
        client.get("/")
