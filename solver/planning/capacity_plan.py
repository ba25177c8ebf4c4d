"""Capacity planning per segment x region: from the revenue target to hires and their dates.

For each block b:

- revenue target T_b: ``[capacity.blocks.R.S] target``, or ``share`` x the
  company target; blocks with neither share what is left of the company
  target in proportion to their potential;
- productive capacity of a rep: (1/12) x sum over plan months of
  active_m x ramp_m x survival_m, where ramp is the plan ramp or the role's
  override (``[capacity.ramp]``, by segment) and survival_m =
  (1 - attrition)^((m + 1/2) / 12) is the expected share of reps without a
  known end date still on the team in month m;
- required effective headcount E_b = T_b / (productivity_b x attainment);
- gap G_b = E_b - sum of the team's productive capacity;
- one hire starting on day d adds h(d) (its productive capacity); hires
  needed n_b = the smallest n with n x h(earliest start) >= G_b, within
  ``min_reps`` / ``max_reps``; they must start by the latest first-of-month
  on which n hires still close the gap, and their requisitions open
  ``lead_time_months`` before that.

With ``headcount`` or ``budget``, `solver.planning.sizing` chooses the team size of
each block instead (potential per capacity as even as possible), and the
hires start at the earliest start.

The finance view (`finance_view`) reads any team (with its to-be-hired
rows): headcount, ramped capacity (sum of contract capacity factors), cost
(sum of OTE x active days in the plan year / days in the plan year),
potential per capacity, and expected bookings = productive capacity x
productivity x attainment.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.assignment.result import Status
from solver.config import CapacityConfig, PlanParams
from solver.errors import InputError, InputProblem
from solver.planning.capacity import PLAN_MONTHS, month_bounds, monthly_capacity
from solver.planning.sizing import SizingBlock, SizingResult, size_blocks
from solver.planning.weights import fte_of

#: Prefix of the ids of to-be-hired placeholder rows.
TBH_PREFIX = "TBH"


#: Columns of the finance view (capacity.csv), in order.
FINANCE_COLUMNS = (
    "region",
    "segment",
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
)


def plan_days(plan_start: dt.date) -> int:
    b = month_bounds(plan_start)
    return int((b[-1] - b[0]).astype(np.int64))


def active_days(start_dates: pd.Series, end_dates: pd.Series, plan_start: dt.date) -> np.ndarray:
    """Days each rep is employed inside the plan year (start <= day <= end)."""
    active = monthly_capacity(start_dates, end_dates, plan_start, ())
    b = month_bounds(plan_start)
    days = (b[1:] - b[:-1]).astype(np.int64)
    return np.rint(active @ days).astype(np.int64)


def survival(attrition: float) -> np.ndarray:
    """Expected share of today's team still employed in each plan month."""
    return (1 - attrition) ** ((np.arange(PLAN_MONTHS) + 0.5) / PLAN_MONTHS)


def role_ramp(params: PlanParams, segment: str) -> tuple[float, ...]:
    cap = params.capacity
    if cap is not None and segment in cap.ramp:
        return cap.ramp[segment]
    return params.plan.ramp


def productive_capacity(reps: pd.DataFrame, params: PlanParams) -> np.ndarray:
    """Each rep's expected productive capacity (role ramp, attrition, FTE) in [0, 1]."""
    out = np.zeros(len(reps))
    attrition = params.capacity.attrition if params.capacity else 0.0
    surv = survival(attrition)
    seg = reps["segment"].astype(str).to_numpy()
    no_end = reps["end_date"].isna().to_numpy()
    for s in np.unique(seg):  # one pass per role: ramps differ by role
        m = seg == s
        monthly = monthly_capacity(
            reps["start_date"][m], reps["end_date"][m], params.plan.start, role_ramp(params, s)
        )
        weight = np.where(no_end[m][:, None], surv[None, :], 1.0)
        out[m] = (monthly * weight).sum(axis=1) / PLAN_MONTHS
    return out * fte_of(reps)


def hire_capacity(start: dt.date, params: PlanParams, segment: str) -> float:
    """Productive capacity of one hire of ``segment`` starting on ``start``."""
    rep = pd.DataFrame({"start_date": [pd.Timestamp(start)], "end_date": [pd.NaT], "segment": [segment]})
    return float(productive_capacity(rep, params)[0])


def block_targets(block_potential: pd.Series, params: PlanParams) -> pd.Series:
    """Revenue target per (region, segment): given, by share, or the rest by potential."""
    cap = params.capacity
    company = params.quota.target
    given = pd.Series(np.nan, index=block_potential.index, dtype=float)
    if cap is not None:
        for region, segment in block_potential.index:
            b = cap.block(region, segment)
            if b.target is not None:
                given[(region, segment)] = b.target
            elif b.share is not None:
                given[(region, segment)] = b.share * company
    rest = max(company - float(given.sum()), 0.0)
    free = given.isna()
    pot = block_potential.where(free, 0.0).astype(float)
    if pot.sum() > 0:
        given[free] = rest * pot[free] / pot.sum()
    else:
        given[free] = 0.0
    return given


@dataclass(frozen=True)
class CapacityPlan:
    """Per-block capacity model and the hires it proposes."""

    blocks: pd.DataFrame  # one row per (region, segment); see `capacity_plan`
    sizing: SizingResult | None
    notes: tuple[str, ...] = ()

    @property
    def hires(self) -> int:
        return int(self.blocks["hires"].sum())


def _cap_config(params: PlanParams) -> CapacityConfig:
    if params.capacity is None:
        raise InputError(InputProblem("scenario", None, "capacity", "missing [capacity] section"))
    return params.capacity


def _block_index(reps: pd.DataFrame, block_potential: pd.Series, params: PlanParams) -> pd.MultiIndex:
    keys = set(block_potential.index) | set(
        zip(reps["region"].astype(str), reps["segment"].astype(str), strict=True)
    )
    if params.capacity is not None:
        keys |= {(r, s) for r, segs in params.capacity.blocks.items() for s in segs}
    return pd.MultiIndex.from_tuples(sorted(keys), names=["region", "segment"])


def _month_starts(params: PlanParams, earliest: dt.date) -> list[dt.date]:
    """Candidate start dates: the earliest start, then each later plan month's first day."""
    b = [pd.Timestamp(x).date() for x in month_bounds(params.plan.start)[:-1]]
    return [earliest, *[d for d in b if d > earliest]]


def capacity_plan(reps: pd.DataFrame, block_potential: pd.Series, params: PlanParams) -> CapacityPlan:
    """Required capacity, gaps and hires per block.

    Parameters
    ----------
    reps
        The team: rep_id, segment, region, start_date, end_date (datetime), optional ote.
    block_potential
        Potential per (region, segment).
    params
        Plan parameters with a ``capacity`` section.

    Returns
    -------
    CapacityPlan
        ``blocks`` columns: region, segment, potential, revenue_target,
        productivity, attainment, required_capacity, reps (with capacity this
        year), productive_capacity, capacity_gap, hire_capacity, hires,
        planned_reps, start_date, open_requisition_by, ote_per_hire,
        hire_cost (the hires' OTE prorated to the days they work in the plan
        year) and gap_left (the capacity gap the hires do not close).
    """
    cap = _cap_config(params)
    team = _team_by_block(reps, block_potential, params)
    earliest = cap.earliest_start or params.plan.start
    starts = _month_starts(params, earliest)
    notes: list[str] = []
    rows, problems = [], []
    for region, segment in team.index:
        productivity = cap.productivity_of(region, segment)
        if productivity is None:
            problems.append(
                InputProblem(
                    "scenario", None, "capacity.productivity", f"no productivity for segment {segment}"
                )
            )
            continue
        row, note = _block_hires(team.loc[(region, segment)], region, segment, productivity, starts, params)
        rows.append(row)
        notes += note
    if problems:
        raise InputError(problems)
    table = pd.DataFrame(rows)
    sizing = None
    if cap.headcount is not None or cap.budget is not None:
        sizing = _size(table, reps, params, earliest)
        if sizing.status.has_plan:
            table = _sized_hires(table, sizing, earliest)
        else:
            notes.append(f"sizing: {sizing.explanation}")
    return CapacityPlan(_finish(table, params), sizing, tuple(notes))


def _team_by_block(reps: pd.DataFrame, block_potential: pd.Series, params: PlanParams) -> pd.DataFrame:
    """Per block: potential, revenue target, the team's productive capacity and reps with capacity."""
    idx = _block_index(reps, block_potential, params)
    potential = block_potential.reindex(idx, fill_value=0.0).astype(float)
    prod = productive_capacity(reps, params)
    cf = monthly_capacity(reps["start_date"], reps["end_date"], params.plan.start, params.plan.ramp).sum(
        axis=1
    )
    key = pd.MultiIndex.from_arrays([reps["region"].astype(str), reps["segment"].astype(str)])
    return pd.DataFrame(
        {
            "potential": potential,
            "revenue_target": block_targets(potential, params),
            "productive_capacity": pd.Series(prod, index=key)
            .groupby(level=[0, 1])
            .sum()
            .reindex(idx, fill_value=0.0),
            "reps": pd.Series(cf > 0, index=key)
            .groupby(level=[0, 1])
            .sum()
            .reindex(idx, fill_value=0)
            .astype(int),
        },
        index=idx,
    )


def _block_hires(
    team: pd.Series,
    region: str,
    segment: str,
    productivity: float,
    starts: list[dt.date],
    params: PlanParams,
) -> tuple[dict[str, object], list[str]]:
    """One block's required capacity, gap, hires (within min/max reps) and the latest start date."""
    cap = _cap_config(params)
    earliest = starts[0]
    notes = []
    h = np.array([hire_capacity(d, params, segment) for d in starts])
    required = float(team["revenue_target"]) / (productivity * cap.attainment)
    gap = required - float(team["productive_capacity"])
    b = cap.block(region, segment)
    n0 = int(team["reps"])
    need = 0
    if gap > 1e-9:
        if h[0] > 0:
            need = math.ceil(gap / h[0] - 1e-9)
        else:
            notes.append(f"{segment} x {region}: a hire starting {earliest} adds no capacity this plan year")
    lo = max(b.min_reps - n0, 0)
    hi = (b.max_reps - n0) if b.max_reps is not None else None
    hires = max(need, lo)
    if hi is not None and hires > max(hi, 0):
        notes.append(
            f"{segment} x {region}: {hires} hires needed but max_reps {b.max_reps} allows {max(hi, 0)}"
        )
        hires = max(hi, 0)
    start = earliest
    if hires > 0 and gap > 0:
        covering = [d for d, hd in zip(starts, h, strict=True) if hires * hd >= gap - 1e-9]
        start = covering[-1] if covering else earliest
    row = {
        "region": region,
        "segment": segment,
        "potential": float(team["potential"]),
        "revenue_target": float(team["revenue_target"]),
        "productivity": productivity,
        "attainment": cap.attainment,
        "required_capacity": required,
        "reps": n0,
        "productive_capacity": float(team["productive_capacity"]),
        "capacity_gap": max(gap, 0.0),
        "hire_capacity": float(h[starts.index(start)]),
        "hires": hires,
        "start_date": start,
        "ote_per_hire": cap.ote_of(segment),
        "min_reps": b.min_reps,
        "max_reps": b.max_reps,
        "earliest_capacity": float(h[0]),
    }
    return row, notes


def _sized_hires(table: pd.DataFrame, sizing: SizingResult, earliest: dt.date) -> pd.DataFrame:
    """Hires from the sizing's team counts; they all start at the earliest start."""
    out = table.copy()
    out["hires"] = [
        sizing.counts[f"{s} x {r}"] - n0
        for r, s, n0 in zip(out["region"], out["segment"], out["reps"], strict=True)
    ]
    out["start_date"] = earliest
    out["hire_capacity"] = out["earliest_capacity"]
    return out


def _finish(table: pd.DataFrame, params: PlanParams) -> pd.DataFrame:
    """Planned reps, requisition dates, the hires' cost and the gap they leave."""
    cap = _cap_config(params)
    out = table.copy()
    out["planned_reps"] = out["reps"] + out["hires"]
    out["open_requisition_by"] = [
        (pd.Timestamp(d) - pd.DateOffset(months=cap.lead_time_months)).date() for d in out["start_date"]
    ]
    days = active_days(
        pd.Series(pd.to_datetime(out["start_date"])),
        pd.Series(pd.NaT, index=out.index),
        params.plan.start,
    )
    ote = pd.to_numeric(out["ote_per_hire"], errors="coerce").astype(float)
    out["hire_cost"] = (out["hires"] * ote * days / plan_days(params.plan.start)).where(out["hires"] > 0, 0.0)
    out["gap_left"] = (out["capacity_gap"] - out["hires"] * out["hire_capacity"]).clip(lower=0.0)
    return out.drop(columns=["earliest_capacity"])


def _size(table: pd.DataFrame, reps: pd.DataFrame, params: PlanParams, earliest: dt.date) -> SizingResult:
    """Team size per block by `solver.planning.sizing` (no block shrinks below today's team)."""
    cap = _cap_config(params)
    days = plan_days(params.plan.start)
    ote = (
        pd.to_numeric(reps["ote"], errors="coerce") if "ote" in reps else pd.Series(np.nan, index=reps.index)
    )
    cost = (
        ote.fillna(0.0).to_numpy()
        * active_days(reps["start_date"], reps["end_date"], params.plan.start)
        / days
    )
    key = pd.MultiIndex.from_arrays([reps["region"].astype(str), reps["segment"].astype(str)])
    base_cost = pd.Series(cost, index=key).groupby(level=[0, 1]).sum()
    hire_days = active_days(pd.Series([pd.Timestamp(earliest)]), pd.Series([pd.NaT]), params.plan.start)[0]
    headcount = cap.headcount
    blocks = []
    for row in table.itertuples():
        per_hire = (row.ote_per_hire or 0.0) * hire_days / days
        # read the bounds from the config: in the table a block without max_reps
        # reads NaN once another block sets one
        b = cap.block(str(row.region), str(row.segment))
        upper = b.max_reps if b.max_reps is not None else row.reps + (headcount or 0) + 500
        if headcount is not None:
            upper = min(upper, headcount)
        blocks.append(
            SizingBlock(
                name=f"{row.segment} x {row.region}",
                potential=row.potential,
                min_reps=max(b.min_reps, row.reps),
                max_reps=max(upper, max(b.min_reps, row.reps)),
                base_reps=row.reps,
                base_capacity=row.productive_capacity,
                capacity_per_rep=row.earliest_capacity,
                base_cost=float(base_cost.get((row.region, row.segment), 0.0)),
                cost_per_rep=per_hire,
            )
        )
    if cap.budget is not None and cap.ote is None:
        return SizingResult(
            Status.INFEASIBLE,
            {},
            pd.DataFrame(),
            math.inf,
            math.inf,
            "a budget needs capacity.ote (the on-target earnings of a hire)",
        )
    return size_blocks(blocks, headcount=headcount, budget=cap.budget)


def hire_rows(plan: CapacityPlan, existing_ids: pd.Series) -> pd.DataFrame:
    """To-be-hired placeholder rows: no name, a start date, ids like ``TBH-NA-SMB-01``.

    Numbers continue after existing ids of the same block, so re-running on
    a team that already holds placeholders never reuses an id.
    """
    taken = set(existing_ids.astype(str))
    rows = []
    for r in plan.blocks.itertuples():
        k = 0
        for _ in range(int(r.hires)):
            k += 1
            while f"{TBH_PREFIX}-{r.region}-{r.segment}-{k:02d}" in taken:
                k += 1
            rid = f"{TBH_PREFIX}-{r.region}-{r.segment}-{k:02d}"
            taken.add(rid)
            rows.append(
                {
                    "rep_id": rid,
                    "name": None,
                    "segment": r.segment,
                    "region": r.region,
                    "start_date": pd.Timestamp(r.start_date),
                    "ote": r.ote_per_hire,
                }
            )
    return pd.DataFrame(rows, columns=["rep_id", "name", "segment", "region", "start_date", "ote"])


def finance_view(
    reps: pd.DataFrame,
    block_potential: pd.Series,
    block_quota_cents: pd.Series,
    params: PlanParams,
) -> pd.DataFrame:
    """Headcount, capacity, cost, coverage and expected bookings per block, plus a total row.

    Parameters
    ----------
    reps
        The team of a run: rep_id, name, segment, region, start_date, end_date, optional ote.
    block_potential
        Potential per (region, segment).
    block_quota_cents
        Sum of rep quotas per (region, segment), in cents.
    params
        Plan parameters (the ``capacity`` section is optional: without it,
        productivity and expected bookings stay blank).
    """
    cap = params.capacity
    idx = _block_index(reps, block_potential, params)
    key = pd.MultiIndex.from_arrays([reps["region"].astype(str), reps["segment"].astype(str)])
    cf = monthly_capacity(reps["start_date"], reps["end_date"], params.plan.start, params.plan.ramp).sum(
        axis=1
    )
    cf = cf / PLAN_MONTHS * fte_of(reps)
    prod = productive_capacity(reps, params)
    days = active_days(reps["start_date"], reps["end_date"], params.plan.start)
    ote = (
        pd.to_numeric(reps["ote"], errors="coerce") if "ote" in reps else pd.Series(np.nan, index=reps.index)
    )
    cost = ote.to_numpy(dtype=float) * days / plan_days(params.plan.start)
    tbh = reps["name"].isna().to_numpy() if "name" in reps else np.zeros(len(reps), dtype=bool)
    per_rep = pd.DataFrame(
        {
            "reps": 1,
            "active_reps": (cf > 0).astype(int),
            "to_be_hired": tbh.astype(int),
            "ramped_capacity": cf,
            "productive_capacity": prod,
            "cost": np.nan_to_num(cost),
            "reps_without_ote": ((days > 0) & np.isnan(cost)).astype(int),
        },
        index=key,
    )
    g = per_rep.groupby(level=[0, 1]).sum().reindex(idx, fill_value=0)
    g["potential"] = block_potential.reindex(idx, fill_value=0.0).astype(float)
    g["quota"] = block_quota_cents.reindex(idx, fill_value=0).astype("int64") / 100
    productivity = [cap.productivity_of(r, s) if cap else None for r, s in idx]
    g["productivity"] = np.array([np.nan if x is None else x for x in productivity], dtype=float)
    g["attainment"] = cap.attainment if cap else np.nan
    if cap is not None:
        g["revenue_target"] = block_targets(g["potential"], params)
        g["required_capacity"] = g["revenue_target"] / (g["productivity"] * cap.attainment)
    else:
        g["revenue_target"] = np.nan
        g["required_capacity"] = np.nan
    g = g.reset_index()
    total = g.drop(columns=["region", "segment"]).sum(numeric_only=True, min_count=1)
    total["productivity"] = np.nan
    total["attainment"] = cap.attainment if cap else np.nan
    total_row = pd.DataFrame([{"region": "total", "segment": "total", **total.to_dict()}])
    out = pd.concat([g, total_row], ignore_index=True)
    bookings = out["productive_capacity"] * out["productivity"] * out["attainment"]
    # the total's expected bookings is the sum of the blocks' (productivity differs by block)
    bookings.iloc[-1] = bookings.iloc[:-1].sum(min_count=1)
    out["expected_bookings"] = bookings
    out["potential_per_capacity"] = out["potential"] / out["ramped_capacity"].where(
        out["ramped_capacity"] > 0
    )
    out["capacity_gap"] = (out["required_capacity"] - out["productive_capacity"]).clip(lower=0)
    out["bookings_vs_quota"] = out["expected_bookings"] / out["quota"].where(out["quota"] > 0)
    return out[list(FINANCE_COLUMNS)]
