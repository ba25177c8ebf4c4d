"""`terraquota bench SUITE`: benchmark tables printed, solutions written for re-checking."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from solver.errors import InputError, InputProblem

SUITES = ("gap",)


def run_bench(
    suite: str,
    out_dir: Path,
    time_limit: float,
    data: Path | None,
    instances: list[str] | None,
    *,
    console: Console,
) -> int:
    if suite not in SUITES:
        raise InputError(
            InputProblem("bench", None, "SUITE", f"unknown suite {suite!r}; known: {', '.join(SUITES)}")
        )
    from scenarios.bench_gap import (
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
