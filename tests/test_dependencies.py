"""Every runtime dependency in pyproject.toml is used by the kit at run time.

Used means imported by a module of ``conformance/`` (outside ``if TYPE_CHECKING:``),
or, for the two that are never imported, named as a string where uvicorn is told
to use them (:data:`NAMED`). A dependency nothing uses belongs in the test extras,
or nowhere.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "conformance"

#: Distributions used without an import: the file that names each, as a string, to uvicorn.
NAMED = {
    # uvicorn.Config(http="httptools"): the fast HTTP parser of the served simulators,
    # the proxy and the receiver.
    "httptools": "conformance/simulators/_serve.py",
    # uvicorn.Config(loop="uvloop"), except on Windows (which uvloop does not support).
    "uvloop": "conformance/simulators/_serve.py",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_at_run_time(tree: ast.AST) -> set[str]:
    """Top-level names of the modules *tree* imports, leaving out type-checking-only imports."""
    found: set[str] = set()
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        if isinstance(node, ast.If) and _type_checking(node):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)
    return found


def string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_the_scan_leaves_out_type_checking_imports() -> None:
    tree = ast.parse("import a\nif TYPE_CHECKING:\n    import b\nelse:\n    import c\n")
    assert imported_at_run_time(tree) == {"a", "c"}


def test_every_runtime_dependency_is_used_by_the_kit() -> None:
    modules_of: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in distributions:
            modules_of.setdefault(normalise(distribution), set()).add(module)
    imported: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        imported |= imported_at_run_time(ast.parse(path.read_text(encoding="utf-8")))
    unused = []
    for requirement in runtime_dependencies():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # not installed on this platform
        name = normalise(requirement.name)
        modules = modules_of.get(name)
        assert modules, f"{name} is a dependency but is not installed"
        if modules & imported:
            assert name not in NAMED, f"{name} is imported: take it off the NAMED list"
            continue
        place = NAMED.get(name)
        if place is not None and name in string_constants(ROOT / place):
            continue
        unused.append(name if place is None else f"{name} (not named in {place})")
    assert not unused, f"runtime dependencies the kit does not use: {', '.join(unused)}"
