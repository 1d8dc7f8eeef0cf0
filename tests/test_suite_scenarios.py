"""The scenario catalogue: its files, its loader, and what it finds in the simulators.

Conformant simulators pass every scenario in both profiles and every serving
mode; each behaviour quirk of ``quirks.py`` fails the scenario it names; a
scenario that moves the simulated clock is skipped against a target without
the control API.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.errors import SpecError
from conformance.simulators import create, quirks
from conformance.specs import ENV_VAR
from conformance.suite import Kind, Outcome, Report, SuiteOptions, Target, run_suite
from conformance.suite._scenario_catalogue import (
    SIMULATOR_CLOCK,
    Scenario,
    TemplateError,
    load_catalogue,
    render,
)
from conformance.suite._scenario_checks import mismatch, pivot_capture_consistency
from conformance.suite.scenarios import CLOCK_PATH

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
PROVIDERS = ("midtrans", "pivot")
MODES = {
    "midtrans": ({"http_status": "mirror"}, {"http_status": "always-200"}),
    "pivot": ({"settle": "delayed"}, {"settle": "immediate"}),
}
#: The scenarios the brief asks of every provider (Pivot also: unknown currency).
REQUIRED = (
    "full-capture",
    "partial-capture",
    "capture-amount-omitted",
    "second-capture",
    "capture-after-release",
    "over-capture",
    "zero-amount",
    "negative-amount",
    "decimal-amount",
    "missing-fields",
    "wrong-types",
    "unknown-id",
    "malformed-id",
    "missing-credentials",
    "wrong-credentials",
    "malformed-json",
    "wrong-content-type",
    "wrong-method",
    "status-after-capture",
)
SCENARIO_QUIRKS = [q for q in quirks.QUIRKS if q.detected_by.startswith("scenario:")]
#: Quirks whose behaviour the documented contract allows: only the observed sandbox
#: refuses IDR fractions ("amount value is not permitted to use decimal format") and
#: answers a non-UUID path id with 400; the docs' number type admits 50000.5, and
#: their error table a 404 (or 422) for an id that names no session.
OBSERVED_ONLY = {("pivot", "decimal-idr-accepted"), ("pivot", "non-uuid-id-404")}


def catalogue_ids(provider: str) -> tuple[str, ...]:
    return tuple(s.id for s in load_catalogue(provider))


def run_scenarios(
    provider: str,
    app: ASGIApp,
    profile: str = "documented",
    only: tuple[str, ...] | None = None,
    **options: Any,
) -> Report:
    """Run the scenarios (only them: --only names them) of *provider* against *app*."""
    with Target(provider, app=app, profile=profile) as target:
        chosen = only if only is not None else catalogue_ids(provider)
        return run_suite(target, SuiteOptions(seed=7, profile=profile, only=chosen, **options))


def scenario(provider: str, scenario_id: str) -> Scenario:
    return next(s for s in load_catalogue(provider) if s.id == scenario_id)


# -- the files ------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads((SPECS / "scenarios.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_catalogue_validates_against_the_schema(provider: str) -> None:
    schema = json.loads((SPECS / "scenarios.schema.json").read_text())
    raw = yaml.safe_load((SPECS / provider / "scenarios.yaml").read_text())
    jsonschema.Draft202012Validator(schema).validate(raw)
    assert raw["provider"] == provider


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_source_id_exists_in_the_providers_sources(provider: str) -> None:
    sources = json.loads((SPECS / provider / "sources.json").read_text())
    raw = yaml.safe_load((SPECS / provider / "scenarios.yaml").read_text())
    used = {s["source"] for s in raw["scenarios"]}
    used |= {s["observed_source"] for s in raw["scenarios"] if "observed_source" in s}
    assert used <= set(sources), sorted(used - set(sources))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_catalogue_holds_the_required_scenarios(provider: str) -> None:
    ids = catalogue_ids(provider)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{provider}.") for i in ids)
    missing = {f"{provider}.{name}" for name in REQUIRED} - set(ids)
    assert not missing
    if provider == "pivot":
        assert "pivot.unknown-currency" in ids
        assert "pivot.expired-token" in ids
    else:
        assert "midtrans.decimal-literal-amount" in ids
        assert "midtrans.capture-after-expiry" in ids


def test_every_scenario_a_quirk_names_exists() -> None:
    for quirk in SCENARIO_QUIRKS:
        wanted = quirk.detected_by.removeprefix("scenario:")
        assert wanted in catalogue_ids(quirk.provider), quirk.name


def test_clock_scenarios_declare_the_requirement() -> None:
    needing = {s.id for p in PROVIDERS for s in load_catalogue(p) if SIMULATOR_CLOCK in s.requires}
    assert needing == {
        "midtrans.capture-after-expiry",
        "pivot.expired-token",
        "pivot.capture-settles",
    }


# -- the loader -----------------------------------------------------------------------------


@pytest.fixture
def specs_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of specs/ the kit reads instead (CAPTURE_CONFORMANCE_SPECS)."""
    copy = tmp_path / "specs"
    shutil.copytree(SPECS, copy)
    monkeypatch.setenv(ENV_VAR, str(copy))
    return copy


def edit_first_scenario(specs: Path, provider: str, **changes: Any) -> None:
    path = specs / provider / "scenarios.yaml"
    raw = yaml.safe_load(path.read_text())
    raw.pop("fragments", None)  # anchors are already resolved in the parsed document
    raw["scenarios"][0].update(changes)
    path.write_text(yaml.safe_dump(raw))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "midtrans.no-such-fact"}, "source 'midtrans.no-such-fact' is not in"),
        ({"id": "midtrans.Capture"}, "does not fit scenarios.schema.json at scenarios/0/id"),
        ({"authorize": False}, "uses ${auth.id} without an authorization"),
        ({"requires": []} | {"steps": [{"name": "wait", "clock": {"advance": 5}}]}, "must require"),
        (
            {
                "steps": [
                    {
                        "name": "read",
                        "when": "refused",
                        "send": {"operation": "status", "path": "/v2/${saved.x}/status"},
                        "expect": {"documented": [{"status_code": "200"}]},
                    }
                ]
            },
            "no earlier step has an outcome 'refused'",
        ),
        (
            {
                "steps": [
                    {
                        "name": "read",
                        "send": {"operation": "refund"},
                        "expect": {"documented": [{"status_code": "200"}]},
                    }
                ]
            },
            "no operation 'refund'",
        ),
    ],
)
def test_loader_refuses_a_wrong_catalogue(
    specs_copy: Path, changes: dict[str, Any], message: str
) -> None:
    edit_first_scenario(specs_copy, "midtrans", **changes)
    with pytest.raises(SpecError, match=r"midtrans/scenarios\.yaml") as caught:
        load_catalogue("midtrans")
    assert message in str(caught.value)


def test_loader_refuses_a_name_no_step_saved(specs_copy: Path) -> None:
    step = {
        "name": "read",
        "send": {"operation": "status", "path": "/v2/${saved.token}/status"},
        "expect": {"documented": [{"status_code": "200"}]},
    }
    edit_first_scenario(specs_copy, "midtrans", steps=[step])
    with pytest.raises(SpecError, match=r"uses \$\{saved.token\}, which no earlier step saved"):
        load_catalogue("midtrans")


def test_templates_keep_types_compute_and_refuse_unknown_names() -> None:
    variables = {"auth.amount": 100000, "auth.id": "t-1", "saved.expires": "900"}
    body = {"transaction_id": "${auth.id}", "gross_amount": "${auth.amount + 1}"}
    assert render(body, variables) == {"transaction_id": "t-1", "gross_amount": 100001}
    assert render("${saved.expires + 1}", variables) == 901
    assert render("/v2/${auth.id}/status", variables) == "/v2/t-1/status"
    assert render('{"gross_amount": ${auth.amount}.0}', variables) == '{"gross_amount": 100000.0}'
    with pytest.raises(TemplateError, match="has no value"):
        render("${saved.missing}", variables)
    with pytest.raises(TemplateError, match="not a whole number"):
        render("${auth.id + 1}", variables)


def test_matchers_judge_values_not_encodings() -> None:
    assert mismatch({"number": 30000}, "30000.00") is None
    assert mismatch({"number": 30000}, 30000.0) is None
    assert mismatch({"number": [15000, 30000]}, "15000.00") is None
    assert mismatch({"number": 30000}, "30000.01") is not None
    assert mismatch({"number": 30000}, True) is not None
    assert mismatch(False, 0) is not None
    assert mismatch({"empty": True}, []) is None
    assert mismatch({"empty": True}, [{"captureId": "c"}]) is not None
    assert mismatch({"absent": True}, None) is not None
    history = [{"captureId": "a", "status": "PENDING"}, {"captureId": "b", "status": "SUCCESS"}]
    assert mismatch({"contains": {"/captureId": "b", "/status": "SUCCESS"}}, history) is None
    assert mismatch({"contains": {"/captureId": "a", "/status": "SUCCESS"}}, history) is not None


def pivot_session(
    session: str, charge: str, histories: list[dict[str, Any]], captured: int
) -> dict[str, Any]:
    return {
        "data": {
            "status": session,
            "chargeDetails": [
                {
                    "status": charge,
                    "authorizedAmount": {"value": 1000, "currency": "IDR"},
                    "capturedAmount": {"value": captured, "currency": "IDR"},
                    "captureHistories": histories,
                }
            ],
        }
    }


def test_pivot_consistency_follows_the_manual_capture_flow() -> None:
    pending = [{"captureId": "c", "capturedAmount": 1000, "status": "PENDING"}]
    done = [{"captureId": "c", "capturedAmount": 1000, "status": "SUCCESS"}]
    consistent = pivot_capture_consistency
    assert consistent(pivot_session("PROCESSING", "PROCESSING", pending, 0)) is None
    assert consistent(pivot_session("PROCESSING", "PROCESSING", pending, 1000)) is None
    assert consistent(pivot_session("PAID", "SUCCESS", done, 1000)) is None
    not_paid = consistent(pivot_session("PROCESSING", "WAITING_FOR_CAPTURE", done, 1000))
    assert not_paid is not None
    assert not_paid[0] == "/data/chargeDetails/0/status"
    assert consistent(pivot_session("PROCESSING", "SUCCESS", done, 1000)) == (
        "/data/status",
        "is 'PROCESSING', but all of it is captured: PAID",
    )
    wrong_sum = consistent(pivot_session("PAID", "SUCCESS", done, 500))
    assert wrong_sum is not None
    assert wrong_sum[0].endswith("/capturedAmount")
    assert consistent(pivot_session("CANCELLED", "FAILED", pending, 0)) is not None
    too_much = [*pending, {"captureId": "d", "capturedAmount": 1, "status": "PENDING"}]
    assert consistent(pivot_session("PROCESSING", "PROCESSING", too_much, 0)) is not None


# -- against the simulators ------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["documented", "observed"])
@pytest.mark.parametrize(
    ("provider", "mode"),
    [(p, m) for p in PROVIDERS for m in MODES[p]],
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())),
)
def test_conformant_simulator_passes_every_scenario(
    provider: str, mode: dict[str, str], profile: str
) -> None:
    report = run_scenarios(provider, create(provider, **mode).app, profile)
    assert [r.id for r in report.results] == list(catalogue_ids(provider))
    assert [(r.id, r.outcome) for r in report.results if r.outcome is not Outcome.PASSED] == []
    assert [(r.id, f.check, f.message) for r, f in report.findings()] == []
    assert report.exit_code == 0
    assert all(r.exchanges > 0 for r in report.results)


def quirk_runs() -> list[Any]:
    runs = []
    for quirk in SCENARIO_QUIRKS:
        for profile in ("documented", "observed"):
            if profile == "documented" and (quirk.provider, quirk.name) in OBSERVED_ONLY:
                continue
            runs.append(pytest.param(quirk, profile, id=f"{quirk.provider}-{quirk.name}-{profile}"))
    return runs


@pytest.mark.parametrize(("quirk", "profile"), quirk_runs())
def test_behaviour_quirk_fails_its_scenario(quirk: quirks.Quirk, profile: str) -> None:
    wanted = quirk.detected_by.removeprefix("scenario:")
    sim = create(quirk.provider, quirk=quirk.name)
    report = run_scenarios(quirk.provider, sim.app, profile, only=(wanted,))
    assert wanted in report.checks_failed()
    assert report.exit_code == 1
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    own = [f for f in result.findings if f.check == wanted]
    chosen = scenario(quirk.provider, wanted)
    expected_sources = {chosen.source, chosen.observed_source} - {None}
    for finding in own:
        assert "\n" not in finding.message
        assert finding.exchange is not None
        assert finding.source is not None
        assert finding.source.id in expected_sources


@pytest.mark.parametrize(("provider", "name"), sorted(OBSERVED_ONLY))
def test_documented_profile_admits_what_only_the_sandbox_refuses(provider: str, name: str) -> None:
    wanted = quirks.get(provider, name).detected_by.removeprefix("scenario:")
    report = run_scenarios(provider, create(provider, quirk=name).app, only=(wanted,))
    assert wanted not in report.checks_failed()


def without_control_api(app: ASGIApp) -> ASGIApp:
    """*app* as a target that is not a kit simulator: ``/_sim/*`` does not exist."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_sim"):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped


@pytest.mark.parametrize("provider", PROVIDERS)
def test_clock_scenarios_are_skipped_without_the_control_api(provider: str) -> None:
    needing = tuple(s.id for s in load_catalogue(provider) if SIMULATOR_CLOCK in s.requires)
    report = run_scenarios(provider, without_control_api(create(provider).app), only=needing)
    assert [r.id for r in report.results] == list(needing)
    for result in report.results:
        assert result.outcome is Outcome.SKIPPED
        assert CLOCK_PATH in result.note
        assert result.exchanges == 0
    assert report.exit_code == 0


def test_other_scenarios_run_without_the_control_api() -> None:
    report = run_scenarios("pivot", without_control_api(create("pivot").app))
    outcomes = {r.id: r.outcome for r in report.results}
    assert outcomes["pivot.status-after-capture"] is Outcome.PASSED
    assert outcomes["pivot.expired-token"] is Outcome.SKIPPED
    assert report.exit_code == 0


def test_scenarios_skip_when_the_given_authorizations_run_out() -> None:
    report = run_scenarios("midtrans", create("midtrans").app, authorizations=())
    outcomes = {r.id: (r.outcome, r.note) for r in report.results}
    assert outcomes["midtrans.full-capture"] == (
        Outcome.SKIPPED,
        "no authorization left in the --authorizations file",
    )
    # Scenarios that need no authorization still run.
    assert outcomes["midtrans.unknown-id"][0] is Outcome.PASSED
    assert report.exit_code == 0


def test_only_and_skip_select_scenarios_by_id_and_glob() -> None:
    with Target("pivot", app=create("pivot").app) as target:
        options = SuiteOptions(seed=1, only=("pivot.*-capture",), skip=("pivot.second-capture",))
        report = run_suite(target, options)
    assert {r.id for r in report.results if r.kind is Kind.SCENARIO} == {
        "pivot.full-capture",
        "pivot.partial-capture",
        "pivot.over-capture",
        "pivot.partial-then-over-capture",
        "pivot.status-after-capture",
    }
