"""Bottom-up quotas, the reconcile table and the fairness figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from solver.config import QuotaConfig
from solver.errors import ConservationError
from solver.planning.capacity import monthly_capacity
from solver.quotas.cascade import quota_plan
from solver.quotas.views import DEFAULT_SPREAD, bottom_up, fairness, quota_views, reconcile

PLAN = dt.date(2027, 2, 1)


def _plan(cfg: QuotaConfig, bookings=(np.nan, np.nan, np.nan, np.nan)):
    reps = pd.DataFrame(
        {
            "region": ["NA", "NA", "NA", "EMEA"],
            "segment": ["SMB", "SMB", "ENT", "SMB"],
            "potential": [1000.0, 3000.0, 6000.0, 5000.0],
            "last_year_bookings": list(bookings),
        },
        index=pd.Index(["A", "B", "C", "D"], name="rep_id"),
    )
    monthly = monthly_capacity([None] * 4, [None] * 4, PLAN, ())
    return reps, quota_plan(reps, monthly, cfg, PLAN)


def test_bottom_up_per_segment_and_default() -> None:
    cfg = QuotaConfig(target=1500.0, penetration={"SMB": 0.1})
    pot = pd.Series([1000.0, 6000.0], index=["A", "C"])
    cents, pen, notes = bottom_up(pot, pd.Series(["SMB", "ENT"], index=pot.index), cfg)
    # ENT not given: target / total potential = 1500 / 7000
    assert pen == {"ENT": pytest.approx(1500 / 7000), "SMB": 0.1}
    assert cents.to_dict() == {"A": 10_000, "C": 128_571}
    assert any("ENT" in n for n in notes)


def test_reconcile_rolls_up_and_shows_the_gap() -> None:
    cfg = QuotaConfig(target=1500.0, hedge={"region": 0.1}, penetration=0.1)
    reps, plan = _plan(cfg)
    views = quota_views(plan, reps["potential"], reps["segment"], reps["last_year_bookings"], cfg)
    t = views.reconcile.set_index(["level", "node"])
    # bottom-up = potential x 0.1 at every level
    assert t.loc[("company", "company"), "bottom_up_cents"] == 150_000
    assert t.loc[("region", "NA"), "bottom_up_cents"] == 100_000
    assert t.loc[("segment", "NA|SMB"), "bottom_up_cents"] == 40_000
    assert t.loc[("rep", "C"), "bottom_up_cents"] == 60_000
    # top-down: 1,650.00 by potential 10,000 : 5,000
    assert t.loc[("region", "NA"), "quota_cents"] == 110_000
    assert t.loc[("region", "NA"), "gap_cents"] == 10_000
    assert t.loc[("region", "NA"), "gap_share"] == pytest.approx(0.1)
    assert views.reconcile["conserved"].all()


def test_reconcile_refuses_a_dropped_cent() -> None:
    cfg = QuotaConfig(target=1500.0)
    reps, plan = _plan(cfg)
    nodes = plan.nodes.copy()
    nodes.loc[nodes["level"] == "rep", "quota_cents"] += np.array([0, 1, 0, 0])  # an invented cent
    nodes.loc[nodes["level"] == "rep", "children_total_cents"] += np.array([0, 1, 0, 0])
    broken = type(plan)(**{**plan.__dict__, "nodes": nodes})
    with pytest.raises(ConservationError):
        reconcile(broken, pd.Series(0, index=reps.index))


def test_fairness_ratio_cv_and_reach_probability() -> None:
    q = pd.Series([110_00, 100_00, 0], index=["A", "B", "C"])  # cents
    pot = pd.Series([1000.0, 1000.0, 500.0], index=q.index)
    mu = pd.Series([100_00, 100_00, 50_00], index=q.index)
    reps, summary = fairness(q, pot, mu, pd.Series(np.nan, index=q.index), QuotaConfig(target=1.0))
    r = reps.set_index("rep_id")
    assert r.loc["A", "ratio"] == pytest.approx(0.11) and np.isnan(r.loc["C", "ratio"])
    # B's quota equals its expectation: a coin flip; A is 0.4 spread above it
    assert r.loc["B", "p_reach"] == pytest.approx(0.5)
    assert r.loc["A", "p_reach"] == pytest.approx(0.3445783, abs=1e-6)  # P(Z >= 0.1 / 0.25)
    assert np.isnan(r.loc["C", "p_reach"])  # no quota: not counted
    assert summary["attainment_model"] == {
        "spread": DEFAULT_SPREAD,
        "spread_source": "default",
        "history_reps": 0,
    }
    ratios = np.array([0.11, 0.10])
    assert summary["quota_potential_ratio"]["cv"] == pytest.approx(ratios.std() / ratios.mean())
    assert summary["expected_share_reaching_quota"] == pytest.approx((0.3445783 + 0.5) / 2, abs=1e-6)


def test_spread_is_calibrated_from_history() -> None:
    q = pd.Series([100_00] * 4, index=list("ABCD"))
    pot = pd.Series([1000.0] * 4, index=q.index)
    mu = pd.Series([100_00] * 4, index=q.index)
    booked = pd.Series([80.0, 100.0, 120.0, 100.0], index=q.index)  # x = booked / expected
    _, summary = fairness(q, pot, mu, booked, QuotaConfig(target=1.0))
    x = np.array([0.8, 1.0, 1.2, 1.0])
    assert summary["attainment_model"]["spread_source"] == "history"
    assert summary["attainment_model"]["spread"] == pytest.approx(x.std() / x.mean())
    _, summary = fairness(
        q, pot, mu, booked.iloc[:2].reindex(q.index), QuotaConfig(target=1.0, attainment_spread=0.4)
    )
    assert summary["attainment_model"] == {"spread": 0.4, "spread_source": "scenario", "history_reps": 0}
