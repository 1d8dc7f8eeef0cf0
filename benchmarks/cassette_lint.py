"""``cassettes lint`` speed: interactions checked per second, file read included. Target: 5,000/s.

Run: ``python benchmarks/cassette_lint.py [--copies N] [--rounds N]``.

The cassette linted is N fresh recordings of both simulators' scenario catalogues
(each with its own ids, so no two status or session URLs repeat across copies),
written once as YAML and once as vcrpy's JSON. Each round reads and lints the
whole file from disk; the figure is the best round (the machine is shared).
``vcrpy loader`` forces the YAML through vcrpy's own PyYAML loader (what any
cassette with ``!!binary`` bodies takes) instead of the yaml-rs fast path.
Figures, not assertions: performance goals live here, not in the test suite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from unittest import mock

from conformance.cassettes import _format as cassette_format
from conformance.cassettes import lint, record
from conformance.cassettes._format import Cassette, dumps
from conformance.simulators import create

TARGET = 5_000


def build(copies: int) -> Cassette:
    items = []
    for _ in range(copies):
        for provider in ("midtrans", "pivot"):
            items += record(provider, app=create(provider).app).cassette.interactions
    return Cassette(items)


def rate(path: Path, rounds: int) -> float:
    best, total = float("inf"), 0
    for _ in range(rounds):
        cassette_format._url.cache_clear()  # every round starts cold
        started = time.perf_counter()
        result = lint([path])
        best = min(best, time.perf_counter() - started)
        total = result.total
        assert result.exit_code == 0, result.summary()
    return total / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cassette = build(args.copies)
    with tempfile.TemporaryDirectory() as folder:
        yaml_path, json_path = Path(folder, "big.yaml"), Path(folder, "big.json")
        yaml_path.write_text(dumps(cassette, str(yaml_path)))
        json_path.write_text(dumps(cassette, str(json_path)))
        print(f"{len(cassette)} interactions, {yaml_path.stat().st_size // 1024} KiB of YAML")
        for label, path, fast in (
            ("YAML (yaml-rs fast path)", yaml_path, True),
            ("YAML (vcrpy loader)", yaml_path, False),
            ("JSON (vcrpy serializer)", json_path, True),
        ):
            if fast:
                per_second = rate(path, args.rounds)
            else:
                with mock.patch.object(cassette_format, "fast_yaml", return_value=None):
                    per_second = rate(path, args.rounds)
            verdict = "meets" if per_second >= TARGET else "misses"
            print(f"{label:26} {per_second:8,.0f} interactions/s ({verdict} {TARGET:,}/s)")


if __name__ == "__main__":
    main()
