"""A checkout's capture step against Pivot Payment, with a small httpx client (sync and async).

This is the code under test: nothing in it knows about capture-conformance.
"""

from __future__ import annotations

from typing import Any

import httpx

SANDBOX = "https://api-stg.pivot-payment.com"


class PivotAPIError(Exception):
    """Pivot answered with an error envelope: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"Pivot answered {status} {code}: {message}")
        self.status = status
        self.code = code


def _token_request(client_id: str, client_secret: str) -> httpx.Request:
    return httpx.Request(
        "POST",
        f"{SANDBOX}/v1/access-token",
        json={"grantType": "client_credentials"},
        headers={"X-MERCHANT-ID": client_id, "X-MERCHANT-SECRET": client_secret},
    )


def _capture_request(token: str, payment_id: str, amount: Any, release: bool) -> httpx.Request:
    return httpx.Request(
        "POST",
        f"{SANDBOX}/v2/payments/{payment_id}/capture",
        json={"amount": {"value": amount, "currency": "IDR"}, "releaseRemainingAmount": release},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


def _data(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if response.is_error:
        raise PivotAPIError(response.status_code, body.get("code", ""), body.get("message", ""))
    data: dict[str, Any] = body["data"]
    return data


class PivotClient:
    """Captures through Pivot's sandbox with ``httpx.Client``."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._credentials = (client_id, client_secret)
        self._http = httpx.Client(timeout=10)

    def capture(self, payment_id: str, amount: Any, *, release: bool = False) -> dict[str, Any]:
        token = _data(self._http.send(_token_request(*self._credentials)))["accessToken"]
        return _data(self._http.send(_capture_request(token, payment_id, amount, release)))

    def close(self) -> None:
        self._http.close()


class AsyncPivotClient:
    """The same, with ``httpx.AsyncClient``."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._credentials = (client_id, client_secret)
        self._http = httpx.AsyncClient(timeout=10)

    async def capture(
        self, payment_id: str, amount: Any, *, release: bool = False
    ) -> dict[str, Any]:
        token = _data(await self._http.send(_token_request(*self._credentials)))["accessToken"]
        return _data(await self._http.send(_capture_request(token, payment_id, amount, release)))

    async def __aenter__(self) -> AsyncPivotClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()
