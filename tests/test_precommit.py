"""The pre-commit hook ``capture-conformance-cassettes-lint``, run by the real ``pre-commit``.

``pre-commit try-repo`` clones a hooks repository and pip-installs it (with its
dependencies) into an environment of its own, as a user's ``pre-commit run``
would. The hooks repository is a clone of this one's committed HEAD with the
working tree's ``.pre-commit-hooks.yaml`` (so a manifest not yet committed is the
one tested; in CI, a fresh clone, they are the same). The repository checked
holds the committed cassettes: one as it is, one with an answer tampered with.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HOOK = "capture-conformance-cassettes-lint"
GIT_IDENTITY = ["-c", "user.name=capture-conformance tests", "-c", "user.email=tests@invalid"]


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("hooks") / "capture-conformance"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
    shutil.copyfile(ROOT / ".pre-commit-hooks.yaml", repo / ".pre-commit-hooks.yaml")
    git("add", ".pre-commit-hooks.yaml", cwd=repo)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True)
    if status.stdout.strip():
        git("commit", "--quiet", "-m", "the working tree's hook manifest", cwd=repo)
    return repo


@pytest.fixture
def checked_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "integration"
    (repo / "tests" / "cassettes").mkdir(parents=True)
    (repo / "config").mkdir()
    git("init", "--quiet", cwd=repo)
    good = (ROOT / "cassettes" / "pivot" / "seed-examples.yaml").read_text(encoding="utf-8")
    (repo / "tests" / "cassettes" / "good.yaml").write_text(good, encoding="utf-8")
    text = (ROOT / "cassettes" / "midtrans" / "seed-examples.yaml").read_text(encoding="utf-8")
    tampered = text.replace('"transaction_status":"capture"', '"transaction_status":"captured"')
    assert tampered != text
    (repo / "tests" / "cassettes" / "tampered.yaml").write_text(tampered, encoding="utf-8")
    # Not a cassette, not in a cassettes folder: the hook's files pattern leaves it out
    # (were it passed, `cassettes lint` would refuse it with exit 2).
    (repo / "config" / "settings.yaml").write_text("debug: true\n", encoding="utf-8")
    git("add", "-A", cwd=repo)
    return repo


def try_repo(hooks: Path, repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), HOOK, "--files", *files],
        cwd=repo, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_manifest_runs_cassettes_lint_on_cassette_files() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == HOOK
    assert hook["entry"] == "capture-conformance cassettes lint"
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert pattern.search("tests/cassettes/pivot/run.yaml")
    assert pattern.search("cassettes/a.json")
    assert not pattern.search("config/settings.yaml")
    assert not pattern.search("cassettes/README.md")


def test_the_readme_config_names_the_hook() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### pre-commit: lint cassettes as they change") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") :]
    (repo,) = yaml.safe_load(block[: block.index("\n```\n")])["repos"]
    assert [hook["id"] for hook in repo["hooks"]] == [HOOK]


def test_a_good_cassette_passes_and_other_yaml_is_left_alone(
    hooks_repo: Path, checked_repo: Path
) -> None:
    done = try_repo(hooks_repo, checked_repo, "tests/cassettes/good.yaml", "config/settings.yaml")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Passed" in done.stdout


def test_a_tampered_cassette_fails_the_hook_naming_the_rule(
    hooks_repo: Path, checked_repo: Path
) -> None:
    done = try_repo(
        hooks_repo, checked_repo, "tests/cassettes/good.yaml", "tests/cassettes/tampered.yaml"
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    out = done.stdout
    assert "- exit code: 1" in out
    assert "tests/cassettes/tampered.yaml #0" in out
    assert "midtrans.capture-response.transaction-status" in out
    assert "good.yaml #" not in out
