"""The comparison report (HTML) and the comparison tables as CSV files.

Renders a `solver.results.compare.Comparison` computed beforehand: this module
only formats; the numbers all come from the comparison.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from reports.exports.safe_cells import csv_bytes
from reports.formatting import (
    DELTA_KIND,
    Column,
    Table,
    build_table,
    fmt,
    fmt_count,
    fmt_money,
    fmt_pct,
)
from reports.html.templating import png_data_uri, render
from solver.results.compare import delta_column
from solver.results.kpis import kpi_kind, kpi_label, num
from solver.results.labels import Labels
from solver.results.run_data import RunData

if TYPE_CHECKING:
    from solver.results.compare import Comparison

#: How many of the largest moves the HTML lists (moves.csv has them all).
MAX_MOVES_SHOWN = 200

_REP_METRIC_LABELS = {
    "accounts": ("Accounts", "count"),
    "potential": ("Potential", "money"),
    "quota": ("Quota", "money"),
    "balance_ratio": ("Balance ratio", "share"),
}


def _kpi_table(comparison: Comparison, currency: str | None = None) -> Table:
    """One row per key figure, one column per run, then each run's change against the first."""
    labels = list(comparison.runs)
    cols = [Column("kpi", "Key figure")] + [Column(lab, lab, "number") for lab in labels]
    others = labels[1:]
    cols += [Column(f"delta[{lab}]", "Δ" if len(others) == 1 else f"Δ {lab}", "number") for lab in others]
    rows = []
    for key, values in comparison.kpis.iterrows():
        kind = kpi_kind(str(key))
        label = kpi_label(str(key))
        if currency and kind == "money":
            label = f"{label} ({currency})"
        row = [(label, str(key))]
        row += [(fmt(values[lab], kind), _key(values[lab])) for lab in labels]
        for lab in others:
            delta = num(values[lab]) - num(values[labels[0]])
            shown = "" if kind not in DELTA_KIND else fmt(delta, DELTA_KIND[kind])
            row.append((shown, _key(delta)))
        rows.append(tuple(row))
    return Table(columns=tuple(cols), rows=tuple(rows), row_classes=("",) * len(rows))


def _key(value: Any) -> str:
    x = num(value)
    return "" if math.isnan(x) else repr(x)


def pair_columns(labels: Labels) -> tuple[Column, ...]:
    """Columns of the moved-accounts table, money headers with the currency."""
    return (
        Column("run_b", "Run"),
        Column("accounts_compared", "Accounts in both", "count"),
        Column("moved_accounts", "Moved accounts", "count"),
        Column("moved_accounts_share", "Share of accounts", "share"),
        Column("moved_potential", labels.header("Moved potential"), "money"),
        Column("moved_potential_share", "Share of potential", "share"),
        Column("accounts_only_in_a", "Only in reference", "count"),
        Column("accounts_only_in_b", "Only in this run", "count"),
    )


def move_columns(labels: Labels) -> tuple[Column, ...]:
    """Columns of the largest moves, the potential with the currency."""
    return (
        Column("account_id", "Account"),
        Column("run_b", "Run"),
        Column("rep_a", "Rep in reference"),
        Column("rep_b", "Rep in run"),
        Column("potential", labels.header("Potential"), "money"),
    )


def _rep_table(comparison: Comparison, money: Labels) -> tuple[Table, list[tuple[str, int]]]:
    labels = list(comparison.runs)
    cols = [
        Column("rep_id", "Rep"),
        Column("name", "Name"),
        Column("segment", "Segment"),
        Column("region", "Region"),
    ]
    groups: list[tuple[str, int]] = [("", 4)]
    for metric, (title, kind) in _REP_METRIC_LABELS.items():
        cols += [Column(f"{metric}[{lab}]", lab, kind, group_start=i == 0) for i, lab in enumerate(labels)]
        span = len(labels)
        # every run against the first (the baseline); one run after it reads plain "Δ"
        for lab in labels[1:]:
            head = "Δ" if len(labels) == 2 else f"Δ {lab}"
            cols.append(Column(delta_column(metric, lab), head, DELTA_KIND[kind]))
            span += 1
        groups.append((money.header(title) if kind == "money" else title, span))
    frame = comparison.rep_deltas.copy()
    if "name" in frame:
        frame["name"] = frame["name"].astype(object).where(frame["name"].notna(), "TBH")
    # Reps whose book or quota changes are marked, so they stand out in a long table.
    changes = [delta_column(m, lab) for m in ("accounts", "potential", "quota") for lab in labels[1:]]
    deltas = frame[[c for c in changes if c in frame]]
    changed = deltas.fillna(0).abs().gt(0.005).any(axis=1) if len(deltas.columns) else None
    classes = None if changed is None else ["changed" if c else "" for c in changed.tolist()]
    return build_table(frame, cols, classes), groups


def _tiles(comparison: Comparison, money: Labels) -> list[dict[str, Any]]:
    tiles = []
    for pair in comparison.summary.get("pairs", []):
        detail = [f"of {fmt_count(pair['accounts_compared'])} accounts"]
        if pair.get("moved_potential_share") is not None:
            detail.append(
                f"{fmt_pct(pair['moved_potential_share'])} of potential "
                f"({money.money(fmt_money(pair['moved_potential']))})"
            )
        tiles.append(
            {
                "label": f"Moved: {pair['run_a']} → {pair['run_b']}",
                "value": fmt_count(pair["moved_accounts"]),
                "detail": " · ".join(detail),
                "alert": False,
            }
        )
    return tiles


def render_comparison_report(runs: list[RunData], comparison: Comparison, map_png: bytes | None) -> str:
    """Render the side-by-side comparison of runs as one self-contained HTML page.

    Parameters
    ----------
    runs
        The compared runs, in the order given to `compare_runs`.
    comparison
        The result of `solver.results.compare.compare_runs(runs)`.
    map_png
        The comparison map as PNG bytes, embedded inline; None shows a note.

    Returns
    -------
    str
        A complete HTML document that loads nothing from the network.
    """
    labels = list(comparison.runs)
    statuses = comparison.summary.get("statuses", {})
    run_rows = [
        {"label": lab, "status": statuses.get(lab, run.metrics.get("status"))}
        for lab, run in zip(labels, runs, strict=False)
    ]
    moves = comparison.moves
    top = moves.sort_values(["potential", "account_id"], ascending=[False, True], kind="stable")
    top = top.head(MAX_MOVES_SHOWN)
    note = f"The {len(top):,} largest of {len(moves):,} moves by potential"
    note += "; moves.csv lists them all." if len(moves) > len(top) else "."
    money = baseline_labels(runs)
    rep_table, rep_groups = _rep_table(comparison, money)
    return render(
        "compare_report.html.j2",
        runs=run_rows,
        reference=labels[0],
        last=labels[-1],
        tiles=_tiles(comparison, money),
        kpi_table=_kpi_table(comparison, money.currency),
        pairs_table=build_table(pd.DataFrame(comparison.summary.get("pairs", [])), pair_columns(money)),
        moves_table=build_table(top, move_columns(money)),
        moves_note=note,
        rep_table=rep_table,
        rep_groups=rep_groups,
        map_uri=png_data_uri(map_png),
    )


def _csv(frame: pd.DataFrame, index: bool = False) -> bytes:
    return csv_bytes(frame.reset_index() if index else frame)


def baseline_labels(runs: list[RunData]) -> Labels:
    """The currency and calendar the comparison reads in: the baseline's (the first run's)."""
    return Labels.of_toml(runs[0].scenario_toml if runs else None)


def comparison_csvs(comparison: Comparison, currency: str | None = None) -> dict[str, bytes]:
    """The comparison tables as CSV bytes: kpis.csv, rep_deltas.csv, moves.csv.

    Text cells are neutralised against formula injection (see
    `reports.exports.safe_cells`); numbers are written as numbers. ``kpis.csv`` has
    the KPI key, a human label, one column per run, then ``currency`` (the
    code on money rows). rep_deltas.csv and moves.csv end with a ``currency``
    column: the code of their money figures (potential, quota and their
    deltas), blank when the scenario names none.
    """
    code = currency or ""
    kpis = comparison.kpis.copy()
    kpis.insert(0, "label", [kpi_label(str(k)) for k in kpis.index])
    kpis["currency"] = [code if kpi_kind(str(k)) == "money" else "" for k in kpis.index]
    return {
        "kpis.csv": _csv(kpis, index=True),
        "rep_deltas.csv": _csv(comparison.rep_deltas.assign(currency=code)),
        "moves.csv": _csv(comparison.moves.assign(currency=code)),
    }
