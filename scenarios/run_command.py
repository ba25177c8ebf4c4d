"""`terraquota run`: one scenario to one run folder, with a printed summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from scenarios.runfolder import write_folder_atomically
from scenarios.runner import RunOutcome, run_scenario
from scenarios.scenario import load_scenario


def summary_line(outcome: RunOutcome) -> str:
    r = outcome.result
    m = outcome.run.metrics if outcome.run else {}
    moved = m.get("moved", {})
    bal = m.get("balance", {}).get("potential", {})
    if not r.status.has_plan:
        return f"{outcome.scenario.name}: {r.status} ({r.seconds:.1f} s)"
    return (
        f"{outcome.scenario.name}: {r.status}, objective {r.objective:.5f}, bound {r.bound:.5f}, "
        f"gap {r.gap:.2%}; moved {moved.get('accounts', 0):,} accounts "
        f"({moved.get('potential_share', 0):.1%} of potential); worst balance "
        f"{bal.get('max_abs_deviation', 0):.2%}; {r.seconds:.1f} s"
    )


def run_one(
    scenario_path: Path,
    output: Path | None,
    *,
    render: bool,
    log: Callable[[str], None],
    console: Console,
) -> int:
    scenario = load_scenario(scenario_path)
    outcome = run_scenario(scenario, progress=log, render=render)
    target = output or Path("runs") / scenario.name
    write_folder_atomically(target, outcome.files)
    console.print(summary_line(outcome), markup=False, highlight=False, soft_wrap=True)
    if outcome.result.explanation and not outcome.result.status.has_plan:
        console.print(outcome.result.explanation, markup=False, highlight=False, soft_wrap=True)
    console.print(f"run folder: {target}", markup=False, highlight=False, soft_wrap=True)
    return outcome.exit_code
