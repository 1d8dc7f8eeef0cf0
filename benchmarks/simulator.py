"""Requests per second one uvicorn worker serves over loopback, per simulator.

Run: ``python benchmarks/simulator.py [--seconds S] [--requests N] [--concurrency C]``.
The simulator runs in its own process (``capture-conformance serve ... --port 0``).
The load comes from ``wrk`` when it is installed (``apt-get install wrk``; bounded by
--seconds), else from httpx in this process (bounded by --requests; httpx's pool,
not the simulator, is then the limit above ~8 connections). Prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import re
import shutil
import subprocess
import sys
import time

import httpx

from conformance.suite._setup import MIDTRANS_CARD, PIVOT_CARD

SERVER_KEY = "SB-Mid-server-bench-made-up-key"
BASIC = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
Target = tuple[str, dict[str, str]]


def midtrans_target(client: httpx.Client) -> Target:
    """A status read of an authorized transaction."""
    token = client.get(
        "/v2/token", params={**MIDTRANS_CARD, "client_key": "SB-Mid-client-bench-made-up-key"}
    ).json()["token_id"]
    charge = client.post(
        "/v2/charge",
        headers={"Authorization": BASIC},
        json={
            "payment_type": "credit_card",
            "transaction_details": {"order_id": "bench-1", "gross_amount": 100000},
            "credit_card": {"token_id": token, "type": "authorize"},
        },
    ).json()
    return f"/v2/{charge['transaction_id']}/status", {"Authorization": BASIC}


def pivot_target(client: httpx.Client) -> Target:
    """A read of a manual-capture card payment session."""
    merchant = {"X-MERCHANT-ID": "bench", "X-MERCHANT-SECRET": "made-up"}
    token = client.post(
        "/v1/access-token", json={"grantType": "client_credentials"}, headers=merchant
    ).json()["data"]["accessToken"]
    bearer = {"Authorization": f"Bearer {token}"}
    card = PIVOT_CARD
    session = client.post(
        "/v2/payments",
        headers={**bearer, "X-REQUEST-ID": "bench0000000000001"},
        json={
            "clientReferenceId": "bench-1",
            "paymentType": "SINGLE",
            "mode": "API",
            "amount": {"value": 100000, "currency": "IDR"},
            "paymentMethod": {"type": "CARD", "card": card},
            "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
        },
    ).json()
    return f"/v2/payments/{session['data']['id']}", bearer


def with_wrk(url: str, target: Target, concurrency: int, seconds: int) -> float:
    path, headers = target
    args = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url + path], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw error answers:\n{out}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if found is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(found.group(1))


async def with_httpx(url: str, target: Target, total: int, concurrency: int) -> float:
    path, headers = target
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, response.text

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=None)
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None
    concurrency = args.concurrency or (32 if use_wrk else 8)
    for provider, make_target in (("midtrans", midtrans_target), ("pivot", pivot_target)):
        command = [sys.executable, "-m", "conformance", "serve", provider, "--port", "0"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
            try:
                assert proc.stdout is not None
                url = proc.stdout.readline().strip()
                with httpx.Client(base_url=url, timeout=30) as client:
                    target = make_target(client)
                if use_wrk:
                    rate = with_wrk(url, target, concurrency, args.seconds)
                    how = f"wrk, {args.seconds} s"
                else:
                    rate = asyncio.run(with_httpx(url, target, args.requests, concurrency))
                    how = f"httpx, {args.requests} requests"
                print(
                    f"{provider:9} status reads, {concurrency} connections ({how}): "
                    f"{rate:,.0f} requests/s (one uvicorn worker, loopback)"
                )
            finally:
                proc.terminate()


if __name__ == "__main__":
    main()
