"""What the commands print: one-line run summaries and key-figure tables (shared by commands)."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import TracebackType

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from scenarios.run.runner import RunOutcome
from solver.results.compare import Comparison, delta_column
from solver.results.kpis import run_kpis
from solver.results.labels import Labels
from solver.results.run_data import RunData


def folding_table(*headers: str, title: str | None = None, first_left: bool = True) -> Table:
    """A table whose cells wrap onto more lines instead of being cut with an ellipsis."""
    table = Table(title=title)
    for i, head in enumerate(headers):
        table.add_column(head, justify="left" if (i == 0 and first_left) else "right", overflow="fold")
    return table


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


def quota_line(outcome: RunOutcome) -> str | None:
    """The quota total against the target, with the currency and the periods ("FY27 Q1 to FY27 Q4")."""
    run = outcome.run
    if run is None or not isinstance(run.metrics.get("quota"), dict):
        return None
    q = run.metrics["quota"]
    labels = Labels.of_toml(run.scenario_toml)
    periods = sorted(run.quotas["period"].astype(str).unique()) if "period" in run.quotas else []
    when = ""
    if periods:
        name = labels.period_fn(str(q.get("periods") or "quarter"))
        when = f", {q.get('periods', 'quarter')}s {name(periods[0])} to {name(periods[-1])}"
    total, target = float(q["total"]), float(q["target"])
    return f"quota {labels.money(f'{total:,.2f}')} for a target of {labels.money(f'{target:,.2f}')}{when}"


def warning_lines(metrics: dict) -> list[str]:
    """The run's warnings, one line each (figure and threshold are in the message)."""
    return [f"warning: {w['message']}" for w in metrics.get("warnings") or []]


def kpi_table(runs: list[RunData]) -> Table:
    """Key figures side by side: one row per figure, one column per run."""
    table = Table(title="Runs compared")
    table.add_column("", no_wrap=True)
    for r in runs:
        table.add_column(r.name, justify="right", overflow="fold")

    def row(label: str, fmt: Callable[[dict], str]) -> None:
        table.add_row(label, *(fmt(r.metrics) for r in runs))

    def pick(m: dict, *path: str) -> object:
        for key in path:
            m = m.get(key, {}) if isinstance(m, dict) else {}
        return m if m != {} else None

    row("status", lambda m: str(m.get("status")))
    row("moved accounts", lambda m: f"{pick(m, 'moved', 'accounts') or 0:,}")
    row("moved potential", lambda m: f"{pick(m, 'moved', 'potential_share') or 0:.1%}")
    row("worst balance", lambda m: f"{pick(m, 'balance', 'potential', 'max_abs_deviation') or 0:.2%}")
    row("optimality gap", lambda m: "-" if m.get("gap") is None else f"{m['gap']:.2%}")
    money = Labels.of_toml(runs[0].scenario_toml if runs else None).money
    row(
        "quota total",
        lambda m: (
            "-" if pick(m, "quota", "total") is None else money(f"{float(pick(m, 'quota', 'total')):,.2f}")
        ),
    )
    finance_rows(table, runs)
    return table


def finance_rows(table: Table, runs: list[RunData]) -> None:
    """Headcount, hires, cost, capacity, bookings vs quota, gap and reach, one column per run."""
    kpis = [run_kpis(r) for r in runs]
    money = Labels.of_toml(runs[0].scenario_toml if runs else None).money

    def row(label: str, key: str, fmt: Callable[[float], str]) -> None:
        cells = []
        for k in kpis:
            x = k.get(key)
            cells.append("-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt(x))
        table.add_row(label, *cells)

    row("headcount", "reps", lambda x: f"{x:,}")
    row("to be hired", "reps_to_be_hired", lambda x: f"{x:,}")
    row("cost (prorated OTE)", "cost", lambda x: money(f"{x:,.0f}"))
    row("productive capacity (FTE)", "productive_capacity", lambda x: f"{x:,.1f}")
    row("expected bookings", "expected_bookings", lambda x: money(f"{x:,.0f}"))
    row("expected bookings / quota", "bookings_vs_quota", lambda x: f"{x:.1%}")
    row("capacity gap (FTE)", "capacity_gap", lambda x: f"{x:,.1f}")
    row("reps expected to reach quota", "share_reaching_quota", lambda x: f"{x:.1%}")
    row("warnings", "warnings", lambda x: f"{x:,}")


class RunProgress:
    """One run's progress bar: the current step, percentage, time spent and time left.

    Steps are reading, one per block solved (twice with a disruption budget:
    the least-disruption pass first), quotas and rendering; the total is
    known once the inputs are read (`expect`). On a terminal the bar replaces
    the step-by-step log; elsewhere (pipes, files) each step is logged.
    """

    def __init__(self, console: Console, log: Callable[[str], None]):
        self.console, self.log = console, log
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("starting", total=1)

    def expect(self, steps: int) -> None:
        """Set the number of steps still to come."""
        done = self.progress.tasks[0].completed
        self.progress.update(self.task, total=done + max(steps, 1))

    def __call__(self, message: str) -> None:
        task = self.progress.tasks[0]
        if task.total is not None and task.completed + 1 >= task.total:
            self.progress.update(self.task, total=task.completed + 2)  # never claim 100% too early
        self.progress.update(self.task, advance=1, description=message)
        if not self.console.is_terminal:
            self.log(message)

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()


#: Reps the terminal lists in compare's per-rep table (rep_deltas.csv has them all).
MAX_REP_ROWS = 15


def rep_delta_table(comparison: Comparison, runs: list[RunData]) -> tuple[Table, int]:
    """Reps whose book or quota changes, each run against the baseline, money with its currency.

    Returns the table and how many changed reps it leaves out (largest quota
    change first, then rep id).
    """
    labels = Labels.of_toml(runs[0].scenario_toml if runs else None)
    others = list(comparison.runs[1:])
    d = comparison.rep_deltas.set_index("rep_id")
    heads: list[str] = []
    cols: list[str] = []
    for lab in others:
        tail = "" if len(others) == 1 else f" [{lab}]"
        for metric, head in (("accounts", "Δ accounts"), ("potential", "Δ potential"), ("quota", "Δ quota")):
            cols.append(delta_column(metric, lab))
            heads.append((labels.header(head) if metric != "accounts" else head) + tail)
    deltas = d[cols].astype(float)
    changed = deltas.fillna(0.0).abs().gt(0.005).any(axis=1)
    quota_cols = [delta_column("quota", lab) for lab in others]
    size = deltas[quota_cols].abs().max(axis=1).fillna(0.0)
    order = pd.DataFrame({"size": -size[changed], "rep": d.index[changed]}).sort_values(["size", "rep"])
    shown = order["rep"].head(MAX_REP_ROWS).tolist()
    table = folding_table("rep", "name", *heads, title="Reps changed against the baseline")
    for rep in shown:
        name = d.loc[rep, "name"] if "name" in d else None
        cells = [
            _delta_cell(float(deltas.loc[rep, c]), labels, money=not c.startswith("accounts")) for c in cols
        ]
        table.add_row(str(rep), "TBH" if name is None or pd.isna(name) else str(name), *cells)
    return table, int(changed.sum()) - len(shown)


def _delta_cell(x: float, labels: Labels, *, money: bool) -> str:
    if math.isnan(x):
        return "-"
    return labels.money(f"{x:+,.2f}") if money else f"{x:+,.0f}"
