"""`terraquota batch`: many scenarios or a sweep, in parallel, resumable, with a summary.

Glue only: expand the files into tasks (`scenarios.batch.members`), run them on an
engine (`scenarios.batch.engines`) behind a rich progress bar, then write the
batch's own files next to the run folders: ``batch_summary.csv`` (every
member, solved / skipped / failed, key figures, error), ``tradeoff.csv`` and
``tradeoff.png`` (two KPIs, non-dominated runs marked), and ``comparison/``
(`terraquota compare` of the solved members when there are 2 to 12 of them,
else of the non-dominated ones when those are 2 to 12).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from reports.charts.tradeoff import tradeoff_chart_png
from reports.exports.safe_cells import csv_bytes
from scenarios.batch.engines import ENGINES, run_dask, run_local
from scenarios.batch.members import (
    SKIPPED,
    BatchTask,
    batch_exit_code,
    plan_tasks,
    remove_stale_staging,
    summary_csv,
    summary_frame,
)
from scenarios.batch.sweep import short_keys, value_slug
from scenarios.run.folder_kinds import MARKER, is_terraquota_folder
from scenarios.run.output_path import check_output
from scenarios.run.runfolder import (
    marker_text,
    write_file_atomically,
    write_folder_atomically,
)
from scenarios.run.runner import EXIT_INPUT, EXIT_OK
from solver.errors import InputError, InputProblem
from solver.results.run_data import RunData
from solver.results.tradeoff import DEFAULT_X, DEFAULT_Y, axis_problem, tradeoff_frame

__all__ = [
    "MAX_COMPARED",
    "comparison_folders",
    "run_batch_command",
    "write_file_atomically",
    "write_tradeoff",
]

#: A comparison report stays readable up to this many runs (one map per run).
MAX_COMPARED = 12


class _BatchProgress:
    """Members done / running / failed, with elapsed time and an ETA."""

    def __init__(self, total: int, slots: int, console: Console):
        self.total, self.slots = total, slots
        self.done = self.failed = self.skipped = 0
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]batch[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("batch", total=total, counts=self._counts())

    def _counts(self) -> str:
        running = min(self.slots, self.total - self.done)
        return f"running {running} · failed {self.failed} · skipped {self.skipped}"

    def set_slots(self, slots: int) -> None:
        self.slots = max(1, slots)
        self.progress.update(self.task, counts=self._counts())

    def member_done(self, summary: dict[str, Any]) -> None:
        self.done += 1
        self.failed += int(summary["exit_code"] != EXIT_OK)
        self.skipped += int(summary["action"] == SKIPPED)
        self.progress.update(self.task, advance=1, counts=self._counts())


def _labels(tasks: list[BatchTask]) -> list[str]:
    """Chart label per member: the swept values that vary (short keys), else the name."""
    keys = list(dict.fromkeys(k for t in tasks for k in t["values"]))
    varying = [k for k in keys if len({repr(t["values"].get(k)) for t in tasks}) > 1]
    # two parts where one would be vague ("balance.potential", not "potential")
    short = {
        k: v if "." in v or k.count(".") < 2 else ".".join(k.split(".")[-2:])
        for k, v in short_keys(varying).items()
    }
    out = []
    for t in tasks:
        parts = [f"{short[k]}={value_slug(t['values'][k], k)}" for k in varying if k in t["values"]]
        out.append(", ".join(parts) if parts else t["name"])
    return out


def _pct(v: Any) -> str:
    return "-" if v is None or v != v else f"{v:.1%}"


def _summary_table(frame: pd.DataFrame) -> Table:
    """Every member: status, key figures, and why it failed (or that it was up to date)."""
    table = Table(title="batch members")
    table.add_column("member", overflow="fold", ratio=3)
    table.add_column("status", no_wrap=True)
    for head in ("moved", "worst bal.", "gap", "s"):
        table.add_column(head, justify="right", no_wrap=True)
    table.add_column("note", overflow="fold", ratio=2)
    for r in frame.itertuples(index=False):
        note = str(r.error) if r.error else ("up to date, skipped" if r.action == SKIPPED else "")
        table.add_row(
            str(r.name),
            str(r.status),
            _pct(r.moved_potential_share),
            _pct(r.worst_potential_balance),
            _pct(r.gap),
            f"{r.seconds:.1f}",
            note,
        )
    return table


def write_tradeoff(
    output: Path, tasks: list[BatchTask], frame: pd.DataFrame, x: str, y: str, console: Console
) -> tuple[int, pd.DataFrame]:
    """Write tradeoff.csv and tradeoff.png; return (exit code, trade-off table)."""
    metrics: list[dict[str, Any] | None] = []
    for folder in frame["folder"]:
        path = Path(folder) / "metrics.json" if folder else None
        metrics.append(json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None)
    solved = [m for m, code in zip(metrics, frame["exit_code"], strict=True) if m and code == EXIT_OK]
    problems = [
        p
        for opt, path in (("--tradeoff-x", x), ("--tradeoff-y", y))
        if (p := axis_problem(opt, path, solved))
    ]
    table = tradeoff_frame(
        frame["name"].tolist(), frame["status"].tolist(), metrics, [t["values"] for t in tasks], x, y
    )
    cells = table.assign(non_dominated=table["non_dominated"].map({True: "true", False: "false"}))
    write_file_atomically(output / "tradeoff.csv", csv_bytes(cells, float_format="%.10g"))
    if problems:
        for p in problems:
            console.print(f"  - {p}", markup=False, highlight=False, soft_wrap=True)
        console.print("tradeoff.png not drawn: fix the option and re-run (finished members are skipped)")
        return EXIT_INPUT, table
    png = tradeoff_chart_png(table, x, y, labels=_labels(tasks))
    write_file_atomically(output / "tradeoff.png", png)
    return EXIT_OK, table


def comparison_folders(frame: pd.DataFrame, table: pd.DataFrame, x: str) -> tuple[list[str], str]:
    """Run folders to compare, and a note saying which and why.

    Parameters
    ----------
    frame : pandas.DataFrame
        The batch summary (`scenarios.batch.members.summary_frame`).
    table : pandas.DataFrame
        The trade-off table of the same members, same order.
    x : str
        The trade-off x axis: non-dominated runs are compared in its order.

    Returns
    -------
    tuple[list[str], str]
        The solved members when there are 2 to 12, else the non-dominated
        solved ones when those are 2 to 12 (else none).
    """
    solved = frame["exit_code"].eq(EXIT_OK).to_numpy() & frame["folder"].ne("").to_numpy()
    chosen = frame[solved]
    note = f"comparing the {len(chosen)} solved members"
    if len(chosen) > MAX_COMPARED:
        front = table[solved & table["non_dominated"].to_numpy(bool)].sort_values([x, "name"])
        chosen = frame.set_index("name").loc[front["name"]].reset_index()
        note = f"{int(solved.sum())} solved members: comparing the {len(chosen)} non-dominated ones"
    if not 2 <= len(chosen) <= MAX_COMPARED:
        return [], f"no comparison written: it needs 2 to {MAX_COMPARED} runs, there are {len(chosen)}"
    return chosen["folder"].tolist(), note


def _compare(
    output: Path, frame: pd.DataFrame, table: pd.DataFrame, x: str, log: Callable[[str], None]
) -> None:
    """Write comparison/ (see `comparison_folders`)."""
    folders, note = comparison_folders(frame, table, x)
    log(note)
    if not folders:
        return
    from scenarios.run.comparison import comparison_files

    write_folder_atomically(
        output / "comparison", comparison_files([RunData.from_folder(f) for f in folders]), kind="comparison"
    )


def _checked_outputs(output: Path, scenario_files: list[Path], tasks: list[BatchTask]) -> Path:
    """Refuse, before any solving, a batch folder or member folder terraquota may not write.

    Then mark the batch folder as terraquota's (so a later batch may write it).
    """
    problems: list[InputProblem] = []
    try:
        output = check_output(output, inputs=scenario_files, container=True)
    except InputError as e:
        raise InputError(e.problems) from None
    for t in tasks:
        try:
            check_output(Path(t["output"]), inputs=scenario_files)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    output.mkdir(parents=True, exist_ok=True)
    if not is_terraquota_folder(output):
        write_file_atomically(output / MARKER, marker_text("batch"))
    return output


def run_batch_command(
    scenario_files: list[Path],
    output: Path,
    *,
    workers: int,
    engine: str,
    scheduler: str | None,
    render: bool,
    tradeoff_x: str = DEFAULT_X,
    tradeoff_y: str = DEFAULT_Y,
    console: Console,
    progress_console: Console | None = None,
    log: Callable[[str], None],
) -> int:
    """Run every member, write the batch files, print the summary; return the exit code.

    Parameters
    ----------
    scenario_files : list[Path]
        Scenario files, plain or sweeps.
    output : Path
        Batch folder: one run folder per member, plus the batch files.
    workers : int
        Members solved at once (processes; LocalCluster workers for Dask).
    engine : str
        ``local`` (process pool) or ``dask``.
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``engine="dask"``).
    render : bool
        Draw maps and reports per run, and the comparison folder.
    tradeoff_x, tradeoff_y : str
        Dotted metrics.json paths of the trade-off chart's axes.
    console : Console
        Where the summary goes.
    progress_console : Console, optional
        Where the progress bar goes (default: ``console``).
    log : callable
        Status messages.

    Returns
    -------
    int
        0 when every member solved, else the most severe member exit code.
    """
    if engine not in ENGINES:
        raise InputError(
            InputProblem("--engine", None, None, f"unknown engine {engine!r}; use local or dask")
        )
    if workers < 1:
        raise InputError(InputProblem("--workers", None, None, "must be at least 1"))
    tasks = plan_tasks(scenario_files, output, render=render)
    output = _checked_outputs(output, scenario_files, tasks)
    if remove_stale_staging(output, [t["name"] for t in tasks]):
        log("removed unfinished run folders left by an interrupted batch")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        # one thread per member: workers started from here inherit it (no oversubscription)
        os.environ.setdefault(var, "1")
    use_dask = engine == "dask" or scheduler is not None
    where = f"the dask scheduler {scheduler}" if scheduler else f"the {engine} engine, {workers} at once"
    log(f"{len(tasks)} members on {where}")
    t0 = time.perf_counter()
    bar = _BatchProgress(len(tasks), workers, progress_console or console)
    with bar.progress:
        if use_dask:
            summaries = run_dask(tasks, workers, bar.member_done, scheduler=scheduler, on_ready=bar.set_slots)
        else:
            summaries = run_local(tasks, workers, bar.member_done)
    wall = time.perf_counter() - t0
    frame = summary_frame(tasks, summaries)
    write_file_atomically(output / "batch_summary.csv", summary_csv(frame))
    console.print(_summary_table(frame))
    code, table = write_tradeoff(output, tasks, frame, tradeoff_x, tradeoff_y, console)
    if render:
        _compare(output, frame, table, tradeoff_x, log)
    statuses = frame["status"].value_counts()
    skipped = int(frame["action"].eq(SKIPPED).sum())
    console.print(
        f"{len(tasks)} members in {wall:.1f} s ({skipped} up to date, skipped): "
        + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        + f"; summary in {output / 'batch_summary.csv'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    worst = batch_exit_code(summaries)
    return worst if worst != EXIT_OK else code
