"""Proving the checks work: every quirk of the simulators is caught, naming the right check.

The gallery is the quirk catalogue (conformance/simulators/quirks.py): each entry
switches on one deliberate non-conformance and names the rule or scenario that
must detect it. The conformant simulators, meanwhile, must pass in every mode.
Every run checks deliveries as ``capture-conformance run`` does (required: the
simulators deliver in-process to the kit's receiver), so the delivery quirks
(wrong signature, a number where the signed string belongs, a missing key, a
status that contradicts the capture, no delivery at all) are in the gallery too.
"""

from __future__ import annotations

import pytest

from conformance.receiver import simulator_target
from conformance.rules import all_rules
from conformance.simulators import QUIRKS
from conformance.suite import SuiteOptions, run_suite
from conformance.violations import Severity

SEED = 20261121
#: Quirks whose detection rests on observed behaviour only (documented profile is silent).
OBSERVED_ONLY = {
    ("pivot", "decimal-idr-accepted"),
    # A path id that is not a UUID names no session: the docs allow 404 for it too.
    ("pivot", "non-uuid-id-404"),
    # The seed documents the capture id as a String; only the observed profile wants a UUID.
    ("pivot", "capture-id-not-uuid"),
}


#: In-process deliveries are made before the capture answer returns; this bound only
#: matters for a delivery that never comes.
DELIVERY_TIMEOUT = 0.2


def run(provider: str, profile: str, **options: object):
    with simulator_target(
        provider, deliveries="require", delivery_timeout=DELIVERY_TIMEOUT, profile=profile,
        **options,
    ) as target:  # fmt: skip
        return run_suite(target, SuiteOptions(profile=profile, examples=5, seed=SEED))


def test_the_gallery_is_large_enough() -> None:
    assert len(QUIRKS) >= 30
    assert {q.provider for q in QUIRKS} == {"midtrans", "pivot"}
    python_rules = {
        r.id for r in all_rules() if not r.id.endswith((".json", ".undocumented-status"))
    }
    named = {q.detected_by for q in QUIRKS}
    assert (
        python_rules
        - named
        - {
            "midtrans.request.authorization",
            "midtrans.request.content-type",
            "midtrans.request.accept",
            "midtrans.gross-amount.decimal-literal",
            "pivot.request.authorization",
            "pivot.request.merchant-credentials",
            "pivot.request.content-type",
            "pivot.capture-request.idr-decimal",
            # The simulators always POST their deliveries: no quirk sends another method.
            "midtrans.notification.method",
            "pivot.notification.method",
            # Repeated names in what a client sends, and in a delivery's JSON text: the
            # reader's own tests cover them (tests/test_json_reader.py).
            "midtrans.request.duplicate-key",
            "pivot.request.duplicate-key",
            "midtrans.notification.duplicate-key",
            "pivot.notification.duplicate-key",
        }
        == set()
    )  # request-side rules judge clients, not servers: the plugin's tests cover them


@pytest.mark.parametrize(
    ("provider", "options"),
    [
        ("midtrans", {}),
        ("midtrans", {"http_status": "always-200"}),
        ("pivot", {}),
        ("pivot", {"settle": "immediate"}),
    ],
    ids=["midtrans-mirror", "midtrans-always-200", "pivot-delayed", "pivot-immediate"],
)
@pytest.mark.parametrize("profile", ["documented", "observed"])
def test_conformant_simulators_pass(provider, options, profile) -> None:
    report = run(provider, profile, **options)
    details = [f"{f.check}: {f.message}" for _, f in report.findings()]
    assert report.exit_code == 0, details
    assert report.results, "no case ran"
    assert report.deliveries > 0, "the deliveries were not checked"


GALLERY = list(QUIRKS)
WARNING_RULES = {r.id: r.severity is Severity.WARNING for r in all_rules()}


@pytest.mark.parametrize("quirk", GALLERY, ids=lambda q: f"{q.provider}-{q.name}")
def test_every_quirk_is_detected_by_its_check(quirk) -> None:
    expected = quirk.detected_by.removeprefix("scenario:")
    profiles = (
        ["observed"]
        if (quirk.provider, quirk.name) in OBSERVED_ONLY
        else ["documented", "observed"]
    )
    # A quirk a warning rule catches is reported, but does not fail the run by itself.
    warning = WARNING_RULES.get(expected, False)
    for profile in profiles:
        report = run(quirk.provider, profile, quirk=quirk.name)
        found = {f.check for _, f in report.findings()}
        if warning:
            assert expected in found, f"{quirk.name} ({profile}) was not reported by {expected!r}"
            continue
        assert report.exit_code == 1, f"{quirk.name} passed in the {profile} profile"
        assert expected in report.checks_failed(), (
            f"{quirk.name} ({profile}) was not named by {expected!r}; "
            f"failed: {sorted(report.checks_failed())}"
        )
