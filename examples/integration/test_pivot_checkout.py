"""The Pivot checkout (sync and async httpx), gated by capture-conformance."""

import pytest
from checkout_pivot import AsyncPivotClient, PivotAPIError


def test_partial_capture(conformance_traffic, pivot, pivot_credentials):
    payment_id = conformance_traffic.authorize("pivot", 50000, **pivot_credentials)

    captured = pivot.capture(payment_id, 30000)

    assert captured["status"] == "PENDING"
    assert captured["amount"] == {"value": 30000, "currency": "IDR"}


@pytest.mark.anyio
async def test_capture_from_async_code(conformance_traffic, pivot_credentials):
    payment_id = conformance_traffic.authorize("pivot", 50000, **pivot_credentials)

    async with AsyncPivotClient(**pivot_credentials) as client:
        captured = await client.capture(payment_id, 50000, release=True)

    assert captured["status"] == "PENDING"


def test_an_unavailable_gateway_reaches_the_checkout(conformance_traffic, pivot, pivot_credentials):
    payment_id = conformance_traffic.authorize("pivot", 50000, **pivot_credentials)
    conformance_traffic.fail_next("pivot", 503)  # documented: service_unavailable

    with pytest.raises(PivotAPIError) as refused:
        pivot.capture(payment_id, 30000)

    assert (refused.value.status, refused.value.code) == (503, "service_unavailable")
