"""Comparison folders: read finished run folders, write the comparison (table CSVs, maps, report)."""

from __future__ import annotations

from pathlib import Path

from maps import comparison_map_png
from reports import comparison_csvs, render_comparison_report
from scenarios.run.output_path import check_output
from scenarios.run.runfolder import write_folder_atomically
from solver.errors import InputError, InputProblem
from solver.results.compare import Comparison, compare_runs
from solver.results.labels import Labels
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


def comparison_files(runs: list[RunData], comparison: Comparison | None = None) -> dict[str, bytes]:
    """Every file of a comparison folder, money in the baseline's currency."""
    comparison = comparison or compare_runs(runs)
    base = runs[0]
    currency = Labels.of_toml(base.scenario_toml).currency
    files: dict[str, bytes] = dict(comparison_csvs(comparison, currency))
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


def write_comparison(folders: list[Path], output: Path) -> tuple[list[RunData], Comparison]:
    """Compare finished run folders and write the comparison folder atomically; return the runs and it."""
    output = check_output(output, inputs=folders)
    runs = load_runs(folders)
    comparison = compare_runs(runs)
    write_folder_atomically(output, comparison_files(runs, comparison), kind="comparison")
    return runs, comparison


__all__ = ["comparison_files", "load_runs", "write_comparison"]
