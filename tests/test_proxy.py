"""The validating proxy in-process: forwarding fidelity, judging, recording, upstream failures.

The proxy (``conformance.proxy.ProxyApp``) is driven through ``httpx.ASGITransport``; its
upstream is a reference simulator in-process (or a small app of the test's own), so no
socket is opened. ``test_proxy_cli.py`` runs the command line on loopback.

The traffic helpers here (``midtrans_traffic``, ``pivot_traffic``) play an integration
and are shared with ``test_proxy_cli.py``.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from rich.console import Console
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.proxy import ProxyApp, TrafficLog, redact_violation, upstream_label
from conformance.simulators import create
from conformance.simulators.quirks import get as quirk
from conformance.suite import Kind, Outcome
from conformance.violations import Violation

# Made-up secrets; none is a real key. Tests grep every output for them.
SERVER_KEY = "SB-Mid-server-proxy-made-up-7f3a"
CLIENT_KEY = "SB-Mid-client-proxy-made-up-91c2"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
CARD_NUMBER = "4811111111111114"
BAD_CVV = "98x"
MERCHANT_ID = "merchant-proxy-made-up-5d1e"
MERCHANT_SECRET = "secret-proxy-made-up-c0ffee"
PIVOT_CARD = "4440000112200001"
UPSTREAM = "https://upstream.invalid"


def card(cvv: str = "123") -> dict[str, str]:
    return {
        "card_number": CARD_NUMBER,
        "card_exp_month": "12",
        "card_exp_year": "2039",
        "card_cvv": cvv,
        "client_key": CLIENT_KEY,
    }


async def midtrans_traffic(client: httpx.AsyncClient, *, broken: bool = False) -> dict[str, Any]:
    """Token, authorize, capture; *broken* adds a bad CVV, a warning and a decimal capture first.

    Returns the secrets the traffic carried that a test did not choose (the token id).
    """
    if broken:
        refused = await client.get("/v2/token", params=card(BAD_CVV))
        assert refused.status_code != 200, refused.text
    token = (await client.get("/v2/token", params=card())).json()["token_id"]
    charge = await client.post(
        "/v2/charge",
        headers={"Authorization": BASIC, **({"Accept": "text/html"} if broken else {})},
        json={
            "payment_type": "credit_card",
            "transaction_details": {"order_id": f"o-{os.urandom(4).hex()}", "gross_amount": 30000},
            "credit_card": {"token_id": token, "type": "authorize"},
        },
    )
    assert charge.json()["transaction_status"] == "authorize", charge.text
    capture_id = charge.json()["transaction_id"]
    refused = None
    if broken:  # a decimal amount: refused by the provider, then the integer one goes through
        refused = await client.post(
            "/v2/capture",
            headers={"Authorization": BASIC},
            json={"transaction_id": capture_id, "gross_amount": 30000.5},
        )
    capture = await client.post(
        "/v2/capture",
        headers={"Authorization": BASIC},
        json={"transaction_id": capture_id, "gross_amount": 30000},
    )
    return {"token_id": token, "capture": capture, "refused": refused}


async def pivot_traffic(client: httpx.AsyncClient, *, broken: bool = False) -> dict[str, Any]:
    """Access token, manual-capture payment session, capture; *broken* adds bad requests."""
    merchant = {"X-MERCHANT-ID": MERCHANT_ID, "X-MERCHANT-SECRET": MERCHANT_SECRET}
    if broken:
        await client.post("/v1/access-token", headers=merchant, json={"grantType": "password"})
    answer = await client.post(
        "/v1/access-token", headers=merchant, json={"grantType": "client_credentials"}
    )
    token = answer.json()["data"]["accessToken"]
    bearer = {"Authorization": f"Bearer {token}"}
    session = await client.post(
        "/v2/payments",
        headers={**bearer, "X-REQUEST-ID": os.urandom(8).hex()},
        json={
            "clientReferenceId": f"ref-{os.urandom(4).hex()}",
            "amount": {"value": 30000, "currency": "IDR"},
            "paymentType": "SINGLE",
            "mode": "API",
            "paymentMethod": {
                "type": "CARD",
                "card": {"number": PIVOT_CARD, "expMonth": 12, "expYear": 2039, "cvc": "123"},
            },
            "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
        },
    )
    sid = session.json()["data"]["id"]
    capture = await client.post(
        f"/v2/payments/{sid}/capture",
        headers=bearer,
        json={"releaseRemainingAmount": True, "amount": {"value": 30000, "currency": "IDR"}},
    )
    return {"accessToken": token, "capture": capture}


TRAFFIC = {"midtrans": midtrans_traffic, "pivot": pivot_traffic}

Drive = Callable[[httpx.AsyncClient], Awaitable[Any]]


def through(proxy: ProxyApp, drive: Drive) -> Any:
    """Run *drive* with a client whose every request goes through *proxy*, in-process."""

    async def main() -> Any:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            try:
                return await drive(client)
            finally:
                await proxy.client.aclose()

    return asyncio.run(main())


def proxy_to(app: Any, provider: str, **options: Any) -> tuple[ProxyApp, io.StringIO]:
    """A proxy whose upstream is *app* in-process, logging to a string."""
    out = io.StringIO()
    log = TrafficLog(Console(file=out, width=200, color_system=None))
    upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return ProxyApp(provider, UPSTREAM, client=upstream, log=log, **options), out


def failing(exc: Exception) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


# --- forwarding fidelity ---------------------------------------------------------------

SEEN: list[dict[str, Any]] = []
PAYLOAD = json.dumps({"status_code": "200", "note": "zipped"}).encode()


async def echo(request: Request) -> Response:
    SEEN.append(
        {
            "method": request.method,
            "raw_path": request.scope["raw_path"],
            "query": request.scope["query_string"],
            "headers": list(request.headers.raw),
            "body": await request.body(),
        }
    )
    answer = Response(gzip.compress(PAYLOAD), status_code=418, media_type="application/json")
    answer.raw_headers += [
        (b"content-encoding", b"gzip"),
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"x-upstream", b"kept"),
        (b"connection", b"x-hop"),
        (b"x-hop", b"dropped"),
    ]
    return answer


ECHO = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"])])


def test_forwards_the_exchange_unchanged_both_ways() -> None:
    SEEN.clear()
    proxy, out = proxy_to(ECHO, "midtrans")

    async def drive(client: httpx.AsyncClient) -> httpx.Response:
        return await client.put(
            "/v9/some%20thing/else?b=2&a=1&a=3",
            content=b"\x00raw body\xff",
            headers={
                "X-Custom": "yes",
                "Connection": "keep-alive, X-Secret-Hop",
                "X-Secret-Hop": "hop-only",
                "Proxy-Authorization": "Basic cHJveHk6cHc=",
            },
        )

    answer = through(proxy, drive)
    (seen,) = SEEN
    assert seen["method"] == "PUT"
    assert seen["raw_path"] == b"/v9/some%20thing/else"
    assert seen["query"] == b"b=2&a=1&a=3"
    assert seen["body"] == b"\x00raw body\xff"
    sent = {k.decode(): v.decode() for k, v in seen["headers"]}
    assert sent["x-custom"] == "yes"
    assert sent["host"] == "upstream.invalid"
    assert sent["content-length"] == str(len(b"\x00raw body\xff"))
    for hop in ("connection", "x-secret-hop", "proxy-authorization"):
        assert hop not in sent, (hop, sent)
    assert answer.status_code == 418
    assert answer.content == PAYLOAD  # decoded by the client: the gzip bytes came unchanged
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["content-length"] == str(len(gzip.compress(PAYLOAD)))
    assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert answer.headers["x-upstream"] == "kept"
    assert "x-hop" not in answer.headers
    report = proxy.recorder.finish()
    (case,) = report.results
    assert (case.id, case.kind, case.outcome) == (
        "midtrans.proxy.unmatched",
        Kind.TRAFFIC,
        Outcome.SKIPPED,
    )
    assert case.note == "forwarded, not judged: PUT /v9/some thing/else (1)"
    assert report.exit_code == 0
    assert "--   PUT /v9/some thing/else -> 418: forwarded, not judged" in out.getvalue()


def test_upstream_path_prefix_is_kept_and_judging_uses_the_clients_path() -> None:
    SEEN.clear()
    upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=ECHO))
    proxy = ProxyApp("midtrans", "http://gateway.invalid/midtrans/", client=upstream)
    through(proxy, lambda client: client.post("/v2/capture", json={"transaction_id": "t"}))
    assert SEEN[0]["raw_path"] == b"/midtrans/v2/capture"
    (case,) = proxy.recorder.finish().results
    assert case.id == "midtrans.proxy.capture"


# --- judging ---------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_conformant_traffic_has_no_finding(provider: str) -> None:
    proxy, out = proxy_to(create(provider).app, provider)
    result = through(proxy, TRAFFIC[provider])
    assert result["capture"].status_code == 200
    report = proxy.recorder.finish()
    assert report.exit_code == 0, [f.check for _, f in report.findings()]
    assert [f for _, f in report.findings()] == []
    assert {case.outcome for case in report.results} == {Outcome.PASSED}
    assert f"{provider}.proxy.capture" in {case.id for case in report.results}
    assert sum(case.exchanges for case in report.results) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("ok   ") for line in lines), lines


def test_malformed_request_is_forwarded_and_recorded() -> None:
    proxy, out = proxy_to(create("midtrans").app, "midtrans")
    result = through(proxy, lambda client: midtrans_traffic(client, broken=True))
    answer = result["refused"]
    # The provider's own refusal reached the client, not one of the proxy's.
    assert answer.status_code == 400
    assert answer.json()["status_code"] == "400"
    assert result["capture"].status_code == 200
    report = proxy.recorder.finish()
    assert report.exit_code == 1
    checks = {f.check for _, f in report.findings()}
    assert "midtrans.capture-request.gross-amount" in checks
    assert "midtrans.token-request.card-cvv" in checks
    assert "midtrans.request.accept" in checks  # a warning: reported, not failing
    log = out.getvalue()
    assert "FAIL POST /v2/capture -> 400 (capture)" in log
    assert "midtrans.capture-request.gross-amount at /gross_amount" in log
    assert "expected 'integer', received 30000.5" in log
    assert "source: documented, seeds/" in log


@pytest.mark.parametrize(
    ("provider", "name"), [("midtrans", "gross-amount-number"), ("pivot", "status-done")]
)
def test_non_conformant_upstream_answer_is_a_finding(provider: str, name: str) -> None:
    proxy, out = proxy_to(create(provider, quirk=name).app, provider)
    result = through(proxy, TRAFFIC[provider])
    assert result["capture"].status_code == 200  # still answered to the client as it came
    rule = quirk(provider, name).detected_by
    report = proxy.recorder.finish()
    assert rule in report.checks_failed()
    assert report.exit_code == 1
    (case,) = [c for c in report.results if c.id == f"{provider}.proxy.capture"]
    assert case.outcome is Outcome.FAILED
    assert case.findings[0].exchange is not None
    assert case.findings[0].exchange.response is not None
    assert f"{rule} at /" in out.getvalue()


def test_unreachable_upstream_answers_502_saying_why() -> None:
    proxy = ProxyApp("pivot", UPSTREAM, client=failing(httpx.ConnectError("connection refused")))
    answer = through(proxy, lambda client: client.post("/v1/access-token", json={}))
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "error": "capture-conformance proxy: cannot reach the upstream: "
        f"ConnectError: connection refused ({UPSTREAM})"
    }
    report = proxy.recorder.finish()
    (finding,) = [f for _, f in report.findings() if f.check == "pivot.transport"]
    assert finding.exchange is not None
    assert finding.exchange.response is None
    assert report.exit_code == 1


def test_upstream_timeout_answers_504() -> None:
    proxy = ProxyApp(
        "midtrans", UPSTREAM, timeout=2.5, client=failing(httpx.ReadTimeout("read timed out"))
    )
    answer = through(proxy, lambda client: client.post("/v2/capture", json={"transaction_id": "t"}))
    assert answer.status_code == 504
    assert answer.json()["error"] == (
        f"capture-conformance proxy: the upstream did not answer within 2.5 s ({UPSTREAM})"
    )
    checks = [f.check for _, f in proxy.recorder.finish().findings()]
    assert "midtrans.transport" in checks


def test_unknown_paths_are_forwarded_and_noted_not_judged() -> None:
    proxy, out = proxy_to(create("midtrans").app, "midtrans")

    async def drive(client: httpx.AsyncClient) -> list[int]:
        codes = [(await client.get("/v3/nothing")).status_code for _ in range(2)]
        return [*codes, (await client.get("/_sim/state")).status_code]

    assert through(proxy, drive) == [404, 404, 200]
    report = proxy.recorder.finish()
    (case,) = report.results
    assert case.outcome is Outcome.SKIPPED
    assert case.exchanges == 3
    assert case.note == "forwarded, not judged: GET /v3/nothing (2), GET /_sim/state (1)"
    assert report.exit_code == 0
    assert out.getvalue().count("--   GET /v3/nothing -> 404: forwarded, not judged") == 2


# --- secrets and values ----------------------------------------------------------------


def test_a_violation_of_a_secret_field_hides_the_received_value() -> None:
    cvv = Violation("r", "'98x' does not match", pointer="/query/card_cvv", actual="98x")
    header = Violation("r", "bad", pointer="/headers/authorization", actual="Basic abc")
    plain = Violation("r", "bad", pointer="/gross_amount", actual=30000.5)
    assert redact_violation(cvv).actual == "<redacted>"
    assert "98x" not in redact_violation(cvv).message
    assert redact_violation(header).actual == "<redacted>"
    assert redact_violation(plain) == plain


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8001"),
        ("https://api.sandbox.midtrans.com", "https://api.sandbox.midtrans.com"),
        ("http://[::1]:9/prefix/?q=1", "http://[::1]:9/prefix"),
    ],
)
def test_upstream_label(given: str, expected: str) -> None:
    assert upstream_label(given) == expected


def test_a_fault_of_the_kit_is_a_finding_and_the_answer_still_goes_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy, _ = proxy_to(create("midtrans").app, "midtrans")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("validator bug")

    monkeypatch.setattr(proxy.validator, "validate_request", broken)
    answer = through(proxy, lambda client: client.post("/v2/capture", json={"transaction_id": "t"}))
    assert answer.status_code == 401  # the simulator's answer, not a 500 of the proxy
    (finding,) = [f for _, f in proxy.recorder.finish().findings()]
    assert finding.check == "proxy.internal-error"
    assert "RuntimeError('validator bug')" in finding.message
