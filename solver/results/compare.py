"""Side-by-side comparison of finished runs (what `terraquota compare` shows).

Run 0 is the reference (the baseline): account moves are counted from it to
each other run, and per-rep deltas are each run minus the first
(``<metric>_delta[<run>]``; ``<metric>_delta`` stays last minus first). Everything is computed with
vectorised pandas joins and returned sorted by stable ids, so the same runs
give the same tables (and the same CSV bytes).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from solver.results.kpis import balance_key, balance_metrics, numeric, run_kpis

if TYPE_CHECKING:
    from solver.results.run_data import RunData

#: Per-rep figures compared across runs; the additive ones treat a rep absent
#: from a run as having none (0) when computing the delta.
REP_METRICS = ("accounts", "potential", "quota", "balance_ratio")
ADDITIVE = frozenset({"accounts", "potential", "quota"})
#: Per-rep figures in currency (their deltas are rounded to the cent).
MONEY = frozenset({"potential", "quota"})

#: Descriptive rep columns carried into `rep_deltas` (taken from the latest run
#: in which the rep appears).
REP_ATTRIBUTES = ("name", "segment", "region")

MOVES_COLUMNS = ("account_id", "run_a", "run_b", "rep_a", "rep_b", "potential")


@dataclass(frozen=True, eq=False)
class Comparison:
    """The comparison of two or more runs.

    Attributes
    ----------
    runs
        Unique run labels, in input order (run names; repeated names get
        a ``#2``, ``#3`` suffix).
    kpis
        One row per KPI (index ``kpi``), one column per run label.
    rep_deltas
        One row per rep id seen in any run: ``name``, ``segment``,
        ``region``, then ``<metric>[<run>]`` for each metric and run, then
        ``<metric>_delta`` (last run minus first), then
        ``<metric>_delta[<run>]`` for each run after the first (that run minus the first).
    moves
        Accounts whose rep differs between run 0 and another run:
        account_id, run_a, run_b, rep_a, rep_b, potential (run 0's figure).
    summary
        Plain-Python (JSON-ready) facts: labels, reference run, one entry per
        compared pair with moved accounts and potential.
    """

    runs: tuple[str, ...]
    kpis: pd.DataFrame
    rep_deltas: pd.DataFrame
    moves: pd.DataFrame
    summary: dict[str, Any]


def run_labels(runs: Sequence[RunData]) -> tuple[str, ...]:
    """Run names made unique: the second run called 'x' becomes 'x #2'."""
    names = [str(r.name) for r in runs]
    totals = Counter(names)
    seen: Counter[str] = Counter()
    labels = []
    for n in names:
        seen[n] += 1
        labels.append(n if totals[n] == 1 or seen[n] == 1 else f"{n} #{seen[n]}")
    return tuple(labels)


def rep_column(metric: str, label: str) -> str:
    """Column name of one rep metric in one run, e.g. ``potential[baseline]``."""
    return f"{metric}[{label}]"


def _kpi_table(runs: Sequence[RunData], labels: Sequence[str]) -> pd.DataFrame:
    per_run = [run_kpis(r) for r in runs]
    # Balance metrics differ between runs: list every one seen, in display order.
    metrics: list[str] = []
    for r in runs:
        metrics += [m for m in balance_metrics(r.metrics) if m not in metrics]
    order: list[str] = []
    for kpis in per_run:
        order += [k for k in kpis if not k.startswith("balance.") and k not in order]
    bal = [balance_key(m, f) for m in metrics for f in ("max_abs_deviation", "cv", "tolerance")]
    first_after = order.index("objective") if "objective" in order else len(order)
    order = order[:first_after] + bal + order[first_after:]
    data = {
        label: [kpis.get(k, None if k == "status" else math.nan) for k in order]
        for label, kpis in zip(labels, per_run, strict=True)
    }
    table = pd.DataFrame(data, index=pd.Index(order, name="kpi"), dtype=object)
    table.columns.name = None
    return table


def _rep_frame(run: RunData, label: str) -> pd.DataFrame:
    reps = run.reps
    if "rep_id" not in reps:
        return pd.DataFrame(index=pd.Index([], name="rep_id", dtype=object))
    ids = reps["rep_id"].astype(str)
    values = {rep_column(m, label): numeric(reps, m).to_numpy() for m in REP_METRICS}
    for attr in REP_ATTRIBUTES:
        if attr in reps:
            values[attr] = reps[attr].astype(object).to_numpy()
    frame = pd.DataFrame(values, index=pd.Index(ids, name="rep_id"))
    return frame[~frame.index.duplicated(keep="first")]


def _rep_deltas(runs: Sequence[RunData], labels: Sequence[str]) -> pd.DataFrame:
    frames = [_rep_frame(r, lab) for r, lab in zip(runs, labels, strict=True)]
    ids = sorted(set().union(*(f.index for f in frames)))
    index = pd.Index(ids, name="rep_id", dtype=object)
    out = pd.DataFrame(index=index)
    for attr in REP_ATTRIBUTES:
        # Latest run that knows the rep wins (a rename shows its newest name).
        col = pd.Series(None, index=index, dtype=object)
        for f in frames:
            if attr in f:
                newer = f[attr].reindex(index)
                col = newer.where(newer.notna(), col)
        out[attr] = col
    for metric in REP_METRICS:
        for f, lab in zip(frames, labels, strict=True):
            name = rep_column(metric, lab)
            out[name] = f[name].reindex(index).astype(float) if name in f else np.nan
    first, last = labels[0], labels[-1]
    for metric in REP_METRICS:
        out[f"{metric}_delta"] = _delta(out, metric, first, last)
    for label in labels[1:]:
        for metric in REP_METRICS:
            out[delta_column(metric, label)] = _delta(out, metric, first, label)
    return out.reset_index()


def delta_column(metric: str, label: str) -> str:
    """Column of one run's per-rep delta against the first run, e.g. ``quota_delta[emea-hires]``."""
    return f"{metric}_delta[{label}]"


def _delta(out: pd.DataFrame, metric: str, first: str, other: str) -> pd.Series:
    """``other`` minus ``first``; a rep absent from a run has 0 of an additive figure.

    Money deltas are rounded to the cent, so a quota change reads 111448.16,
    not the binary float 111448.16000000003.
    """
    a, b = out[rep_column(metric, first)], out[rep_column(metric, other)]
    if metric in ADDITIVE:
        present = a.notna() | b.notna()
        delta = (b.fillna(0.0) - a.fillna(0.0)).where(present)
        return delta.round(2) if metric in MONEY else delta
    return b - a


def _assignment(run: RunData) -> pd.DataFrame:
    a = run.assignment
    if "account_id" not in a or "rep_id" not in a:
        return pd.DataFrame({"account_id": [], "rep_id": [], "potential": []}, dtype=object)
    frame = pd.DataFrame(
        {
            "account_id": a["account_id"].astype(str).to_numpy(),
            "rep_id": a["rep_id"].astype(object).to_numpy(),
            "potential": numeric(a, "potential").to_numpy(),
        }
    )
    return frame.drop_duplicates("account_id", keep="first")


def _moves(runs: Sequence[RunData], labels: Sequence[str]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    base = _assignment(runs[0])
    parts, pairs = [], []
    for run, label in zip(runs[1:], labels[1:], strict=True):
        other = _assignment(run)
        both = base.merge(other, on="account_id", how="inner", suffixes=("_a", "_b"))
        rep_a = both["rep_id_a"].astype(object)
        rep_b = both["rep_id_b"].astype(object)
        differs = rep_a.ne(rep_b) & ~(rep_a.isna() & rep_b.isna())
        # Potential of the reference run, so all pairs are measured alike; the
        # other run's figure only fills in where run 0 has none.
        pot = both["potential_a"].where(both["potential_a"].notna(), both["potential_b"])
        moved = pd.DataFrame(
            {
                "account_id": both["account_id"],
                "run_a": labels[0],
                "run_b": label,
                "rep_a": rep_a,
                "rep_b": rep_b,
                "potential": pot,
            }
        )[differs.to_numpy()]
        parts.append(moved.sort_values("account_id", kind="stable"))
        total_pot = float(pot.sum())
        moved_pot = float(moved["potential"].sum())
        pairs.append(
            {
                "run_a": labels[0],
                "run_b": label,
                "accounts_compared": len(both),
                "accounts_only_in_a": int((~base["account_id"].isin(other["account_id"])).sum()),
                "accounts_only_in_b": int((~other["account_id"].isin(base["account_id"])).sum()),
                "moved_accounts": len(moved),
                "moved_accounts_share": len(moved) / len(both) if len(both) else None,
                "moved_potential": moved_pot,
                "moved_potential_share": moved_pot / total_pot if total_pot > 0 else None,
            }
        )
    if parts:
        moves = pd.concat(parts, ignore_index=True)
    else:
        moves = pd.DataFrame({c: pd.Series(dtype=object) for c in MOVES_COLUMNS})
        moves["potential"] = moves["potential"].astype(float)
    return moves.reset_index(drop=True), pairs


def compare_runs(runs: list[RunData]) -> Comparison:
    """Compare finished runs side by side.

    Parameters
    ----------
    runs
        Two or more runs (one is accepted and compares with itself);
        the first is the reference for moves and deltas.

    Returns
    -------
    Comparison
        KPI table, per-rep deltas, account moves and a summary.
    """
    if not runs:
        raise ValueError("compare_runs needs at least one run")
    labels = run_labels(runs)
    moves, pairs = _moves(runs, labels)
    summary: dict[str, Any] = {
        "runs": list(labels),
        "reference": labels[0],
        "statuses": {
            lab: (None if r.metrics.get("status") is None else str(r.metrics.get("status")))
            for lab, r in zip(labels, runs, strict=True)
        },
        "pairs": pairs,
    }
    return Comparison(
        runs=labels,
        kpis=_kpi_table(runs, labels),
        rep_deltas=_rep_deltas(runs, labels),
        moves=moves,
        summary=summary,
    )
