"""Deliveries through the plugin: the simulator fixtures and ``conformance_traffic``.

A test points the simulator's notifications (Midtrans) or callbacks (Pivot) at
its own webhook handler (an ASGI or WSGI app, called in-process), reads what was
delivered, and fires deliveries on demand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance import Validator
from conformance.pytest_plugin import SimulatorHandle

pytest_plugins = ["pytester"]


class Handler:
    """A merchant's webhook handler as an ASGI app that keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], Any]] = []

        async def take(request: Request) -> JSONResponse:
            self.received.append((dict(request.headers), json.loads(await request.body())))
            return JSONResponse({"ok": True})

        self.app = Starlette(routes=[Route("/{path:path}", take, methods=["POST"])])


def wsgi_handler(received: list[Any]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received.append(json.loads(environ["wsgi.input"].read(length)))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    return app


def test_in_process_midtrans_notifications_reach_an_asgi_handler(
    midtrans_simulator_app: SimulatorHandle,
) -> None:
    handler = Handler()
    midtrans_simulator_app.deliver_to(handler.app)
    auth = midtrans_simulator_app.authorize(25_000)
    assert [body["transaction_status"] for _, body in handler.received] == ["authorize"]
    headers, body = handler.received[0]
    assert headers["content-type"].startswith("application/json")
    server_key = midtrans_simulator_app.credentials.server_key
    assert Validator("midtrans").validate_notification(body, server_key=server_key) == []
    assert body["transaction_id"] == auth.id
    made = midtrans_simulator_app.notify(auth.id, "forged-signature")
    assert len(made) == 1
    assert len(handler.received) == 2
    forged = Validator("midtrans").validate_notification(handler.received[1][1],
                                                          server_key=server_key)  # fmt: skip
    assert [v.rule for v in forged] == ["midtrans.notification.signature"]
    assert len(midtrans_simulator_app.deliveries) == 2


def test_served_pivot_callbacks_reach_an_in_process_handler(
    pivot_simulator: SimulatorHandle,
) -> None:
    handler = Handler()
    pivot_simulator.deliver_to(handler.app)
    auth = pivot_simulator.authorize(40_000)
    assert pivot_simulator.deliveries, "the authorization was called back"
    assert handler.received, "the handler was called"
    headers, body = handler.received[-1]
    assert body["data"]["id"] == auth.id
    assert "x-api-key" in headers
    before = len(handler.received)
    pivot_simulator.notify(auth.id, "missing-key")
    assert len(handler.received) == before + 1
    assert "x-api-key" not in handler.received[-1][0]


def test_the_served_fixture_forgets_its_delivery_target_between_tests(
    pivot_simulator: SimulatorHandle,
) -> None:
    assert pivot_simulator.deliveries == []
    assert pivot_simulator.simulator.outbox.url is None


def test_conformance_traffic_delivers_to_a_wsgi_handler(conformance_traffic) -> None:
    received: list[Any] = []
    conformance_traffic.deliver_to("midtrans", wsgi_handler(received))
    order = conformance_traffic.authorize("midtrans", 30_000)
    assert [body["transaction_status"] for body in received] == ["authorize"]
    conformance_traffic.notify("midtrans", order, "duplicate")
    assert len(received) == 2
    assert received[1]["signature_key"] == received[0]["signature_key"]
    assert [d.provider for d in conformance_traffic.deliveries] == ["midtrans", "midtrans"]


def test_a_users_test_file_fires_and_reads_deliveries(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json

        def test_handler_sees_the_capture(midtrans_simulator_app):
            seen = []

            def handler(environ, start_response):
                size = int(environ.get("CONTENT_LENGTH") or 0)
                seen.append(json.loads(environ["wsgi.input"].read(size)))
                start_response("200 OK", [])
                return [b""]

            midtrans_simulator_app.deliver_to(handler)
            auth = midtrans_simulator_app.authorize(10_000)
            reply = midtrans_simulator_app.client.post(
                "/v2/capture", json={"transaction_id": auth.id, "gross_amount": 10_000},
                headers=midtrans_simulator_app.auth_headers())
            assert reply.json()["transaction_status"] == "capture"
            assert [b["transaction_status"] for b in seen] == ["authorize", "capture"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_notify_refuses_a_variant_of_the_other_provider(
    midtrans_simulator_app: SimulatorHandle,
) -> None:
    auth = midtrans_simulator_app.authorize()
    with pytest.raises(ValueError, match="variant"):
        midtrans_simulator_app.notify(auth.id, "wrong-key")
