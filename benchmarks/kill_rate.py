"""The mutation gallery's kill rate: how many deliberately broken simulators the suite catches.

Run: ``python benchmarks/kill_rate.py [--examples N] [--seed N] [--profile P]``.
Each quirk of conformance/simulators/quirks.py is switched on in turn; a quirk is
*killed* when the suite exits 1 and names the check the catalogue says detects it.
"""

from __future__ import annotations

import argparse
import time

from conformance.simulators import QUIRKS, create
from conformance.suite import SuiteOptions, Target, run_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--profile", choices=["documented", "observed"], default="observed")
    args = parser.parse_args()
    killed = 0
    start = time.perf_counter()
    for quirk in QUIRKS:
        sim = create(quirk.provider, quirk=quirk.name)
        with Target(quirk.provider, app=sim.app, profile=args.profile) as target:
            options = SuiteOptions(profile=args.profile, examples=args.examples, seed=args.seed)
            report = run_suite(target, options)
        expected = quirk.detected_by.removeprefix("scenario:")
        hit = report.exit_code == 1 and expected in report.checks_failed()
        killed += hit
        mark = "killed  " if hit else "SURVIVED"
        print(f"{mark} {quirk.provider:9} {quirk.name:32} by {expected}")
    total = len(QUIRKS)
    print(
        f"kill rate: {killed}/{total} = {killed / total:.0%} "
        f"({args.profile} profile, {time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    main()
