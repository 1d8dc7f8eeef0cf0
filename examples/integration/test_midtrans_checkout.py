"""The Midtrans checkout, gated by capture-conformance: its traffic is checked, no network used."""

import pytest
from checkout_midtrans import CaptureRefused, capture_payment
from midtransclient.error_midtrans import MidtransAPIError


def test_capture_of_an_integer_amount(conformance_traffic, core):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)

    captured = capture_payment(core, transaction_id, 30000)

    assert captured["transaction_status"] == "capture"
    assert captured["gross_amount"] == "30000.00"


def test_a_refused_capture_reaches_the_checkout(conformance_traffic, core):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)
    conformance_traffic.fail_next("midtrans", 412)  # the next capture answers 412

    with pytest.raises(CaptureRefused) as refused:
        capture_payment(core, transaction_id, 30000)

    # What reached the checkout is the client library's own error.
    assert isinstance(refused.value.__cause__, MidtransAPIError)
    assert refused.value.__cause__.http_status_code == 412
