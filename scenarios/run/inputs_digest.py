"""The inputs a run was made from, and whether they are still the same.

Every run folder holds ``inputs.json``: the sha256 of each input file the
scenario names (and of any extra input, such as a re-plan's events). The
commands that read a run together with its original inputs (`explain`,
`replan`, `track`) check them first: a table edited since the run would make
them explain or move a different plan than the one in the folder, so a
changed or missing file is an input error naming it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenarios.run.scenario import PATH_KEYS, Scenario
from solver.errors import InputError, InputProblem

__all__ = ["INPUTS_FILE", "check_inputs_unchanged", "inputs_json", "scenario_input_files"]

INPUTS_FILE = "inputs.json"


def file_sha256(path: Path) -> str:
    with Path(path).open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def scenario_input_files(scenario: Scenario) -> dict[str, Path]:
    """Dotted scenario key -> input file (tables, forbidden pairs, region polygons...)."""
    out: dict[str, Path] = {}
    data = scenario.resolved.get("data", {})
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            out[f"data.{key}"] = Path(data[key])
    forbid = scenario.resolved.get("assignment", {}).get("forbid")
    if isinstance(forbid, str):
        out["assignment.forbid"] = Path(forbid)
    return out


def inputs_json(scenario: Scenario, extra: Mapping[str, Path] | None = None) -> bytes:
    """``inputs.json`` bytes: every existing input file with its digest (sorted, stable)."""
    files = {**scenario_input_files(scenario), **(extra or {})}
    entries = {
        key: {"path": str(path), "sha256": file_sha256(path)}
        for key, path in sorted(files.items())
        if path.is_file()
    }
    return (json.dumps({"files": entries}, indent=2, sort_keys=True) + "\n").encode("utf-8")


def recorded_inputs(run_dir: Path) -> dict[str, dict[str, Any]]:
    """The inputs ``run_dir`` records ({} for a run written before digests were kept)."""
    path = Path(run_dir) / INPUTS_FILE
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        raise InputError(InputProblem(str(path), None, None, "not a valid inputs.json")) from None
    return dict(files)


def check_inputs_unchanged(run_dir: Path, keys: set[str] | None = None) -> None:
    """Raise `InputError` naming every input of the run that changed or disappeared since it ran.

    ``keys`` limits the check to those inputs (e.g. the tables a command reads).
    """
    problems = []
    for key, entry in sorted(recorded_inputs(run_dir).items()):
        if keys is not None and key not in keys:
            continue
        path = Path(entry["path"])
        if not path.is_file():
            why = f"the {key} file of the run {run_dir} no longer exists; restore it or re-run"
            problems.append(InputProblem(str(path), None, None, why))
        elif file_sha256(path) != entry["sha256"]:
            why = (
                f"changed since the run {run_dir} was made from it (its sha256 differs); "
                "restore it, or run the scenario again"
            )
            problems.append(InputProblem(str(path), None, None, why))
    if problems:
        raise InputError(problems)
