"""``capture-conformance record``: the catalogue recorded, tagged, scrubbed, and refused when leaky.

Credentials here are made up; the simulators accept any sandbox-shaped key.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.cassettes import load_cassette, record
from conformance.cassettes._format import Cassette, Interaction, dumps
from conformance.cassettes._scrub import Scrubber
from conformance.cli import main
from conformance.errors import InputError, UsageError
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import Credentials
from conformance.suite._scenario_catalogue import load_catalogue

SERVER_KEY = "SB-Mid-server-made-up-recording-key"
CLIENT_KEY = "SB-Mid-client-made-up-recording-key"
CLIENT_ID = "pivot-made-up-merchant-id"
CLIENT_SECRET = "pivot-made-up-merchant-secret"
CREDENTIALS = Credentials.resolve(
    server_key=SERVER_KEY, client_key=CLIENT_KEY, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
    env={},
)  # fmt: skip
SECRETS = (SERVER_KEY, CLIENT_KEY, CLIENT_ID, CLIENT_SECRET)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def recordings() -> dict[str, Any]:
    return {p: record(p, app=create(p).app, credentials=CREDENTIALS) for p in ("midtrans", "pivot")}


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_every_scenario_is_recorded_with_its_setup_calls(recordings, provider) -> None:
    cassette = recordings[provider].cassette
    tags = [i.scenario for i in cassette]
    assert tags[0] == "preflight"
    expected = {s.id for s in load_catalogue(provider)}
    assert set(tags) - {"preflight"} == expected
    setup = {"midtrans": "/v2/charge", "pivot": "/v2/payments"}[provider]
    first = [i for i in cassette if i.scenario == f"{provider}.full-capture"]
    assert setup in [i.path for i in first], "the authorization made for the scenario is recorded"


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_no_credential_survives_in_any_form(recordings, provider) -> None:
    text = recordings[provider].text
    for secret in SECRETS:
        for form in (secret, _b64(secret + ":").rstrip("="), _b64(secret).rstrip("=")):
            assert form not in text, (secret, form)
    assert "4811 1111" not in text
    assert "4811+1111" not in text
    assert "4440000112200001" not in text


def test_midtrans_placeholders_are_stable_and_keep_the_request_shape(recordings) -> None:
    cassette = recordings["midtrans"].cassette
    token = next(i for i in cassette if i.path == "/v2/token")
    assert "client_key=scrubbed-client-key" in token.uri
    assert "card_number=0000+0000+0000+0000" in token.uri
    assert "card_cvv=000" in token.uri
    sent = {i.request.headers.get("authorization") for i in cassette if i.path == "/v2/capture"}
    assert "Basic " + _b64("scrubbed-server-key:") in sent
    # The scenarios that send other (wrong) keys get placeholders of their own.
    basic = [v.split(" ", 1)[1] for v in sent if v and v.startswith("Basic ")]
    users = {base64.b64decode(v).decode().split(":")[0] for v in basic}
    assert len(users) > 1, users
    assert all(u.startswith("scrubbed-server-key") for u in users), users
    # The token answer's token_id and the charge that uses it carry the same placeholder.
    charges = [i for i in cassette if i.path == "/v2/charge"]
    tokens = [json.loads(i.response_body())["token_id"] for i in cassette if i.path == "/v2/token"]
    used = [json.loads(i.request_body())["credit_card"]["token_id"] for i in charges]
    assert used
    assert set(used) <= set(tokens)
    assert all(t.startswith("scrubbed-token-id") for t in tokens)


def test_pivot_access_token_is_scrubbed_where_issued_and_where_used(recordings) -> None:
    cassette = recordings["pivot"].cassette
    issued = next(i for i in cassette if i.path == "/v1/access-token")
    assert issued.request.headers["X-MERCHANT-ID"] == "scrubbed-client-id"
    assert issued.request.headers["X-MERCHANT-SECRET"] == "scrubbed-client-secret"
    token = json.loads(issued.response_body())["data"]["accessToken"]
    assert token == "scrubbed-access-token"
    bearers = {i.request.headers.get("authorization") for i in cassette if "/v2/" in i.path}
    assert "Bearer scrubbed-access-token" in bearers


def _interaction(headers: dict[str, str], body: bytes, uri: str, answer: bytes) -> Interaction:
    request = httpx.Request("POST", uri, headers=headers, content=body)
    response = httpx.Response(
        200, headers={"Content-Type": "application/json; charset=utf-8"}, content=answer
    )
    return Interaction.from_httpx(request, response, scenario="x")


def test_json_bodies_are_scrubbed_whatever_the_content_type_parameters() -> None:
    body = json.dumps(
        {"credit_card": {"token_id": "tok-123456789", "card_cvv": "123"}, "server_key": SERVER_KEY}
    ).encode()
    answer = json.dumps({"data": {"accessToken": "live-token-abcdefgh", "echo": SERVER_KEY}})
    item = _interaction(
        {"Content-Type": "application/json; charset=utf-8",
         "Authorization": "Bearer live-token-abcdefgh"},
        body, f"https://api.sandbox.midtrans.com/v2/charge?server_key={SERVER_KEY}&x=1",
        answer.encode(),
    )  # fmt: skip
    [scrubbed] = Scrubber({"server-key": SERVER_KEY}).scrub([item])
    sent = json.loads(scrubbed.request_body())
    assert sent == {
        "credit_card": {"token_id": "scrubbed-token-id", "card_cvv": "000"},
        "server_key": "scrubbed-server-key",
    }
    assert json.loads(scrubbed.response_body()) == {
        "data": {"accessToken": "scrubbed-access-token", "echo": "scrubbed-server-key"}
    }
    assert scrubbed.request.headers["Authorization"] == "Bearer scrubbed-access-token"
    assert scrubbed.uri.endswith("server_key=scrubbed-server-key&x=1")
    assert scrubbed.request.headers["Content-Length"] == str(len(scrubbed.request_body()))


def test_refuses_a_cassette_in_which_a_given_secret_survives() -> None:
    # A plain base64 of the key in a header is no form the scrubber rewrites.
    item = _interaction(
        {"X-Debug": _b64(SERVER_KEY)}, b"", "https://api.sandbox.midtrans.com/", b"{}"
    )
    scrubber = Scrubber({"server-key": SERVER_KEY})
    [scrubbed] = scrubber.scrub([item])
    assert scrubber.leak(dumps(Cassette([scrubbed]))) == "the server-key (base64)"


def _leaky(app: ASGIApp, key: str) -> ASGIApp:
    """*app*, with every answer carrying the server key base64-encoded in a header."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_more(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-debug-key", _b64(key).encode())]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_more)

    return wrapped


def test_cli_refuses_to_write_a_leaky_recording(tmp_path: Path, capsys) -> None:
    out = tmp_path / "leaky.yaml"
    with served(_leaky(create("midtrans").app, SERVER_KEY)) as url:
        code = main(["record", "midtrans", "--base-url", url, "--out", str(out),
                     "--server-key", SERVER_KEY, "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "refusing to write" in err
    assert "server-key (base64)" in err
    assert SERVER_KEY not in err
    assert not out.exists()


def test_cli_records_a_served_simulator(tmp_path: Path, capsys) -> None:
    out = tmp_path / "deep" / "pivot.yaml"
    with served(create("pivot").app) as url:
        code = main(["record", "pivot", "--base-url", url, "--out", str(out),
                     "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                     "--no-progress"])  # fmt: skip
    assert code == 0
    assert f"to {out}" in capsys.readouterr().out
    cassette = load_cassette(out)
    assert cassette.interactions[0].uri.startswith(url)
    text = out.read_text()
    assert CLIENT_ID not in text
    assert CLIENT_SECRET not in text


def test_production_guard_applies(tmp_path: Path, capsys) -> None:
    out = tmp_path / "prod.yaml"
    code = main(["record", "pivot", "--base-url", "https://api.pivot-payment.com",
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "production host" in err
    assert err.count("\n") == 1
    assert not out.exists()
    with pytest.raises(UsageError, match="production host"):
        record("midtrans", base_url="https://api.midtrans.com.")


def test_record_needs_exactly_one_target(tmp_path: Path, capsys) -> None:
    assert main(["record", "pivot", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "--base-url URL or --simulator" in capsys.readouterr().err


def test_an_unreachable_target_is_one_line(tmp_path: Path, capsys) -> None:
    code = main(["record", "midtrans", "--base-url", "http://127.0.0.1:9", "--out",
                 str(tmp_path / "x.yaml"), "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot reach http://127.0.0.1:9" in err
    assert err.count("\n") == 1


def test_an_unwritable_output_is_one_line(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(["record", "pivot", "--simulator", "--out", str(blocker / "x.yaml"),
                 "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    # Refused before the run (``--out`` is checked first) or when writing: one line either way.
    assert "cannot be written" in err or "cannot write cassette" in err


def test_scrubbing_is_an_input_error_when_leaky_through_the_api() -> None:
    with pytest.raises(InputError, match="refusing to write"):
        record("midtrans", app=_leaky(create("midtrans").app, SERVER_KEY), credentials=CREDENTIALS)
