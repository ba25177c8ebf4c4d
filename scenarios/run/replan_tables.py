"""The run folder of a re-plan: the contract tables after the events, and changes.csv.

``assignment.csv`` keeps the run's columns; ``previous_owner`` is the rep of
the run being re-planned, so ``moved`` marks exactly what the events changed
and ``reason`` says why. ``reps.csv`` is the team after the events (joiners
included, leavers with their new end date); its ``capacity_factor`` keeps the
contract meaning (the whole plan year), while ``target_potential`` and
``balance_ratio`` use each rep's capacity from the last event date to the end
of the plan year (the territories being balanced are those of the rest of
the year), weighed by level and FTE as the run's targets are. ``quotas.csv``
holds the re-split period quotas; ``changes.csv`` one row per event and per
account that changed owner, with its quota effect.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import numpy as np
import pandas as pd

from reports.exports.safe_cells import csv_bytes
from scenarios.run.prepare import Prepared
from scenarios.run.runner import json_bytes
from scenarios.run.tables import balance_metrics
from solver.assignment.checker import moved_mask, rep_targets, rep_totals
from solver.money import cents_to_str
from solver.problem import build_problem
from solver.replan.events import Event, as_frame, roster_after
from solver.replan.plan import ReplanResult
from solver.results.run_data import RunData

_ID_COLUMNS = ("account_id", "rep_id", "previous_owner", "manager_id", "family_id")


def _money(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else cents_to_str(int(v)) for v in values]


def changes_table(result: ReplanResult) -> pd.DataFrame:
    """changes.csv: money as two-decimal strings."""
    c = result.changes
    return pd.DataFrame(
        {
            "date": c["date"],
            "kind": c["kind"],
            "event": c["event"],
            "rep_id": c["rep_id"],
            "account_id": c["account_id"],
            "from_rep": c["from_rep"],
            "to_rep": c["to_rep"],
            "segment": c["segment"],
            "region": c["region"],
            "potential": ["" if pd.isna(v) else f"{float(v):.2f}" for v in c["potential"]],
            "quota_moved": _money(c["quota_moved_cents"]),
            "quota_before": _money(c["quota_before_cents"]),
            "quota_after": _money(c["quota_after_cents"]),
            "note": c["note"],
        }
    )


def replan_files(
    prep: Prepared,
    run: RunData,
    assignment_text: pd.DataFrame,
    run_reps_columns: list[str],
    result: ReplanResult,
    events: list[Event],
    scenario_toml: str,
    name: str,
) -> dict[str, bytes]:
    """Every file of the re-plan's run folder except the rendered ones."""
    acc = prep.accounts
    ids = acc["account_id"].astype(str).to_numpy()
    old = assignment_text.set_index("account_id")["rep_id"].reindex(ids).to_numpy(dtype=object)
    new = result.owner
    final = result.reps.copy()
    rp = final.assign(capacity_factor=final["territory_weight"].to_numpy(dtype=float))
    problem = build_problem(acc.assign(current_owner=pd.array(old, dtype="string")), rp)
    rep_index = pd.Series(np.arange(problem.n_reps), index=problem.rep_ids)
    r = rep_index.reindex(new).to_numpy(dtype=np.int64)

    reason = pd.Series("kept", index=ids, dtype=object)
    moved_rows = result.changes[result.changes["kind"] == "account"]
    reason[moved_rows["account_id"].astype(str).to_numpy()] = [
        f"{e} ({d})" for e, d in zip(moved_rows["event"], moved_rows["date"], strict=True)
    ]
    a = assignment_text.set_index("account_id").reindex(ids).reset_index()
    a["previous_owner"] = old
    a["rep_id"] = new
    a["moved"] = np.where(new != old, "true", "false")
    a["reason"] = reason.reindex(ids).to_numpy()
    a = a[list(assignment_text.columns)]

    reps = _reps_table(problem, r, final, run_reps_columns, result)
    quotas = result.quotas.sort_values(["rep_id", "period"], kind="stable")
    quotas_csv = pd.DataFrame(
        {
            "rep_id": quotas["rep_id"].to_numpy(),
            "period": [pd.Timestamp(p).date().isoformat() for p in quotas["period"]],
            "quota": [cents_to_str(int(c)) for c in quotas["quota_cents"]],
        }
    )
    if "manager_id" in prep.reps:
        quotas_csv["manager_id"] = _period_managers(prep.reps, events, quotas_csv)
    prep_like = Prepared(acc, rp, np.zeros((len(rp), 12)), problem)
    metrics = _metrics(run, problem, r, result, reps, quotas, prep_like, name)
    return {
        "assignment.csv": csv_bytes(a),
        "reps.csv": csv_bytes(reps),
        "quotas.csv": csv_bytes(quotas_csv),
        "changes.csv": csv_bytes(changes_table(result)),
        "events.csv": csv_bytes(as_frame(events)),
        "metrics.json": json_bytes(metrics),
        "scenario.toml": scenario_toml.encode("utf-8"),
    }


def _period_managers(reps: pd.DataFrame, events: list[Event], quotas: pd.DataFrame) -> list[str]:
    """Each (rep, period) quota's manager: the one in effect on the period's first day.

    A ``manager`` event thus moves a rep's quotas to the new team from the
    first period that starts on or after its date (tracking rolls up by it).
    """
    out = pd.Series("", index=quotas.index, dtype=object)
    for period in sorted(set(quotas["period"])):
        team = roster_after(reps, events, dt.date.fromisoformat(period))
        managers = team.set_index(team["rep_id"].astype(str))["manager_id"]
        rows = quotas["period"] == period
        mapped = quotas.loc[rows, "rep_id"].astype(str).map(managers)
        out[rows] = ["" if pd.isna(m) else str(m) for m in mapped]
    return out.tolist()


def _fmt(values: np.ndarray, spec: str) -> list[str]:
    return ["" if not np.isfinite(v) else spec.format(float(v)) for v in np.asarray(values, dtype=float)]


def _reps_table(
    problem: Any, r: np.ndarray, final: pd.DataFrame, columns: list[str], result: ReplanResult
) -> pd.DataFrame:
    f = final.set_index(final["rep_id"].astype(str)).reindex(problem.rep_ids)
    quota = result.quotas.groupby("rep_id")["quota_cents"].apply(lambda s: int(sum(s)))
    tgt = rep_targets(problem, problem.potential)
    pot = rep_totals(problem, r, problem.potential)
    moved = moved_mask(problem, r)
    out = pd.DataFrame(
        {
            "rep_id": problem.rep_ids,
            "name": f["name"].to_numpy() if "name" in f else None,
            "segment": problem.rep_segment,
            "region": problem.rep_region,
            "manager_id": f["manager_id"].to_numpy() if "manager_id" in f else None,
            "start_date": ["" if pd.isna(x) else pd.Timestamp(x).date().isoformat() for x in f["start_date"]],
            "end_date": ["" if pd.isna(x) else pd.Timestamp(x).date().isoformat() for x in f["end_date"]],
            "lat": _fmt(problem.rep_lat, "{:.5f}"),
            "lon": _fmt(problem.rep_lon, "{:.5f}"),
            "accounts": rep_totals(problem, r, np.ones(problem.n_accounts)).astype(int),
            "potential": _fmt(pot, "{:.2f}"),
            "workload": _fmt(rep_totals(problem, r, problem.workload), "{:.4g}"),
            "arr": _fmt(rep_totals(problem, r, problem.arr), "{:.2f}"),
            "capacity_factor": _fmt(f["capacity_factor"].to_numpy(dtype=float), "{:.6f}"),
            "target_potential": _fmt(tgt, "{:.2f}"),
            "balance_ratio": _fmt(np.where(tgt > 0, pot / np.where(tgt > 0, tgt, 1), np.nan), "{:.6f}"),
            "quota": [cents_to_str(int(quota.get(x, 0))) for x in problem.rep_ids],
            "accounts_gained": np.bincount(r[moved], minlength=problem.n_reps),
            "accounts_lost": np.bincount(
                problem.owner[moved & (problem.owner >= 0)], minlength=problem.n_reps
            ),
        }
    )
    return out[[c for c in columns if c in out.columns]]


def _metrics(
    run: RunData,
    problem: Any,
    r: np.ndarray,
    result: ReplanResult,
    reps: pd.DataFrame,
    quotas: pd.DataFrame,
    prep_like: Prepared,
    name: str,
) -> dict[str, Any]:
    moved = moved_mask(problem, r)
    tp = float(problem.potential.sum())
    ta = float(problem.arr.sum())
    total = int(quotas["quota_cents"].apply(int).sum())
    rq = quotas.groupby("rep_id")["quota_cents"].apply(lambda s: int(sum(s)))
    region_of = pd.Series(problem.rep_region, index=problem.rep_ids).reindex(rq.index)
    by_region = rq.groupby(region_of.to_numpy()).apply(lambda s: int(sum(s)))
    base_quota = run.metrics.get("quota", {})
    return {
        "name": name,
        "status": str(result.status),
        "objective": None,
        "bound": None,
        "gap": None,
        "seconds": round(sum(float(d["seconds"]) for d in result.summary.get("dates", [])), 3),
        "seed": run.metrics.get("seed"),
        "solver": run.metrics.get("solver"),
        "counts": {
            "accounts": problem.n_accounts,
            "reps": problem.n_reps,
            "active_reps": int((result.reps["territory_capacity"] > 0).sum()),
            "events": result.summary.get("events", 0),
        },
        "moved": {
            "accounts": int(moved.sum()),
            "accounts_share": float(moved.mean()) if problem.n_accounts else 0.0,
            "potential": float(problem.potential[moved].sum()),
            "potential_share": float(problem.potential[moved].sum() / tp) if tp > 0 else 0.0,
            "arr": float(problem.arr[moved].sum()),
            "arr_share": float(problem.arr[moved].sum() / ta) if ta > 0 else 0.0,
        },
        "balance": balance_metrics(prep_like, r),
        "quota": {
            "target": base_quota.get("target"),
            "hedge": base_quota.get("hedge", {}),
            "region_total": base_quota.get("region_total"),
            "total": cents_to_str(total),
            "rep_total": cents_to_str(total),
            "periods_total": cents_to_str(total),
            "periods": base_quota.get("periods"),
            "total_before": result.summary.get("quota_total_before"),
            "regions": {str(k): {"rep_total": cents_to_str(int(v))} for k, v in by_region.items()},
            "conserved": result.summary.get("quota_total_before") == cents_to_str(total),
        },
        "replan": _clean(result.summary),
        "notes": [
            "replan of run " + str(run.name),
            "target_potential and balance use each rep's capacity while it holds its current territory"
            " (x level weight x FTE)",
            *result.notes,
        ],
    }


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def run_data_of(name: str, files: dict[str, bytes], scenario_toml: str) -> RunData:
    """The re-plan as renderers see it (parsed like `RunData.from_folder`)."""

    def table(key: str) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(files[key]),
            dtype=dict.fromkeys(_ID_COLUMNS, "string"),
            keep_default_na=False,
            na_values=[""],
        )

    return RunData(
        name,
        table("assignment.csv"),
        table("reps.csv"),
        table("quotas.csv"),
        json.loads(files["metrics.json"]),
        scenario_toml,
    )
