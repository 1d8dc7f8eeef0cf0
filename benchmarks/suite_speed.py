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
* in-process: the kit's suite against the simulator's ASGI app, no sockets, after a
  warm-up run.

Each is run ``--repeat`` times (3), the two loopback tools alternately, and both the
best and the median rate are printed. This machine is shared: its speed swings by
up to 2x from one minute to the next, for every tool alike. The best of several
runs is the usual lower bound on what the code itself costs (``timeit`` reports it
for the same reason); the median shows the weather.
Targets: at least 5x schemathesis over loopback; at least 1,000 cases/s in-process.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
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


def kit_in_process(provider: str, examples: int, seed: int) -> tuple[int, float]:
    with Target(provider, app=create(provider).app) as target:
        start = time.perf_counter()
        report = run_suite(target, SuiteOptions(examples=examples, seed=seed))
        return report.exchanges, time.perf_counter() - start


def warm_up(provider: str) -> None:
    """Schema compilation and imports, once, before the in-process runs are timed."""
    with Target(provider, app=create(provider).app) as target:
        run_suite(target, SuiteOptions(examples=2, seed=0))


def rates(runs: list[tuple[int, float]]) -> tuple[float, float]:
    """The best and the median rate of *runs* (cases, seconds)."""
    ordered = sorted(n / t for n, t in runs)
    return ordered[-1], statistics.median(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--provider", choices=["midtrans", "pivot"], action="append")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool (default 3)")
    parser.add_argument("--schemathesis-examples", type=int, metavar="N",
                        help="schemathesis's --max-examples (default: --examples)")  # fmt: skip
    args = parser.parse_args()
    for provider in args.provider or ["midtrans", "pivot"]:
        kit: list[tuple[int, float]] = []
        st: list[tuple[int, float]] = []
        proc, url = served(provider)
        try:
            for _ in range(args.repeat):  # alternated, so both tools meet the same weather
                kit.append(kit_loopback(provider, url, args.examples))
                st_examples = args.schemathesis_examples or args.examples
                st.append(schemathesis_loopback(provider, url, st_examples))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        warm_up(provider)
        ip = [kit_in_process(provider, args.examples, seed) for seed in range(1, args.repeat + 1)]
        (kit_best, kit_median), (st_best, st_median) = rates(kit), rates(st)
        ip_best, ip_median = rates(ip)
        print(f"{provider}: kit check over loopback {kit[0][0]} cases: best {kit_best:,.0f}/s, "
              f"median {kit_median:,.0f}/s; schemathesis run {st[0][0]} cases: best "
              f"{st_best:,.0f}/s, median {st_median:,.0f}/s; ratio {kit_best / st_best:.1f}x "
              f"best to best, {kit_median / st_median:.1f}x median to median "
              "(target >= 5x)")  # fmt: skip
        print(f"{provider}: kit in-process {ip[0][0]} cases: best {ip_best:,.0f}/s, median "
              f"{ip_median:,.0f}/s (target >= 1,000/s)")  # fmt: skip


if __name__ == "__main__":
    main()
