"""``conformance.schemathesis``: the kit's rules as a check of the real ``schemathesis run``.

Run as a user would (``SCHEMATHESIS_HOOKS=conformance.schemathesis``), with the kit's
OpenAPI documents, ``schemathesis.toml`` (no check of schemathesis's own turned off) and
a served simulator: conformant, it passes for both providers; with a quirk that only
the kit's rules see, schemathesis alone passes and with the hooks it fails naming the
kit's rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from test_schemathesis import auth_headers

from conformance.simulators import create
from conformance.simulators._serve import served

ROOT = Path(__file__).resolve().parent.parent
HOOKS = "conformance.schemathesis"


def schemathesis_run(
    provider: str, tmp_path: Path, *, quirk: str | None = None, hooks: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("SCHEMATHESIS_", "CAPTURE_"))
    }
    if hooks:
        environ["SCHEMATHESIS_HOOKS"] = HOOKS
    with served(create(provider, quirk=quirk).app) as url:
        return subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli",
                "--config-file", str(ROOT / "schemathesis.toml"),
                "run", str(ROOT / "specs" / provider / "openapi.yaml"),
                "--url", url, *auth_headers(provider, url),
                "--max-examples", "10", "--seed", "20261121", "--workers", "1",
            ],
            capture_output=True, text=True, cwd=tmp_path, timeout=300, env={**environ, **env},
        )  # fmt: skip


@pytest.mark.parametrize("provider", ["midtrans", "pivot"])
def test_the_conformant_simulator_passes_with_the_kits_checks(provider: str, tmp_path) -> None:
    done = schemathesis_run(provider, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "ST901" not in done.stdout
    assert not {"--exclude-checks", "--checks"} & set(done.args)


def test_a_quirk_only_the_kits_rules_see_fails_schemathesis_naming_the_rule(tmp_path) -> None:
    # Pivot answers an unknown payment 404 with code api_validation_error: schema-valid,
    # a documented status, so schemathesis's own checks pass it; the error table does not.
    alone = schemathesis_run("pivot", tmp_path, quirk="error-code-mismatch", hooks=False)
    assert alone.returncode == 0, alone.stdout[-3000:]
    done = schemathesis_run("pivot", tmp_path, quirk="error-code-mismatch")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    out = done.stdout
    assert "ST901 pivot.error.http-code" in out
    failure = out[out.index("ST901 pivot.error.http-code") :]
    for part in ("expected: ", "received: ", "source: ", "profile: documented"):
        assert part in failure


def test_the_profile_and_provider_come_from_the_environment(tmp_path) -> None:
    # Told the document is Midtrans's, the Pivot answers match no operation: nothing judged.
    done = schemathesis_run(
        "pivot", tmp_path, quirk="error-code-mismatch", CAPTURE_CONFORMANCE_PROVIDER="midtrans"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    wrong = schemathesis_run("pivot", tmp_path, CAPTURE_CONFORMANCE_PROFILE="lenient")
    assert wrong.returncode != 0
    assert "conformance.schemathesis" in wrong.stdout + wrong.stderr


def test_judge_names_the_operation_or_nothing() -> None:
    from conformance.schemathesis import judge, provider_of

    request = httpx.Request("GET", "http://127.0.0.1:1/v2/payments/e03c2066/capture")
    assert judge("pivot", request, httpx.Response(404, json={})) == []  # no such GET
    assert provider_of({"info": {"title": "capture-conformance simulator control API"}},
                       "GET", "/_sim/state") is None  # fmt: skip
    assert provider_of({}, "POST", "/v2/capture") == "midtrans"
