"""Validator speed: one capture request plus its response, against openapi-core and raw engines.

Run: ``python benchmarks/validator.py [--rounds N]``. Prints medians in microseconds.
Figures, not assertions: performance goals live here, not in the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import jsonschema
import jsonschema_rs
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from conformance import Validator, load_spec, specs_root
from conformance._schemas import CompiledSchemas

CASES: dict[str, dict[str, Any]] = {
    "midtrans": {
        "server": "https://api.sandbox.midtrans.com",
        "path": "/v2/capture",
        "request": {
            "transaction_id": "be4f3e44-d6ee-4355-8c64-c1d1dc7f4590",
            "gross_amount": 145000,
        },
    },
    "pivot": {
        "server": "https://api-stg.pivot-payment.com",
        "path": "/v2/payments/e03c2066-9e5b-454c-add6-c7c85b0b9d6b/capture",
        "request": {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": 12000}},
    },
}


def seed_response(provider: str) -> Any:
    spec = load_spec(provider)
    media = spec.openapi["paths"][next(p for p in spec.openapi["paths"] if p.endswith("/capture"))]
    content = media["post"]["responses"]["200"]["content"]["application/json"]["examples"]
    return next(iter(content.values()))["value"]


def median_us(func: Callable[[], object], rounds: int, inner: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            func()
        samples.append((time.perf_counter() - start) / inner * 1e6)
    return statistics.median(samples)


def bench(provider: str, case: dict[str, Any], rounds: int) -> None:
    request, response = case["request"], seed_response(provider)
    validator = Validator(provider)
    assert not validator.validate_request("capture", request)
    assert not validator.validate_response("capture", response, status=200)

    def kit() -> None:
        validator.validate_request("capture", request)
        validator.validate_response("capture", response, status=200)

    api = OpenAPI.from_file_path(str(specs_root().joinpath(provider, "openapi.yaml")))
    auth = {
        "midtrans": "Basic U0ItTWlkLXNlcnZlci1hYmMxMjNjZGU0NTY6",
        "pivot": "Bearer made-up-token",
    }[provider]
    req = MockRequest(
        case["server"],
        "post",
        case["path"],
        data=json.dumps(request),
        headers={"Authorization": auth},
        content_type="application/json",
    )
    resp = MockResponse(
        json.dumps(response).encode(), status_code=200, content_type="application/json"
    )

    def openapi_core() -> None:
        api.validate_request(req)
        api.validate_response(req, resp)

    compiled = CompiledSchemas(load_spec(provider), "documented")
    uri = load_spec(provider).operation("capture").response_schema(200)
    assert uri is not None
    raw_rs = jsonschema_rs.validator_for(
        {"$ref": uri}, registry=jsonschema_rs.Registry(list(compiled.contents.items()))
    )
    raw_py = jsonschema.Draft202012Validator({"$ref": uri}, registry=compiled.registry)

    kit_us = median_us(kit, rounds, 2000)
    rows = [
        ("kit: request + response (capture)", kit_us),
        ("openapi-core: request + response", median_us(openapi_core, rounds, 20)),
        (
            "jsonschema-rs raw: response only",
            median_us(lambda: raw_rs.is_valid(response), rounds, 5000),
        ),
        (
            "jsonschema (pure Python): response only",
            median_us(lambda: raw_py.is_valid(response), rounds, 200),
        ),
    ]
    for what, us in rows:
        print(f"{provider:9} {what:44} {us:10.2f} {us / kit_us:7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(f"{'provider':9} {'what':44} {'median µs':>10} {'vs kit':>8}")
    for provider, case in CASES.items():
        bench(provider, case, args.rounds)


if __name__ == "__main__":
    main()
