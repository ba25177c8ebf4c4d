"""The full cascade: company -> region -> segment -> manager -> rep -> period, to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.config import QuotaConfig
from solver.errors import InputError
from solver.money import allocate_cents, scale_cents, to_cents
from solver.planning.capacity import monthly_capacity
from solver.quotas.cascade import quota_plan
from solver.quotas.tree import NO_MANAGER

PLAN = dt.date(2027, 2, 1)
RAMP = (0.25, 0.5, 0.75)


def _reps(rows: list[tuple]) -> tuple[pd.DataFrame, np.ndarray]:
    """rows: (rep_id, region, segment, manager, potential, bookings, start, end)."""
    df = pd.DataFrame(
        rows,
        columns=[
            "rep_id",
            "region",
            "segment",
            "manager_id",
            "potential",
            "last_year_bookings",
            "start",
            "end",
        ],
    ).set_index("rep_id")
    df = df.sort_index()
    monthly = monthly_capacity(df["start"], df["end"], PLAN, RAMP)
    return df.drop(columns=["start", "end"]), monthly


def _level_sum(plan, level: str) -> pd.Series:
    n = plan.nodes
    return n[n["level"] == level].groupby("region")["quota_cents"].sum()


def test_every_level_by_hand() -> None:
    reps, monthly = _reps(
        [
            ("A1", "NA", "SMB", "M1", 100.0, np.nan, None, None),
            ("A2", "NA", "SMB", "M1", 300.0, np.nan, None, None),
            ("A3", "NA", "ENT", "M2", 600.0, np.nan, None, None),
            ("B1", "EMEA", "SMB", "M3", 500.0, np.nan, None, None),
        ]
    )
    cfg = QuotaConfig(target=1000.0, hedge={"region": 0.1, "segment": 0.1, "rep": 0.1})
    plan = quota_plan(reps, monthly, cfg, PLAN)
    assert plan.levels == ("region", "segment", "manager", "rep")
    # regions by potential 1000 : 500 of 1,100.00
    assert plan.regions.set_index("region")["quota_cents"].to_dict() == {"EMEA": 36_667, "NA": 73_333}
    seg = plan.nodes[plan.nodes.level == "segment"].set_index("node")["quota_cents"].to_dict()
    # NA segments: 733.33 x 1.1 = 806.66 (rounded half up: 806.66) split 400 : 600
    assert seg["NA|SMB"] + seg["NA|ENT"] == scale_cents(73_333, "1.1")
    assert seg == {"EMEA|SMB": 40_334, "NA|ENT": 48_400, "NA|SMB": 32_266}
    rep = plan.reps.set_index("rep_id")["quota_cents"].to_dict()
    # reps of a region add up to region quota x 1.1 x 1.1 (segment and rep hedges), exactly
    assert rep["A1"] + rep["A2"] + rep["A3"] == scale_cents(73_333, Decimal("1.1") * Decimal("1.1"))
    assert rep["B1"] == scale_cents(36_667, Decimal("1.21"))
    assert rep["A1"] * 3 == pytest.approx(rep["A2"], abs=3)


def test_contract_rep_hedge_without_middle_hedges() -> None:
    reps, monthly = _reps(
        [
            (
                f"R{i}",
                "NA" if i % 2 else "EMEA",
                "SMB" if i % 3 else "MM",
                f"M{i % 4}",
                10.0 + i,
                np.nan,
                None,
                None,
            )
            for i in range(12)
        ]
    )
    cfg = QuotaConfig(target=123456.78, hedge={"region": 0.07, "rep": 0.13})
    plan = quota_plan(reps, monthly, cfg, PLAN)
    for row in plan.regions.itertuples():
        assert row.rep_total_cents == scale_cents(row.quota_cents, 1.13)


def test_rep_id_equal_to_a_region_name() -> None:
    reps, monthly = _reps(
        [
            ("NA", "NA", "SMB", None, 10.0, np.nan, None, None),
            ("X", "NA", "SMB", None, 30.0, np.nan, None, None),
        ]
    )
    plan = quota_plan(reps, monthly, QuotaConfig(target=100.0), PLAN)
    assert plan.reps.set_index("rep_id")["quota_cents"].to_dict() == {"NA": 2_500, "X": 7_500}
    assert "manager" not in plan.levels


def test_bookings_basis_imputes_and_scales_by_capacity() -> None:
    reps, monthly = _reps(
        [
            ("A", "NA", "SMB", "M1", 100.0, 1000.0, None, None),
            ("B", "NA", "SMB", "M1", 100.0, 3000.0, None, "2027-07-31"),  # half a year
            ("C", "NA", "SMB", "M1", 100.0, np.nan, None, None),  # no history: segment mean 2000
        ]
    )
    cfg = QuotaConfig(target=1000.0, basis={"rep": "bookings"})
    plan = quota_plan(reps, monthly, cfg, PLAN)
    # weights 1000 x 1, 3000 x 0.5, 2000 x 1 -> 1000 : 1500 : 2000
    assert plan.reps.set_index("rep_id")["quota_cents"].to_dict() == dict(
        zip("ABC", allocate_cents(100_000, [1000, 1500, 2000]), strict=True)
    )


def test_blend_mixes_shares() -> None:
    reps, monthly = _reps(
        [
            ("A", "NA", "SMB", None, 100.0, 0.0, None, None),
            ("B", "NA", "SMB", None, 300.0, 1000.0, None, None),
        ]
    )
    cfg = QuotaConfig(target=1000.0, basis={"rep": {"potential": 0.5, "bookings": 0.5}})
    plan = quota_plan(reps, monthly, cfg, PLAN)
    # shares: potential 0.25 / 0.75, bookings 0 / 1 -> 0.125 / 0.875
    assert plan.reps["quota_cents"].tolist() == [12_500, 87_500]


def test_bookings_basis_without_bookings_is_an_input_error() -> None:
    reps, monthly = _reps([("A", "NA", "SMB", None, 100.0, np.nan, None, None)])
    with pytest.raises(InputError, match="last_year_bookings"):
        quota_plan(reps, monthly, QuotaConfig(target=10.0, basis="bookings"), PLAN)


def test_seasonality_shapes_the_periods() -> None:
    reps, monthly = _reps([("A", "NA", "SMB", None, 100.0, np.nan, None, None)])
    season = (1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2)
    plan = quota_plan(reps, monthly, QuotaConfig(target=1500.0, seasonality=season), PLAN)
    assert plan.periods["quota_cents"].tolist() == [30_000, 30_000, 30_000, 60_000]


def test_manager_missing_for_some_reps_forms_a_team() -> None:
    reps, monthly = _reps(
        [("A", "NA", "SMB", "M1", 1.0, np.nan, None, None), ("B", "NA", "SMB", None, 1.0, np.nan, None, None)]
    )
    plan = quota_plan(reps, monthly, QuotaConfig(target=10.0), PLAN)
    assert set(plan.nodes.loc[plan.nodes.level == "manager", "manager"]) == {"M1", NO_MANAGER}


def test_caps_keep_reps_within_their_band_when_possible() -> None:
    reps, monthly = _reps(
        [
            ("A", "NA", "SMB", None, 100.0, 100.0, None, None),
            ("B", "NA", "SMB", None, 900.0, 500.0, None, None),
            ("C", "NA", "SMB", None, 500.0, np.nan, None, None),  # no reference: absorbs the rest
        ]
    )
    cfg = QuotaConfig(target=1500.0, max_change=0.2)
    plan = quota_plan(reps, monthly, cfg, PLAN)
    q = plan.reps.set_index("rep_id")["quota_cents"] / 100
    assert q.sum() == 1500.0
    assert 80 <= q["A"] <= 120 and 400 <= q["B"] <= 600
    assert plan.caps is not None and plan.caps["within"].all()


def test_caps_breach_is_reported_not_hidden() -> None:
    reps, monthly = _reps(
        [("A", "NA", "SMB", None, 1.0, 100.0, None, None), ("B", "NA", "SMB", None, 1.0, 100.0, None, None)]
    )
    plan = quota_plan(reps, monthly, QuotaConfig(target=1000.0, max_change=0.1), PLAN)
    assert int(plan.reps["quota_cents"].sum()) == 100_000  # the sum wins over the caps
    assert not plan.caps["within"].any()


def _random_reps(seed: int, n: int, with_bookings: bool) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2026-06-01")
    rows = []
    for i in range(n):
        start = None if rng.random() < 0.4 else str(base + int(rng.integers(0, 700)))
        end = None if rng.random() < 0.7 else str(base + int(rng.integers(200, 900)))
        rows.append(
            (
                f"R{i:03d}",
                str(rng.choice(["NA", "EMEA", "APAC"])),
                str(rng.choice(["SMB", "MM", "ENT"])),
                None if rng.random() < 0.1 else f"M{int(rng.integers(0, 4))}",
                float(rng.lognormal(10, 1)) * (rng.random() > 0.05),
                float(rng.lognormal(11, 1)) if with_bookings and rng.random() < 0.8 else np.nan,
                start,
                end,
            )
        )
    if with_bookings:
        rows[0] = (*rows[0][:5], 1000.0, *rows[0][6:])
    return _reps(rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.decimals(0, 10**9, places=2).map(float),
    hedges=st.tuples(*[st.floats(-0.2, 0.4) for _ in range(4)]),
    n=st.integers(1, 25),
    seed=st.integers(0, 10**6),
    periods=st.sampled_from(["month", "quarter"]),
    basis=st.sampled_from(["potential", "bookings", {"potential": 0.7, "bookings": 0.3}]),
    season=st.one_of(st.none(), st.lists(st.floats(0, 3), min_size=12, max_size=12)),
)
def test_every_level_conserves_to_the_cent(target, hedges, n, seed, periods, basis, season) -> None:
    reps, monthly = _random_reps(seed, n, with_bookings=True)
    hedge = dict(zip(("region", "segment", "manager", "rep"), hedges, strict=True))
    if season is not None and sum(season) <= 0:
        season = None
    cfg = QuotaConfig(target=target, hedge=hedge, periods=periods, basis=basis, seasonality=season)
    cf = monthly.sum(axis=1)
    region_total = scale_cents(to_cents(target), 1 + hedge["region"])
    if region_total and not (cf > 0).any():
        with pytest.raises(InputError):
            quota_plan(reps, monthly, cfg, PLAN)
        return
    plan = quota_plan(reps, monthly, cfg, PLAN)
    assert int(plan.regions["quota_cents"].sum()) == region_total
    # each level inside a region adds up to region quota x prod(1 + hedges so far), exactly
    factor = Decimal(1)
    region_q = plan.regions.set_index("region")["quota_cents"]
    for level in plan.levels[1:]:
        factor *= Decimal(str(1 + hedge[level]))
        got = _level_sum(plan, level)
        for region, q in region_q.items():
            assert int(got.get(region, 0)) == scale_cents(int(q), factor)
    # every parent's children add up to what the parent hands down; no node off
    assert (plan.nodes["children_total_cents"] == plan.nodes["children_sum_cents"]).all()
    # ... which is the parent's quota x (1 + hedge) to within a couple of cents
    n_ = plan.nodes
    for parent_level, level in zip(plan.levels[1:-1], plan.levels[2:], strict=True):
        parents = n_[n_.level == parent_level].set_index("node")
        kids = n_[n_.level == level].groupby("parent")["quota_cents"].sum()
        expect = parents["quota_cents"].astype(float) * (1 + hedge[level])
        assert np.all(np.abs(kids.reindex(parents.index).fillna(0).to_numpy() - expect.to_numpy()) <= 3)
    # a rep without capacity gets 0; no quota in a period without capacity
    q = plan.reps.set_index("rep_id")["quota_cents"].reindex(reps.index)
    assert (q.to_numpy()[cf == 0] == 0).all()
    step = 1 if periods == "month" else 3
    cap = monthly.reshape(len(reps), 12 // step, step).sum(axis=2).ravel()
    per = plan.periods.sort_values(["rep_id", "period"])
    assert (per["quota_cents"].to_numpy()[cap == 0] == 0).all()
    assert (per.groupby("rep_id")["quota_cents"].sum().reindex(reps.index).to_numpy() == q.to_numpy()).all()


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 10),
    seed=st.integers(0, 10**6),
    season=st.lists(st.floats(0.1, 3), min_size=12, max_size=12),
)
def test_period_quotas_follow_ramp_dates_and_seasonality(n, seed, season) -> None:
    reps, monthly = _random_reps(seed, n, with_bookings=False)
    assume(monthly.sum() > 0)
    plan = quota_plan(
        reps, monthly, QuotaConfig(target=1e6, periods="month", seasonality=tuple(season)), PLAN
    )
    per = plan.periods.sort_values(["rep_id", "period"])
    q = per["quota_cents"].to_numpy().reshape(len(reps), 12)
    annual = q.sum(axis=1)
    w = monthly * np.asarray(season)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = annual[:, None] * w / w.sum(axis=1, keepdims=True)
    ok = annual > 0
    assert np.all(np.abs(q[ok] - expected[ok]) <= 1.0)  # largest remainder: within one cent
