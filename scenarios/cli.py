"""The `terraquota` command line: a thin layer over the library.

Exit codes (CONTRACT.md): 0 solved, 2 bad input, 3 infeasible (explained),
4 no solution within the time limit, 1 anything else (a bug).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scenarios.runner import EXIT_BUG, EXIT_INPUT, EXIT_OK
from solver.errors import InputError

app = typer.Typer(
    name="terraquota",
    help="Optimisation-driven sales territory and quota planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


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
) -> None:
    """Run one scenario and write its run folder."""
    from scenarios.run_command import run_one

    try:
        code = run_one(scenario, output, render=not no_render, log=_status, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")]) -> None:
    """Check the scenario and its input tables; print every problem found."""
    from scenarios.prepare import prepare
    from scenarios.scenario import load_scenario

    try:
        prep = prepare(load_scenario(scenario))
    except InputError as e:
        raise _input_failure(e) from None
    pb = prep.problem
    out.print(f"[green]OK[/]: {pb.n_accounts:,} accounts, {pb.n_reps} reps, {len(pb.blocks)} blocks")
    raise typer.Exit(EXIT_OK)


@app.command()
def compare(
    runs: Annotated[list[Path], typer.Argument(help="Two or more run folders")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Comparison folder")] = Path("comparison"),
) -> None:
    """Compare finished runs: KPI table, comparison map and report."""
    from scenarios.compare_command import compare_folders

    try:
        compare_folders(runs, output, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(EXIT_OK)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Demo folder")] = Path("terraquota-demo"),
    accounts: Annotated[int, typer.Option(help="Number of demo accounts")] = 20_000,
    reps: Annotated[int, typer.Option(help="Number of demo reps")] = 150,
    workers: Annotated[int, typer.Option(help="Scenarios solved at once")] = 2,
) -> None:
    """Build the bundled demo (North America + EMEA), run its scenarios, compare them."""
    from scenarios.demo_command import run_demo

    code = run_demo(output, n_accounts=accounts, n_reps=reps, workers=workers, console=out, log=_status)
    raise typer.Exit(code)


@app.command()
def bench(
    suite: Annotated[str, typer.Argument(help="Benchmark suite: gap")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for solutions and results.csv")] = Path(
        "bench-out"
    ),
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per instance")] = 20.0,
    data: Annotated[Path | None, typer.Option("--data", help="Benchmark data folder")] = None,
    instances: Annotated[list[str] | None, typer.Option("--instance", help="Only these instances")] = None,
) -> None:
    """Benchmark tables (suites: gap)."""
    from scenarios.bench_command import run_bench

    try:
        code = run_bench(suite, out_dir, time_limit, data, instances, console=out)
    except InputError as e:
        raise _input_failure(e) from None
    raise typer.Exit(code)


@app.command("show-versions")
def show_versions() -> None:
    """Versions of terraquota, Python and the solver libraries (for bug reports)."""
    from importlib.metadata import PackageNotFoundError, version

    table = Table("package", "version")
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


def main() -> None:
    """Entry point: turn every unexpected exception into exit code 1 with a short message."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
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
