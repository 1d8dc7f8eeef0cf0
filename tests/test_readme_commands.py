"""Every ``capture-conformance`` command in the READMEs' code blocks is real, and run if it can be.

Each command line (continuations joined, comments dropped) is found in the code
blocks of ``README.md`` and ``cassettes/README.md``. Every one must name a
command that exists and only options that its ``--help`` lists. Each is also
either run here as written (offline, in seconds) or listed in
:data:`NOT_RUN` with the reason; a new command in a README must be put in one
or the other.

The README's statements about the quirk catalogue are held to
``conformance.simulators.QUIRKS`` here too, as is the sample integration's
install line (the kit is not on PyPI: it installs from the checkout).
"""

from __future__ import annotations

import filecmp
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.simulators import QUIRKS

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", ROOT / "cassettes" / "README.md"]
#: Where a command stops in a shell line: a comment, a pipe, a redirect, a list, a quote.
_END = re.compile(r"\s+#|\s*(?:&&|\|\||[|;&>'`])")

#: Commands that need a network, credentials, a long-running server or files of the
#: user's: checked against ``--help`` only, with where they run instead.
NOT_RUN = {
    'capture-conformance receive midtrans --port 8090 --server-key "$MIDTRANS_SERVER_KEY" '
    "--report-json deliveries.json":
        "a server that runs until stopped; served in tests/test_receiver.py",
    'capture-conformance validate midtrans notification notification.json --server-key '
    '"$MIDTRANS_SERVER_KEY"':
        "the user's delivery and key; the phase: tests/test_receiver.py",
    "capture-conformance serve midtrans --port 8001 --notification-url "
    "http://127.0.0.1:8090/notifications":
        "a server that runs until stopped; served in tests/test_receiver.py",
    "capture-conformance check pivot --base-url https://api-stg.pivot-payment.com "
    '--callback-listen 0.0.0.0:8090 --callback-key "$PIVOT_CALLBACK_KEY"':
        "a live sandbox; --callback-listen against a served one: tests/test_suite_deliveries.py",
    "capture-conformance handler midtrans --url http://127.0.0.1:8000/midtrans/notify "
    "--state-url":
        "the merchant's own handler and order oracle; the command: tests/test_handler.py",
    "capture-conformance check midtrans --base-url https://api.sandbox.midtrans.com":
        "a live sandbox and credentials",
    "capture-conformance check pivot --base-url http://127.0.0.1:8001 --profile observed "
    "--examples 50 --seed 7 --report-json report.json --junit junit.xml":
        "a served simulator; check against one: tests/test_cli_suite.py",
    "capture-conformance record midtrans --base-url https://api.sandbox.midtrans.com "
    "--out cassettes/midtrans/sandbox.yaml": "a live sandbox and credentials",
    "capture-conformance check midtrans --cassette cassettes/midtrans/sandbox.yaml "
    "--junit junit.xml": "the user's sandbox recording; replay: tests/test_cassettes_replay.py",
    "capture-conformance cassettes diff cassettes/midtrans/sandbox.yaml new.yaml "
    "--format markdown": "the user's two recordings; diff: tests/test_cassettes_diff.py",
    "capture-conformance cassettes diff cassettes/midtrans/sandbox.yaml new.yaml "
    "--format html --out drift.html":
        "the user's two recordings; html: tests/test_cassettes_diff.py, test_html_browser.py",
    "capture-conformance validate pivot response reply.json --status 422 --profile observed":
        "the user's reply.json",
    "capture-conformance serve midtrans --port 0": "a server: tests/test_simulators_served.py",
    "capture-conformance serve pivot --port 8001 --settle immediate":
        "a server: tests/test_simulators_served.py",
    "capture-conformance serve midtrans --port 8001": "a server: tests/test_proxy_readme.py",
    "capture-conformance proxy midtrans --upstream https://api.sandbox.midtrans.com --port 8080 "
    "--report-json proxy.json --junit proxy-junit.xml": "a live sandbox behind a server",
    "capture-conformance proxy pivot --upstream http://127.0.0.1:8001 --port 0":
        "a server: tests/test_proxy_cli.py",
    "capture-conformance proxy midtrans --upstream http://127.0.0.1:8001 --port 8080 "
    "--report-json proxy.json --junit proxy-junit.xml": "a server: tests/test_proxy_readme.py",
}  # fmt: skip
#: Commands run here as written: (folder: the repository or an empty one, exit code).
RUN = {
    "capture-conformance run": ("empty", 0),
    "capture-conformance cassettes lint cassettes/": ("repository", 0),
    "capture-conformance cassettes lint cassettes/ --server-key scrubbed-server-key "
    "--callback-key scrubbed-callback-key": ("repository", 0),
    "capture-conformance validate midtrans request capture.json": ("empty", 0),
    "capture-conformance validate midtrans request -": ("empty", 1),
    **{
        f"capture-conformance record {p} --simulator --out cassettes/{p}/catalogue.yaml":
            ("empty", 0)
        for p in ("midtrans", "pivot")
    },
    **{
        f"capture-conformance cassettes examples {p} --out cassettes/{p}/seed-examples.yaml":
            ("empty", 0)
        for p in ("midtrans", "pivot")
    },
}  # fmt: skip
#: What the README's validate example reads (a conformant capture request).
CAPTURE_JSON = '{"transaction_id": "be4f3e44-d6ee-4355-8c64-c1d1dc7f4590", "gross_amount": 145000}'


def readme_commands() -> dict[str, str]:
    """Each command found (normalised) and the whole shell line it stands in."""
    found: dict[str, str] = {}
    for readme in READMES:
        text = readme.read_text(encoding="utf-8")
        for block in re.findall(r"^```[\w-]*\n(.*?)^```", text, re.S | re.M):
            for line in block.replace("\\\n", " ").splitlines():
                whole = "" if line.lstrip().startswith("#") else line.split(" #", 1)[0].strip()
                start = whole.find("capture-conformance ")
                if start == -1:
                    continue
                command = _END.split(whole[start:], maxsplit=1)[0]
                found.setdefault(" ".join(command.split()), " ".join(whole.split()))
    return found


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*path, "--help"]) == 0, f"capture-conformance {' '.join(path)} does not exist"
    return capsys.readouterr().out


def test_the_readmes_have_commands_and_each_is_run_or_said_why_not() -> None:
    found = readme_commands()
    assert len(found) >= 15
    unclassified = sorted(set(found) - set(RUN) - set(NOT_RUN))
    assert unclassified == [], (
        "a README command is neither run by this test nor listed in NOT_RUN with why: "
        f"{unclassified}"
    )
    stale = sorted((set(RUN) | set(NOT_RUN)) - set(found))
    assert stale == [], f"no longer in a README: {stale}"


def test_every_command_and_option_exists(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import cli

    for command in readme_commands():
        words = shlex.split(command)[1:]
        path = [words[0]]
        group = cli.commands.get(words[0])
        assert group is not None, f"{command}: no command {words[0]!r}"
        if hasattr(group, "commands"):
            path.append(words[1])
        listed = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", _help(tuple(path), capsys)))
        options = {w.split("=", 1)[0] for w in words if w.startswith("-") and w != "-"}
        assert options <= listed, f"{command}: not in --help: {sorted(options - listed)}"


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MIDTRANS_", "PIVOT_"))}
    return keep | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.parametrize("command", sorted(RUN))
def test_a_readme_command_runs_as_written(command: str, tmp_path: Path) -> None:
    line = readme_commands().get(command)
    assert line is not None, f"not in a README any more: {command}"
    folder, code = RUN[command]
    cwd = ROOT if folder == "repository" else tmp_path
    (tmp_path / "capture.json").write_text(CAPTURE_JSON, encoding="utf-8")
    shell = line if line.startswith(("echo ", "capture-conformance ")) else command
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", shell], cwd=cwd, env=_env(),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == code, shell + "\n" + done.stdout[-3000:] + done.stderr
    assert "Traceback" not in done.stderr
    written = re.search(r"--out (\S+)", command)
    if written and "examples" in command:  # the committed file is exactly what the command writes
        assert filecmp.cmp(tmp_path / written[1], ROOT / written[1], shallow=False)
    elif written:  # a fresh recording: no change against the committed one
        diff = main(["cassettes", "diff", str(ROOT / written[1]), str(tmp_path / written[1]),
                     "--fail-on", "any"])  # fmt: skip
        assert diff == 0
    if command.endswith("request -"):
        assert "[error] midtrans.gross-amount.decimal-literal at /gross_amount" in done.stdout


def test_the_quirk_counts_in_the_readme_are_the_catalogue_s() -> None:
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    counts = {
        (provider, kind): sum(q.provider == provider and q.kind == kind for q in QUIRKS)
        for provider in ("midtrans", "pivot")
        for kind in ("response", "delivery")
    }
    stated = re.search(
        r"non-conformances \((\d+) Midtrans and (\d+) Pivot in their answers, and (\d+) "
        r"Midtrans and (\d+) Pivot in the notifications and callbacks they send\)",
        text,
    )
    assert stated is not None, "the Quirks section no longer states the counts per kind"
    assert tuple(map(int, stated.groups())) == (
        counts["midtrans", "response"], counts["pivot", "response"],
        counts["midtrans", "delivery"], counts["pivot", "delivery"],
    )  # fmt: skip
    gallery = re.search(
        r"the mutation gallery: (\d+) deliberately broken variants over both providers, "
        r"(\d+) in their answers and (\d+) in their notifications and callbacks",
        text,
    )
    assert gallery is not None
    answers = counts["midtrans", "response"] + counts["pivot", "response"]
    deliveries = counts["midtrans", "delivery"] + counts["pivot", "delivery"]
    assert tuple(map(int, gallery.groups())) == (answers + deliveries, answers, deliveries)


def test_the_sample_integration_installs_the_kit_from_the_checkout() -> None:
    sample = ROOT / "examples" / "integration"
    text = (sample / "README.md").read_text(encoding="utf-8")
    (line,) = [w for w in re.findall(r"^pip install .*$", text, re.M)]
    words = line.split("#", 1)[0].split()[2:]
    assert "capture-conformance" not in words, "not on PyPI: install it from the checkout"
    (kit,) = [w for w in words if w.startswith((".", "/")) and not w.endswith(".txt")]
    project = tomllib.loads((sample / kit / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "capture-conformance"
    assert "-r" in words
    assert (sample / words[words.index("-r") + 1]).is_file()


# -- .ci/run: the README's test command, without touching the developer's .venv ------------


def _git(*args: str, cwd: Path) -> None:
    identity = ["-c", "user.name=capture-conformance tests", "-c", "user.email=tests@invalid"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


def _ci_repo(tmp_path: Path, command: str) -> Path:
    """A repository holding .ci/run and a README whose test command is *command*."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", repo / ".ci" / "run")
    readme = f"# kit\n\n<!-- test-command -->\n```sh\n{command}\n```\n"
    (repo / "README.md").write_text(readme, encoding="utf-8")
    (repo / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    (repo / "committed.txt").write_text("old\n", encoding="utf-8")
    (repo / "gone.txt").write_text("deleted in the working tree\n", encoding="utf-8")
    _git("init", "--quiet", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "--quiet", "-m", "start", cwd=repo)
    (repo / "committed.txt").write_text("changed, not committed\n", encoding="utf-8")
    (repo / "untracked.txt").write_text("new\n", encoding="utf-8")
    (repo / "gone.txt").unlink()
    (repo / ".venv").mkdir()
    (repo / ".venv" / "mine").write_text("the developer's own virtualenv\n", encoding="utf-8")
    return repo


def test_ci_runs_the_readme_command_in_a_copy_and_leaves_the_venv_alone(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    command = (
        "python3 -m venv --without-pip .venv && . .venv/bin/activate && "
        f"{{ pwd; cat committed.txt untracked.txt; ls; git log --oneline; }} > {seen}"
    )
    repo = _ci_repo(tmp_path, command)
    env = os.environ | {"TMPDIR": str(tmp_path)}
    done = subprocess.run([str(repo / ".ci" / "run")], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / ".venv" / "mine").is_file()  # not deleted, not replaced
    assert sorted(p.name for p in (repo / ".venv").iterdir()) == ["mine"]
    where, *rest = seen.read_text(encoding="utf-8").splitlines()
    assert Path(where) != repo
    assert rest[:2] == ["changed, not committed", "new"]  # the working tree, not HEAD
    assert "gone.txt" not in rest
    assert rest[-1].endswith(" start")  # a repository, with the history
    assert not Path(where).exists()  # the copy is gone afterwards
    assert f"ci: in {where}: {command}" in done.stdout


def test_ci_fails_when_no_test_ran(tmp_path: Path) -> None:
    repo = _ci_repo(tmp_path, "exit 5")
    env = os.environ | {"TMPDIR": str(tmp_path)}
    done = subprocess.run([str(repo / ".ci" / "run")], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 5
    assert (repo / ".venv" / "mine").is_file()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("capture-conformance-ci.")]
    assert leftovers == []


def test_ci_reads_the_repository_s_own_test_command() -> None:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "rm -rf .venv" not in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```sh\n", 1)[1].split("\n")[0]
    assert command.startswith("python3 -m venv .venv && ")
