"""The integration's own fixtures: clients configured as in production, with sandbox keys."""

from __future__ import annotations

from collections.abc import Iterator

import midtransclient
import pytest
from checkout_midtrans import core_api
from checkout_pivot import PivotClient

# Made-up sandbox credentials: the simulators behind conformance_traffic accept them.
SERVER_KEY = "SB-Mid-server-sample-integration"
CLIENT_KEY = "SB-Mid-client-sample-integration"
PIVOT_ID, PIVOT_SECRET = "sample-merchant", "sample-merchant-secret"


@pytest.fixture
def core() -> midtransclient.CoreApi:
    return core_api(SERVER_KEY, CLIENT_KEY)


@pytest.fixture
def pivot_credentials() -> dict[str, str]:
    return {"client_id": PIVOT_ID, "client_secret": PIVOT_SECRET}


@pytest.fixture
def pivot() -> Iterator[PivotClient]:
    client = PivotClient(PIVOT_ID, PIVOT_SECRET)
    yield client
    client.close()
