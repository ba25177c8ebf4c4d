"""Result tables of a run (assignment, reps, quotas) and its metrics, as data.

These are exactly the run folder's CSV tables and metrics.json, built from a
solved plan; writing them is `scenarios.run.runfolder`'s job.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scenarios.run.plan_tables import PlanOutputs, capacity_metrics, quota_metrics
from scenarios.run.prepare import Prepared
from scenarios.run.scenario import Scenario
from solver.assignment import Result
from solver.assignment.checker import metric_values, moved_mask, rep_targets, rep_totals
from solver.assignment.terms import active_reps
from solver.config import BALANCE_METRICS
from solver.inputs.geocode import geocode_counts
from solver.money import cents_to_str
from solver.problem import DEPARTED_OWNER, NO_OWNER
from solver.quotas.cascade import QuotaPlan


def _reasons(prep: Prepared, rep_of_account: np.ndarray) -> np.ndarray:
    """Why each account sits with its rep, in a few words."""
    pb = prep.problem
    owner = pb.owner
    moved = moved_mask(pb, rep_of_account)
    active = active_reps(pb)
    owner_ok = (
        (owner >= 0)
        & active[np.maximum(owner, 0)]
        & (pb.rep_block[np.maximum(owner, 0)] == pb.account_block())
    )
    reason = np.select(
        [
            pb.pin >= 0,
            owner == DEPARTED_OWNER,
            (owner >= 0) & ~owner_ok & moved,
            moved,
            owner == NO_OWNER,
        ],
        [
            "pinned",
            "previous owner not in the plan",
            "previous owner cannot cover this account this year",
            "moved to balance territories",
            "new: placed for balance and distance",
        ],
        default="kept with current owner",
    ).astype(object)
    fam = prep.accounts["family_id"].to_numpy(dtype=str)
    member = fam != pb.account_ids
    reason[member] = reason[member] + "; family of " + fam[member]
    return reason


def assignment_table(prep: Prepared, result: Result) -> pd.DataFrame:
    pb, acc = prep.problem, prep.accounts
    r = result.rep_of_account
    moved = moved_mask(pb, r)
    table = pd.DataFrame(
        {
            "account_id": pb.account_ids,
            "rep_id": pb.rep_ids[r],
            "segment": acc["segment"].to_numpy(),
            "region": acc["region"].to_numpy(),
            "previous_owner": pd.array(np.where(pb.owner_id == "", None, pb.owner_id), dtype="string"),
            "moved": moved,
            "reason": _reasons(prep, r),
            "name": acc["name"].to_numpy() if "name" in acc else None,
            "country": acc["country"].to_numpy(),
            "state": acc["state"].to_numpy() if "state" in acc else None,
            "lat": pb.lat,
            "lon": pb.lon,
            "potential": pb.potential,
            "workload": pb.workload,
            "arr": pb.arr,
            "family_id": acc["family_id"].to_numpy(),
        }
    )
    if "geocode_quality" in acc:  # only when some account came without coordinates
        table["geocode_quality"] = acc["geocode_quality"].to_numpy()
    return table


def reps_table(prep: Prepared, result: Result, quotas: QuotaPlan) -> pd.DataFrame:
    pb, rp = prep.problem, prep.reps
    r = result.rep_of_account
    out = pd.DataFrame(
        {
            "rep_id": pb.rep_ids,
            "name": rp["name"].to_numpy() if "name" in rp else None,
            "segment": pb.rep_segment,
            "region": pb.rep_region,
            "manager_id": rp["manager_id"].to_numpy() if "manager_id" in rp else None,
            "start_date": rp["start_date"].astype("string").to_numpy(),
            "end_date": rp["end_date"].astype("string").to_numpy(),
            "lat": pb.rep_lat,
            "lon": pb.rep_lon,
            "accounts": rep_totals(pb, r, np.ones(pb.n_accounts)).astype(int),
            "potential": rep_totals(pb, r, pb.potential),
            "workload": rep_totals(pb, r, pb.workload),
            "arr": rep_totals(pb, r, pb.arr),
            "capacity_factor": rp["capacity_factor"].to_numpy(dtype=float),
            "target_potential": rep_targets(pb, pb.potential),
        }
    )
    tgt = out["target_potential"].to_numpy()
    out["balance_ratio"] = np.where(tgt > 0, out["potential"] / np.where(tgt > 0, tgt, 1), np.nan)
    q = quotas.reps.set_index("rep_id")["quota_cents"]
    out["quota"] = [cents_to_str(int(q[x])) for x in pb.rep_ids]
    moved = moved_mask(pb, r)
    gained = np.bincount(r[moved], minlength=pb.n_reps)
    lost_from = pb.owner[moved & (pb.owner >= 0)]
    out["accounts_gained"] = gained
    out["accounts_lost"] = np.bincount(lost_from, minlength=pb.n_reps)
    return out


def quotas_table(quotas: QuotaPlan) -> pd.DataFrame:
    q = quotas.periods.sort_values(["rep_id", "period"], kind="stable")
    return pd.DataFrame(
        {
            "rep_id": q["rep_id"].to_numpy(),
            "period": [d.isoformat() for d in q["period"]],
            "quota": [cents_to_str(int(c)) for c in q["quota_cents"]],
        }
    )


def _share(x: float, total: float) -> float:
    return x / total if total > 0 else 0.0


def balance_metrics(prep: Prepared, rep_of_account: np.ndarray) -> dict[str, dict[str, float]]:
    """Per metric: max |value / target - 1| and CV of value / target over active reps."""
    pb = prep.problem
    act = active_reps(pb)
    out = {}
    for metric in BALANCE_METRICS:
        values = metric_values(pb, metric)
        if not np.any(values):
            continue
        got = rep_totals(pb, rep_of_account, values)[act]
        tgt = rep_targets(pb, values)[act]
        ok = tgt > 0
        ratio = got[ok] / tgt[ok]
        out[metric] = {
            "max_abs_deviation": float(np.max(np.abs(ratio - 1))) if len(ratio) else 0.0,
            "cv": float(np.std(ratio) / np.mean(ratio)) if len(ratio) and np.mean(ratio) > 0 else 0.0,
        }
    return out


def metrics(
    scenario: Scenario,
    prep: Prepared,
    result: Result,
    quotas: QuotaPlan | None,
    outputs: PlanOutputs | None = None,
) -> dict[str, Any]:
    """metrics.json content (CONTRACT.md), for solved and unsolved runs alike.

    With ``outputs`` (`scenarios.run.plan_tables.plan_outputs`), the quota section
    adds levels, basis, the reconcile summary per level and fairness, and a
    ``capacity`` section holds the finance view.
    """
    pb = prep.problem
    m: dict[str, Any] = {
        "name": scenario.name,
        "status": str(result.status),
        "objective": _num(result.objective),
        "bound": _num(result.bound),
        "gap": _num(result.gap),
        "seconds": round(result.seconds, 3),
        "seed": result.seed,
        "solver": result.solver,
        "time_limit": scenario.params.assignment.time_limit,
        "counts": {
            "accounts": pb.n_accounts,
            "reps": pb.n_reps,
            "active_reps": int(active_reps(pb).sum()),
            "to_be_hired": int(prep.reps["name"].isna().sum()) if "name" in prep.reps else 0,
            "units": pb.n_units,
            "families": int((np.bincount(pb.unit) > 1).sum()),
            "pinned_accounts": int((pb.pin >= 0).sum()),
            "blocks": len(pb.blocks),
        },
        "notes": list(result.notes),
    }
    if "geocode_quality" in prep.accounts:
        m["geocode"] = geocode_counts(prep.accounts["geocode_quality"])
    if result.status.has_plan:
        r = result.rep_of_account
        moved = moved_mask(pb, r)
        tp, ta = float(pb.potential.sum()), float(pb.arr.sum())
        m["moved"] = {
            "accounts": int(moved.sum()),
            "accounts_share": _share(float(moved.sum()), pb.n_accounts),
            "potential": float(pb.potential[moved].sum()),
            "potential_share": _share(float(pb.potential[moved].sum()), tp),
            "arr": float(pb.arr[moved].sum()),
            "arr_share": _share(float(pb.arr[moved].sum()), ta),
            "forced_accounts": int((moved & (pb.owner == DEPARTED_OWNER)).sum()),
        }
        m["balance"] = balance_metrics(prep, r)
        m["objective_terms"] = {k: _num(v) for k, v in result.terms.items()}
        m["weights"] = dict(scenario.params.assignment.weights)
        m["tolerances"] = dict(scenario.params.assignment.balance)
        m["blocks"] = [
            {
                "block": b.block,
                "segment": b.segment,
                "region": b.region,
                "accounts": b.accounts,
                "units": b.units,
                "reps": b.reps,
                "status": str(b.status),
                "objective": _num(b.objective),
                "bound": _num(b.bound),
                "gap": _num(b.gap),
                "seconds": round(b.seconds, 3),
                "moved_budget": _num(b.moved_budget) if b.moved_budget is not None else None,
                "pieces": b.pieces,
            }
            for b in result.blocks
        ]
    if quotas is not None:
        rep_total = int(sum(quotas.reps["quota_cents"]))
        m["quota"] = {
            "target": cents_to_str(quotas.target_cents),
            "hedge": dict(scenario.params.quota.hedge),
            "region_total": cents_to_str(quotas.region_total_cents),
            "rep_total": cents_to_str(rep_total),
            "total": cents_to_str(rep_total),
            "periods_total": cents_to_str(int(sum(quotas.periods["quota_cents"]))),
            "periods": scenario.params.quota.periods,
            "regions": {
                str(row.region): {
                    "quota": cents_to_str(int(row.quota_cents)),
                    "rep_total": cents_to_str(int(row.rep_total_cents)),
                }
                for row in quotas.regions.itertuples()
            },
            "conserved": True,
        }
        if outputs is not None:
            m["quota"].update(quota_metrics(scenario, quotas, outputs))
            m["capacity"] = capacity_metrics(outputs)
    return m


def _num(x: float | None) -> float | None:
    """JSON-safe float: None for inf/nan (JSON has no infinity)."""
    if x is None or not np.isfinite(x):
        return None
    return float(x)
