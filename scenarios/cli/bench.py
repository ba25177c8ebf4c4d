"""`terraquota bench SUITE`: benchmark tables printed, solutions written for re-checking."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from solver.errors import InputError, InputProblem

SUITES = ("gap", "scale", "peer", "resolve")
#: Seconds per instance when --time-limit is not given (scale: each size's own limit).
GAP_TIME_LIMIT = 20.0
PEER_TIME_LIMIT = 60.0


def run_bench(
    suite: str,
    out_dir: Path,
    time_limit: float | None,
    data: Path | None,
    instances: list[str] | None,
    *,
    console: Console,
    sizes: str | None = None,
    dask_workers: int | None = None,
) -> int:
    if suite not in SUITES:
        raise InputError(
            InputProblem("bench", None, "SUITE", f"unknown suite {suite!r}; known: {', '.join(SUITES)}")
        )
    if suite == "scale":
        return _run_scale(out_dir, time_limit, sizes, console, dask_workers)
    if suite == "resolve":
        return _run_resolve(out_dir, console)
    if suite == "peer":
        return _run_peer(out_dir, PEER_TIME_LIMIT if time_limit is None else time_limit, console)
    if time_limit is None:
        time_limit = GAP_TIME_LIMIT
    from scenarios.bench.gap import (
        find_gap_data_dir,
        format_gap_table,
        gap_summary_lines,
        run_gap_suite,
    )

    data_dir = data or find_gap_data_dir()
    if data_dir is None or not Path(data_dir).is_dir():
        raise InputError(
            InputProblem(
                "bench",
                None,
                "--data",
                "GAP benchmark data not found: pass --data DIR (e.g. ../shared/data/benchmarks/gap)",
            )
        )
    df = run_gap_suite(
        Path(data_dir),
        out_dir,
        time_limit=time_limit,
        instances=instances or None,
        progress=lambda msg: console.log(msg),
    )
    console.print(format_gap_table(df))
    for line in gap_summary_lines(df):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"solutions and results.csv in {out_dir}", markup=False, highlight=False, soft_wrap=True)
    return 0


def _say(console: Console, line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _run_scale(
    out_dir: Path, time_limit: float | None, sizes: str | None, console: Console, dask_workers: int | None
) -> int:
    """The scale ladder: one subprocess per size, table, rules and slowest blocks."""
    from scenarios.bench.scale import format_scale_table, parse_sizes, run_scale_suite, scale_summary_lines

    table, details = run_scale_suite(
        out_dir,
        sizes=parse_sizes(sizes),
        time_limit=time_limit,
        progress=lambda msg: console.log(msg),
        dask_workers=dask_workers,
    )
    console.print(format_scale_table(table))
    for line in scale_summary_lines(table, details):
        _say(console, line)
    _say(console, f"results.csv in {out_dir}")
    return 0


def _run_peer(out_dir: Path, time_limit: float, console: Console) -> int:
    """terraquota vs the greedy split of b2b-territory-optimization on one generated instance."""
    from scenarios.bench.peer import format_peer_table, peer_summary_lines, run_peer_suite

    outcome = run_peer_suite(out_dir, time_limit=time_limit, progress=lambda msg: console.log(msg))
    console.print(format_peer_table(outcome))
    for line in peer_summary_lines(outcome):
        _say(console, line)
    _say(console, f"results.csv in {out_dir}")
    return 0


def _run_resolve(out_dir: Path, console: Console) -> int:
    """Instant re-solves on the 20k demo against cold solves of the same changes."""
    from scenarios.bench.resolve import format_resolve_table, resolve_summary_lines, run_resolve_suite

    table = run_resolve_suite(out_dir, progress=lambda msg: console.log(msg))
    console.print(format_resolve_table(table))
    for line in resolve_summary_lines(table):
        _say(console, line)
    _say(console, f"results.csv in {out_dir}")
    return 0
