"""Reading what a version holds for the pages: a manager's team, ids, rows of a run, the demo.

Reads are cached by file and modification time (versions never change once
made), so pages that ask again on every request stay fast.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from solver.errors import InputError
from solver.inputs import read_table
from solver.inputs.columns import ACCOUNTS, REPS
from workspace.engine.edits import header_of
from workspace.engine.scenario import data_paths

__all__ = ["account_rows", "ids", "reps_rows", "scenario_document", "scenario_name", "team", "write_demo"]


@functools.lru_cache(maxsize=64)
def _team_cached(
    reps_path: str,
    reps_mtime: float,
    owners_path: str,
    owners_mtime: float,
    owner_column: str,
    manager_id: str,
) -> tuple[frozenset[str], frozenset[str]]:
    reps = read_table(reps_path)
    rep_h, mgr_h = header_of(reps, REPS, "rep_id"), header_of(reps, REPS, "manager_id")
    if rep_h is None or mgr_h is None:
        return frozenset(), frozenset()
    team = frozenset(reps.loc[reps[mgr_h] == manager_id, rep_h].dropna().astype(str))
    owners = read_table(owners_path)
    acc_h = header_of(owners, ACCOUNTS, "account_id") if owner_column != "rep_id" else "account_id"
    own_h = owner_column if owner_column == "rep_id" else header_of(owners, ACCOUNTS, "current_owner")
    if acc_h is None or own_h is None:
        return team, frozenset()
    accounts = frozenset(owners.loc[owners[own_h].isin(team).fillna(False), acc_h].dropna().astype(str))
    return team, accounts


def team(
    inputs_dir: Path, scenario_file: str, run_dir: Path, manager_id: str
) -> tuple[frozenset[str], frozenset[str]]:
    """A manager's reps (``manager_id`` in the reps table) and those reps' accounts.

    Accounts are the run's assignment when the version has run, else today's
    owners (``current_owner``).
    """
    paths = data_paths(inputs_dir, scenario_file)
    assignment = run_dir / "assignment.csv"
    if assignment.is_file():
        owners, column = assignment, "rep_id"
    else:
        owners, column = paths["accounts"], "current_owner"
    return _team_cached(
        str(paths["reps"]),
        paths["reps"].stat().st_mtime,
        str(owners),
        owners.stat().st_mtime,
        column,
        manager_id,
    )


def scenario_name(inputs_dir: Path, scenario_file: str) -> str:
    """The scenario's ``name`` (``extends`` followed), or the folder's name."""
    from scenarios.run import merged_document

    try:
        name = merged_document(inputs_dir / scenario_file).get("name")
    except InputError:
        name = None
    return name.strip() if isinstance(name, str) and name.strip() else inputs_dir.name


@functools.lru_cache(maxsize=64)
def _ids_cached(
    accounts: str, accounts_mtime: float, reps: str, reps_mtime: float
) -> tuple[frozenset[str], frozenset[str]]:
    out = []
    for path, spec, key in ((accounts, ACCOUNTS, "account_id"), (reps, REPS, "rep_id")):
        table = read_table(path)
        header = header_of(table, spec, key)
        out.append(frozenset(table[header].dropna().astype(str)) if header else frozenset())
    return out[0], out[1]


def ids(inputs_dir: Path, scenario_file: str) -> tuple[frozenset[str], frozenset[str]]:
    """The account ids and rep ids of a version's input tables."""
    paths = data_paths(inputs_dir, scenario_file)
    a, r = paths["accounts"], paths["reps"]
    return _ids_cached(str(a), a.stat().st_mtime, str(r), r.stat().st_mtime)


@functools.lru_cache(maxsize=32)
def _csv_records(path: str, mtime: float) -> tuple[dict[str, Any], ...]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tuple(df.to_dict("records"))


def reps_rows(inputs_dir: Path, scenario_file: str, run_dir: Path) -> list[dict[str, Any]]:
    """The run's reps.csv rows as text (the input reps table before a run)."""
    path = run_dir / "reps.csv"
    if not path.is_file():
        path = data_paths(inputs_dir, scenario_file)["reps"]
        table = read_table(path)
        claimed, _ = REPS.match([str(h) for h in table.columns])
        table = table.rename(columns={table.columns[p[0]]: name for name, p in claimed.items()})
        return table.fillna("").astype(str).to_dict("records")
    return [dict(r) for r in _csv_records(str(path), path.stat().st_mtime)]


def account_rows(
    inputs_dir: Path, scenario_file: str, run_dir: Path, rep_id: str | None = None
) -> list[dict[str, Any]]:
    """The run's assignment.csv rows as text, optionally of one rep (empty before a run)."""
    path = run_dir / "assignment.csv"
    if not path.is_file():
        return []
    rows = _csv_records(str(path), path.stat().st_mtime)
    return [dict(r) for r in rows if rep_id is None or r["rep_id"] == rep_id]


def write_demo(folder: Path, n_accounts: int = 20_000, n_reps: int = 150) -> str:
    """The demo's inputs (as `terraquota demo` builds them) with a scenario.toml for its baseline."""
    from scenarios.demo.data import write_demo_inputs

    inputs = write_demo_inputs(folder, n_accounts=n_accounts, n_reps=n_reps, seed=0)
    baseline = inputs.scenarios[0].name
    (folder / "scenario.toml").write_text(tomli_w.dumps({"extends": baseline}), encoding="utf-8")
    return "scenario.toml"


def scenario_document(scenario_path: Path) -> dict[str, Any]:
    """The top scenario file as a TOML document (a copy: callers may change it)."""
    return copy.deepcopy(tomllib.loads(scenario_path.read_text(encoding="utf-8")))
