"""The quota cascade: every level adds up to the level above, to the cent."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.config import QuotaConfig
from solver.errors import InputError
from solver.money import scale_cents, to_cents
from solver.planning.capacity import monthly_capacity
from solver.quotas.cascade import cascade

PLAN = dt.date(2027, 2, 1)


def _run(
    target,
    hedge_region,
    hedge_rep,
    starts,
    ends,
    regions,
    potentials,
    periods="quarter",
    ramp=(0.25, 0.5, 0.75),
):
    ids = [f"R{i:03d}" for i in range(len(starts))]
    monthly = monthly_capacity(starts, ends, PLAN, ramp)
    rep_region = pd.Series(regions, index=ids)
    rep_pot = pd.Series(potentials, index=ids)
    region_pot = rep_pot.groupby(rep_region).sum()
    cfg = QuotaConfig(target=target, hedge={"region": hedge_region, "rep": hedge_rep}, periods=periods)
    return cascade(region_pot, rep_region, rep_pot, monthly, cfg, PLAN), monthly


def test_tiny_cascade_by_hand() -> None:
    plan, _ = _run(
        1000.0,
        0.10,
        0.0,
        [None, None, None, "2027-08-01"],
        [None] * 4,
        ["NA", "NA", "EMEA", "EMEA"],
        [300, 300, 400, 200],
        ramp=(),
    )
    assert plan.region_total_cents == 110_000
    assert plan.reps["quota_cents"].tolist() == [27_500, 27_500, 36_667, 18_333]
    r4 = plan.periods[plan.periods.rep_id == "R003"]["quota_cents"].tolist()
    assert r4 == [0, 0, 9_167, 9_166]  # nothing before the start date


def test_rep_without_capacity_gets_zero() -> None:
    plan, _ = _run(500.0, 0.0, 0.0, [None, "2029-01-01"], [None, None], ["NA", "NA"], [100, 0])
    assert plan.reps["quota_cents"].tolist() == [50_000, 0]


@settings(max_examples=60, deadline=None)
@given(
    target=st.decimals(0, 10**9, places=2).map(float),
    hedge_region=st.floats(0, 0.3),
    hedge_rep=st.floats(0, 0.3),
    n=st.integers(1, 12),
    seed=st.integers(0, 10**6),
    periods=st.sampled_from(["month", "quarter"]),
)
def test_every_level_conserves(target, hedge_region, hedge_rep, n, seed, periods) -> None:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2026-06-01")
    starts = [None if rng.random() < 0.4 else str(base + int(rng.integers(0, 700))) for _ in range(n)]
    ends = [None if rng.random() < 0.7 else str(base + int(rng.integers(200, 900))) for _ in range(n)]
    regions = ["NA" if rng.random() < 0.5 else "EMEA" for _ in range(n)]
    pots = rng.lognormal(10, 1, n).round(2).tolist()
    cf = monthly_capacity(starts, ends, PLAN, (0.25, 0.5, 0.75)).sum(axis=1)
    region_total = scale_cents(to_cents(target), 1 + hedge_region)
    if region_total and not (cf > 0).any():
        with pytest.raises(InputError, match="cannot be carried"):
            _run(target, hedge_region, hedge_rep, starts, ends, regions, pots, periods)
        return
    plan, monthly = _run(target, hedge_region, hedge_rep, starts, ends, regions, pots, periods)
    assert int(plan.regions["quota_cents"].sum()) == region_total
    for row in plan.regions.itertuples():
        got = int(plan.reps[plan.reps.region == row.region]["quota_cents"].sum())
        assert got == row.rep_total_cents == scale_cents(row.quota_cents, 1 + hedge_rep)
    per_rep = plan.periods.groupby("rep_id")["quota_cents"].sum()
    assert (per_rep.reindex(plan.reps.rep_id).to_numpy() == plan.reps["quota_cents"].to_numpy()).all()
    zero_cf = np.flatnonzero(cf == 0)
    assert (plan.reps["quota_cents"].to_numpy()[zero_cf] == 0).all()
    # no quota in a period where the rep has no capacity
    step = 1 if periods == "month" else 3
    cap = monthly.reshape(n, 12 // step, step).sum(axis=2).ravel()
    q = plan.periods["quota_cents"].to_numpy()
    assert (q[cap == 0] == 0).all()
