"""The wheel carries specs/: installed elsewhere, it loads them from site-packages."""

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, repo_root) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=repo_root,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("capture_conformance-*.whl")
    return built


def test_wheel_installs_into_a_fresh_venv_and_loads_specs(wheel, tmp_path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # The kit's dependencies come from this environment; the kit itself only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    probe = (
        "import json, conformance; from conformance import load_spec, specs_root;"
        "spec = load_spec('pivot');"
        "print(json.dumps({'module': conformance.__file__, 'root': str(specs_root()),"
        " 'ops': sorted(spec.operations)}))"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CAPTURE_CONFORMANCE_SPECS")
    }
    done = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)
    assert found["module"].startswith(str(env_dir))
    assert found["root"] == str(Path(site, "conformance", "specs"))
    assert "capture" in found["ops"]
