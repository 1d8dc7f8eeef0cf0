"""Requests per second one uvicorn worker serves over loopback, per simulator.

Run: ``python benchmarks/simulator.py [--requests N] [--concurrency C]``.
The simulator runs in its own process (``capture-conformance serve ... --port 0``);
the load comes from this one, with httpx. Bounded in count; prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

SERVER_KEY = "SB-Mid-server-bench-made-up-key"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
CARD = {
    "card_number": "4811111111111114",
    "card_exp_month": "12",
    "card_exp_year": "2039",
    "card_cvv": "123",
    "client_key": "SB-Mid-client-bench-made-up-key",
}


def midtrans_setup(client: httpx.Client) -> Callable[[httpx.AsyncClient], object]:
    token = client.get("/v2/token", params=CARD).json()["token_id"]
    charge = client.post(
        "/v2/charge",
        headers={"Authorization": BASIC},
        json={
            "payment_type": "credit_card",
            "transaction_details": {"order_id": "bench-1", "gross_amount": 100000},
            "credit_card": {"token_id": token, "type": "authorize"},
        },
    ).json()
    path = f"/v2/{charge['transaction_id']}/status"
    return lambda c: c.get(path, headers={"Authorization": BASIC})


def pivot_setup(client: httpx.Client) -> Callable[[httpx.AsyncClient], object]:
    token = client.post(
        "/v1/access-token",
        json={"grantType": "client_credentials"},
        headers={"X-MERCHANT-ID": "bench", "X-MERCHANT-SECRET": "made-up"},
    ).json()
    bearer = {"Authorization": f"Bearer {token['data']['accessToken']}"}
    session = client.post(
        "/v2/payments",
        headers={**bearer, "X-REQUEST-ID": "bench0000000000001"},
        json={
            "clientReferenceId": "bench-1",
            "paymentType": "SINGLE",
            "mode": "API",
            "amount": {"value": 100000, "currency": "IDR"},
            "paymentMethod": {
                "type": "CARD",
                "card": {
                    "number": "4440000112200001",
                    "expMonth": 12,
                    "expYear": 2039,
                    "cvc": "123",
                },
            },
            "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
        },
    ).json()
    path = f"/v2/payments/{session['data']['id']}"
    return lambda c: c.get(path, headers=bearer)


async def load(
    url: str, call: Callable[[httpx.AsyncClient], object], total: int, concurrency: int
) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await call(client)  # type: ignore[misc]
                assert response.status_code == 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    for provider, setup in (("midtrans", midtrans_setup), ("pivot", pivot_setup)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "serve", provider, "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            with httpx.Client(base_url=url, timeout=30) as client:
                call = setup(client)
            rate = asyncio.run(load(url, call, args.requests, args.concurrency))
            print(
                f"{provider:9} {args.requests} status reads, {args.concurrency} concurrent: "
                f"{rate:,.0f} requests/s (one uvicorn worker, loopback)"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
