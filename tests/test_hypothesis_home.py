"""The kit's hypothesis runs leave no ``.hypothesis/`` folder in the user's working directory.

Hypothesis keeps files under its home (``./.hypothesis`` unless told otherwise)
even with no example database: a cache of the constants of the code it runs, and
of Unicode data. The suite's runs (``capture-conformance run``/``check``, and
``pytest --capture-conformance``) put them under the user cache folder
(``$XDG_CACHE_HOME/capture-conformance/hypothesis``), or where
``HYPOTHESIS_STORAGE_DIRECTORY`` says when the user set it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.simulators import create
from conformance.simulators._serve import served

pytest_plugins = ["pytester"]

CLI = Path(sys.executable).with_name("capture-conformance")


def _run_cli(cwd: Path, **env: str) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS_")}
    done = subprocess.run(
        [str(CLI), "run", "--examples", "2"],
        cwd=cwd, env={**environ, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_run_leaves_no_hypothesis_folder(tmp_path: Path) -> None:
    work, cache = tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    _run_cli(work, XDG_CACHE_HOME=str(cache))
    assert list(work.iterdir()) == []
    assert (cache / "capture-conformance" / "hypothesis" / "constants").is_dir()


def test_run_uses_the_users_hypothesis_storage_directory(tmp_path: Path) -> None:
    work, cache, mine = tmp_path / "work", tmp_path / "cache", tmp_path / "mine"
    work.mkdir()
    _run_cli(work, XDG_CACHE_HOME=str(cache), HYPOTHESIS_STORAGE_DIRECTORY=str(mine))
    assert list(work.iterdir()) == []
    assert (mine / "constants").is_dir()
    assert not cache.exists()


def test_the_plugin_leaves_no_hypothesis_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    for name in ("MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)
    with served(create("midtrans").app) as url:
        result = pytester.runpytest_subprocess(
            "--capture-conformance=midtrans", f"--conformance-base-url={url}",
            "-p", "no:cacheprovider", "--conformance-examples=2", "--conformance-seed=7", "-q",
        )  # fmt: skip
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert not (pytester.path / ".hypothesis").exists()
    assert (cache / "capture-conformance" / "hypothesis" / "constants").is_dir()
