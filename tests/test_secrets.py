"""One table of secret names: what the reports redact is what recordings scrub."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance._secrets import KEPT_IN_RECORDINGS, SECRET_FIELDS, SECRET_HEADERS
from conformance.cassettes._format import Interaction
from conformance.cassettes._scrub import Scrubber
from conformance.reports._redact import REDACTED, names_a_secret, redact_headers, redact_json

# A value every kind's scrubbing rewrites: card-number shaped, all digits.
VALUE = "4811111111111114"


@pytest.mark.parametrize("name", sorted(SECRET_FIELDS))
def test_every_secret_field_is_redacted_and_scrubbed(name: str) -> None:
    assert redact_json({"outer": [{name: VALUE, "gross_amount": 1}]}) == {
        "outer": [{name: REDACTED, "gross_amount": 1}]
    }
    assert names_a_secret(f"/credit_card/{name}")
    request = httpx.Request("POST", "https://api.sandbox.midtrans.com/v2/charge",
                            json={name: VALUE})  # fmt: skip
    item = Interaction.from_httpx(request, httpx.Response(200, json={}), scenario="x")
    [scrubbed] = Scrubber({}).scrub([item])
    recorded = json.loads(scrubbed.request_body())[name]
    if SECRET_FIELDS[name] in KEPT_IN_RECORDINGS:
        assert recorded == VALUE
    else:
        assert recorded != VALUE, f"{name} ({SECRET_FIELDS[name]}) left in the recording"


@pytest.mark.parametrize("name", sorted(SECRET_HEADERS))
def test_every_secret_header_is_redacted_and_scrubbed(name: str) -> None:
    value = "Bearer made-up-token-abcdef" if SECRET_HEADERS[name] == "authorization" else VALUE
    assert redact_headers({name.title(): value, "Accept": "*/*"}) == {
        name.title(): REDACTED,
        "Accept": "*/*",
    }
    request = httpx.Request("GET", "https://api.sandbox.midtrans.com/v2/x/status",
                            headers={name: value})  # fmt: skip
    item = Interaction.from_httpx(request, httpx.Response(200, json={}), scenario="x")
    [scrubbed] = Scrubber({}).scrub([item])
    recorded = repr(dict(scrubbed.request.headers))
    assert VALUE not in recorded
    assert "made-up-token-abcdef" not in recorded
