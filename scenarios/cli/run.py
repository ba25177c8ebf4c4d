"""`terraquota run`: one scenario to one run folder, with a printed summary."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from scenarios.cli.summaries import RunProgress, quota_line, summary_line, warning_lines
from scenarios.run.output_path import check_output
from scenarios.run.prepare import prepare
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from solver.assignment.alternatives import alternatives


def workbook_override(workbook: Path | None) -> dict[str, Any] | None:
    """``--from-workbook FILE`` as a scenario override of ``[data] workbook`` (an absolute path)."""
    if workbook is None:
        return None
    return {"data": {"workbook": str(Path(workbook).resolve())}}


def run_alternatives(
    scenario_path: Path,
    output: Path | None,
    k: int,
    *,
    min_diff: float,
    max_gap: float,
    render: bool,
    log: Callable[[str], None],
    console: Console,
    workbook: Path | None = None,
) -> int:
    """The best plan and up to k-1 different good ones, each in its own run folder."""
    scenario = load_scenario(scenario_path)
    base = check_output(output or Path("runs") / scenario.name, inputs=scenario.input_paths())
    for i in range(1, k):
        check_output(base.parent / f"{base.name}-alt{i}", inputs=scenario.input_paths())
    prep = prepare(scenario)
    results = alternatives(
        prep.problem, scenario.params.assignment, k, min_diff_share=min_diff, max_gap=max_gap, progress=log
    )
    codes = []
    for i, result in enumerate(results):
        named = scenario if i == 0 else dataclasses.replace(scenario, name=f"{scenario.name}-alt{i}")
        outcome = run_scenario(named, progress=log, render=render, prepared=prep, result=result)
        target = base if i == 0 else base.parent / f"{base.name}-alt{i}"
        write_folder_atomically(target, outcome.files)
        console.print(summary_line(outcome), markup=False, highlight=False, soft_wrap=True)
        for line in warning_lines(outcome.run.metrics if outcome.run else {}):
            console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
        console.print(f"run folder: {target}", markup=False, highlight=False, soft_wrap=True)
        codes.append(outcome.exit_code)
    if len(results) < k and results[0].status.has_plan:
        console.print(
            f"found {len(results) - 1} of {k - 1} alternatives within {max_gap:.1%} of the best "
            f"objective and at least {min_diff:.0%} different",
            markup=False,
            soft_wrap=True,
        )
    return codes[0]


def run_one(
    scenario_path: Path,
    output: Path | None,
    *,
    render: bool,
    log: Callable[[str], None],
    console: Console,
    manager_sheets: bool = False,
    console_err: Console | None = None,
    workbook: Path | None = None,
) -> int:
    """One scenario to one run folder, behind a progress bar on ``console_err``."""
    scenario = load_scenario(scenario_path, workbook_override(workbook))
    target = check_output(output or Path("runs") / scenario.name, inputs=scenario.input_paths())
    with RunProgress(console_err or console, log) as bar:
        bar("reading and validating inputs")
        prep = prepare(scenario)
        budget = scenario.params.assignment.max_moved_share is not None
        bar.expect(len(prep.problem.blocks) * (2 if budget else 1) + 1 + int(render))
        outcome = run_scenario(
            scenario, progress=bar, render=render, manager_sheets=manager_sheets, prepared=prep
        )
        bar("writing the run folder")
        write_folder_atomically(target, outcome.files)
    console.print(summary_line(outcome), markup=False, highlight=False, soft_wrap=True)
    quota = quota_line(outcome)
    if quota:
        console.print(quota, markup=False, highlight=False, soft_wrap=True)
    for line in warning_lines(outcome.run.metrics if outcome.run else {}):
        console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
    if outcome.result.explanation and not outcome.result.status.has_plan:
        console.print(outcome.result.explanation, markup=False, highlight=False, soft_wrap=True)
    console.print(f"run folder: {target}", markup=False, highlight=False, soft_wrap=True)
    return outcome.exit_code
