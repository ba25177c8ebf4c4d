"""Re-solve a finished run folder after a list of changes: the entry point of the CLI and the workspace.

Reads the run folder (its resolved scenario.toml, assignment.csv and
metrics.json) and the inputs it was made from, applies the changes
(`scenarios.run.resolve_changes`), re-solves only the blocks they touch
(`solver.assignment.resolve`) and renders a complete run folder through the
same runner as ``terraquota run``. Accounts of untouched blocks keep their
rows of assignment.csv byte for byte; a change of quota keys only re-splits
the quotas. The folder adds ``changes.json`` (every change applied to the
tables its scenario.toml names, with their paths: a re-solve of this folder
applies them again) and a ``resolve`` section in metrics.json.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios.run.prepare import Prepared, prepare_tables, read_scenario_tables
from scenarios.run.resolve_changes import apply_changes, changes_list
from scenarios.run.runner import RunOutcome, json_bytes, run_scenario
from scenarios.run.scenario import Scenario, load_scenario
from solver.assignment import BlockResult, Result, Status
from solver.assignment.resolve import Resolved, resolve
from solver.errors import InputError, InputProblem


@dataclass(frozen=True)
class Base:
    """A finished run: its scenario, its inputs as read, prepared, and its result."""

    scenario: Scenario
    accounts: pd.DataFrame
    reps: pd.DataFrame
    prepared: Prepared
    result: Result
    #: changes earlier re-solves made to the scenario's tables (`earlier_changes`)
    changes: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class ResolveOutcome:
    """The new run folder's files (``outcome.files``) and what the re-solve did."""

    outcome: RunOutcome
    resolved: Resolved


def _problem(run_dir: Path, file: str, why: str) -> InputError:
    return InputError(InputProblem(str(run_dir / file), None, None, why))


def base_result(run_dir: Path, prep: Prepared) -> Result:
    """The run's plan and its solve figures, from assignment.csv and metrics.json."""
    for name in ("assignment.csv", "metrics.json"):
        if not (run_dir / name).is_file():
            raise _problem(run_dir, name, "missing: a re-solve starts from a run folder with a plan")
    m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    table = pd.read_csv(run_dir / "assignment.csv", dtype=str, keep_default_na=False)
    pb = prep.problem
    if not np.array_equal(table["account_id"].to_numpy(dtype=str), pb.account_ids.astype(str)):
        raise _problem(
            run_dir, "assignment.csv", "its accounts differ from the input tables: they changed since the run"
        )
    index = pd.Series(np.arange(pb.n_reps), index=pb.rep_ids)
    plan = table["rep_id"].map(index)
    if plan.isna().any():
        rep = table["rep_id"][plan.isna()].iloc[0]
        raise _problem(
            run_dir, "assignment.csv", f"rep {rep!r} is not in the reps table: it changed since the run"
        )
    blocks = tuple(
        BlockResult(
            b["block"],
            b["segment"],
            b["region"],
            b["accounts"],
            b["units"],
            b["reps"],
            Status(b["status"]),
            _float(b["objective"]),
            _float(b["bound"], -np.inf),
            b["seconds"],
            b.get("moved_budget"),
            b.get("pieces", 1),
        )
        for b in m.get("blocks", [])
    )
    return Result(
        Status(m["status"]),
        _float(m["objective"]),
        _float(m["bound"], -np.inf),
        float(m["seconds"]),
        int(m["seed"]),
        str(m["solver"]),
        plan.to_numpy(dtype=np.int64),
        blocks,
        {k: _float(v) for k, v in m.get("objective_terms", {}).items()},
        notes=tuple(m.get("notes", [])),
    )


def _float(x: Any, missing: float = np.nan) -> float:
    return missing if x is None else float(x)


def _tables_of(scenario: Scenario) -> dict[str, str]:
    return {"accounts": str(scenario.accounts), "reps": str(scenario.reps)}


def earlier_changes(run_dir: Path, scenario: Scenario) -> list[dict[str, Any]]:
    """The changes an earlier re-solve made to the tables this run's scenario names.

    A re-solved run folder's scenario.toml names the tables the changes were
    applied to, and changes.json records them with those tables' paths; the
    changes are applied again only while the scenario still names those
    tables (a caller that wrote edited tables of its own, and a scenario.toml
    naming them, has them in its tables already).
    """
    path = run_dir / "changes.json"
    if not path.is_file():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("tables") != _tables_of(scenario):
        return []
    return changes_list(doc.get("changes", []), str(path))


def load_base(run_dir: Path) -> Base:
    """Read a finished run folder and the inputs its scenario names (with earlier re-solves' changes)."""
    run_dir = Path(run_dir)
    if not (run_dir / "scenario.toml").is_file():
        raise _problem(run_dir, "scenario.toml", "missing: not a run folder")
    scenario = load_scenario(run_dir / "scenario.toml")
    accounts, reps = read_scenario_tables(scenario)
    earlier = earlier_changes(run_dir, scenario)
    if earlier:
        changed = apply_changes(accounts, reps, earlier, str(run_dir / "changes.json"))
        accounts, reps = changed.accounts, changed.reps
    prep = prepare_tables(scenario, accounts, reps)
    return Base(scenario, accounts, reps, prep, base_result(run_dir, prep), earlier)


def resolve_run(
    run_dir: Path,
    changes: list[dict[str, Any]],
    *,
    source: str = "changes",
    render: bool = True,
    progress: Callable[[str], None] | None = None,
    base: Base | None = None,
) -> ResolveOutcome:
    """Apply ``changes`` to the run in ``run_dir`` and re-solve what they touch.

    Parameters
    ----------
    run_dir : Path
        A finished run folder (from ``terraquota run`` or an earlier re-solve).
    changes : list of dict
        Checked changes (`scenarios.run.resolve_changes.changes_list`).
    source : str
        Where the changes came from, for error messages (a file name).
    render : bool
        Also draw the map, report and workbook.
    progress : callable, optional
        Called with short status texts.
    base : Base, optional
        The run already read (`load_base`): a workspace holding it skips reading again.

    Returns
    -------
    ResolveOutcome
        ``outcome.files`` is the complete new run folder (write it with
        `scenarios.run.runfolder.write_folder_atomically`); ``outcome.exit_code``
        follows the contract.
    """
    base = base or load_base(Path(run_dir))
    changed = apply_changes(base.accounts, base.reps, changes, source)
    scenario = load_scenario(base.scenario.source, changed.overrides) if changed.overrides else base.scenario
    prep = prepare_tables(scenario, changed.accounts, changed.reps)
    resolved = resolve(
        base.prepared.problem,
        base.result,
        prep.problem,
        scenario.params.assignment,
        base.scenario.params.assignment,
        progress=progress,
    )
    outcome = run_scenario(scenario, progress=progress, render=render, prepared=prep, result=resolved.result)
    files = dict(outcome.files)
    # every change since the tables the scenario names, so that the next re-solve starts from this plan
    files["changes.json"] = json_bytes({"changes": [*base.changes, *changes], "tables": _tables_of(scenario)})
    metrics = json.loads(files["metrics.json"])
    metrics["resolve"] = {
        "blocks": list(resolved.blocks),
        "whole": resolved.whole,
        "moved_from_base": {"accounts": resolved.moved_accounts, "potential": resolved.moved_potential},
        "note": resolved.note,
    }
    files["metrics.json"] = json_bytes(metrics)
    return ResolveOutcome(
        RunOutcome(outcome.scenario, outcome.result, outcome.exit_code, files, outcome.run), resolved
    )
