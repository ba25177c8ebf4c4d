"""Imports flow one way: solver -> scenarios -> maps/reports, and workspace on top.

Every ``import`` and ``from ... import`` of the four packages (and the web
workspace) is read with `ast`, including imports inside functions, so a lazy
import cannot hide a layer violation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.tests_paths import REPO

PACKAGES = ("solver", "scenarios", "maps", "reports", "workspace")
# package -> top-level packages it must never import
FORBIDDEN = {
    "solver": {"scenarios", "maps", "reports", "workspace"},
    "maps": {"scenarios", "workspace"},
    "reports": {"scenarios", "workspace"},
    "scenarios": {"workspace"},
}
COMMANDS = "scenarios.cli"
COMMAND_INFRASTRUCTURE = {"scenarios.cli", "scenarios.cli.commands", "scenarios.cli.summaries"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports (anywhere in it)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_violations(module: str, imports: set[str]) -> list[str]:
    """Why each import of ``module`` breaks a layer rule (empty when it breaks none)."""
    top = module.split(".")[0]
    found = [
        f"{module} imports {name} ({top} must not import {name.split('.')[0]})"
        for name in sorted(imports)
        if name.split(".")[0] in FORBIDDEN.get(top, set())
    ]
    if module.startswith(COMMANDS + ".") and module not in COMMAND_INFRASTRUCTURE:
        found += [
            f"{module} imports the command module {name} (commands share code through a library module)"
            for name in sorted(imports)
            if name.startswith(COMMANDS + ".")
            and ".".join(name.split(".")[:3]) not in COMMAND_INFRASTRUCTURE | {module}
        ]
    return found


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_respect_the_layers(module: str, path: Path) -> None:
    assert layer_violations(module, imported_modules(path)) == []


def test_the_rules_catch_each_kind_of_violation() -> None:
    assert layer_violations("solver.planning.sizing", {"reports.html"})
    assert layer_violations("maps.territory", {"scenarios.run.runner"})
    assert layer_violations("reports.html.run_report", {"workspace.plans"})
    assert layer_violations("scenarios.run.runner", {"workspace"})
    assert layer_violations("scenarios.cli.demo", {"scenarios.cli.batch"})
    assert not layer_violations("scenarios.cli.demo", {"scenarios.cli.demo", "scenarios.run.runner"})
    assert not layer_violations("scenarios.cli.commands", {"scenarios.cli.run"})
    assert not layer_violations("workspace.plans", {"solver", "scenarios.run", "reports"})
