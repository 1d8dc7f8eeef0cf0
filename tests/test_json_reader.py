"""The one JSON reader, and what the validator now says about JSON, media type and state.

Every entry point that judges a body (the validator on httpx messages, raw bytes
or bare bodies, ``validate`` with a FILE, ``cassettes lint``, the proxy, the
suite's target) reads it through ``conformance._json``: nesting 100,000 deep,
``NaN`` and friends are a ``…json`` finding, never a ``RecursionError``; a
5000-digit number is judged by the schema; a repeated name is a warning naming
it. Answers with a body say ``Content-Type: application/json`` (a warning), and a
Midtrans capture that claims success reports the captured state.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance._json import MAX_DEPTH, BigNumber, JsonError, read
from conformance.cli import main
from conformance.validator import Validator
from conformance.violations import Severity

DEEP = b"[" * 100_000 + b"]" * 100_000
SUCCESS = {
    "status_code": "200",
    "status_message": "Success, Credit Card capture transaction is successful",
    "transaction_id": "ca297170-be4c-45ed-9dc9-be5ba99d30ee",
    "masked_card": "45111111-1117",
    "order_id": "testing-0.4555-1414741517",
    "payment_type": "credit_card",
    "transaction_time": "2014-10-31 14:46:44",
    "transaction_status": "capture",
    "fraud_status": "accept",
    "bank": "bni",
    "gross_amount": "30000.00",
}
SUCCESS_RAW = json.dumps(SUCCESS).encode()
FIVE_THOUSAND = b"1" * 5000
JSON_CT = {"Content-Type": "application/json"}
CAPTURE_URL = "https://api.sandbox.midtrans.com/v2/capture"


def answer(raw: bytes, content_type: str | None = "application/json") -> httpx.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return httpx.Response(200, content=raw, headers=headers)


def capture_request(raw: bytes) -> httpx.Request:
    headers = {**JSON_CT, "Accept": "application/json", "Authorization": "Basic U0I6"}
    return httpx.Request("POST", CAPTURE_URL, content=raw, headers=headers)


def rules(found: list[Any]) -> list[tuple[str, str]]:
    return [(v.rule, v.pointer) for v in found]


# --- the reader ----------------------------------------------------------------------------


def test_deep_nesting_is_refused_without_recursion() -> None:
    with pytest.raises(JsonError, match=f"nested deeper than {MAX_DEPTH} levels"):
        read(DEEP)
    just_too_deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    with pytest.raises(JsonError, match="nested deeper"):
        read(just_too_deep)
    assert read(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH).value is not None


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(JsonError, match=f"{constant} is not a JSON value"):
        read(f'{{"gross_amount": {constant}}}')


def test_a_number_too_large_for_a_float_is_kept_exactly_and_shown_short() -> None:
    value = read(b'{"a": ' + FIVE_THOUSAND + b', "b": 1e400, "c": 12}').value
    assert isinstance(value["a"], BigNumber)
    assert str(value["a"]) == FIVE_THOUSAND.decode()
    assert repr(value["a"]) == "111111111111…1111 (5000 digits)"
    assert isinstance(value["b"], BigNumber)
    assert repr(value["b"]) == "1E+400"
    assert type(value["c"]) is int


def test_repeated_names_are_pointed_at_and_the_last_value_kept() -> None:
    doc = read(b'{"a": 1, "a": 2, "x": [{"b/c": 1, "b/c": 2}], "y": {"k": 1}}')
    assert doc.value["a"] == 2
    assert sorted(doc.duplicates) == ["/a", "/x/0/b~1c"]


# --- the validator -------------------------------------------------------------------------


def test_a_deep_answer_is_a_response_json_finding() -> None:
    found = Validator("midtrans").validate_response("capture", answer(DEEP))
    assert rules(found) == [("midtrans.response.json", "")]
    assert "nested deeper than" in found[0].message


def test_a_deep_request_is_a_request_json_finding() -> None:
    found = Validator("pivot").validate_request(
        "capture",
        httpx.Request(
            "POST",
            "https://api-stg.pivot-payment.com/v2/payments/e03c2066-9e5b-454c-add6-c7c85b0b9d6b/capture",
            content=DEEP,
            headers={**JSON_CT, "Authorization": "Bearer t"},
        ),
    )
    assert rules(found) == [("pivot.request.json", "")]


def test_a_deep_bare_body_is_a_json_finding_too() -> None:
    body: Any = []
    for _ in range(MAX_DEPTH + 5):
        body = [body]
    assert rules(Validator("midtrans").validate_response("capture", body)) == [
        ("midtrans.response.json", "")
    ]


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_in_an_answer_is_a_json_violation(constant: bytes) -> None:
    raw = SUCCESS_RAW.replace(b'"30000.00"', constant)
    found = Validator("midtrans").validate_response("capture", answer(raw))
    assert rules(found) == [("midtrans.response.json", "")]
    assert found[0].severity is Severity.ERROR
    assert f"{constant.decode()} is not a JSON value" in found[0].message


def test_a_5000_digit_gross_amount_is_judged_by_the_schema() -> None:
    raw = SUCCESS_RAW.replace(b'"30000.00"', FIVE_THOUSAND)
    [found] = Validator("midtrans").validate_response("capture", answer(raw))
    assert (found.rule, found.pointer) == (
        "midtrans.capture-response.gross-amount",
        "/gross_amount",
    )
    assert found.expected == "string"
    assert "received 'integer'" in found.message
    assert isinstance(found.actual, BigNumber)
    assert str(found.actual) == FIVE_THOUSAND.decode()
    assert "Infinity" not in str(found)


def test_a_5000_digit_request_amount_fails_its_bounds() -> None:
    midtrans = b'{"transaction_id": "t-1", "gross_amount": ' + FIVE_THOUSAND + b"}"
    [found] = Validator("midtrans").validate_request("capture", capture_request(midtrans))
    assert (found.rule, found.expected) == (
        "midtrans.capture-request.gross-amount",
        "<= 9223372036854775807",
    )
    pivot = b'{"releaseRemainingAmount": false, "amount": {"value": -1e400, "currency": "IDR"}}'
    assert rules(Validator("pivot", profile="observed").validate_request("capture", pivot)) == [
        ("pivot.capture-request.amount.value", "/amount/value")
    ]


def test_a_repeated_name_is_a_warning_naming_it() -> None:
    raw = b'{"status_code": "412", ' + SUCCESS_RAW[1:]
    [found] = Validator("midtrans").validate_response("capture", answer(raw))
    assert (found.rule, found.pointer, found.severity) == (
        "midtrans.response.duplicate-key",
        "/status_code",
        Severity.WARNING,
    )
    assert "'status_code'" in found.message
    assert found.source is not None
    assert found.source.ref == "RFC 8259 §4"


# --- validate FILE -------------------------------------------------------------------------


def validate_file(tmp_path: Path, capsys: Any, content: bytes, *args: str) -> tuple[int, str]:
    path = tmp_path / "body.json"
    path.write_bytes(content)
    code = main(["validate", *args[:2], str(path), *args[2:]])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_validate_an_html_response_file_is_a_violation(tmp_path: Path, capsys: Any) -> None:
    html = b"<html><body>502 Bad Gateway</body></html>"
    code, out = validate_file(tmp_path, capsys, html, "midtrans", "response", "--status", "502")
    assert code == 1
    assert "[error] midtrans.response.json at /: response body is not JSON" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("content", "phase"),
    [(DEEP, "response"), (DEEP, "request"), (b'{"transaction_id": NaN}', "request")],
    ids=["deep-response", "deep-request", "nan-request"],
)
def test_validate_a_file_that_is_not_json_is_exit_1(
    tmp_path: Path, capsys: Any, content: bytes, phase: str
) -> None:
    code, out = validate_file(tmp_path, capsys, content, "midtrans", phase)
    assert code == 1
    assert f"midtrans.{phase}.json" in out
    assert "Traceback" not in out
    assert "RecursionError" not in out


def test_validate_json_output_of_a_big_number_stays_valid_json(tmp_path: Path, capsys: Any) -> None:
    raw = b'{"transaction_id": "t-1", "gross_amount": ' + FIVE_THOUSAND + b"}"
    code, out = validate_file(tmp_path, capsys, raw, "midtrans", "request", "--format", "json")
    assert code == 1
    [found] = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the output"))
    assert found["rule"] == "midtrans.capture-request.gross-amount"


# --- cassette lint -------------------------------------------------------------------------


def cassette(tmp_path: Path, response_body: bytes, content_type: str) -> Path:
    """A one-interaction cassette of a Midtrans capture, in the committed format."""
    request_body = json.dumps({"transaction_id": SUCCESS["transaction_id"]})
    path = tmp_path / "one.yaml"
    path.write_text(
        f"""interactions:
- request:
    body: {json.dumps(request_body)}
    headers:
      accept:
      - application/json
      authorization:
      - Basic c2NydWJiZWQtc2VydmVyLWtleTo=
      content-type:
      - application/json
    method: POST
    uri: {CAPTURE_URL}
  response:
    body:
      string: {json.dumps(response_body.decode())}
    headers:
      content-type:
      - {content_type}
    status:
      code: 200
      message: OK
version: 1
""",
        encoding="utf-8",
    )
    return path


def test_cassette_lint_reports_a_deep_body(tmp_path: Path, capsys: Any) -> None:
    code = main(["cassettes", "lint", str(cassette(tmp_path, DEEP, "application/json"))])
    out = capsys.readouterr()
    assert "[error] midtrans.response.json at /: response body is not JSON: nested deeper" in (
        out.out
    )
    assert "Traceback" not in out.err
    assert code == 1


def test_cassette_lint_reports_json_served_as_html(tmp_path: Path, capsys: Any) -> None:
    main(["cassettes", "lint", str(cassette(tmp_path, SUCCESS_RAW, "text/html"))])
    assert "[warning] midtrans.response.content-type at /headers/content-type" in (
        capsys.readouterr().out
    )


# --- Content-Type of an answer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "flagged"),
    [
        ("text/html", True),
        (None, True),
        ("application/problem+json", True),
        ("application/json", False),
        ("Application/JSON; charset=utf-8", False),
    ],
)
def test_an_answer_says_it_is_json(content_type: str | None, flagged: bool) -> None:
    found = Validator("midtrans").validate_response("capture", answer(SUCCESS_RAW, content_type))
    flag = [("midtrans.response.content-type", "/headers/content-type")]
    assert rules(found) == (flag if flagged else [])
    assert all(v.severity is Severity.WARNING for v in found)


def test_a_bare_body_has_no_content_type_to_judge() -> None:
    assert Validator("midtrans").validate_response("capture", SUCCESS) == []
    assert Validator("midtrans").validate_response("capture", SUCCESS_RAW) == []


async def _html_capture(request: Request) -> Response:
    return Response(SUCCESS_RAW, media_type="text/html")


HTML_UPSTREAM = Starlette(routes=[Route("/v2/capture", _html_capture, methods=["POST"])])


def test_the_proxy_reports_json_served_as_html() -> None:
    from conformance.proxy import ProxyApp

    upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=HTML_UPSTREAM))
    proxy = ProxyApp("midtrans", "https://upstream.invalid", client=upstream)

    async def drive() -> None:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            request = capture_request(json.dumps({"transaction_id": "t-1"}).encode())
            await client.post("/v2/capture", content=request.content, headers=request.headers)
        await upstream.aclose()

    asyncio.run(drive())
    checks = [f.check for _, f in proxy.recorder.finish().findings()]
    assert "midtrans.response.content-type" in checks


def test_the_suite_target_reports_json_served_as_html() -> None:
    from conformance.suite._target import Target

    with Target("midtrans", app=HTML_UPSTREAM) as target:
        request = target.client.build_request("POST", "/v2/capture", json={"transaction_id": "t-1"})
        exchange = target.send("capture", request)
    assert ("midtrans.response.content-type", "/headers/content-type") in rules(exchange.violations)


# --- a successful Midtrans capture shows the captured state --------------------------------


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [
        ({"transaction_status": "authorize"}, True),
        ({"transaction_status": "pending"}, True),
        ({"transaction_status": "settlement"}, False),
        ({"transaction_status": "deny", "fraud_status": "deny"}, False),
        ({"transaction_status": "authorize", "status_code": "412"}, False),
    ],
)
def test_a_successful_capture_reports_the_captured_state(
    changes: dict[str, str], flagged: bool
) -> None:
    body = {**SUCCESS, **changes}
    status = 412 if changes.get("status_code") == "412" else 200
    found = [
        v
        for v in Validator("midtrans").validate_response("capture", body, status=status)
        if v.rule == "midtrans.capture-response.captured-state"
    ]
    assert bool(found) is flagged
    if flagged:
        assert (found[0].pointer, found[0].expected, found[0].actual) == (
            "/transaction_status",
            ["capture", "settlement"],
            changes["transaction_status"],
        )
