"""`terraquota pull`: accounts, users and opportunities from a Salesforce org into the scenario's tables.

The tables are written where the scenario's ``[data]`` names them (or into
``-o DIR``) under the planner's column names, so `terraquota run` reads them
as they are. Everything is read first and written last: a refusal half-way
leaves the previous files untouched. Credentials never reach the screen, the
log or a file (`solver.inputs.salesforce_api`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
from rich.console import Console

from scenarios.run.scenario import load_scenario
from solver.errors import InputError, InputProblem
from solver.inputs.salesforce_api import connect, credentials_from
from solver.inputs.salesforce_pull import pull_config, pull_tables

TABLES = ("accounts", "reps", "opportunities")


def targets(scenario_path: Path, output: Path | None, tables: tuple[str, ...]) -> dict[str, Path]:
    """Where each pulled table goes: ``-o DIR/<table>.csv``, else the scenario's ``[data]`` paths."""
    scenario = load_scenario(scenario_path)
    data = scenario.resolved.get("data", {})
    out: dict[str, Path] = {}
    for table in tables:
        if output is not None:
            out[table] = output / f"{table}.csv"
        elif data.get(table):
            out[table] = Path(data[table])
        else:
            out[table] = scenario.accounts.parent / f"{table}.csv"
    wrong = [
        InputProblem(
            str(scenario_path), None, f"data.{t}", f"{p.name}: pull writes CSV files; name a .csv file"
        )
        for t, p in out.items()
        if p.suffix.lower() != ".csv"
    ]
    if wrong:
        raise InputError(wrong)
    return out


def _write_all(frames: dict[str, pd.DataFrame], paths: dict[str, Path]) -> None:
    """Write every table to a temporary file beside its target, then move them all in place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for table, frame in frames.items():
            target = paths[table]
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
            staged.append((Path(tmp), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def run_pull(scenario_path: Path, output: Path | None, tables: tuple[str, ...], console: Console) -> int:
    """Pull the tables and write them; return the exit code (errors raise)."""
    scenario = load_scenario(scenario_path)
    weights = tuple(scenario.params.scoring.weights)
    config = pull_config(scenario.resolved.get("salesforce"), str(scenario_path), weights)
    paths = targets(scenario_path, output, tables)
    credentials = credentials_from()
    sf = connect(credentials, version=config.api_version)
    console.print(f"connected to {sf.sf_instance} ({credentials.source})", markup=False, highlight=False)
    pulled = pull_tables(sf, config, tables)
    _write_all({t: frame for t, (frame, _) in pulled.items()}, paths)
    for table, (frame, how) in pulled.items():
        console.print(
            f"{table}: {len(frame):,} rows via {how} -> {paths[table]}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return 0
