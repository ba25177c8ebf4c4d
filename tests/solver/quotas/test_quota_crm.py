"""A real CRM history (Maven Analytics' CRM Sales Opportunities): 3 offices, 6 managers, 35 agents.

Won deals per agent give last year's bookings (all close in 2017); the value
of every deal an agent worked (won at its close value, open ones at the
product's list price) stands for its territory potential. A target cascades
over offices, managers and agents with a bookings / potential blend, and the
reconcile table and fairness figures come out of it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from solver.config import QuotaConfig
from solver.money import scale_cents, to_cents
from solver.planning.capacity import monthly_capacity
from solver.quotas.cascade import quota_plan
from solver.quotas.views import quota_views
from tests.tests_paths import require_shared

PLAN = dt.date(2018, 1, 1)


def _agents(shared_data) -> pd.DataFrame:
    folder = require_shared("crm", "maven_crm_sales_opportunities")
    teams = pd.read_csv(folder / "sales_teams.csv")
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    price = pd.read_csv(folder / "products.csv").set_index("product")["sales_price"]
    price.index = price.index.str.replace(" ", "")  # the export spells "GTXPro" and "GTX Pro"
    won = deals[deals["deal_stage"] == "Won"]
    bookings = won.groupby("sales_agent")["close_value"].sum()
    open_ = deals[deals["deal_stage"].isin(["Engaging", "Prospecting"])]
    open_value = open_["product"].str.replace(" ", "").map(price).groupby(open_["sales_agent"]).sum()
    potential = bookings.add(open_value, fill_value=0.0)
    return pd.DataFrame(
        {
            "region": teams["regional_office"].to_numpy(),
            "segment": "Field",
            "manager_id": teams["manager"].to_numpy(),
            "potential": potential.reindex(teams["sales_agent"]).fillna(0.0).to_numpy(),
            "last_year_bookings": bookings.reindex(teams["sales_agent"]).to_numpy(),
        },
        index=pd.Index(teams["sales_agent"].to_numpy(), name="rep_id"),
    ).sort_index()


def test_cascade_over_offices_managers_and_agents(shared_data) -> None:
    reps = _agents(shared_data)
    assert len(reps) == 35 and reps["region"].nunique() == 3 and reps["manager_id"].nunique() == 6
    assert reps["last_year_bookings"].isna().sum() == 5  # five agents closed nothing
    monthly = monthly_capacity([None] * len(reps), [None] * len(reps), PLAN, ())
    hedge = {"region": 0.05, "manager": 0.03, "rep": 0.10}
    cfg = QuotaConfig(
        target=12_000_000.00,
        hedge=hedge,
        basis={
            "region": "bookings",
            "manager": {"potential": 0.5, "bookings": 0.5},
            "rep": {"potential": 0.5, "bookings": 0.5},
        },
        penetration=1.0,
    )
    plan = quota_plan(reps, monthly, cfg, PLAN)
    nodes = plan.nodes
    assert nodes["level"].value_counts().to_dict() == {
        "rep": 35,
        "manager": 6,
        "region": 3,
        "segment": 3,
        "company": 1,
    }
    # every level to the cent
    region_total = scale_cents(to_cents(12_000_000), 1.05)
    assert int(plan.regions["quota_cents"].sum()) == region_total
    for region, q in plan.regions.set_index("region")["quota_cents"].items():
        reps_of = plan.reps[plan.reps["region"] == region]["quota_cents"].sum()
        assert int(reps_of) == scale_cents(int(q), Decimal("1.03") * Decimal("1.10"))
    assert (nodes["children_total_cents"] == nodes["children_sum_cents"]).all()
    # offices split by last year's bookings (an agent without any counts as the mean agent)
    filled = reps["last_year_bookings"].fillna(reps["last_year_bookings"].mean())
    by_office = filled.groupby(reps["region"]).sum()
    shares = plan.regions.set_index("region")["quota_cents"] / region_total
    assert shares.to_numpy() == pytest.approx((by_office / by_office.sum()).to_numpy(), abs=1e-9)
    # agents without history still carry quota (their segment's mean bookings stands in)
    quiet = reps.index[reps["last_year_bookings"].isna()]
    assert (plan.reps.set_index("rep_id").loc[quiet, "quota_cents"] > 0).all()

    views = quota_views(plan, reps["potential"], reps["segment"], reps["last_year_bookings"], cfg)
    rec = views.reconcile
    assert len(rec) == 48 and rec["conserved"].all()
    company = rec[rec["level"] == "company"].iloc[0]
    assert company["bottom_up_cents"] == int(np.rint(reps["potential"] * 100).sum())
    fair = views.fairness
    assert fair["attainment_model"]["spread_source"] == "history"
    assert fair["attainment_model"]["history_reps"] == 30
    assert 0 < fair["attainment_model"]["spread"] < 1
    assert 0 < fair["quota_potential_ratio"]["cv"] < 1
    assert 0 <= fair["expected_share_reaching_quota"] <= 1
    print(rec[rec["level"] != "rep"][["level", "node", "quota_cents", "bottom_up_cents", "gap_cents"]])
    print(fair)
