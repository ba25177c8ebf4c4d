"""The `terraquota` command line: a thin layer over the library.

Exit codes (CONTRACT.md): 0 solved, 2 bad input, 3 infeasible (explained),
4 no solution within the time limit, 1 anything else (a bug).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scenarios.run.runner import EXIT_BUG, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_OK
from solver.errors import InputError
from solver.highs import silence_banner

app = typer.Typer(
    name="terraquota",
    help="Optimisation-driven sales territory and quota planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# log lines say what happens, not where in the code (no "commands.py:41")
console = Console(stderr=True, log_path=False)
#: Output piped to a file or another program is not cut to 80 columns (wide tables fold else).
PIPED_WIDTH = 200
out = Console(log_path=False)
if not out.is_terminal:
    out = Console(log_path=False, width=max(out.width, PIPED_WIDTH))


def _input_failure(e: InputError) -> typer.Exit:
    console.print(f"[bold red]{len(e.problems)} input problem(s):[/]")
    for p in e.problems:
        console.print(f"  - {p}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def _status(msg: str) -> None:
    console.log(msg)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Run folder to write (default runs/<name>)"),
    ] = None,
    no_render: Annotated[bool, typer.Option("--no-render", help="Skip map, report and workbook")] = False,
    alternatives: Annotated[
        int, typer.Option("--alternatives", help="Also find K-1 different good plans (folders <out>-altN)")
    ] = 1,
    min_diff: Annotated[
        float, typer.Option("--min-diff", help="Alternatives differ by at least this share of accounts")
    ] = 0.05,
    max_gap: Annotated[
        float, typer.Option("--max-gap", help="Alternatives cost at most this much more than the best")
    ] = 0.02,
    manager_sheets: Annotated[
        bool, typer.Option("--manager-sheets", help="Add one workbook sheet per manager")
    ] = False,
    engine: Annotated[
        str, typer.Option(help="Where blocks and pieces are solved: local (processes) or dask")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (implies --engine dask)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes: of the local Dask cluster (dask), or forced local processes (local)"),
    ] = None,
    from_workbook: Annotated[
        Path | None,
        typer.Option(
            "--from-workbook",
            help="A run's workbook.xlsx edited in Excel: its owner changes (as pins), quotas and rep dates",
        ),
    ] = None,
) -> None:
    """Run one scenario and write its run folder (and alternative plans' folders).

    With --engine dask the blocks and pieces are solved on a Dask cluster (a local one
    of --workers processes, or the one behind --scheduler); the plan is the same.
    """
    from scenarios.cli.run import run_alternatives, run_one
    from scenarios.run.engine import run_engine

    try:
        with run_engine(engine, scheduler, workers):
            if alternatives > 1:
                code = run_alternatives(
                    scenario,
                    output,
                    alternatives,
                    min_diff=min_diff,
                    max_gap=max_gap,
                    render=not no_render,
                    log=_status,
                    console=out,
                    workbook=from_workbook,
                )
            else:
                code = run_one(
                    scenario,
                    output,
                    render=not no_render,
                    log=_status,
                    console=out,
                    manager_sheets=manager_sheets,
                    console_err=console,
                    workbook=from_workbook,
                )
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")]) -> None:
    """Check the scenario and its input tables as `run` does before solving; print every problem."""
    from scenarios.run.scenario import load_scenario
    from scenarios.run.validate import validate_scenario

    try:
        checked = validate_scenario(load_scenario(scenario))
    except InputError as e:
        raise _input_failure(e) from None
    for note in checked.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if checked.problems:
        failure = _input_failure(InputError(checked.problems))
        for finding in checked.findings:
            console.print(f"  - {finding}", markup=False, highlight=False, soft_wrap=True)
        raise failure
    if checked.findings:
        console.print(f"[bold red]{len(checked.findings)} block(s) cannot be planned:[/]")
        for finding in checked.findings:
            console.print(f"  - {finding}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INFEASIBLE)
    assert checked.prepared is not None
    pb = checked.prepared.problem
    out.print(f"[green]OK[/]: {pb.n_accounts:,} accounts, {pb.n_reps} reps, {len(pb.blocks)} blocks")
    raise typer.Exit(EXIT_OK)


@app.command()
def compare(
    runs: Annotated[list[Path], typer.Argument(help="Two or more run folders")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Comparison folder")] = Path("comparison"),
) -> None:
    """Compare finished runs: KPI table, comparison map and report."""
    from scenarios.cli.summaries import kpi_table, rep_delta_table
    from scenarios.run.comparison import write_comparison

    try:
        compared, comparison = write_comparison(runs, output)
    except InputError as e:
        raise _input_failure(e) from None
    out.print(kpi_table(compared))
    reps, left_out = rep_delta_table(comparison, compared)
    if reps.row_count:
        out.print(reps)
    if left_out:
        out.print(f"{left_out:,} more changed reps in rep_deltas.csv")
    out.print(f"comparison folder: {output}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK)


@app.command()
def batch(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files: plain scenarios or sweeps")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Batch folder: one run folder per member")
    ] = Path("runs"),
    workers: Annotated[int, typer.Option(help="Members solved at once")] = max(1, os.cpu_count() or 1),
    engine: Annotated[str, typer.Option(help="local (process pool) or dask")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (implies --engine dask)")
    ] = None,
    no_render: Annotated[
        bool, typer.Option("--no-render", help="Skip maps, reports and the comparison folder")
    ] = False,
    tradeoff_x: Annotated[
        str, typer.Option("--tradeoff-x", help="metrics.json path on the trade-off chart's x axis")
    ] = "moved.potential_share",
    tradeoff_y: Annotated[
        str, typer.Option("--tradeoff-y", help="metrics.json path on the trade-off chart's y axis")
    ] = "balance.potential.max_abs_deviation",
) -> None:
    """Run many scenarios or a sweep in parallel; resumable; summary, trade-off chart, comparison."""
    from scenarios.cli.batch import run_batch_command

    try:
        code = run_batch_command(
            scenarios,
            output,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            render=not no_render,
            tradeoff_x=tradeoff_x,
            tradeoff_y=tradeoff_y,
            console=out,
            progress_console=console,
            log=_status,
        )
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def pull(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file ([data] paths, [salesforce] mapping)")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder for the tables (default: the [data] paths)")
    ] = None,
    no_opportunities: Annotated[bool, typer.Option("--no-opportunities", help="Skip opportunities")] = False,
) -> None:
    """Pull accounts, users and opportunities from Salesforce into the scenario's tables."""
    from scenarios.cli.pull import TABLES, run_pull
    from solver.inputs.salesforce_api import SalesforceProblem

    tables = tuple(t for t in TABLES if not (no_opportunities and t == "opportunities"))
    try:
        code = run_pull(scenario, output, tables, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    except SalesforceProblem as e:
        console.print(f"Salesforce: {e}", style="bold red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    raise typer.Exit(code)


@app.command()
def push(
    run_dir: Annotated[Path, typer.Argument(help="Finished run folder (the approved plan)")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Send the changes (default: print them only)")
    ] = False,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="Folder for journal.csv and rollback.csv (default RUN_DIR/push)"),
    ] = None,
) -> None:
    """Write a plan back to Salesforce: owners, territories, quotas (dry run unless --apply)."""
    from scenarios.cli.push import run_push
    from solver.inputs.salesforce_api import SalesforceProblem

    try:
        code = run_push(run_dir, apply, state, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    except SalesforceProblem as e:
        console.print(f"Salesforce: {e}", style="bold red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    raise typer.Exit(code)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Demo folder")] = Path("terraquota-demo"),
    accounts: Annotated[int, typer.Option(help="Number of demo accounts")] = 20_000,
    reps: Annotated[int, typer.Option(help="Number of demo reps")] = 150,
    workers: Annotated[int, typer.Option(help="Scenarios solved at once")] = 2,
) -> None:
    """Build the bundled demo (North America + EMEA), run its scenarios, compare them."""
    from scenarios.cli.demo import run_demo

    try:
        code = run_demo(output, n_accounts=accounts, n_reps=reps, workers=workers, console=out, log=_status)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def bench(
    suite: Annotated[str, typer.Argument(help="Benchmark suite: gap, scale, peer or resolve")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for solutions and results.csv")] = Path(
        "bench-out"
    ),
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Seconds per instance (gap: 20; scale: each size's own; peer: 60)"),
    ] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Benchmark data folder")] = None,
    instances: Annotated[list[str] | None, typer.Option("--instance", help="Only these instances")] = None,
    sizes: Annotated[
        str | None, typer.Option("--sizes", help="scale: sizes to run, e.g. 1k,10k (1k,10k,100k,1m)")
    ] = None,
    dask_workers: Annotated[
        int | None,
        typer.Option("--dask-workers", help="scale: solve each size on a local Dask cluster of N workers"),
    ] = None,
) -> None:
    """Benchmark tables (suites: gap, scale, peer, resolve)."""
    from scenarios.cli.bench import run_bench

    try:
        code = run_bench(
            suite, out_dir, time_limit, data, instances, console=out, sizes=sizes, dask_workers=dask_workers
        )
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def track(
    run_dir: Annotated[Path, typer.Argument(help="A finished run folder")],
    opportunities: Annotated[Path, typer.Argument(help="Opportunities table (CSV, Excel, Parquet, JSON)")],
    overrides: Annotated[
        Path | None,
        typer.Option("--overrides", help="Manager overrides: manager_id, period, commit, best_case, note"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Tracking folder (default RUN_DIR/tracking)")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="CANONICAL=HEADER, e.g. owner_name=sales_agent (repeatable)"),
    ] = None,
    stage: Annotated[
        list[str] | None,
        typer.Option("--stage", help="STAGE=PROBABILITY (0..1) of an open stage, e.g. Engaging=0.6"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Track as on DATE (YYYY-MM-DD): dated snapshot, pace to date, change"),
    ] = None,
    per_manager: Annotated[
        bool,
        typer.Option("--per-manager", help="Also one dashboard and workbook per manager (their team only)"),
    ] = False,
) -> None:
    """Attainment and forecast of a run from CRM opportunities: tables and dashboard.html."""
    from scenarios.run.tracking import parse_as_of, parse_pairs, track_folder

    try:
        columns = parse_pairs(column, "--column")
        stages = {k: float(v) for k, v in parse_pairs(stage, "--stage", number=True).items()}
        track_folder(
            run_dir,
            opportunities,
            output,
            overrides=overrides,
            columns=columns,
            stages=stages,
            console=out,
            as_of=parse_as_of(as_of),
            per_manager=per_manager,
        )
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(EXIT_OK)


@app.command()
def explain(
    run_dir: Annotated[Path, typer.Argument(help="Run folder (from terraquota run)")],
    account_id: Annotated[str, typer.Argument(help="Account id")],
) -> None:
    """Why this account went to its rep: the rules that bind and the cost of each alternative."""
    from scenarios.cli.explain import explain_in_run

    try:
        code = explain_in_run(run_dir, account_id, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def replan(
    run_dir: Annotated[Path, typer.Argument(help="Finished run folder")],
    events: Annotated[Path, typer.Argument(help="Events table (event, date, rep_id, segment, ...)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="New run folder to write")],
    max_moved_share: Annotated[
        float,
        typer.Option(help="Share of all potential that may change owner beyond what the events free"),
    ] = 0.02,
    no_render: Annotated[bool, typer.Option("--no-render", help="Skip map, report and workbook")] = False,
) -> None:
    """Re-plan a finished run after dated events (leave, join, move, transfer)."""
    from scenarios.cli.replan import replan_run
    from solver.errors import InputProblem

    if not 0.0 <= max_moved_share <= 1.0:
        raise _input_failure(InputError(InputProblem("--max-moved-share", None, None, "must lie in [0, 1]")))
    try:
        code = replan_run(
            run_dir,
            events,
            output,
            max_moved_share=max_moved_share,
            render=not no_render,
            console=out,
            log=_status,
        )
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def resolve(
    run_dir: Annotated[Path, typer.Argument(help="Finished run folder")],
    changes: Annotated[Path, typer.Argument(help="Changes file (JSON), see below")],
    output: Annotated[Path, typer.Option("-o", "--output", help="New run folder to write")],
    no_render: Annotated[bool, typer.Option("--no-render", help="Skip map, report and workbook")] = False,
) -> None:
    """Re-solve a finished run after small changes: only the blocks they touch, moving as little as possible.

    The changes file is a JSON list of changes (or {"changes": [...]}), applied in order:
    {"type": "pin", "account_id", "rep_id"}; {"type": "unpin", "account_id"};
    {"type": "rep", "rep_id", "start_date"?, "end_date"?} (ISO dates, null clears);
    {"type": "add_rep", "rep": {reps columns}}; {"type": "set", "key": "quota.target"
    or any dotted scenario key, "value"}. Untouched blocks keep their assignment rows
    byte for byte; quota keys alone only re-split the quotas.
    """
    from scenarios.cli.resolve import resolve_to_folder

    try:
        code = resolve_to_folder(run_dir, changes, output, render=not no_render, log=_status, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command("plan-hires")
def plan_hires(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file with a [capacity] section")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Reps table with the proposed to-be-hired rows")
    ] = Path("reps_with_hires.csv"),
) -> None:
    """Propose to-be-hired reps from the scenario's capacity model."""
    from scenarios.cli.hires import plan_hires_to_file

    try:
        code = plan_hires_to_file(scenario, output, console=out, log=_status)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command("show-versions")
def show_versions() -> None:
    """Versions of terraquota, Python and the solver libraries (for bug reports)."""
    from importlib.metadata import PackageNotFoundError, version

    table = Table("package", "version")  # short values: nothing to wrap
    table.add_row("python", sys.version.split()[0])
    for pkg in (
        "terraquota",
        "highspy",
        "ortools",
        "pulp",
        "numpy",
        "pandas",
        "geopandas",
        "shapely",
        "matplotlib",
        "pydantic",
    ):
        try:
            table.add_row(pkg, version(pkg))
        except PackageNotFoundError:
            table.add_row(pkg, "not installed")
    out.print(table)


PLUGIN_GROUP = "terraquota.commands"


def register_plugins(target: typer.Typer) -> None:
    """Add the commands of installed plugins (entry points in ``terraquota.commands``).

    Each entry point is a callable ``register(app)``. This is how the web
    workspace adds ``serve`` and ``user`` without this package importing it.
    """
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        entry.load()(target)


def main() -> None:
    """Entry point: turn every unexpected exception into exit code 1 with a short message."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    silence_banner()  # stdout may carry a command's data (CSV, tables)
    try:
        register_plugins(app)
        app()
    except SystemExit:
        raise
    except InputError as e:  # pragma: no cover - commands catch it themselves
        _input_failure(e)
        sys.exit(EXIT_INPUT)
    except Exception:
        console.print_exception(show_locals=False)
        console.print("[bold red]terraquota hit a bug[/]: please report it with `terraquota show-versions`.")
        sys.exit(EXIT_BUG)
