"""Wall time of ``capture-conformance run`` (the main job) at default settings.

Run: ``python benchmarks/run_time.py [--repeat N]``. The target is under 10 s on
the 2-core machine. Each repetition is a fresh process, as a user runs it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times = []
    for i in range(args.repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--no-progress", "--seed", str(i)],
            capture_output=True, text=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"run exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr}")
    print(
        f"capture-conformance run: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s over {args.repeat} runs (target < 10 s)"
    )


if __name__ == "__main__":
    main()
