"""The /_sim control API: what specs/simulator/openapi.yaml describes, on both simulators."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import referencing
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from conformance.simulators import CONTROL_PREFIX, Fault, create
from conformance.simulators._serve import served

DOC_PATH = Path(__file__).resolve().parent.parent / "specs" / "simulator" / "openapi.yaml"
DOC = yaml.safe_load(DOC_PATH.read_text())
REGISTRY: referencing.Registry[Any] = referencing.Registry().with_resource(
    "urn:control", referencing.jsonschema.DRAFT202012.create_resource(DOC)
)
BASIC = "Basic " + base64.b64encode(b"SB-Mid-server-control-made-up:").decode()


def response_schema(path: str, method: str, status: str = "200") -> dict[str, Any]:
    answer = DOC["paths"][path][method]["responses"][status]
    if "$ref" in answer:
        answer = DOC["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    # Local references point into the control document, registered as urn:control.
    return json.loads(json.dumps(schema).replace('"#/components/', '"urn:control#/components/'))


def assert_documented(path: str, method: str, response: httpx.Response) -> None:
    schema = response_schema(path, method, str(response.status_code))
    jsonschema.Draft202012Validator(schema, registry=REGISTRY).validate(response.json())


def test_the_control_document_is_valid_openapi() -> None:
    document, base_uri = read_from_filename(str(DOC_PATH))
    validate(document, base_uri=base_uri)


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_every_documented_route_is_served_and_no_other(provider) -> None:
    app = create(provider).app
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == CONTROL_PREFIX]
    served_routes = {
        (CONTROL_PREFIX + route.path, method.lower())
        for route in mount.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(path, method) for path, item in DOC["paths"].items() for method in item}
    assert served_routes == documented


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_control_answers_match_the_document(provider) -> None:
    client = TestClient(create(provider).app)
    assert_documented("/_sim/state", "get", client.get("/_sim/state"))
    assert_documented("/_sim/clock", "get", client.get("/_sim/clock"))
    assert_documented("/_sim/clock", "post", client.post("/_sim/clock", json={"advance": 60}))
    fault = {"kind": "error", "status": 503, "count": 2, "path": "/v2"}
    answer = client.post("/_sim/faults", json=fault)
    assert_documented("/_sim/faults", "post", answer)
    assert answer.json()["faults"][0]["count"] == 2
    assert_documented("/_sim/faults", "delete", client.delete("/_sim/faults"))
    quirk = client.get("/_sim/quirk").json()["available"][0]
    assert_documented("/_sim/quirk", "put", client.put("/_sim/quirk", json={"name": quirk}))
    assert client.get("/_sim/state").json()["quirk"] == quirk
    assert_documented("/_sim/reset", "post", client.post("/_sim/reset"))


@pytest.mark.parametrize(
    ("path", "method", "body", "message"),
    [
        ("/_sim/clock", "post", {"advance": -1}, "the clock only moves forward"),
        ("/_sim/faults", "post", {"kind": "explode"}, "unknown fault kind 'explode'"),
        ("/_sim/faults", "post", {"kind": "error", "count": 1, "rate": 0.5}, "not both"),
        ("/_sim/quirk", "put", {"name": "teleport"}, "unknown midtrans quirk 'teleport'"),
        ("/_sim/faults", "post", [1], "control body must be a JSON object"),
    ],
)
def test_control_errors_say_how_to_fix(path, method, body, message) -> None:
    client = TestClient(create("midtrans").app)
    answer = client.request(method.upper(), path, json=body)
    assert answer.status_code == 400
    assert_documented(path, method, answer)
    assert message in answer.json()["error"]


def test_the_clock_moves_only_forward_and_reset_rewinds_it() -> None:
    sim = create("pivot")
    before = sim.clock.now()
    sim.clock.advance(3600)
    assert (sim.clock.now() - before).total_seconds() >= 3600
    sim.reset()
    assert (sim.clock.now() - before).total_seconds() < 60


def test_fault_at_a_rate_is_seeded_and_repeatable() -> None:
    def pattern() -> list[bool]:
        sim = create("midtrans", seed=7)
        sim.faults.add(Fault("error", status=502, rate=0.5))
        return [sim.faults.take("/v2/capture") is not None for _ in range(40)]

    first = pattern()
    assert first == pattern()
    assert 5 < sum(first) < 35


def test_faults_never_touch_control_routes_and_match_by_path() -> None:
    client = TestClient(create("midtrans").app)
    client.post("/_sim/faults", json={"kind": "error", "status": 503, "path": "/v2/capture"})
    assert client.get("/_sim/state").status_code == 200
    assert client.get("/v2/x/status", headers={"Authorization": BASIC}).status_code == 404
    answer = client.post("/v2/capture", headers={"Authorization": BASIC}, json={})
    assert answer.status_code == 503
    assert answer.json()["status_code"] == "503"


def test_latency_non_json_truncate_and_disconnect_faults_over_http() -> None:
    sim = create("pivot")
    with served(sim.app) as url, httpx.Client(base_url=url, timeout=5) as client:
        sim.faults.add(Fault("latency", delay=0.3, count=1))
        answer = client.get("/v2/payments/not-a-uuid")
        assert answer.status_code == 401
        assert answer.elapsed.total_seconds() >= 0.3

        sim.faults.add(Fault("non-json", count=1))
        answer = client.get("/v2/payments/not-a-uuid")
        assert answer.status_code == 502
        assert answer.headers["content-type"].startswith("text/html")

        sim.faults.add(Fault("truncate", count=1))
        answer = client.get("/v2/payments/not-a-uuid")
        whole = client.get("/v2/payments/not-a-uuid")
        assert answer.status_code == whole.status_code == 401
        assert answer.content == whole.content[: len(whole.content) // 2]

        sim.faults.add(Fault("disconnect", count=1))
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/v2/payments/not-a-uuid")
        assert client.get("/v2/payments/not-a-uuid").status_code == 401


def _deliveries_client(provider: str) -> tuple[TestClient, str]:
    """A simulator delivering in-process to a merchant answering 500, and one subject id."""

    async def merchant(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sim = create(provider)
    sim.deliver_to(merchant)
    client = TestClient(sim.app)
    if provider == "midtrans":
        card = {"card_number": "4811111111111114", "card_exp_month": "12"}
        query = {**card, "card_exp_year": "2099", "card_cvv": "123"}
        token = client.get("/v2/token", params={**query, "client_key": "SB-Mid-client-x"})
        body = {
            "payment_type": "credit_card",
            "transaction_details": {"order_id": "control-1", "gross_amount": 1000},
            "credit_card": {"token_id": token.json()["token_id"], "type": "authorize"},
        }
        answer = client.post("/v2/charge", json=body, headers={"Authorization": BASIC})
        return client, str(answer.json()["transaction_id"])
    grant = {"grantType": "client_credentials"}
    login = client.post(
        "/v1/access-token", json=grant, headers={"X-MERCHANT-ID": "m", "X-MERCHANT-SECRET": "s"}
    )
    bearer = {"Authorization": f"Bearer {login.json()['data']['accessToken']}"}
    session = {
        "clientReferenceId": "control1",
        "amount": {"value": 1000, "currency": "IDR"},
        "paymentType": "SINGLE",
        "mode": "API",
        "paymentMethod": {"type": "CARD", "card": {"number": "4440000112200001"}},
        "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
    }
    answer = client.post(
        "/v2/payments", json=session, headers={**bearer, "X-REQUEST-ID": "control000000000001"}
    )
    return client, str(answer.json()["data"]["id"])


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_delivery_routes_answer_as_documented(provider) -> None:
    client, subject = _deliveries_client(provider)
    listed = client.get("/_sim/deliveries")
    assert_documented("/_sim/deliveries", "get", listed)
    (first,) = listed.json()["deliveries"]
    assert first["subject"] == subject
    assert first["status"] == "retrying"
    assert first["attempts"][0]["status_code"] == 500
    assert_documented("/_sim/deliveries/flush", "post", client.post("/_sim/deliveries/flush"))
    fired = client.post("/_sim/deliveries", json={"id": subject, "variant": "extra-fields"})
    assert_documented("/_sim/deliveries", "post", fired)
    assert fired.json()["deliveries"][0]["variant"] == "extra-fields"
    refused = client.post("/_sim/deliveries", json={"id": subject, "variant": "teleport"})
    assert_documented("/_sim/deliveries", "post", refused)
    assert refused.status_code == 400
    target = client.get("/_sim/deliveries/target")
    assert_documented("/_sim/deliveries/target", "get", target)
    assert target.json()["in_process"] is True
    cleared = client.put("/_sim/deliveries/target", json={"url": None})
    assert_documented("/_sim/deliveries/target", "put", cleared)
    assert cleared.json() == {"url": None, "in_process": False}
    client.post("/_sim/reset")
    assert client.get("/_sim/deliveries").json() == {"deliveries": []}


def test_the_documented_variants_are_the_served_ones() -> None:
    fire = DOC["components"]["schemas"]["Fire"]["properties"]["variant"]["enum"]
    served_variants = set(create("midtrans").delivery_variants)
    served_variants |= set(create("pivot").delivery_variants)
    assert set(fire) == served_variants
