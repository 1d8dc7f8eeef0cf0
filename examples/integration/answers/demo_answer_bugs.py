"""Two answer bugs the kit catches. Not collected by default (the name does not match
``test_*.py``); run ``pytest answers/demo_answer_bugs.py`` to see both tests fail.
"""

import midtrans_http
import pytest
from conftest import SERVER_KEY
from webhook import Orders, make_handler


@pytest.mark.conformance_answers("midtrans", operation="capture", only=["capture-412-http-200"])
def test_a_client_that_trusts_the_http_status(conformance_traffic, conformance_answer):
    transaction_id = conformance_traffic.authorize("midtrans", 30000)

    verdict = midtrans_http.capture_trusting_http_status(SERVER_KEY, transaction_id, 30000)

    conformance_answer.expect(verdict)


def test_a_handler_that_skips_the_signature_check(conformance_deliveries):
    orders = Orders()
    handler = make_handler(SERVER_KEY, orders, verify=False)

    conformance_deliveries.check("midtrans", handler, server_key=SERVER_KEY, state=orders.status)
