"""Checked cases per second: the kit's suite vs schemathesis, same document, same simulator.

Run: ``python benchmarks/suite_speed.py [--examples N] [--provider P]``.

* loopback: ``capture-conformance check`` and ``schemathesis run`` (the kit's own
  OpenAPI document, the committed schemathesis.toml) against the same simulator
  served by ``capture-conformance serve``, each a fresh process, with the same
  number of generated examples (``--examples`` / ``--max-examples``). A checked
  case is one request whose answer was judged. Each tool runs at its default
  concurrency: ``check --concurrency 3``, ``schemathesis run --workers 1`` (on
  this machine schemathesis is slower with ``--workers 3``: 88 against 107 cases/s).
  From the same examples the kit checks more cases (a stateful example is 25
  steps). Given more examples, so as to generate about as many cases, schemathesis
  gets slower, not faster: ``--schemathesis-examples 700`` gave 2,411 Pivot cases
  at 49/s against 80/s at 100. So the ratio at equal examples is the cautious one.
* in-process: the kit's suite against the simulator's ASGI app, no sockets; after a
  warm-up run, the median of three.
Targets: at least 5x schemathesis over loopback; at least 1,000 cases/s in-process.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from conformance.simulators import create
from conformance.suite import SuiteOptions, Target, run_suite

ROOT = Path(__file__).resolve().parent.parent


def served(provider: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", provider, "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def kit_loopback(provider: str, url: str, examples: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.json")
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "conformance", "check", provider, "--base-url", url,
             "--examples", str(examples), "--seed", "1", "--no-progress",
             "--report-json", str(report)],
            capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        data = json.loads(report.read_text())
    cases = sum(case["exchanges"] for run in data["runs"] for case in run["cases"])
    return cases, elapsed


def schemathesis_loopback(provider: str, url: str, examples: int) -> tuple[int, float]:
    if provider == "midtrans":
        key = base64.b64encode(b"SB-Mid-server-bench-made-up:").decode()
        headers = [f"Authorization: Basic {key}"]
    else:
        merchant = {"X-MERCHANT-ID": "bench", "X-MERCHANT-SECRET": "made-up"}
        answer = httpx.post(f"{url}/v1/access-token", headers=merchant,
                            json={"grantType": "client_credentials"})  # fmt: skip
        token = answer.json()["data"]["accessToken"]
        headers = [f"Authorization: Bearer {token}", *(f"{k}: {v}" for k, v in merchant.items())]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(ROOT / "schemathesis.toml"),
         "run", str(ROOT / "specs" / provider / "openapi.yaml"), "--url", url,
         "--max-examples", str(examples), "--seed", "1", "--workers", "1",
         *[arg for h in headers for arg in ("-H", h)]],
        # cwd: schemathesis keeps a cache of past failures where it runs; not in the repo.
        capture_output=True, text=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    found = re.search(r"(\d+) generated", done.stdout)
    if found is None:
        raise SystemExit(f"cannot read schemathesis's output:\n{done.stdout[-2000:]}")
    return int(found.group(1)), elapsed


def kit_in_process(provider: str, examples: int, repeat: int = 3) -> tuple[int, float]:
    """Steady state: one warm-up run (schema compilation, imports), then the median of runs."""
    with Target(provider, app=create(provider).app) as target:
        run_suite(target, SuiteOptions(examples=2, seed=0))
    runs = []
    for seed in range(1, repeat + 1):
        with Target(provider, app=create(provider).app) as target:
            start = time.perf_counter()
            report = run_suite(target, SuiteOptions(examples=examples, seed=seed))
            runs.append((report.exchanges / (time.perf_counter() - start), report.exchanges))
    rate, count = sorted(runs)[len(runs) // 2]
    return count, count / rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--provider", choices=["midtrans", "pivot"], action="append")
    parser.add_argument("--schemathesis-examples", type=int, metavar="N",
                        help="schemathesis's --max-examples (default: --examples)")  # fmt: skip
    args = parser.parse_args()
    for provider in args.provider or ["midtrans", "pivot"]:
        proc, url = served(provider)
        try:
            kit_n, kit_t = kit_loopback(provider, url, args.examples)
            st_examples = args.schemathesis_examples or args.examples
            st_n, st_t = schemathesis_loopback(provider, url, st_examples)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        ip_n, ip_t = kit_in_process(provider, args.examples)
        kit_rate, st_rate, ip_rate = kit_n / kit_t, st_n / st_t, ip_n / ip_t
        print(f"{provider}: kit check over loopback {kit_n} cases in {kit_t:.2f} s = "
              f"{kit_rate:,.0f}/s; schemathesis run {st_n} cases in {st_t:.2f} s = "
              f"{st_rate:,.0f}/s; ratio {kit_rate / st_rate:.1f}x (target >= 5x)")  # fmt: skip
        print(f"{provider}: kit in-process {ip_n} cases in {ip_t:.2f} s = {ip_rate:,.0f}/s "
              "(target >= 1,000/s)")  # fmt: skip


if __name__ == "__main__":
    main()
