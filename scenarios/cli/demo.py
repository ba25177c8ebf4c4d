"""`terraquota demo`: build the bundled demo, run its scenarios in parallel, compare them.

The demo folder follows the rule of every command: a new or empty folder, or
one terraquota wrote (a previous demo), replaced whole in one rename.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from scenarios.batch.engines import worker_pool
from scenarios.cli.summaries import kpi_table, summary_line
from scenarios.demo.build import build_folder, folder_files, relocated
from scenarios.demo.data import MIN_ACCOUNTS, MIN_REPS, write_demo_inputs
from scenarios.run.comparison import comparison_files
from scenarios.run.output_path import check_output
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import EXIT_OK, run_scenario
from scenarios.run.scenario import load_scenario
from solver.errors import InputError, InputProblem
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


def _check(output: Path, n_accounts: int, n_reps: int) -> Path:
    """The demo folder and sizes, refused before any work (exit 2) when they cannot be used."""
    problems = []
    if n_accounts < MIN_ACCOUNTS:
        problems.append(InputProblem("--accounts", None, None, f"{n_accounts} is below {MIN_ACCOUNTS}"))
    if n_reps < MIN_REPS:
        problems.append(InputProblem("--reps", None, None, f"{n_reps} is below {MIN_REPS}"))
    try:
        target = check_output(output)
    except InputError as e:
        problems += e.problems
    if problems:
        raise InputError(problems)
    return target


def _build(
    root: Path, *, n_accounts: int, n_reps: int, workers: int, console: Console, log: Callable[[str], None]
) -> int:
    """The whole demo in ``root``: inputs, runs, the baseline's tracking, the comparison."""
    log(f"building demo data ({n_accounts:,} accounts, {n_reps} reps)")
    inputs = write_demo_inputs(root / "inputs", n_accounts=n_accounts, n_reps=n_reps, seed=0)
    runs_dir = root / "runs"
    results = []
    with worker_pool(max(1, workers)) as pool:  # its workers end with this process
        futures = [pool.submit(_run_to_folder, str(p), str(runs_dir)) for p in inputs.scenarios]
        for f in futures:
            folder, code, line, seconds = f.result()
            log(f"{line} [{seconds:.0f} s wall]")
            results.append((Path(folder), code))
    baseline = runs_dir / "fy27-baseline"
    if (baseline / "assignment.csv").is_file():
        log("tracking the baseline mid-year against demo opportunities")
        _track_baseline(baseline, root / "inputs")
    solved = [folder for folder, code in results if code == EXIT_OK]
    if len(solved) >= 2:
        log("comparing the runs")
        runs = [RunData.from_folder(f) for f in solved]
        write_folder_atomically(root / "comparison", comparison_files(runs), kind="comparison")
        console.print(kpi_table(runs))
    return max(code for _, code in results)


def run_demo(
    output: Path,
    *,
    n_accounts: int,
    n_reps: int,
    workers: int,
    console: Console,
    log: Callable[[str], None],
) -> int:
    """Build the demo in a hidden folder beside ``output``, then replace ``output`` with it whole.

    ``output`` must be new, empty or a folder terraquota wrote (a previous
    demo among them); anything else is an `InputError` before any work.
    """
    t0 = time.perf_counter()
    target = _check(Path(output), n_accounts, n_reps)
    with build_folder(target) as root:
        worst = _build(root, n_accounts=n_accounts, n_reps=n_reps, workers=workers, console=console, log=log)
        files = relocated(folder_files(root), root, target)
    write_folder_atomically(target, files, kind="demo")
    console.print(
        f"demo written to {target} in {time.perf_counter() - t0:.0f} s: "
        f"runs in {target / 'runs'}, comparison in {target / 'comparison'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return worst
