"""The mutation gallery's kill rate: how many deliberately broken simulators the suite catches.

Run: ``python benchmarks/kill_rate.py [--examples N] [--seed N] [--profile P]``.
Each quirk of conformance/simulators/quirks.py is switched on in turn; a quirk is
*killed* when the suite exits 1 and names the check the catalogue says detects it
(a quirk a warning rule detects: when the run reports that warning, as the gallery
test requires).
Deliveries are checked as ``capture-conformance run`` checks them (required), so the
delivery quirks count; the kill rate is printed for all quirks and per kind.
"""

from __future__ import annotations

import argparse
import time

from conformance.receiver import simulator_target
from conformance.rules import all_rules
from conformance.simulators import QUIRKS
from conformance.suite import SuiteOptions, run_suite
from conformance.violations import Severity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--profile", choices=["documented", "observed"], default="observed")
    parser.add_argument("--delivery-timeout", type=float, default=0.5)
    args = parser.parse_args()
    warning = {r.id: r.severity is Severity.WARNING for r in all_rules()}
    killed: dict[str, int] = {}
    start = time.perf_counter()
    for quirk in QUIRKS:
        with simulator_target(
            quirk.provider, quirk=quirk.name, profile=args.profile, deliveries="require",
            delivery_timeout=args.delivery_timeout,
        ) as target:  # fmt: skip
            options = SuiteOptions(profile=args.profile, examples=args.examples, seed=args.seed)
            report = run_suite(target, options)
        expected = quirk.detected_by.removeprefix("scenario:")
        if warning.get(expected, False):  # a warning is reported; it does not fail the run
            hit = expected in {f.check for _, f in report.findings()}
        else:
            hit = report.exit_code == 1 and expected in report.checks_failed()
        killed[quirk.kind] = killed.get(quirk.kind, 0) + hit
        mark = "killed  " if hit else "SURVIVED"
        print(f"{mark} {quirk.provider:9} {quirk.kind:8} {quirk.name:32} by {expected}")
    total = len(QUIRKS)
    kinds = ", ".join(
        f"{kind} {killed.get(kind, 0)}/{sum(q.kind == kind for q in QUIRKS)}"
        for kind in sorted({q.kind for q in QUIRKS})
    )
    print(
        f"kill rate: {sum(killed.values())}/{total} = {sum(killed.values()) / total:.0%} "
        f"({kinds}; {args.profile} profile, deliveries required, "
        f"{time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    main()
