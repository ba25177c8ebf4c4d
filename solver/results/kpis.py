"""Key figures of one run, read from its metrics with table fallbacks.

Every renderer (HTML report, workbook, comparison) shows the same figures
under the same names, so they are extracted here once. Figures come from
``metrics.json``; only plain counts and sums of the run's own tables are
derived when an older run lacks them. A figure that is nowhere to be found
stays missing (``None`` / NaN): it is shown as a dash, never guessed.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from solver.results.run_data import RunData

#: Order in which balance metrics are listed (the solver's own order first).
BALANCE_ORDER = ("potential", "workload", "accounts", "arr")

#: Human labels of the fixed KPI keys; balance keys are labelled by `kpi_label`.
KPI_LABELS: dict[str, str] = {
    "status": "Solver status",
    "accounts": "Accounts",
    "reps": "Reps",
    "reps_to_be_hired": "Reps to be hired",
    "capacity_fte": "Capacity (FTE)",
    "capacity_factor_mean": "Capacity factor, mean",
    "capacity_factor_min": "Capacity factor, min",
    "capacity_factor_max": "Capacity factor, max",
    "potential_total": "Potential, total",
    "moved_accounts": "Moved accounts",
    "moved_accounts_share": "Moved accounts, share",
    "moved_potential": "Moved potential",
    "moved_potential_share": "Moved potential, share",
    "moved_arr": "Moved ARR",
    "moved_arr_share": "Moved ARR, share",
    "objective": "Objective",
    "bound": "Bound",
    "gap": "Gap",
    "seconds": "Solve time (s)",
    "quota_target": "Quota target",
    "hedge_region": "Hedge, region",
    "hedge_rep": "Hedge, rep",
    "quota_region_total": "Quota, region total",
    "quota_total": "Quota, rep total",
    "cost": "Cost (prorated OTE)",
    "productive_capacity": "Productive capacity (FTE)",
    "expected_bookings": "Expected bookings",
    "bookings_vs_quota": "Expected bookings / quota",
    "capacity_gap": "Capacity gap (FTE)",
    "share_reaching_quota": "Reps expected to reach quota, share",
    "warnings": "Warnings",
}

#: How each fixed KPI is formatted: count, money, share, factor, number, seconds, text.
_KINDS: dict[str, str] = {
    "status": "text",
    "accounts": "count",
    "reps": "count",
    "reps_to_be_hired": "count",
    "capacity_fte": "factor",
    "capacity_factor_mean": "factor",
    "capacity_factor_min": "factor",
    "capacity_factor_max": "factor",
    "potential_total": "money",
    "moved_accounts": "count",
    "moved_accounts_share": "share",
    "moved_potential": "money",
    "moved_potential_share": "share",
    "moved_arr": "money",
    "moved_arr_share": "share",
    "objective": "number",
    "bound": "number",
    "gap": "share",
    "seconds": "seconds",
    "quota_target": "money",
    "hedge_region": "share",
    "hedge_rep": "share",
    "quota_region_total": "money",
    "quota_total": "money",
    "cost": "money",
    "productive_capacity": "factor",
    "expected_bookings": "money",
    "bookings_vs_quota": "share",
    "capacity_gap": "factor",
    "share_reaching_quota": "share",
    "warnings": "count",
}

#: Finance figures of a run: KPI key -> path in metrics.json.
FINANCE_KPIS: dict[str, tuple[str, ...]] = {
    "cost": ("capacity", "total", "cost"),
    "productive_capacity": ("capacity", "total", "productive_capacity"),
    "expected_bookings": ("capacity", "total", "expected_bookings"),
    "bookings_vs_quota": ("capacity", "total", "bookings_vs_quota"),
    "capacity_gap": ("capacity", "total", "capacity_gap"),
    "share_reaching_quota": ("quota", "fairness", "expected_share_reaching_quota"),
}

_BALANCE_FIELDS = {
    "max_abs_deviation": ("worst deviation", "share"),
    "cv": ("CV", "factor"),
    "tolerance": ("tolerance", "share"),
}


def get(metrics: Mapping[str, Any] | None, *path: str) -> Any:
    """``metrics[path[0]][path[1]]...`` or None when any level is missing."""
    node: Any = metrics
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def num(value: Any) -> float:
    """A finite float, or NaN for anything missing, non-numeric or infinite."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def count(value: Any) -> int | None:
    """An integer count, or None when missing."""
    x = num(value)
    return None if math.isnan(x) else round(x)


def tbh_mask(reps: pd.DataFrame) -> pd.Series:
    """True for to-be-hired reps: the contract marks them by an empty name."""
    if "name" not in reps:
        return pd.Series(False, index=reps.index)
    names = reps["name"].astype("string").str.strip()
    return (names.isna() | names.eq("")).astype(bool)


def numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """Column as float (NaN where missing or not a number); all-NaN if absent."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def tolerances(scenario_toml: str) -> dict[str, float]:
    """Balance tolerances from the resolved scenario's ``[assignment] balance``.

    Returns an empty dict when the text is absent or not parseable: the
    report then omits the tolerance band rather than assume one.
    """
    if not scenario_toml:
        return {}
    try:
        doc = tomllib.loads(scenario_toml)
    except tomllib.TOMLDecodeError:
        return {}
    balance = get(doc, "assignment", "balance")
    if not isinstance(balance, Mapping):
        return {}
    out = {str(k): num(v) for k, v in balance.items()}
    return {k: v for k, v in out.items() if not math.isnan(v) and v >= 0}


def balance_metrics(metrics: Mapping[str, Any] | None) -> list[str]:
    """Balance metrics reported in ``metrics['balance']``, in display order."""
    balance = get(metrics, "balance")
    if not isinstance(balance, Mapping):
        return []
    names = [str(k) for k in balance]
    known = [m for m in BALANCE_ORDER if m in names]
    return known + sorted(m for m in names if m not in BALANCE_ORDER)


def balance_key(metric: str, field: str) -> str:
    """KPI key of one balance figure, e.g. ``balance.potential.cv``."""
    return f"balance.{metric}.{field}"


def kpi_label(key: str) -> str:
    """Human label of a KPI key."""
    if key.startswith("balance."):
        _, metric, field = key.split(".", 2)
        return f"Balance {metric}, {_BALANCE_FIELDS.get(field, (field, ''))[0]}"
    return KPI_LABELS.get(key, key)


def kpi_kind(key: str) -> str:
    """Formatting kind of a KPI key (count, money, share, factor, number, seconds, text)."""
    if key.startswith("balance."):
        return _BALANCE_FIELDS.get(key.rsplit(".", 1)[-1], ("", "number"))[1]
    return _KINDS.get(key, "number")


def worst_balance(metrics: Mapping[str, Any] | None) -> tuple[str | None, float, float]:
    """(metric, max_abs_deviation, cv) of the balanced metric with the largest deviation.

    Metrics the plan balances (those with a tolerance) come first: an
    unbalanced metric such as ARR would otherwise headline a plan that keeps
    every rule.
    """
    best: tuple[str | None, float, float] = (None, math.nan, math.nan)
    ruled = [m for m in balance_metrics(metrics) if get(metrics, "tolerances", m) is not None]
    for m in ruled or balance_metrics(metrics):
        dev = num(get(metrics, "balance", m, "max_abs_deviation"))
        if not math.isnan(dev) and (math.isnan(best[1]) or dev > best[1]):
            best = (m, dev, num(get(metrics, "balance", m, "cv")))
    return best


def run_kpis(run: RunData) -> dict[str, Any]:
    """Ordered KPI key -> value of one run (None / NaN when not known).

    Counts are ints (None when unknown), the status a string, everything
    else a float (NaN when unknown).
    """
    m = run.metrics or {}
    reps = run.reps if isinstance(run.reps, pd.DataFrame) else pd.DataFrame()
    assignment = run.assignment if isinstance(run.assignment, pd.DataFrame) else pd.DataFrame()
    cap = numeric(reps, "capacity_factor").dropna()

    def table_count(frame: pd.DataFrame, key: str) -> int | None:
        # Counting the run's own table is not guessing; an absent table is unknown.
        got = count(get(m, "counts", key))
        if got is not None:
            return got
        return len(frame) if len(frame.columns) else None

    out: dict[str, Any] = {
        "status": None if get(m, "status") is None else str(get(m, "status")),
        "accounts": table_count(assignment, "accounts"),
        "reps": table_count(reps, "reps"),
        "reps_to_be_hired": int(tbh_mask(reps).sum()) if "name" in reps else None,
        "capacity_fte": float(cap.sum()) if len(cap) else math.nan,
        "capacity_factor_mean": float(cap.mean()) if len(cap) else math.nan,
        "capacity_factor_min": float(cap.min()) if len(cap) else math.nan,
        "capacity_factor_max": float(cap.max()) if len(cap) else math.nan,
        "potential_total": (
            float(numeric(assignment, "potential").sum()) if "potential" in assignment else math.nan
        ),
        "moved_accounts": count(get(m, "moved", "accounts")),
        "moved_accounts_share": num(get(m, "moved", "accounts_share")),
        "moved_potential": num(get(m, "moved", "potential")),
        "moved_potential_share": num(get(m, "moved", "potential_share")),
        "moved_arr": num(get(m, "moved", "arr")),
        "moved_arr_share": num(get(m, "moved", "arr_share")),
    }
    tol = tolerances(run.scenario_toml)
    for metric in balance_metrics(m):
        out[balance_key(metric, "max_abs_deviation")] = num(get(m, "balance", metric, "max_abs_deviation"))
        out[balance_key(metric, "cv")] = num(get(m, "balance", metric, "cv"))
        out[balance_key(metric, "tolerance")] = tol.get(metric, math.nan)
    out.update(
        {
            "objective": num(get(m, "objective")),
            "bound": num(get(m, "bound")),
            "gap": num(get(m, "gap")),
            "seconds": num(get(m, "seconds")),
            "quota_target": num(get(m, "quota", "target")),
            "hedge_region": num(get(m, "quota", "hedge", "region")),
            "hedge_rep": num(get(m, "quota", "hedge", "rep")),
            "quota_region_total": num(get(m, "quota", "region_total")),
            "quota_total": num(get(m, "quota", "total")),
        }
    )
    out.update({key: num(get(m, *path)) for key, path in FINANCE_KPIS.items()})
    warnings = get(m, "warnings")
    out["warnings"] = len(warnings) if isinstance(warnings, list) else None
    return out
