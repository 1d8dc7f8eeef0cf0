"""The shop's Midtrans notification handler, sent every kind of delivery."""

from conftest import SERVER_KEY
from webhook import Orders, make_handler


def test_the_handler_survives_every_delivery(conformance_deliveries):
    orders = Orders()

    conformance_deliveries.check(
        "midtrans", make_handler(SERVER_KEY, orders), server_key=SERVER_KEY, state=orders.status
    )
