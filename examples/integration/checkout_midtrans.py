"""A checkout's capture step, written against the official ``midtransclient`` 1.4.2, unmodified.

This is the code under test: nothing in it knows about capture-conformance.
"""

from __future__ import annotations

from typing import Any

import midtransclient
from midtransclient.error_midtrans import MidtransAPIError


class CaptureRefused(Exception):
    """Midtrans refused the capture (for example 412: the transaction cannot be captured)."""

    def __init__(self, status_code: str, message: str) -> None:
        super().__init__(f"capture refused: {status_code} {message}")
        self.status_code = status_code


def core_api(server_key: str, client_key: str) -> midtransclient.CoreApi:
    """The sandbox Core API client (``https://api.sandbox.midtrans.com``)."""
    return midtransclient.CoreApi(is_production=False, server_key=server_key, client_key=client_key)


def capture_payment(
    core: midtransclient.CoreApi, transaction_id: str, amount: Any
) -> dict[str, Any]:
    """Capture *amount* of an authorized card payment; Midtrans's refusals become CaptureRefused."""
    try:
        return core.capture({"transaction_id": transaction_id, "gross_amount": amount})
    except MidtransAPIError as exc:
        answer = exc.api_response_dict or {}
        if str(answer.get("status_code")) == "412":
            raise CaptureRefused("412", str(answer.get("status_message", ""))) from exc
        raise
