"""Two integration bugs the plugin catches. Not collected by default (the name does not match
``test_*.py``); run ``pytest demo_failures.py`` to see both tests fail.
"""

from checkout_midtrans import capture_payment


def test_capture_of_a_float_amount(conformance_traffic, core):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)

    # A price computed as a float: midtransclient sends it as the decimal 30000.0.
    captured = capture_payment(core, transaction_id, 30000.0)

    assert captured["transaction_status"] == "capture"


def test_capture_of_an_amount_read_from_a_form(conformance_traffic, pivot, pivot_credentials):
    payment_id = conformance_traffic.authorize("pivot", 50000, **pivot_credentials)

    captured = pivot.capture(payment_id, "30000")  # a string, not a number

    assert captured["status"] == "PENDING"
