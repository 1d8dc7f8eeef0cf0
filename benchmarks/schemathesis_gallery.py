"""The mutation gallery through schemathesis, with and without the kit's checks, and the suite.

Run: ``python benchmarks/schemathesis_gallery.py [--max-examples N] [--seed N] [--no-suite]``.

Each response quirk of conformance/simulators/quirks.py (delivery quirks bend
webhooks, which schemathesis never sees) is served in turn and judged three ways:

- ``st``: ``schemathesis run`` with the kit's OpenAPI document and
  ``schemathesis.toml`` (every default check on); caught when it exits non-zero;
- ``st+kit``: the same with ``SCHEMATHESIS_HOOKS=conformance.schemathesis``;
  caught when it exits non-zero, *named* when its output carries the rule the
  catalogue says detects the quirk;
- ``suite``: ``capture-conformance``'s own suite, as benchmarks/kill_rate.py judges it.

The conformant simulators are run first: a mode that fails them proves nothing.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conformance.simulators import QUIRKS, create
from conformance.simulators._serve import served
from conformance.suite import SuiteOptions, Target, run_suite

ROOT = Path(__file__).resolve().parent.parent
SERVER_KEY = "SB-Mid-server-benchmark-made-up"


def auth_headers(provider: str, url: str) -> list[str]:
    if provider == "midtrans":
        basic = base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
        return ["-H", f"Authorization: Basic {basic}"]
    merchant = {"X-MERCHANT-ID": "merchant-benchmark", "X-MERCHANT-SECRET": "made-up-secret"}
    answer = httpx.post(
        f"{url}/v1/access-token", headers=merchant, json={"grantType": "client_credentials"}
    )
    token = answer.json()["data"]["accessToken"]
    headers = [f"Authorization: Bearer {token}", *(f"{k}: {v}" for k, v in merchant.items())]
    return [arg for header in headers for arg in ("-H", header)]


def schemathesis(
    provider: str, quirk: str | None, *, kit: bool, examples: int, seed: int
) -> tuple[int, str]:
    """Exit code and output of one ``schemathesis run`` against a freshly served simulator."""
    env = {k: v for k, v in os.environ.items() if k != "SCHEMATHESIS_HOOKS"}
    if kit:
        env["SCHEMATHESIS_HOOKS"] = "conformance.schemathesis"
    with served(create(provider, quirk=quirk).app) as url:
        done = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli",
                "--config-file", str(ROOT / "schemathesis.toml"),
                "run", str(ROOT / "specs" / provider / "openapi.yaml"), "--url", url,
                *auth_headers(provider, url),
                "--max-examples", str(examples), "--seed", str(seed), "--workers", "1",
            ],
            capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def suite_kills(provider: str, quirk: str, detected_by: str, seed: int) -> bool:
    sim = create(provider, quirk=quirk)
    with Target(provider, app=sim.app, profile="observed") as target:
        report = run_suite(target, SuiteOptions(profile="observed", examples=5, seed=seed))
    return report.exit_code == 1 and detected_by.removeprefix("scenario:") in report.checks_failed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--no-suite", action="store_true", help="skip the kit's own suite")
    args = parser.parse_args()
    start = time.perf_counter()
    for provider in ("midtrans", "pivot"):
        for kit in (False, True):
            code, out = schemathesis(
                provider, None, kit=kit, examples=args.max_examples, seed=args.seed
            )
            if code != 0:
                sys.exit(f"{provider} conformant simulator fails st{'+kit' * kit}:\n{out[-3000:]}")
    gallery = [q for q in QUIRKS if q.kind == "response"]
    counts = {"st": 0, "st+kit": 0, "named": 0, "suite": 0}
    print(f"{'':9} {'quirk':34} {'st':8} {'st+kit':8} {'named':6} suite")
    for quirk in gallery:
        plain, _ = schemathesis(
            quirk.provider, quirk.name, kit=False, examples=args.max_examples, seed=args.seed
        )
        code, out = schemathesis(
            quirk.provider, quirk.name, kit=True, examples=args.max_examples, seed=args.seed
        )
        named = code != 0 and quirk.detected_by in out
        suite = (
            None if args.no_suite else suite_kills(quirk.provider, quirk.name, quirk.detected_by, 7)
        )
        row = {"st": plain != 0, "st+kit": code != 0, "named": named, "suite": bool(suite)}
        for key, hit in row.items():
            counts[key] += hit
        marks = ["caught" if row[k] else "-" for k in ("st", "st+kit", "named")]
        suite_mark = "?" if suite is None else "killed" if suite else "SURVIVED"
        print(f"{quirk.provider:9} {quirk.name:34}", *(f"{m:8}" for m in marks), suite_mark)
    total = len(gallery)
    print(
        f"{total} response quirks: schemathesis alone caught {counts['st']}, with the kit's "
        f"checks {counts['st+kit']} ({counts['named']} naming the catalogue's rule); "
        + ("" if args.no_suite else f"the kit's suite killed {counts['suite']}; ")
        + f"--max-examples {args.max_examples}, {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
