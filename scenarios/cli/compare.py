"""`terraquota compare`: read finished run folders, write the comparison folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from maps import comparison_map_png
from reports import comparison_csvs, render_comparison_report
from scenarios.run.runfolder import write_folder_atomically
from solver.errors import InputError, InputProblem
from solver.results.compare import compare_runs
from solver.results.run_data import RunData


def load_runs(folders: list[Path]) -> list[RunData]:
    problems = []
    for f in folders:
        if not (f / "metrics.json").is_file():
            problems.append(InputProblem(str(f), None, None, "not a run folder (no metrics.json)"))
        elif not (f / "assignment.csv").is_file():
            problems.append(
                InputProblem(
                    str(f),
                    None,
                    None,
                    "run has no plan (infeasible or unsolved): nothing to compare",
                )
            )
    if len(folders) < 2:
        problems.append(InputProblem("compare", None, None, "give at least two run folders"))
    if problems:
        raise InputError(problems)
    return [RunData.from_folder(f) for f in folders]


def comparison_files(runs: list[RunData]) -> dict[str, bytes]:
    comparison = compare_runs(runs)
    base = runs[0]
    files: dict[str, bytes] = dict(comparison_csvs(comparison))
    first_png = None
    for other in runs[1:]:
        png = comparison_map_png(
            base.assignment,
            other.assignment,
            other.reps,
            title=f"{base.name} -> {other.name}: moved accounts",
            labels=(base.name, other.name),
        )
        files[f"map_{other.name}.png"] = png
        first_png = first_png or png
    if first_png is not None:
        files["map.png"] = first_png
    files["report.html"] = render_comparison_report(runs, comparison, first_png).encode("utf-8")
    return files


def compare_folders(folders: list[Path], output: Path, *, console: Console) -> None:
    runs = load_runs(folders)
    write_folder_atomically(output, comparison_files(runs))
    console.print(kpi_table(runs))
    console.print(f"comparison folder: {output}", markup=False, highlight=False, soft_wrap=True)


def kpi_table(runs: list[RunData]) -> Table:
    """Key figures side by side: one row per figure, one column per run."""
    table = Table(title="Runs compared")
    table.add_column("", no_wrap=True)
    for r in runs:
        table.add_column(r.name, justify="right", overflow="fold")

    def row(label: str, fmt: Callable[[dict], str]) -> None:
        table.add_row(label, *(fmt(r.metrics) for r in runs))

    def pick(m: dict, *path: str) -> object:
        for key in path:
            m = m.get(key, {}) if isinstance(m, dict) else {}
        return m if m != {} else None

    row("status", lambda m: str(m.get("status")))
    row("moved accounts", lambda m: f"{pick(m, 'moved', 'accounts') or 0:,}")
    row("moved potential", lambda m: f"{pick(m, 'moved', 'potential_share') or 0:.1%}")
    row("worst balance", lambda m: f"{pick(m, 'balance', 'potential', 'max_abs_deviation') or 0:.2%}")
    row("gap", lambda m: "-" if m.get("gap") is None else f"{m['gap']:.2%}")
    row(
        "quota total",
        lambda m: "-" if pick(m, "quota", "total") is None else f"{float(pick(m, 'quota', 'total')):,.2f}",
    )
    return table


__all__ = ["compare_folders", "comparison_files", "kpi_table", "load_runs", "pd"]
