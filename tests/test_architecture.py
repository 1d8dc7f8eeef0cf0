"""The package keeps the shape ARCHITECTURE.md draws: no import circle, layers in order.

Every import counts, including those inside functions and under
``TYPE_CHECKING``: a lazy import still closes a circle at run time, and a
type-only one still ties two modules together for a reader.
"""

from __future__ import annotations

import ast
import graphlib
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"
#: One concept per module: past this many lines, split it by concept.
MAX_LINES = 400


def module_name(path: Path, package: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of *package* it imports (by any import statement)."""
    paths = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                # `from . import x` names module x; `from .m import f` names module m.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def import_circle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One circle of *graph* (its modules, the first repeated at the end), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def stated_layers() -> list[list[str]]:
    """The layer table of ARCHITECTURE.md, lowest first."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers: lowest first -->\n```text\n(.*?)```", text, re.S)
    assert block is not None, "ARCHITECTURE.md has lost its layer table"
    return [re.split(r"\s{2,}", line.strip(), maxsplit=1)[1].split() for line in
            block.group(1).strip().splitlines()]  # fmt: skip


def unit(module: str) -> str:
    """The top-level piece of the package a module belongs to (``suite``, ``errors``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_circle_in_the_package() -> None:
    assert import_circle(import_graph(PACKAGE)) is None


def test_a_reintroduced_circle_is_caught(tmp_path: Path) -> None:
    # The circle this layout broke: a case family importing the runner for its types.
    copy = tmp_path / "conformance"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    scenarios = copy / "suite" / "scenarios.py"
    scenarios.write_text(scenarios.read_text() + "\nfrom .runner import run_suite\n")
    circle = import_circle(import_graph(copy))
    assert circle is not None
    assert {"conformance.suite.scenarios", "conformance.suite.runner"} <= set(circle)


def test_the_plugin_items_and_suite_do_not_import_each_other() -> None:
    graph = import_graph(PACKAGE)
    assert "conformance.pytest_plugin._suite" not in graph["conformance.pytest_plugin._items"]
    assert "conformance.suite.runner" not in graph["conformance.suite.scenarios"]


def test_every_part_of_the_package_has_a_stated_layer() -> None:
    stated = [name for layer in stated_layers() for name in layer]
    assert len(stated) == len(set(stated)), "a part is named in two layers"
    present = {unit(m) for m in import_graph(PACKAGE)}
    assert present - set(stated) == set(), "place the new part in ARCHITECTURE.md's layers"
    assert set(stated) - present == set(), "ARCHITECTURE.md names a part that is gone"


def test_imports_go_down_the_stated_layers() -> None:
    level = {name: index for index, layer in enumerate(stated_layers()) for name in layer}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph(PACKAGE).items()
        for target in targets
        if level[unit(target)] > level[unit(module)]
    )
    assert upward == []


def test_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    copy = tmp_path / "conformance"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "validator.py").write_text("from .suite import run_suite\n")
    level = {name: index for index, layer in enumerate(stated_layers()) for name in layer}
    targets = import_graph(copy)["conformance.validator"]
    assert any(level[unit(t)] > level["validator"] for t in targets)


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split the module by concept"
