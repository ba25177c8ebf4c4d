"""`terraquota compare`: read finished run folders, write the comparison folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from maps import comparison_map_png
from reports import comparison_csvs, render_comparison_report
from reports.run_data import RunData
from scenarios.compare import compare_runs
from scenarios.runfolder import write_folder_atomically
from solver.errors import InputError, InputProblem


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
    table = Table("run", "status", "moved accounts", "moved potential", "worst balance", "gap", "quota total")
    for r in runs:
        m = r.metrics
        mv = m.get("moved", {})
        bal = m.get("balance", {}).get("potential", {})
        table.add_row(
            r.name,
            str(m.get("status")),
            f"{mv.get('accounts', 0):,}",
            f"{mv.get('potential_share', 0):.1%}",
            f"{bal.get('max_abs_deviation', 0):.2%}",
            "-" if m.get("gap") is None else f"{m['gap']:.2%}",
            str(m.get("quota", {}).get("total", "-")),
        )
    return table


__all__ = ["compare_folders", "comparison_files", "kpi_table", "load_runs", "pd"]
