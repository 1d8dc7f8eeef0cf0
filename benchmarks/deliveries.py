"""Deliveries per second that ``capture-conformance receive`` validates over loopback,
and the time from capture to validated notification in ``capture-conformance run``.

Run: ``python benchmarks/deliveries.py [--deliveries N] [--senders N]``. It serves
the receiver the way the command does (uvicorn, one process), then POSTs signed
Midtrans notifications, half of them forged, from a few keep-alive clients at
once, and prints deliveries validated per second. It checks that every forged
one was found, so a fast but blind receiver cannot score.

Second figure: the suite of ``run`` against both embedded simulators, deliveries
required. For every accepted capture it times from sending the capture to the
receiver having validated its delivery (the Midtrans notification; for Pivot the
callback of the settled session, which comes when the capture settles: at the
end of the suite, when it moves the simulator clock, unless a scenario moved it
earlier). Median and max per provider.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance._constants import DEFAULT_EXAMPLES
from conformance.receiver import Inbox, ReceiverApp, simulator_target
from conformance.signatures import midtrans_signature
from conformance.simulators._serve import served
from conformance.suite import SuiteOptions, run_suite

KEY = "SB-Mid-server-test-benchmark-0001"


def body(index: int, forged: bool) -> dict[str, str]:
    order = f"order-bench-{index}"
    signature = midtrans_signature(order, "200", "10000.00", "forged" if forged else KEY)
    return {
        "transaction_time": "2026-12-04 10:00:00",
        "transaction_status": "capture",
        "transaction_id": f"00000000-0000-4000-8000-{index:012d}",
        "status_message": "midtrans payment notification",
        "status_code": "200",
        "signature_key": signature,
        "payment_type": "credit_card",
        "order_id": order,
        "merchant_id": "G000000001",
        "gross_amount": "10000.00",
        "fraud_status": "accept",
        "currency": "IDR",
    }


def one_round(deliveries: int, senders: int) -> float:
    inbox = Inbox("midtrans", server_key=KEY)
    with served(ReceiverApp(inbox)) as url:
        bodies = [body(i, forged=i % 2 == 1) for i in range(deliveries)]

        def send(share: list[dict[str, str]]) -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                for item in share:
                    client.post("/notify", json=item).raise_for_status()

        threads = [
            threading.Thread(target=send, args=(bodies[i::senders],)) for i in range(senders)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    forged_found = sum(
        any(v.rule == "midtrans.notification.signature" for v in d.violations) for d in inbox
    )
    if len(inbox) != deliveries or forged_found != deliveries // 2:
        raise SystemExit(f"received {len(inbox)}, forged found {forged_found} of {deliveries // 2}")
    return deliveries / elapsed


def run_latencies(provider: str, repeat: int) -> list[float]:
    """Capture to validated delivery (s) of every checked capture in *repeat* suites."""
    found: list[float] = []
    for seed in range(repeat):
        with simulator_target(provider) as target:
            report = run_suite(target, SuiteOptions(examples=DEFAULT_EXAMPLES, seed=seed))
            assert target.deliveries is not None
            found += target.deliveries.latencies  # type: ignore[attr-defined]
        if report.exit_code != 0:
            raise SystemExit(f"{provider}: run exited {report.exit_code}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rates = [one_round(args.deliveries, args.senders) for _ in range(args.repeat)]
    print(
        f"receive: {statistics.median(rates):,.0f} deliveries/s validated over loopback "
        f"(median of {args.repeat}; best {max(rates):,.0f}/s; {args.deliveries} deliveries, "
        f"half forged and all caught, {args.senders} keep-alive senders)"
    )
    for provider, what in (("midtrans", "notification"), ("pivot", "callback")):
        times = run_latencies(provider, args.repeat)
        print(
            f"run, {provider}: capture to validated {what} median "
            f"{statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.1f} ms "
            f"({len(times)} captures over {args.repeat} runs, in-process)"
        )


if __name__ == "__main__":
    main()
