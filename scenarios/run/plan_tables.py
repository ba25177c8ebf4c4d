"""The quota plan of a solved run and its extra tables: reconcile.csv, capacity.csv.

Builds the inputs of `solver.quotas.cascade.quota_plan` from the prepared tables and
the assignment, and turns the plan's views (`solver.quotas.views`) and the
finance view (`solver.planning.capacity_plan.finance_view`) into run-folder tables
and metrics sections. Writing them is `scenarios.run.runfolder`'s job.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scenarios.run.prepare import Prepared
from scenarios.run.scenario import Scenario
from scenarios.run.workbook_edits import REPS, WorkbookEdits, read_workbook_edits
from solver.config import QuotaConfig
from solver.errors import InputError
from solver.inputs.columns import header_key
from solver.inputs.readers import read_table
from solver.money import cents_to_str, to_cents
from solver.planning.capacity_plan import FINANCE_COLUMNS, finance_view
from solver.quotas.cascade import QuotaPlan, quota_plan
from solver.quotas.views import QuotaViews, quota_views

#: A problem about one rep ("rep R7: ..."), located on the reps file's row.
REP_PROBLEM = re.compile(r"^rep ([^\s:,]+):")
#: Rep columns the cascade reads when present.
QUOTA_REP_COLUMNS = (
    "segment",
    "manager_id",
    "last_year_bookings",
    "last_year_quota",
    "ote",
    "quota_override",
    "level",
    "fte",
)


@dataclass(frozen=True)
class PlanOutputs:
    """Quota views and the finance view of one run."""

    views: QuotaViews
    capacity: pd.DataFrame


def rep_potential_of(prep: Prepared, rep_of_account: np.ndarray) -> pd.Series:
    """Assigned potential per rep_id (every rep, 0 without accounts)."""
    pb = prep.problem
    got = pd.Series(pb.potential).groupby(pb.rep_ids[rep_of_account]).sum()
    return got.reindex(pb.rep_ids, fill_value=0.0).astype(float)


def quota_reps(prep: Prepared, rep_potential: pd.Series) -> pd.DataFrame:
    """The cascade's rep frame: indexed by rep_id (sorted), aligned with ``prep.monthly_capacity``."""
    rp = prep.reps
    out = pd.DataFrame(index=pd.Index(rp["rep_id"].astype(str).to_numpy(), name="rep_id"))
    out["region"] = rp["region"].astype(str).to_numpy()
    out["potential"] = rep_potential.reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    for col in QUOTA_REP_COLUMNS:
        if col in rp:
            out[col] = rp[col].to_numpy()
    return out


def plan_quotas(
    scenario: Scenario, prep: Prepared, rep_potential: pd.Series, region_potential: pd.Series
) -> QuotaPlan:
    """The full cascade of a run (region, segment, manager, rep, periods).

    Problems the cascade finds in the reps' quota columns are reported
    against the scenario's reps file.
    """
    try:
        return quota_plan(
            quota_reps(prep, rep_potential),
            prep.monthly_capacity,
            scenario.params.quota,
            scenario.params.plan.start,
            region_potential=region_potential,
        )
    except InputError as e:
        raise located(e, scenario) from None


def located(error: InputError, scenario: Scenario) -> InputError:
    """The cascade's problems against the scenario's files, with the reps file's row of "rep ID:" problems."""
    rows: dict[str, int] = {}
    if any(p.file == "reps" and REP_PROBLEM.match(p.why) for p in error.problems):
        table = read_table(scenario.reps)
        ids = next((c for c in table.columns if header_key(c) == header_key("rep_id")), None)
        if ids is not None:
            rows = {str(v).strip(): int(r) for r, v in table[ids].dropna().items()}
    edited = _workbook_overrides(error, scenario)
    out = []
    for p in error.problems:
        found = REP_PROBLEM.match(p.why)
        rep = found.group(1) if found else None
        if rep in edited and p.column == "quota_override":
            edits, sheet_row = edited[rep]
            out.append(edits.problem(REPS, sheet_row, "quota", p.why))
            continue
        row = rows.get(rep) if rep is not None and p.row is None else p.row
        file = {"reps": str(scenario.reps), "scenario": str(scenario.source)}.get(p.file, p.file)
        out.append(dataclasses.replace(p, file=file, row=row))
    return InputError(out)


def _workbook_overrides(error: InputError, scenario: Scenario) -> dict[str, tuple[WorkbookEdits, int]]:
    """Reps whose quota override came from the run's workbook, with the Reps sheet row of each."""
    workbook = scenario.resolved.get("data", {}).get("workbook")
    if not workbook or not any(p.column == "quota_override" for p in error.problems):
        return {}
    edits = read_workbook_edits(workbook)
    return {str(o.rep_id): (edits, int(o.row)) for o in edits.overrides.itertuples()}


def plan_outputs(
    scenario: Scenario, prep: Prepared, rep_of_account: np.ndarray, quotas: QuotaPlan
) -> PlanOutputs:
    """Bottom-up, reconcile, fairness and the finance view of a solved run."""
    pot = rep_potential_of(prep, rep_of_account)
    reps = quota_reps(prep, pot)
    bookings = (
        pd.to_numeric(reps["last_year_bookings"], errors="coerce").astype(float)
        if "last_year_bookings" in reps
        else pd.Series(np.nan, index=reps.index)
    )
    segment = reps["segment"].astype(str) if "segment" in reps else pd.Series("", index=reps.index)
    views = quota_views(quotas, reps["potential"], segment, bookings, scenario.params.quota)
    acc = prep.accounts
    block_potential = acc.groupby([acc["region"].astype(str), acc["segment"].astype(str)])["potential"].sum()
    rq = quotas.reps.set_index("rep_id")["quota_cents"].reindex(reps.index).fillna(0)
    key = pd.MultiIndex.from_arrays([reps["region"].astype(str), segment])
    block_quota = pd.Series(rq.to_numpy(dtype=np.int64), index=key).groupby(level=[0, 1]).sum()
    capacity = finance_view(prep.reps, block_potential, block_quota, scenario.params)
    return PlanOutputs(views, capacity)


def _fmt(values: pd.Series, spec: str) -> list[str]:
    return ["" if pd.isna(v) else spec.format(float(v)) for v in values]


def reconcile_table(outputs: PlanOutputs) -> pd.DataFrame:
    """reconcile.csv: one row per node of every level (company, region, segment, manager, rep)."""
    t = outputs.views.reconcile
    fair = outputs.views.fairness_reps.set_index("rep_id")
    is_rep = t["level"] == "rep"
    ratio = pd.Series(np.nan, index=t.index)
    p = pd.Series(np.nan, index=t.index)
    ratio[is_rep] = fair["ratio"].reindex(t.loc[is_rep, "node"]).to_numpy()
    p[is_rep] = fair["p_reach"].reindex(t.loc[is_rep, "node"]).to_numpy()
    return pd.DataFrame(
        {
            "level": t["level"],
            "node": t["node"],
            "parent": t["parent"],
            "region": t["region"],
            "segment": t["segment"],
            "manager": t["manager"],
            "top_down": [cents_to_str(int(c)) for c in t["quota_cents"]],
            "bottom_up": [cents_to_str(int(c)) for c in t["bottom_up_cents"]],
            "gap": [cents_to_str(int(c)) for c in t["gap_cents"]],
            "gap_share": _fmt(t["gap_share"], "{:.6f}"),
            "children_total": [cents_to_str(int(c)) for c in t["children_total_cents"]],
            "children_sum": [cents_to_str(int(c)) for c in t["children_sum_cents"]],
            "conserved": np.where(t["conserved"], "true", "false"),
            "potential": _fmt(t["potential"], "{:.2f}"),
            "bookings": _fmt(t["bookings"].where(t["bookings"] != 0), "{:.2f}"),
            "capacity": _fmt(t["capacity"], "{:.6f}"),
            "weight": _fmt(t["weight"], "{:.6f}"),
            "quota_potential_ratio": _fmt(ratio, "{:.6f}"),
            "p_reach": _fmt(p, "{:.6f}"),
        }
    )


def capacity_table(outputs: PlanOutputs) -> pd.DataFrame:
    """capacity.csv: the finance view per segment x region block and a total row."""
    c = outputs.capacity
    out = pd.DataFrame({"region": c["region"], "segment": c["segment"]})
    for col in ("reps", "active_reps", "to_be_hired", "reps_without_ote"):
        out[col] = c[col].astype(int)
    for col, spec in (
        ("ramped_capacity", "{:.6f}"),
        ("productive_capacity", "{:.6f}"),
        ("cost", "{:.2f}"),
        ("potential", "{:.2f}"),
        ("potential_per_capacity", "{:.2f}"),
        ("productivity", "{:.2f}"),
        ("attainment", "{:.4f}"),
        ("expected_bookings", "{:.2f}"),
        ("quota", "{:.2f}"),
        ("bookings_vs_quota", "{:.6f}"),
        ("revenue_target", "{:.2f}"),
        ("required_capacity", "{:.6f}"),
        ("capacity_gap", "{:.6f}"),
    ):
        out[col] = _fmt(c[col], spec)
    return out[list(FINANCE_COLUMNS)]


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def quota_metrics(scenario: Scenario, quotas: QuotaPlan, outputs: PlanOutputs) -> dict[str, Any]:
    """Additions to metrics.json ``quota``: levels, basis, reconcile per level, fairness."""
    cfg = scenario.params.quota
    t = outputs.views.reconcile
    per_level = {}
    for level in ("company", *quotas.levels):
        rows = t[t["level"] == level]
        td, bu = int(rows["quota_cents"].sum()), int(rows["bottom_up_cents"].sum())
        per_level[level] = {
            "nodes": len(rows),
            "top_down": cents_to_str(td),
            "bottom_up": cents_to_str(bu),
            "gap": cents_to_str(td - bu),
            "gap_share": _num((td - bu) / bu) if bu else None,
            "children_total": cents_to_str(int(rows["children_total_cents"].sum())),
            "conserved": bool(rows["conserved"].all()),
        }
    out = {
        "levels": list(quotas.levels),
        "basis": {lv: cfg.basis_of(lv) for lv in quotas.levels},
        "seasonality": list(cfg.seasonality) if cfg.seasonality else None,
        "penetration": outputs.views.penetration,
        "reconcile": per_level,
        "fairness": _clean(outputs.views.fairness),
        "quota_notes": [*quotas.notes, *outputs.views.notes],
    }
    out.update(lever_metrics(cfg, quotas, outputs))
    return out


def lever_metrics(cfg: QuotaConfig, quotas: QuotaPlan, outputs: PlanOutputs) -> dict[str, Any]:
    """metrics.json ``quota`` additions of the levers, only when they are used (neutral defaults)."""
    out: dict[str, Any] = {}
    if cfg.targets:
        out["targets"] = {
            lv: {k: cents_to_str(to_cents(v)) for k, v in t.items()} for lv, t in cfg.targets.items()
        }
    if len(quotas.overrides):
        expected = outputs.views.fairness_reps.set_index("rep_id")["expected"]
        out["overrides"] = [
            {
                "rep_id": str(r.rep_id),
                "override": cents_to_str(int(r.override_cents)),
                "expected": _num(expected.get(r.rep_id)),
                "ratio": _num(r.override_cents / 100 / expected.get(r.rep_id))
                if expected.get(r.rep_id, 0) > 0
                else None,
            }
            for r in quotas.overrides.itertuples()
        ]
    if cfg.level_weights:
        out["level_weights"] = dict(cfg.level_weights)
    if quotas.ote is not None:
        t = quotas.ote
        breaches = t[t["breach"]].sort_values("ratio", ascending=False, kind="stable")
        out["quota_to_ote"] = {
            "max": cfg.max_quota_to_ote,
            "reps_with_ote": len(t),
            "highest": _num(float(t["ratio"].max())) if len(t) else None,
            "breaches": [
                {
                    "rep_id": str(r.rep_id),
                    "quota": cents_to_str(int(r.quota_cents)),
                    "ote": _num(r.ote),
                    "ratio": _num(r.ratio),
                }
                for r in breaches.itertuples()
            ],
        }
    return out


def capacity_metrics(outputs: PlanOutputs) -> dict[str, Any]:
    """metrics.json ``capacity``: the finance view per block and in total."""
    c = outputs.capacity
    fields = [
        "reps",
        "active_reps",
        "to_be_hired",
        "ramped_capacity",
        "productive_capacity",
        "cost",
        "reps_without_ote",
        "potential",
        "potential_per_capacity",
        "productivity",
        "attainment",
        "expected_bookings",
        "quota",
        "bookings_vs_quota",
        "revenue_target",
        "required_capacity",
        "capacity_gap",
    ]
    counts = ("reps", "active_reps", "to_be_hired", "reps_without_ote")
    rows = {
        (f"{r.segment} x {r.region}" if r.region != "total" else "total"): {
            f: int(getattr(r, f)) if f in counts else _num(getattr(r, f)) for f in fields
        }
        for r in c.itertuples()
    }
    total = rows.pop("total")
    return {"blocks": rows, "total": total}


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return _num(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
