"""The quota cascade, to the cent: company target -> regions -> reps -> periods.

- Region quotas split ``target x (1 + hedge.region)`` by each region's potential.
- Rep quotas split ``region quota x (1 + hedge.rep)`` by each rep's assigned
  potential (which already follows the rep's capacity factor); reps with no
  capacity this year get 0.
- Period quotas split a rep's annual quota by its productive capacity in each
  period (active days x ramp), so a rep ramping in Q2 carries little in Q2 and
  nothing before it starts.
Every split is a largest-remainder allocation of integer cents, and each level
is checked to add up exactly (a dropped or invented cent raises).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.capacity import PLAN_MONTHS, month_bounds
from solver.config import QuotaConfig
from solver.errors import ConservationError, InputError, InputProblem
from solver.money import allocate_cents, scale_cents, to_cents

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}


@dataclass(frozen=True)
class QuotaPlan:
    """Quotas in integer cents at every level, with the totals they must meet."""

    target_cents: int
    region_total_cents: int
    regions: pd.DataFrame  # region, potential, quota_cents, rep_total_cents
    reps: pd.DataFrame  # rep_id, region, quota_cents
    periods: pd.DataFrame  # rep_id, period (date), quota_cents


def period_starts(plan_start: dt.date, periods: str) -> list[dt.date]:
    step = MONTHS_PER_PERIOD[periods]
    bounds = month_bounds(plan_start)
    return [pd.Timestamp(bounds[m]).date() for m in range(0, PLAN_MONTHS, step)]


def cascade(
    region_potential: pd.Series,
    rep_region: pd.Series,
    rep_potential: pd.Series,
    rep_monthly_capacity: np.ndarray,
    config: QuotaConfig,
    plan_start: dt.date,
) -> QuotaPlan:
    """Run the cascade. Rep series are indexed by rep_id (sorted); capacity rows align."""
    target = to_cents(config.target)
    region_total = scale_cents(target, 1 + config.hedge.get("region", 0.0))
    regions = region_potential.sort_index()
    reps_cf = rep_monthly_capacity.sum(axis=1)
    # a region whose reps have no capacity cannot carry quota: its weight is 0
    carrying = pd.Series(reps_cf > 0, index=rep_region.index).groupby(rep_region).any()
    weights = regions.where(carrying.reindex(regions.index, fill_value=False), 0.0)
    if region_total and not (weights.to_numpy(dtype=float) > 0).any():
        raise InputError(
            InputProblem(
                "reps",
                None,
                "start_date",
                "no region has a rep with capacity and potential in the plan year: "
                "the quota target cannot be carried by anyone",
            )
        )
    region_q = allocate_cents(region_total, weights.to_numpy(dtype=float))
    rep_hedge = 1 + config.hedge.get("rep", 0.0)

    rep_q = pd.Series(0, index=rep_region.index, dtype=object)
    region_rows = []
    for region, q in zip(regions.index, region_q, strict=True):
        members = rep_region.index[rep_region.to_numpy() == region]
        total = scale_cents(q, rep_hedge)
        region_rows.append((region, float(regions[region]), q, total))
        if len(members) == 0:
            if total:
                raise ConservationError(f"region {region} has quota but no reps")
            continue
        idx = np.flatnonzero(rep_region.to_numpy() == region)
        w = rep_potential.reindex(members).fillna(0.0).to_numpy(dtype=float) * (reps_cf[idx] > 0)
        if w.sum() <= 0:
            w = reps_cf[idx]
        rep_q[members] = allocate_cents(total, w)
    if sum(q for _, _, q, _ in region_rows) != region_total:
        raise ConservationError("region quotas do not add up to the hedged target")

    step = MONTHS_PER_PERIOD[config.periods]
    per_period = rep_monthly_capacity.reshape(len(rep_region), PLAN_MONTHS // step, step).sum(axis=2)
    starts = period_starts(plan_start, config.periods)
    period_rows = []
    for i, rep in enumerate(rep_region.index):
        split = allocate_cents(int(rep_q[rep]), per_period[i]) if reps_cf[i] > 0 else [0] * len(starts)
        if reps_cf[i] <= 0 and rep_q[rep]:
            raise ConservationError(f"rep {rep} has quota but no capacity")
        period_rows.extend((rep, s, c) for s, c in zip(starts, split, strict=True))
    periods_df = pd.DataFrame(period_rows, columns=["rep_id", "period", "quota_cents"])
    reps_df = pd.DataFrame(
        {
            "rep_id": rep_region.index,
            "region": rep_region.to_numpy(),
            "quota_cents": [int(x) for x in rep_q.to_numpy()],
        }
    )
    regions_df = pd.DataFrame(region_rows, columns=["region", "potential", "quota_cents", "rep_total_cents"])
    _check(regions_df, reps_df, periods_df, region_total)
    return QuotaPlan(target, region_total, regions_df, reps_df, periods_df)


def _check(regions: pd.DataFrame, reps: pd.DataFrame, periods: pd.DataFrame, region_total: int) -> None:
    """Every level adds up to the level above, exactly."""
    if int(sum(regions["quota_cents"])) != region_total:
        raise ConservationError("regions do not add up to the hedged company target")
    by_region = reps.groupby("region")["quota_cents"].apply(lambda s: int(sum(s)))
    for _, row in regions.iterrows():
        got = int(by_region.get(row["region"], 0))
        if got != int(row["rep_total_cents"]):
            raise ConservationError(f"reps of {row['region']} add up to {got}, not {row['rep_total_cents']}")
    by_rep = periods.groupby("rep_id")["quota_cents"].apply(lambda s: int(sum(s)))
    annual = reps.set_index("rep_id")["quota_cents"]
    mismatch = [r for r in annual.index if int(by_rep.get(r, 0)) != int(annual[r])]
    if mismatch:
        raise ConservationError(f"period quotas of {mismatch[:5]} do not add up to their annual quota")
