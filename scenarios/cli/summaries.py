"""What the commands print: one-line run summaries and key-figure tables (shared by commands)."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table

from scenarios.run.runner import RunOutcome
from solver.results.run_data import RunData


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
    row("gap", lambda m: "-" if m.get("gap") is None else f"{m['gap']:.2%}")
    row(
        "quota total",
        lambda m: "-" if pick(m, "quota", "total") is None else f"{float(pick(m, 'quota', 'total')):,.2f}",
    )
    return table
