"""`terraquota demo`: build the bundled demo, run its scenarios in parallel, compare them."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console

from scenarios.cli.summaries import kpi_table, summary_line
from scenarios.demo.data import write_demo_inputs
from scenarios.run.comparison import comparison_files
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import EXIT_OK, run_scenario
from scenarios.run.scenario import load_scenario
from solver.results.run_data import RunData


def _run_to_folder(scenario_path: str, runs_dir: str) -> tuple[str, int, str, float]:
    """Worker: plain data in, plain data out (solver models never cross processes)."""
    t0 = time.perf_counter()
    scenario = load_scenario(scenario_path)
    outcome = run_scenario(scenario)
    target = Path(runs_dir) / scenario.name
    write_folder_atomically(target, outcome.files)
    return str(target), outcome.exit_code, summary_line(outcome), time.perf_counter() - t0


def _track_baseline(run_dir: Path, inputs: Path) -> None:
    """Write demo opportunities and the baseline's tracking folder (attainment, forecast)."""
    from scenarios.demo.opportunities import demo_opportunities
    from scenarios.run.scenario import load_scenario
    from scenarios.run.tracking import track_folder

    run = RunData.from_folder(run_dir)
    plan_start = load_scenario(inputs / "baseline.toml").params.plan.start
    path = inputs / "opportunities.csv"
    demo_opportunities(run.assignment, plan_start).to_csv(path, index=False, lineterminator="\n")
    track_folder(run_dir, path)


def run_demo(
    output: Path,
    *,
    n_accounts: int,
    n_reps: int,
    workers: int,
    console: Console,
    log: Callable[[str], None],
) -> int:
    t0 = time.perf_counter()
    log(f"building demo data ({n_accounts:,} accounts, {n_reps} reps) in {output / 'inputs'}")
    inputs = write_demo_inputs(output / "inputs", n_accounts=n_accounts, n_reps=n_reps, seed=0)
    runs_dir = output / "runs"
    results = []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_run_to_folder, str(p), str(runs_dir)) for p in inputs.scenarios]
        for f in futures:
            folder, code, line, seconds = f.result()
            log(f"{line} [{seconds:.0f} s wall]")
            results.append((Path(folder), code))
    worst = max(code for _, code in results)
    baseline = runs_dir / "fy27-baseline"
    if (baseline / "assignment.csv").is_file():
        log("tracking the baseline mid-year against demo opportunities")
        _track_baseline(baseline, output / "inputs")
    solved = [folder for folder, code in results if code == EXIT_OK]
    if len(solved) >= 2:
        log("comparing the runs")
        runs = [RunData.from_folder(f) for f in solved]
        write_folder_atomically(output / "comparison", comparison_files(runs))
        console.print(kpi_table(runs))
    console.print(
        f"demo written to {output} in {time.perf_counter() - t0:.0f} s: "
        f"runs in {runs_dir}, comparison in {output / 'comparison'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return worst
